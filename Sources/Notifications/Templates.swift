import ServiceConfig
import Recording
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
        "good-practice", "cafcass", "cafcass-intended", "response", "decision-reminder", "statutory-warning", "statutory-breach", "extended", "closed", "pause-request", "admin-parked", "admin-import-failed", "test",
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

    /// Renders template `name` with `facts` (a notification's are `MessageFacts.templateValues`:
    /// use `compose`; admin notices and test messages pass their own few values).
    ///
    /// - Returns: the subject (one line, control characters removed), the text, and the HTML.
    public func render(_ name: String, facts: [String: Any]) -> RenderedMessage {
        let values = TemplateValues.wrap(facts)
        let out = (text[name] ?? text["test"]!).render(values)
        guard let parts = MessageText.split(out) else { return renderReference(name, facts: facts) }
        var htmlFacts = values
        htmlFacts["subject"] = TemplateString(parts.subject)
        htmlFacts["paragraphs"] = parts.paragraphs.map(TemplateString.init)
        return RenderedMessage(subject: parts.subject, text: parts.body, html: html.render(htmlFacts))
    }

    /// `render` as it was first written (plain values; Foundation's string functions): the
    /// reference the fast path is held to by TemplateRenderingTests, and the path for a message
    /// whose text has a carriage return (where a `\r\n` pair is one Character).
    func renderReference(_ name: String, facts: [String: Any]) -> RenderedMessage {
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

/// A rendered text template cut into subject, body and paragraphs, in one pass over its UTF-8
/// bytes (what `renderReference` does with Foundation's string functions, at a fraction of the
/// cost). A line feed is always a Character of its own, so byte and Character semantics agree,
/// except around a carriage return: text with one is left to `renderReference` (`nil`).
enum MessageText {
    static func split(_ out: String) -> (subject: String, body: String, paragraphs: [String])? {
        var out = out
        return out.withUTF8 { (u: UnsafeBufferPointer<UInt8>) -> (String, String, [String])? in
            if u.contains(13) { return nil }
            let lf = u.firstIndex(of: 10)
            // The subject: the first line without `Subject:` (as Characters: a combining mark may follow the colon).
            let firstLine = String(decoding: UnsafeBufferPointer(rebasing: u[0..<(lf ?? u.count)]), as: UTF8.self)
            let subject = oneLine(String(firstLine.dropFirst("Subject:".count)))
            // The body: the rest, newlines trimmed, one line feed added, runs of 3+ line feeds made 2.
            var body: [UInt8] = []
            if let lf {
                let (lo, hi) = trimNewlines(u, lf + 1, u.count)
                body.reserveCapacity(hi - lo + 1)
                var run = 0
                for i in lo..<hi {
                    let b = u[i]
                    if b == 10 { run += 1; if run > 2 { continue } } else { run = 0 }
                    body.append(b)
                }
            }
            body.append(10)
            // Paragraphs: the body cut at each pair of line feeds, each trimmed of newlines, empty ones dropped.
            var paragraphs: [String] = []
            body.withUnsafeBufferPointer { b in
                var start = 0, i = 0
                func cut(_ end: Int) {
                    let (lo, hi) = trimNewlines(b, start, end)
                    if hi > lo { paragraphs.append(String(decoding: UnsafeBufferPointer(rebasing: b[lo..<hi]), as: UTF8.self)) }
                }
                while i + 1 < b.count {
                    if b[i] == 10 && b[i + 1] == 10 { cut(i); i += 2; start = i } else { i += 1 }
                }
                cut(b.count)
            }
            return (subject, String(decoding: body, as: UTF8.self), paragraphs)
        }
    }

    /// `lo..<hi` without the newline scalars (`CharacterSet.newlines`: U+000A-U+000D, U+0085,
    /// U+2028, U+2029) at either end.
    static func trimNewlines(_ u: UnsafeBufferPointer<UInt8>, _ lo: Int, _ hi: Int) -> (Int, Int) {
        var lo = lo, hi = hi
        while lo < hi {
            if (10...13).contains(u[lo]) { lo += 1 }
            else if u[lo] == 0xC2, lo + 1 < hi, u[lo + 1] == 0x85 { lo += 2 }
            else if u[lo] == 0xE2, lo + 2 < hi, u[lo + 1] == 0x80, u[lo + 2] == 0xA8 || u[lo + 2] == 0xA9 { lo += 3 }
            else { break }
        }
        while hi > lo {
            if (10...13).contains(u[hi - 1]) { hi -= 1 }
            else if hi - 2 >= lo, u[hi - 2] == 0xC2, u[hi - 1] == 0x85 { hi -= 2 }
            else if hi - 3 >= lo, u[hi - 3] == 0xE2, u[hi - 2] == 0x80, u[hi - 1] == 0xA8 || u[hi - 1] == 0xA9 { hi -= 3 }
            else { break }
        }
        return (lo, hi)
    }
}

/// One line: control characters (CR, LF, tabs...) become spaces, runs of spaces collapse.
func oneLine(_ s: String) -> String {
    // ASCII text (most): the same in one pass over the bytes. (Beyond ASCII a space followed by a
    // combining mark is one Character, which `split` does not cut: the general path below.)
    if s.utf8.allSatisfy({ $0 < 0x80 }) {
        var out: [UInt8] = []
        out.reserveCapacity(s.utf8.count)
        var pendingSpace = false
        for b in s.utf8 {
            if b <= 0x20 || b == 0x7F { pendingSpace = !out.isEmpty; continue }
            if pendingSpace { out.append(0x20); pendingSpace = false }
            out.append(b)
        }
        return String(decoding: out, as: UTF8.self)
    }
    return oneLineByCharacters(s)
}

/// `oneLine` for any text: scalars mapped, then cut at spaces as Characters.
func oneLineByCharacters(_ s: String) -> String {
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
    case .cafcassIntended: "cafcass-intended"
    case .response: "response"
    case .decisionReminder: "decision-reminder"
    case .statutoryWarning: "statutory-warning"
    case .statutoryBreach: "statutory-breach"
    case .extended: "extended"
    case .resolved, .withdrawn: "closed"
    }
}

