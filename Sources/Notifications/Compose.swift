import ServiceConfig
import Recording
import DisputeCore
import Foundation
import WorkingDays

// One compose step for every message about a notification intent: the poller, `drwatch render`
// and any preview call `compose`, so they cannot disagree. The facts are typed and come from the
// engine (the deadline as of the evaluation, what a breach actually does); the template set only
// turns them into words. The Mustache dictionary is built in one place, `templateValues`.

/// Everything a message may say about one notification (see config/templates/README.md).
/// Only the case reference identifies the child.
public struct MessageFacts: Equatable, Sendable {
    /// An agreed extension (`extended-N`).
    public struct Extension: Equatable, Sendable {
        public var workingDays: Int
        public var agreedBy: Actor
    }

    public var ref: String
    public var role: String
    public var stage: Int
    public var reason: String
    /// The kind's title (or its name), the policy's title (or its name).
    public var kind: String
    public var policy: String
    public var urgent: Bool
    public var identity: String
    /// The stage's name and `Stage N (Name)` title, when the intent concerns a stage.
    public var stageName: String?
    public var stageTitle: String?
    /// The deadline as of the evaluation (`Evaluation.deadline(of:settings:)`).
    public var deadline: IntentDeadline?
    /// `reminder-Nh`: hours left.
    public var hours: Int?
    public var extension_: Extension?
    /// The statutory total's deadline and length.
    public var statutoryDue: Date?
    public var statutoryDays: Int?
    /// What a breach of the intent's stage does, as the engine applies it.
    public var breach: BreachConsequence?
    /// The title of the stage a breach escalates to.
    public var nextStageTitle: String?
    /// Who is alerted when the statutory total is breached.
    public var statutoryBreachAlerted: [String]
    /// Other roles told of the same event, and the roles copied on this message.
    public var alsoTold: [String]
    public var copied: [String]
    /// Roles with no address, whose message the admin receives.
    public var unroutable: [String]
    /// The dispute's page in the web app (with a `[web]` section and a stored dispute): an
    /// opaque number, never the case reference, and no sign-in (the page asks for one).
    public var link: String?
    /// The response or CAFCASS intention the notice is about.
    public var step: StepFacts
    /// How the policy names each role the message mentions (`[role_titles]`, else the common title):
    /// messages speak of "the Service Director", not `service-director`.
    public var roleTitles: [String: String] = [:]

    /// The title of `role` for people to read.
    public func title(_ role: String) -> String { roleTitles[role] ?? role }

    /// The facts of `intent`, from its evaluation and engine.
    ///
    /// - Parameters:
    ///   - intent: the notification.
    ///   - evaluated: its dispute, the evaluation at the poll and the engine that made it.
    ///   - route: the recipients, for "unroutable" notes.
    public init(intent: NotificationIntent, evaluated e: Evaluated, route: Route) {
        let dispute = e.dispute, policy = e.engine.policy, evaluation = e.evaluation
        let kp = policy.kinds[dispute.kind]
        let sp = intent.stage > 0 ? kp?.stage(intent.stage) : nil
        ref = oneLine(dispute.ref); role = intent.role; stage = intent.stage; reason = intent.reason
        defer {
            var named = Set([role, dispute.raisedBy.role] + alsoTold + copied + statutoryBreachAlerted + (breach?.alerted ?? []))
            if case .escalates(_, let owner)? = breach?.move { named.insert(owner) }
            if let x = extension_ { named.insert(x.agreedBy.role) }
            roleTitles = Dictionary(uniqueKeysWithValues: named.map { ($0, policy.title(of: $0)) })
        }
        kind = kp?.title ?? dispute.kind.rawValue; self.policy = policy.title
        urgent = intent.urgency == .urgent; identity = oneLine(intent.identity)
        stageName = sp?.name; stageTitle = sp.map(Notifications.stageTitle)
        deadline = evaluation.deadline(of: intent, settings: e.engine.settings)
        if case .reminderHours(let h) = intent.event { hours = h }
        if case .extended(let n) = intent.event {
            // The Nth extension recorded: by how many working days, who agreed.
            let extensions = dispute.events.compactMap { ev -> Extension? in
                if case .extended(let days, let by) = ev.change { return Extension(workingDays: days, agreedBy: by) } else { return nil }
            }
            if n >= 1, n <= extensions.count { extension_ = extensions[n - 1] }
        }
        statutoryDue = evaluation.statutoryDeadline
        let statutory = policy.statutory(for: dispute.kind)
        statutoryDays = statutory?.workingDays
        statutoryBreachAlerted = statutory?.breachAlert ?? []
        if sp != nil, let b = e.engine.breachConsequence(of: dispute, stage: intent.stage) {
            breach = b
            if case .escalates(let to, _) = b.move, let next = kp?.stage(to) { nextStageTitle = Notifications.stageTitle(next) }
        }
        let siblings = evaluation.intents
        var others = siblings.filter { $0.event == intent.event && $0.stage == intent.stage && $0.role != intent.role }.map(\.role)
        for s in siblings where s.event == intent.event && s.stage == intent.stage { others += s.copy }
        alsoTold = unique(others.filter { $0 != intent.role })
        copied = intent.copy
        unroutable = route.unroutable
        step = StepFacts(intent: intent, dispute: dispute, evaluation: evaluation, policy: policy, civil: e.engine.settings.civil)
    }

