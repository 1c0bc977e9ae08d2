import DisputeCore
import Foundation
import Mustache
import TOML
import WorkingDays

// Message text from Mustache templates (hummingbird-project/swift-mustache): one plain-text
// template per kind of notification (`reminder.txt`: a `Subject:` line, a blank line, the body)
// and one HTML layout (`message.html`) that presents any message's text, HTML-escaped per
// Unicode scalar (TemplateEscaping.swift).
// The shipped set is config/templates/; `templates_dir` replaces it file by file.

/// A message ready to store: subject, plain text and HTML.
public struct RenderedMessage: Equatable, Sendable {
    public var subject: String
    public var text: String
    public var html: String
}

/// The templates, parsed once (at start and on reload), so a broken override is a config error.
public struct TemplateSet: Sendable {
    /// The template names a complete set has (`NAME.txt`), plus `message.html`.
    public static let names = [
        "opened", "escalation", "reminder", "due-today", "reminder-hours", "breach", "bypass", "repeat-alert",
        "good-practice", "cafcass", "statutory-warning", "statutory-breach", "extended", "admin-parked", "admin-import-failed", "test",
    ]

    private let text: [String: MustacheTemplate]
    private let html: MustacheTemplate
    /// Where each template was read from (for `check-config`).
    public let sources: [String: String]
    /// `[web] base_url`: messages about a dispute link to its page there (`link`, `actionLink`).
    public var webBaseURL: String? = nil

    /// Reads and parses every template: from `override` when it has the file, else from `shipped`.
    ///
    /// - Throws: `ConfigFileError` naming the missing or unparsable file.
    public static func load(shipped: String, override: String? = nil) throws -> TemplateSet {
        var text: [String: MustacheTemplate] = [:]
        var sources: [String: String] = [:]
        func read(_ file: String) throws -> (String, String) {
            for dir in [override, shipped].compactMap({ $0 }) {
                let path = URL(fileURLWithPath: dir).appendingPathComponent(file).path
                if let data = FileManager.default.contents(atPath: path) {
                    guard let s = String(data: data, encoding: .utf8) else {
                        throw ConfigFileError(file: path, line: 0, message: "is not UTF-8 text; save it as UTF-8")
                    }
                    return (s, path)
                }
            }
            throw ConfigFileError(file: URL(fileURLWithPath: override ?? shipped).appendingPathComponent(file).path, line: 0,
                                  message: "message template not found; copy it from the shipped templates (\(shipped))")
        }
        func parse(_ source: String, _ path: String) throws -> MustacheTemplate {
            do { return try MustacheTemplate(string: source) } catch {
                throw ConfigFileError(file: path, line: 0, message: "is not a valid Mustache template (\(error)); check its {{ }} tags and sections")
            }
        }
        for name in names {
            let (s, path) = try read("\(name).txt")
            guard s.hasPrefix("Subject:") else {
                throw ConfigFileError(file: path, line: 1, message: "must start with a \"Subject: ...\" line, then a blank line, then the body")
            }
            text[name] = try parse("{{% CONTENT_TYPE: TEXT}}" + s, path)
            sources["\(name).txt"] = path
        }
        let (h, hpath) = try read("message.html")
        let html = try parse(TemplateEscaping.htmlPragma + h, hpath)
        sources["message.html"] = hpath
        return TemplateSet(text: text, html: html, sources: sources)
    }

    private init(text: [String: MustacheTemplate], html: MustacheTemplate, sources: [String: String]) {
        self.text = text; self.html = html; self.sources = sources
    }

    /// The folder of the shipped templates: `config/templates` of the source package the
    /// executable was built in (found by walking up from it), else /usr/share/drwatch/templates.
    public static func shippedDirectory(executablePath: String = CommandLine.arguments[0]) -> String {
        let presets = DrwatchConfig.shippedPresetsDirectory(executablePath: executablePath)
        if presets.hasSuffix("config/policies") {
            return URL(fileURLWithPath: presets).deletingLastPathComponent().appendingPathComponent("templates").path
        }
        return "/usr/share/drwatch/templates"
    }

    /// The templates a config names (its `templates_dir` over the shipped ones).
    public static func load(config: DrwatchConfig, shipped: String = TemplateSet.shippedDirectory()) throws -> TemplateSet {
        var set = try load(shipped: shipped, override: config.templatesDir)
        set.webBaseURL = config.web?.baseURL
        return set
    }