/// `Fri 27 Nov 2026, 17:00` in the engine's local time.
public func formatDue(_ instant: Date, civil: CivilTime) -> String {
    "\(civil.localDate(of: instant).longDescription), \(civil.localTime(of: instant))"
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

/// Facts of the response and CAFCASS-intention notices: the text recorded with the event the
/// notice is about (the latest such event at or before the notice's trigger).
public struct StepFacts: Equatable, Sendable {
    /// The response recorded (`response`, `decision-reminder`): its text, who and when.
    public var responseText: String?
    public var respondedBy: String?
    public var respondedOn: String?
    /// `3 working days` from the stage's start to the response.
    public var responseDays: String?
    /// The response came after the stage's timescale.
    public var lateResponse = false
    /// The reason recorded with an intended CAFCASS referral.
    public var intentionReason: String?
    /// The notice goes to the Service Director, who tells the Chief Executive.
    public var isServiceDirector = false
    /// The closing notice (`resolved`, `withdrawn`): `resolved` or `withdrawn`, the outcome or
    /// reason recorded, who closed it and when.
    /// The reason given for going above the next step (`bypass`): the escalation's, or the raising's.
    public var bypassReason: String?
    public var closedAs: String?
    public var closingText: String?
    public var closedBy: String?
    public var closedOn: String?

    init(intent: NotificationIntent, dispute: Dispute, evaluation: Evaluation?, policy: Policy?, civil: CivilTime) {
        switch intent.event {
        case .response, .decisionReminder:
            guard let e = dispute.events.last(where: { if case .responded = $0.change { $0.at <= intent.trigger } else { false } }),
                  case .responded(let text) = e.change else { return }
            responseText = text
            if let by = e.by { respondedBy = "\(policy?.title(of: by.role) ?? by.role) (\(by.email))" }
            respondedOn = formatDue(e.at, civil: civil)
            if let n = intent.workingDaysLeft { responseDays = "\(n) working day\(n == 1 ? "" : "s")" }
            if evaluation?.respondedWithinTimescale == false { lateResponse = true }
        case .cafcassIntended(let n):
            let reasons = dispute.events.compactMap { e -> String?? in
                if case .cafcassIntended(let r) = e.change { return .some(r) } else { return nil }
            }
            if n >= 1, n <= reasons.count, let r = reasons[n - 1] { intentionReason = r }
            if intent.role == "service-director" { isServiceDirector = true }
        case .bypass:
            // The event that entered the stage: its escalation's reason, or the reason for raising there.
            for e in dispute.events.reversed() where e.at <= intent.trigger {
                if case .escalated(let to, let reason) = e.change, to == intent.stage { bypassReason = reason; return }
                if case .opened(let s) = e.change, s == intent.stage { bypassReason = dispute.openingReason; return }
            }
        case .resolved, .withdrawn:
            guard let e = dispute.events.last(where: { $0.change.kind == .resolved || $0.change.kind == .withdrawn }) else { return }
            switch e.change {
            case .resolved(let o): closedAs = "resolved"; closingText = o
            case .withdrawn(let r): closedAs = "withdrawn"; closingText = r
            default: return
            }
            if let by = e.by { closedBy = "\(policy?.title(of: by.role) ?? by.role) (\(by.email))" }
            closedOn = formatDue(e.at, civil: civil)
        default: break
        }
    }

    /// The values the templates see.
    func templateValues() -> [String: Any] {
        var f: [String: Any] = [:]
        if let responseText { f["responseText"] = responseText }
        if let respondedBy { f["respondedBy"] = respondedBy }
        if let respondedOn { f["respondedOn"] = respondedOn }
        if let responseDays { f["responseDays"] = responseDays }
        if lateResponse { f["lateResponse"] = true }
        if let intentionReason { f["intentionReason"] = intentionReason }
        if isServiceDirector { f["isServiceDirector"] = true }
        if let bypassReason, !bypassReason.isEmpty { f["bypassReason"] = bypassReason }
        if let closedAs { f["closedAs"] = closedAs; f["isResolved"] = closedAs == "resolved" }
        if let closingText { f["closingText"] = closingText }
        if let closedBy { f["closedBy"] = closedBy }
        if let closedOn { f["closedOn"] = closedOn }
        return f
    }
}
