import Foundation

// The policy of one local procedure, as loaded from `config/policies/NAME.toml`.
// The file schema is documented key by key in docs/policies.md; PolicyLoader.swift reads it.
// Every role a policy names is checked at load time, so the engine never meets an unknown one.

/// The roles every policy knows. A policy may add its own with the top-level `roles` key.
public let commonRoles: [String] = [
    "social-worker", "team-manager", "service-manager", "iro", "iro-service-manager",
    "head-of-service-safeguarding", "head-of-service", "service-director",
    "director-of-childrens-services", "chief-executive",
]

/// How messages name the common roles ("Service Director", not `service-director`); a policy's
/// `[role_titles]` table names its own roles and may rename these (six-stage: "Head of Adolescents
/// and Safeguarding").
public let commonRoleTitles: [String: String] = [
    "social-worker": "Social Worker", "team-manager": "Team Manager", "service-manager": "Service Manager",
    "iro": "Independent Reviewing Officer (IRO)", "iro-service-manager": "IRO Service Manager",
    "head-of-service-safeguarding": "Head of Service - Safeguarding", "head-of-service": "Head of Service",
    "service-director": "Service Director", "director-of-childrens-services": "Director of Children's Services",
    "chief-executive": "Chief Executive",
]

/// How long a stage lasts.
public enum Timescale: Hashable, Sendable, CustomStringConvertible {
    /// Due at close of business on the Nth working day strictly after the stage began.
    case workingDays(Int)
    /// Due N clock hours after the stage began (Europe/London, across daylight saving).
    case hours(Int)

    /// Hour-based timescales are urgent: their notifications go out at once.
    public var isUrgent: Bool { if case .hours = self { true } else { false } }
    public var description: String {
        switch self {
        case .workingDays(let n): "\(n) working day\(n == 1 ? "" : "s")"
        case .hours(let n): "\(n) hour\(n == 1 ? "" : "s")"
        }
    }
}

/// What happens when a stage runs out of time.
public enum BreachAction: String, Hashable, Sendable, CaseIterable {
    /// Alert the breach roles and move to the next stage (derived by the engine; see docs/policies.md).
    case escalate
    /// Alert the breach roles only; the record stays at its stage until someone moves it.
    case alert
}

/// One stage of a kind of record.
public struct StagePolicy: Hashable, Sendable {
    /// 1-based.
    public var number: Int
    public var name: String
    /// The role that must act within the timescale.
    public var owner: String
    /// The owner when the concern is about the usual owner (e.g. service-manager for a
    /// Quality of Practice alert about a Team Manager); `nil` when not applicable.
    public var ownerIfAboutOwner: String?
    public var timescale: Timescale
    /// Roles copied on every notification of this stage.
    public var copy: [String]
    /// Notify the owner when the stage opens (on raising or on escalation to it).
    public var remindOnOpening: Bool
    /// Remind the owner on the working day when N working days are left (0 = on the due day).
    /// Descending. Working-day stages only.
    public var remindWorkingDaysLeft: [Int]
    /// Remind the owner N clock hours before the deadline. Descending. Hour-based stages only.
    public var remindHoursLeft: [Int]
    /// Roles alerted when the stage's deadline passes (`owner` and `next-owner` already resolved).
    public var breachAlert: [String]
    public var onBreach: BreachAction
    /// Remind the raiser to decide (resolve or escalate) this many working days after the owner's
    /// response, at the send time (event `decision-reminder`); `nil`: no such reminder.
    public var decisionWorkingDays: Int?
    /// The stage's timescale is its own, counted from its start, never cut short by the statutory
    /// total (`beyond_statutory_total`: four-stage's written adjudication, "within 5 days of the
    /// conclusion of Stage 4").
    public var beyondStatutoryTotal = false

    public init(number: Int, name: String, owner: String, ownerIfAboutOwner: String? = nil, timescale: Timescale,
                copy: [String] = [], remindOnOpening: Bool = true, remindWorkingDaysLeft: [Int] = [],
                remindHoursLeft: [Int] = [], breachAlert: [String] = [], onBreach: BreachAction = .alert,
                decisionWorkingDays: Int? = nil) {
        self.number = number; self.name = name; self.owner = owner; self.ownerIfAboutOwner = ownerIfAboutOwner
        self.timescale = timescale; self.copy = copy; self.remindOnOpening = remindOnOpening
        self.remindWorkingDaysLeft = remindWorkingDaysLeft; self.remindHoursLeft = remindHoursLeft
        self.breachAlert = breachAlert; self.onBreach = onBreach; self.decisionWorkingDays = decisionWorkingDays
    }
}