    /// Renders template `name` with `facts`.
    ///
    /// - Returns: the subject (one line, control characters removed), the text, and the HTML.
    public func render(_ name: String, facts: [String: Any]) -> RenderedMessage {
        let out = (text[name] ?? text["test"]!).render(facts).replacingOccurrences(of: "\r\n", with: "\n")
        var lines = out.split(separator: "\n", maxSplits: 1, omittingEmptySubsequences: false)
        let first = lines.isEmpty ? "" : String(lines.removeFirst())
        let subject = oneLine(String(first.dropFirst("Subject:".count)))
        var body = (lines.first.map(String.init) ?? "").trimmingCharacters(in: .newlines) + "\n"
        // Sections that rendered nothing leave blank lines: keep at most one between paragraphs.
        while body.contains("\n\n\n") { body = body.replacingOccurrences(of: "\n\n\n", with: "\n\n") }
        let paragraphs = body.components(separatedBy: "\n\n").map { $0.trimmingCharacters(in: .newlines) }.filter { !$0.isEmpty }
        var htmlFacts = facts
        htmlFacts["subject"] = subject
        htmlFacts["paragraphs"] = paragraphs
        return RenderedMessage(subject: subject, text: body, html: html.render(htmlFacts))
    }
}

/// One line: control characters (CR, LF, tabs...) become spaces, runs of spaces collapse.
func oneLine(_ s: String) -> String {
    let cleaned = String(String.UnicodeScalarView(s.unicodeScalars.map {
        ($0.value < 0x20 || $0.value == 0x7F || (0x80..<0xA0).contains($0.value) || $0.value == 0x2028 || $0.value == 0x2029) ? " " : $0
    }))
    return cleaned.split(separator: " ", omittingEmptySubsequences: true).joined(separator: " ")
}

// MARK: - Facts

/// The template name for an intent: `reminder`, `due-today`, `escalation`...
public func templateName(for intent: NotificationIntent) -> String {
    switch intent.event {
    case .opened: intent.stage > 1 ? "escalation" : "opened"
    case .reminderWorkingDays(0): "due-today"
    case .reminderWorkingDays: "reminder"
    case .reminderHours: "reminder-hours"
    case .breach: "breach"
    case .bypass: "bypass"
    case .repeatAlert: "repeat-alert"
    case .goodPractice: "good-practice"
    case .cafcassReferral: "cafcass"
    case .statutoryWarning: "statutory-warning"
    case .statutoryBreach: "statutory-breach"
    case .extended: "extended"
    }
}

/// `Fri 27 Nov 2026, 17:00` in the engine's local time.
public func formatDue(_ instant: Date, civil: CivilTime) -> String {
    "\(civil.localDate(of: instant).longDescription), \(civil.localTime(of: instant))"
}