    /// The consequence of a breach in words, for the addressed role (who is not listed as alerted):
    /// `it escalates to Stage 2 (...), owned by service-manager, and iro is alerted`, or
    /// `it stays at Stage 5, the highest stage a dispute raised by iro-cp-cin may reach, and ... are alerted`.
    public var consequence: String? {
        guard let breach else { return nil }
        let alerted = breach.alerted.filter { $0 != role }.map(title)
        var c = ""
        switch breach.move {
        case .escalates(_, let owner):
            c = "it escalates to \(nextStageTitle ?? "Stage \(breach.stage + 1)"), owned by the \(title(owner))"
        case .staysAtInitiatorLimit(let limit, let raisedBy):
            c = "it stays at Stage \(limit), the highest stage a dispute raised by the \(raisedByTitle(raisedBy)) may reach"
        case .stays:
            break
        }
        if !alerted.isEmpty { c += (c.isEmpty ? "" : ", and ") + "the \(list(alerted)) \(alerted.count == 1 ? "is" : "are") alerted" }
        return c.isEmpty ? nil : c
    }

    /// `raisedBy` of a breach at an initiator limit (`iro for a child on ...`) with the role's title.
    func raisedByTitle(_ raisedBy: String) -> String {
        let role = raisedBy.prefix { $0 != " " }
        return title(String(role)) + raisedBy.dropFirst(role.count)
    }

    /// `3 working days left`, `due today`, `2 working days overdue`.
    public var left: String? {
        guard let l = deadline?.workingDaysLeft else { return nil }
        return l > 0 ? "\(l) working day\(l == 1 ? "" : "s") left"
            : l == 0 ? "due today" : "\(-l) working day\(l == -1 ? "" : "s") overdue"
    }

    /// The values the Mustache templates see (the keys documented in config/templates/README.md).
    func templateValues(civil: CivilTime) -> [String: Any] {
        var f: [String: Any] = [
            "ref": ref, "role": role, "stage": stage, "reason": reason, "kind": kind, "policy": policy,
            "urgent": urgent, "identity": identity, "roleTitle": title(role),
        ]
        if let stageName, let stageTitle { f["stageName"] = stageName; f["stageTitle"] = stageTitle; f["hasStage"] = true }
        if let deadline { f["due"] = formatDue(deadline.due, civil: civil) }
        if let l = deadline?.workingDaysLeft { f["workingDaysLeft"] = l; f["left"] = left }
        if let hours { f["hours"] = hours }
        if let x = extension_ {
            f["extensionDays"] = x.workingDays
            f["extendedBy"] = "\(x.workingDays) working day\(x.workingDays == 1 ? "" : "s")"
            f["agreedBy"] = "the \(title(x.agreedBy.role)) (\(x.agreedBy.email))"
        }
        if let statutoryDue { f["statutoryDue"] = formatDue(statutoryDue, civil: civil) }
        if let statutoryDays { f["statutoryDays"] = statutoryDays }
        if let breach {
            switch breach.move {
            case .escalates(let to, let owner):
                f["nextStage"] = to; f["nextOwner"] = owner; f["nextOwnerTitle"] = title(owner); f["escalates"] = true
            case .staysAtInitiatorLimit(let limit, let raisedBy):
                f["atInitiatorLimit"] = true; f["initiatorLimit"] = limit; f["raisedBy"] = raisedBy
                f["raisedByTitle"] = raisedByTitle(raisedBy)
            case .stays:
                break
            }
        }
        if let consequence { f["consequence"] = consequence }
        if let statutoryDays, !statutoryBreachAlerted.isEmpty {
            f["statutoryConsequence"] = "the \(list(statutoryBreachAlerted.map(title))) \(statutoryBreachAlerted.count == 1 ? "is" : "are") alerted that the statutory total of \(statutoryDays) working days is breached"
        }
        if !alsoTold.isEmpty { f["alsoTold"] = list(alsoTold.map(title)) }
        if !copied.isEmpty { f["copied"] = list(copied.map(title)) }
        if let link { f["link"] = link; f["actionLink"] = link + "#actions" }
        f.merge(step.templateValues()) { _, new in new }
        if !unroutable.isEmpty {
            f["unroutable"] = "drwatch has no address for \(list(unroutable)) (neither this dispute's people nor [roles] in the config), so the admin role receives this message in \(unroutable.count == 1 ? "its" : "their") place. Add the address\(unroutable.count == 1 ? "" : "es") to [roles]."
        }
        return f
    }
}

/// A notification's message: its facts and its text.
public struct ComposedMessage: Sendable {
    public var facts: MessageFacts
    public var message: RenderedMessage
    /// The template it was rendered with (`reminder`, `breach`...).
    public var template: String
}

/// Composes the message of one intent: typed facts from the engine, rendered with `templates`.
/// The one step the poller, `drwatch render` and previews share.
public func compose(_ intent: NotificationIntent, of evaluated: Evaluated, route: Route, templates: TemplateSet) -> ComposedMessage {
    var facts = MessageFacts(intent: intent, evaluated: evaluated, route: route)
    if let base = templates.webBaseURL, let id = evaluated.storeID { facts.link = "\(base)/disputes/\(id)" }
    let name = templateName(for: intent)
    return ComposedMessage(facts: facts, message: templates.render(name, facts: facts.templateValues(civil: evaluated.engine.settings.civil)),
                           template: name)
}