/// A row of a "timescale by subject of dispute" table (Appendix 1 of timescales-by-dispute-type):
/// a dispute that names this subject (`Dispute.subject`) takes this timescale and owner at `stage`.
public struct SubjectRule: Hashable, Sendable {
    /// The short name used on the command line (`--subject risk-in-placement`).
    public var id: String
    public var title: String
    /// The dispute types this subject may carry (empty: any).
    public var types: [DisputeType]
    /// The stage (level of process) whose timescale and owner this row replaces.
    public var stage: Int
    /// The owning level; `nil`: the stage's own owner.
    public var owner: String?
    public var timescale: Timescale
    /// An hour-based row: remind the owner N clock hours before its deadline. Descending. The row's
    /// own `remind_hours_left`, else the stage's (hour-based stage) or the defaults' (working-day stage).
    public var remindHoursLeft: [Int]

    public init(id: String, title: String, types: [DisputeType] = [], stage: Int, owner: String? = nil, timescale: Timescale,
                remindHoursLeft: [Int] = []) {
        self.id = id; self.title = title; self.types = types; self.stage = stage; self.owner = owner; self.timescale = timescale
        self.remindHoursLeft = remindHoursLeft
    }
}

/// One kind of record (`qop-alert`, `good-practice`, `formal`, `collective`, `complaint`).
public struct KindPolicy: Hashable, Sendable {
    public var kind: RecordKind
    public var title: String
    /// Empty for a kind with no deadline (a Good Practice notification).
    public var stages: [StagePolicy]
    /// Roles notified when the record is raised (e.g. a Good Practice notification's recipients).
    public var recipients: [String]
    /// Roles copied on the raising notification (e.g. the records role for Good Practice).
    public var copy: [String]
    /// Roles kept informed of every stage change and of the outcome (copied on openings).
    public var watchers: [String]
    /// Roles alerted when a record of this kind is raised for a child who already has one.
    public var repeatAlert: [String]
    /// Subject rows; a dispute may (or, when `subjectRequired`, must) name one.
    public var subjects: [SubjectRule]
    public var subjectRequired: Bool
    /// Issue categories allowed (empty: all four).
    public var categories: [IssueCategory]
    /// Dispute types allowed (empty: all three).
    public var types: [DisputeType]

    public init(kind: RecordKind, title: String, stages: [StagePolicy], recipients: [String] = [], copy: [String] = [],
                watchers: [String] = [], repeatAlert: [String] = [], subjects: [SubjectRule] = [], subjectRequired: Bool = false,
                categories: [IssueCategory] = [], types: [DisputeType] = []) {
        self.kind = kind; self.title = title; self.stages = stages; self.recipients = recipients; self.copy = copy
        self.watchers = watchers; self.repeatAlert = repeatAlert; self.subjects = subjects
        self.subjectRequired = subjectRequired; self.categories = categories; self.types = types
    }

    /// Stage `n` (1-based), or `nil`.
    public func stage(_ n: Int) -> StagePolicy? { n >= 1 && n <= stages.count ? stages[n - 1] : nil }
    public func subject(_ id: String) -> SubjectRule? { subjects.first { $0.id == id } }
}

/// The statutory maximum of the formal process (20 working days in the IRO Handbook).
public struct StatutoryRule: Hashable, Sendable {
    public var workingDays: Int
    /// The kinds it applies to (usually `formal`).
    public var kinds: [RecordKind]
    /// Counted from when the record first reached this stage (1: from raising).
    public var fromStage: Int
    /// Warn when N working days of the total are left. Descending.
    public var warnWorkingDaysLeft: [Int]
    /// Roles warned (urgent) when the total is at risk.
    public var warn: [String]
    /// Roles alerted (urgent) when the total is breached.
    public var breachAlert: [String]

    public init(workingDays: Int, kinds: [RecordKind] = [.formal], fromStage: Int = 1, warnWorkingDaysLeft: [Int] = [],
                warn: [String] = [], breachAlert: [String] = []) {
        self.workingDays = workingDays; self.kinds = kinds; self.fromStage = fromStage
        self.warnWorkingDaysLeft = warnWorkingDaysLeft; self.warn = warn; self.breachAlert = breachAlert
    }
}

/// Whether stages may be skipped. A move from stage a to b is b - a steps; raising at stage s is s steps.
public struct BypassRule: Hashable, Sendable {
    /// May a record move more than one step at once?
    public var allowed: Bool
    /// Moves of more steps than this need a reason (1: one step at a time unless a reason is given).
    public var maxStepsWithoutReason: Int
    /// Roles told of every bypass (a move of more than one step).
    public var notify: [String]
    public init(allowed: Bool = true, maxStepsWithoutReason: Int = .max, notify: [String] = []) {
        self.allowed = allowed; self.maxStepsWithoutReason = maxStepsWithoutReason; self.notify = notify
    }
}