/// Everything a template may show about one notification (see config/templates/README.md).
/// Only the case reference identifies the child.
///
/// - Parameters:
///   - intent: the notification.
///   - dispute: its dispute (for the kind and stage names).
///   - evaluation: the dispute's evaluation at the poll (exact deadlines).
///   - policy: the dispute's policy (what happens on a breach).
///   - settings: close of business and the time zone.
///   - route: the recipients, for "who else has been told" and redirect notes.
///   - siblings: every intent of the same evaluation (the other roles told of the same event).
public func messageFacts(intent: NotificationIntent, dispute: Dispute, evaluation: Evaluation?, policy: Policy?,
                         settings: EngineSettings, route: Route, siblings: [NotificationIntent]) -> [String: Any] {
    let civil = settings.civil
    let kp = policy?.kinds[dispute.kind]
    let sp = intent.stage > 0 ? kp?.stage(intent.stage) : nil
    var f: [String: Any] = [
        "ref": oneLine(dispute.ref), "role": intent.role, "stage": intent.stage, "reason": intent.reason,
        "kind": kp?.title ?? dispute.kind.rawValue, "policy": policy?.title ?? dispute.policy,
        "urgent": intent.urgency == .urgent, "identity": oneLine(intent.identity),
    ]
    if let sp { f["stageName"] = sp.name; f["stageTitle"] = stageTitle(sp); f["hasStage"] = true }

    // When: the exact deadline instant when the evaluation has it, else close of business.
    var due: Date?
    if let day = intent.deadlineDay {
        if intent.stage == 0, let d = evaluation?.statutoryDeadline, evaluation?.statutoryDeadlineDay == day { due = d }
        else if intent.stage == evaluation?.stage, let d = evaluation?.stageDeadline, evaluation?.stageDeadlineDay == day { due = d }
        else { due = civil.instant(day, settings.closeOfBusiness) }
    }
    if let due { f["due"] = formatDue(due, civil: civil); f["dueInstant"] = due }
    // Days left as of the poll that renders the message, not as of the trigger: a notice sent late
    // (after downtime, or a record entered after the fact) must not say "5 working days left" on
    // the due day. The trigger-time figure remains for deadlines no longer current (an earlier
    // stage's breach).
    var left = intent.workingDaysLeft
    if let day = intent.deadlineDay, let e = evaluation {
        if intent.stage == 0, e.statutoryDeadlineDay == day, let l = e.statutoryWorkingDaysLeft { left = l }
        else if intent.stage > 0, intent.stage == e.stage, e.stageDeadlineDay == day, let l = e.stageWorkingDaysLeft { left = l }
    }
    if let left {
        f["workingDaysLeft"] = left
        f["left"] = left > 0 ? "\(left) working day\(left == 1 ? "" : "s") left"
            : left == 0 ? "due today" : "\(-left) working day\(left == -1 ? "" : "s") overdue"
    }
    if case .reminderHours(let h) = intent.event { f["hours"] = h }
    if case .extended(let n) = intent.event {
        // The Nth extension recorded: by how many working days, who agreed; the stage's due date now.
        let extensions = dispute.events.compactMap { e -> (days: Int, by: Actor)? in
            if case .extended(let days, let by) = e.change { return (days, by) } else { return nil }
        }
        if n >= 1, n <= extensions.count {
            let x = extensions[n - 1]
            f["extensionDays"] = x.days
            f["extendedBy"] = "\(x.days) working day\(x.days == 1 ? "" : "s")"
            f["agreedBy"] = "\(x.by.role) (\(x.by.email))"
        }
        if intent.stage > 0, intent.stage == evaluation?.stage, let d = evaluation?.stageDeadline {
            f["due"] = formatDue(d, civil: civil); f["dueInstant"] = d
        }
    }
    if let s = evaluation?.statutoryDeadline { f["statutoryDue"] = formatDue(s, civil: civil) }
    if let st = policy?.statutory(for: dispute.kind) { f["statutoryDays"] = st.workingDays }

    // What happens if it is missed.
    if let sp {
        let next = kp?.stage(intent.stage + 1)
        let alerted = sp.breachAlert.filter { $0 != intent.role }
        var c = ""
        if sp.onBreach == .escalate, let next {
            c = "it escalates to \(stageTitle(next)), owned by \(next.owner)"
            f["nextStage"] = next.number; f["nextOwner"] = next.owner; f["escalates"] = true
        }
        if !alerted.isEmpty { c += (c.isEmpty ? "" : ", and ") + "\(list(alerted)) \(alerted.count == 1 ? "is" : "are") alerted" }
        if !c.isEmpty { f["consequence"] = c }
    }
    if let st = policy?.statutory(for: dispute.kind), !st.breachAlert.isEmpty {
        f["statutoryConsequence"] = "\(list(st.breachAlert)) \(st.breachAlert.count == 1 ? "is" : "are") alerted that the statutory total of \(st.workingDays) working days is breached"
    }

    // Who else has been told about the same event.
    var others = siblings.filter { $0.event == intent.event && $0.stage == intent.stage && $0.role != intent.role }.map(\.role)
    for s in siblings where s.event == intent.event && s.stage == intent.stage { others += s.copy }
    others = unique(others.filter { $0 != intent.role })
    if !others.isEmpty { f["alsoTold"] = list(others) }
    if !intent.copy.isEmpty { f["copied"] = list(intent.copy) }
    if !route.unroutable.isEmpty {
        let roles = list(route.unroutable)
        f["unroutable"] = "drwatch has no address for \(roles) (neither this dispute's people nor [roles] in the config), so the admin role receives this message in \(route.unroutable.count == 1 ? "its" : "their") place. Add the address\(route.unroutable.count == 1 ? "" : "es") to [roles]."
    }
    return f
}

/// `Stage 2 (Meeting)`, or the name alone when it already says `Stage 2: ...`.
func stageTitle(_ sp: StagePolicy) -> String {
    sp.name.lowercased().hasPrefix("stage \(sp.number)") ? sp.name : "Stage \(sp.number) (\(sp.name))"
}

/// `a`, `a and b`, `a, b and c`.
func list(_ items: [String]) -> String {
    switch items.count {
    case 0: ""
    case 1: items[0]
    default: items.dropLast().joined(separator: ", ") + " and " + items.last!
    }
}