/// "Which initiator may raise up to which stage" (six-stage DRP).
public struct InitiatorLimit: Hashable, Sendable {
    public var role: String
    /// The highest stage this role may raise a record at, or escalate it to.
    public var maxStage: Int
    /// Kinds it applies to (empty: all kinds with stages).
    public var kinds: [RecordKind]
    /// The child's status it applies to (`child_status`); `nil`: any. For a record whose child has
    /// this status, the role's rows with it replace the role's rows without one.
    public var childStatus: ChildStatus?
    public init(role: String, maxStage: Int, kinds: [RecordKind] = [], childStatus: ChildStatus? = nil) {
        self.role = role; self.maxStage = maxStage; self.kinds = kinds; self.childStatus = childStatus
    }
}

/// A whole procedure.
public struct Policy: Hashable, Sendable {
    /// The preset's name, `four-stage`, ...; disputes refer to it (`Dispute.policy`).
    public var name: String
    public var title: String
    /// The procedure document it follows (file name in procedures/).
    public var source: String?
    /// Every role this policy knows: the common roles plus its own.
    public var roles: [String]
    public var kinds: [RecordKind: KindPolicy]
    public var statutory: StatutoryRule?
    /// Roles whose agreement a pause needs; empty: pauses are not allowed.
    public var pauseApprovers: [String]
    /// Roles that may agree an extension; empty: extensions are not allowed.
    public var extensionAgreers: [String]
    /// The most working days one extension may add (`nil`: bounded by the statutory total only).
    public var maxExtensionWorkingDays: Int?
    /// Roles told of every extension recorded (event `extended`); empty: nobody.
    public var extensionNotify: [String]
    public var bypass: BypassRule
    /// Empty: anyone may raise at any stage.
    public var initiators: [InitiatorLimit]
    /// Roles alerted (urgent) when a CAFCASS referral is recorded; must be told before referral.
    public var cafcassAlert: [String]
    /// A stage is `due-soon` when this many working days or fewer are left.
    public var dueSoonWorkingDays: Int
    /// Roles alerted (urgent) when the intention to refer to CAFCASS is recorded (`cafcass-intended`):
    /// "must alert the Head of Service - Safeguarding before making a referral".
    public var cafcassIntendedAlert: [String] = []
    /// A referral is refused unless the intention was recorded first.
    public var cafcassNeedsIntention = false
    /// Roles also sent an hour-based stage's reminders and breach alert when they fall outside
    /// working hours (`[out_of_hours] notify`, e.g. the Emergency Duty Team); empty: nobody.
    public var outOfHours: [String] = []
    /// How messages name roles (`[role_titles]`), over `commonRoleTitles`.
    public var roleTitles: [String: String] = [:]

    /// The title of a role for people to read: the policy's, the common one, else the slug in words
    /// (`lac-health-nurse` -> "Lac health nurse").
    public func title(of role: String) -> String {
        if let t = roleTitles[role] ?? commonRoleTitles[role] { return t }
        let words = role.split(separator: "-").joined(separator: " ")
        return words.prefix(1).uppercased() + words.dropFirst()
    }

    public init(name: String, title: String, source: String? = nil, roles: [String] = commonRoles,
                kinds: [RecordKind: KindPolicy], statutory: StatutoryRule? = nil, pauseApprovers: [String] = [],
                extensionAgreers: [String] = [], maxExtensionWorkingDays: Int? = nil, bypass: BypassRule = BypassRule(),
                initiators: [InitiatorLimit] = [], cafcassAlert: [String] = [], dueSoonWorkingDays: Int = 2,
                extensionNotify: [String] = []) {
        self.name = name; self.title = title; self.source = source; self.roles = roles; self.kinds = kinds
        self.statutory = statutory; self.pauseApprovers = pauseApprovers; self.extensionAgreers = extensionAgreers
        self.maxExtensionWorkingDays = maxExtensionWorkingDays; self.bypass = bypass; self.initiators = initiators
        self.cafcassAlert = cafcassAlert; self.dueSoonWorkingDays = dueSoonWorkingDays
        self.extensionNotify = extensionNotify
    }

    public func kind(_ k: RecordKind) -> KindPolicy? { kinds[k] }

    /// The stage a record is raised at when the user gives none: its subject row's level ("the IRO
    /// should address matters at the level of management appropriate"), else stage 1.
    public func openingStage(kind k: RecordKind, subject: String?) -> Int {
        guard let id = subject, let row = kinds[k]?.subject(id) else { return 1 }
        return row.stage
    }

    /// The statutory rule when it applies to this kind.
    public func statutory(for k: RecordKind) -> StatutoryRule? {
        guard let s = statutory, s.kinds.contains(k) else { return nil }
        return s
    }
}
