import Foundation
import WorkingDays

// What the engine takes and returns: settings, context, states, notification intents, evaluations.
// Pure values; the engine itself is in Engine.swift.

/// The local times that deadlines and reminders use.
public struct EngineSettings: Sendable {
    /// Working-day deadlines fall at this local time on the deadline day.
    public var closeOfBusiness: LocalTime
    /// Routine notifications go out at this local time on working days.
    public var sendTime: LocalTime
    public var civil: CivilTime
    public init(closeOfBusiness: LocalTime = LocalTime(hour: 17, minute: 0)!, sendTime: LocalTime = LocalTime(hour: 8, minute: 30)!,
                civil: CivilTime = .london) {
        self.closeOfBusiness = closeOfBusiness; self.sendTime = sendTime; self.civil = civil
    }
}

/// What the store knows about other records that the engine needs.
public struct EngineContext: Sendable {
    /// Records of the same kind raised earlier for the same child (`Dispute.childRef`).
    public var earlierRecordsForChild: Int
    public init(earlierRecordsForChild: Int = 0) { self.earlierRecordsForChild = earlierRecordsForChild }
}

/// The state of a record at `now`.
public enum DisputeState: String, Sendable, CaseIterable, Codable {
    case onTrack = "on-track"
    case dueSoon = "due-soon"
    case dueToday = "due-today"
    case overdue
    case statutoryAtRisk = "statutory-at-risk"
    case statutoryBreached = "statutory-breached"
    case paused
    case resolved
    case withdrawn
}

/// Routine notifications wait for the send time on a working day; urgent ones go at once.
public enum Urgency: String, Sendable, Codable { case routine, urgent }

/// The kind of event a notification is about; part of its identity.
public enum NotificationEvent: Hashable, Sendable {
    case opened
    case reminderWorkingDays(Int)
    case reminderHours(Int)
    case breach
    case bypass
    case repeatAlert
    case goodPractice
    /// The Nth CAFCASS referral recorded on the record (1-based).
    case cafcassReferral(Int)
    case statutoryWarning(Int)
    case statutoryBreach
    /// The Nth extension recorded on the record (1-based), told to `[extension] notify`.
    case extended(Int)
    /// The Nth intention to refer to CAFCASS recorded (1-based), told to `[cafcass] intended_alert`.
    case cafcassIntended(Int)
    /// The stage's owner responded: the raiser is told at once, to decide.
    case response
    /// The raiser is reminded to decide, `decision_working_days` after the response.
    case decisionReminder
    /// The record was resolved: told to the kind's watchers, and to the raiser when someone else resolved it.
    case resolved
    /// The record was withdrawn: told as `resolved` is.
    case withdrawn

    /// `opened`, `reminder-2wd`, `reminder-4h`, `breach`, `bypass`, `repeat`, `good-practice`,
    /// `cafcass-referral` (then `cafcass-referral-2`, ...), `statutory-warning-5wd`, `statutory-breach`,
    /// `extended` (then `extended-2`, ...).
    public var name: String {
        switch self {
        case .opened: "opened"
        case .reminderWorkingDays(let n): "reminder-\(n)wd"
        case .reminderHours(let n): "reminder-\(n)h"
        case .breach: "breach"
        case .bypass: "bypass"
        case .repeatAlert: "repeat"
        case .goodPractice: "good-practice"
        case .cafcassReferral(let n): n == 1 ? "cafcass-referral" : "cafcass-referral-\(n)"
        case .statutoryWarning(let n): "statutory-warning-\(n)wd"
        case .statutoryBreach: "statutory-breach"
        case .extended(let n): n == 1 ? "extended" : "extended-\(n)"
        case .response: "response"
        case .cafcassIntended(let n): n == 1 ? "cafcass-intended" : "cafcass-intended-\(n)"
        case .decisionReminder: "decision-reminder"
        case .resolved: "resolved"
        case .withdrawn: "withdrawn"
        }
    }
}

/// A notification that is due. The store sends each identity once.
///
/// A plain value: the role and copy lists are codes into the interned role tables, so creating,
/// copying and dropping an intent costs no reference counting; `role`, `copy`, `identity` and
/// `reason` build their strings when read.
public struct NotificationIntent: Hashable, Sendable {
    public var ref: String
    var record: IntentRecord

    init(ref: String, record: IntentRecord) { self.ref = ref; self.record = record }

    /// The stage it concerns (0 for the statutory total and for records without stages).
    public var stage: Int {
        get { Int(record.stage) }
        set { record.stage = Int32(newValue) }
    }
    public var event: NotificationEvent {
        get { record.event }
        set { record.event = newValue }
    }
    /// The role it is addressed to (one intent per addressed role).
    public var role: String {
        get { Interned.shared.name(record.role) }
        set { record.role = Interned.shared.code(newValue) }
    }
    /// Roles copied (carried by the first addressed role's intent of an event only, so that a
    /// copied role receives one copy per event).
    public var copy: [String] {
        get { Interned.shared.list(record.copy) }
        set { record.copy = Interned.shared.code(list: newValue) }
    }
    public var urgency: Urgency {
        get { record.urgent ? .urgent : .routine }
        set { record.urgent = newValue == .urgent }
    }
    /// When it became due.
    public var trigger: Date {
        get { Date(timeIntervalSince1970: record.trigger) }
        set { record.trigger = newValue.timeIntervalSince1970 }
    }
    /// The stage's (or the statutory total's) deadline day, when there is one.
    public var deadlineDay: LocalDate? {
        get { record.day == IntentRecord.absent ? nil : LocalDate(dayNumber: Int(record.day)) }
        set { record.day = newValue.map { Int32($0.dayNumber) } ?? IntentRecord.absent }
    }
    /// Working days left to `deadlineDay` counted from the trigger's day (negative: overdue).
    public var workingDaysLeft: Int? {
        get { record.left == IntentRecord.absent ? nil : Int(record.left) }
        set { record.left = newValue.map { Int32($0) } ?? IntentRecord.absent }
    }

    /// `REF/sSTAGE/EVENT/ROLE`, e.g. `DR-1/s2/reminder-1wd/service-manager`: stable across runs.
    public var identity: String { "\(ref)/s\(stage)/\(event.name)/\(role)" }
    /// Addressed roles (`to`), for renderers: always `[role]`.
    public var to: [String] { [role] }

    /// "Stage 2 due Fri 27 Nov 2026, 1 working day left: reminder to service-manager".
    public var reason: String {
        let role = self.role
        let what: String
        switch event {
        case .opened: what = "opened: notice to \(role)"
        case .reminderWorkingDays(0): what = "due today: reminder to \(role)"
        case .reminderWorkingDays: what = "reminder to \(role)"
        case .reminderHours(let h): what = "\(h) hour\(h == 1 ? "" : "s") left: reminder to \(role)"
        case .breach: what = "deadline passed: breach alert to \(role)"
        case .bypass: what = "raised above the next step: bypass notice to \(role)"
        case .repeatAlert: what = "repeat record for the same child: alert to \(role)"
        case .goodPractice: what = "good practice notification to \(role)"
        case .cafcassReferral: what = "CAFCASS referral recorded: alert to \(role)"
        case .statutoryWarning: what = "statutory total at risk: warning to \(role)"
        case .statutoryBreach: what = "statutory total breached: alert to \(role)"
        case .extended: what = "extension agreed: notice to \(role)"
        case .cafcassIntended: what = "CAFCASS referral intended: alert to \(role) before the referral"
        case .response, .decisionReminder:
            // `workingDaysLeft` carries the working days the response took.
            let took = workingDaysLeft.map { ", \($0) working day\($0 == 1 ? "" : "s") into the stage" } ?? ""
            return "Stage \(stage) answered\(took): \(event == .response ? "notice" : "reminder") to \(role) to decide (resolve or escalate)"
        case .resolved, .withdrawn:
            return "\(stage == 0 ? "Record" : "Dispute at stage \(stage)") \(event.name): notice to \(role)"
        }
        let subject = stage == 0 ? (deadlineDay == nil ? "Record" : "Statutory total") : "Stage \(stage)"
        guard let day = deadlineDay else { return "\(subject) \(what)" }
        var s = "\(subject) due \(day.longDescription)"
        if let left = workingDaysLeft {
            s += left >= 0 ? ", \(left) working day\(left == 1 ? "" : "s") left" : ", \(-left) working day\(left == -1 ? "" : "s") overdue"
        }
        return s + ": " + what
    }
}

/// A notification intent without its record's reference: 32 bytes, no reference counting.
struct IntentRecord: Hashable, Sendable {
    /// Seconds since 1970 (`Date`'s own representation).
    var trigger: Double
    var stage: Int32
    /// The event's number (reminder-Nwd, reminder-Nh, cafcass-referral-N, statutory-warning-Nwd); 0 otherwise.
    var arg: Int32
    /// The deadline day number, or `absent`.
    var day: Int32
    /// Working days left, or `absent`.
    var left: Int32
    /// Interned role, and interned copy list (0: none).
    var role: UInt16
    var copy: UInt16
    var code: UInt8
    var urgent: Bool

    static let absent = Int32.min

    enum Code: UInt8 {
        case opened, reminderWorkingDays, reminderHours, breach, bypass, repeatAlert, goodPractice, cafcassReferral,
             statutoryWarning, statutoryBreach, extended, response, decisionReminder, cafcassIntended, resolved, withdrawn
    }

    var event: NotificationEvent {
        get {
            let n = Int(arg)
            switch Code(rawValue: code)! {
            case .opened: return .opened
            case .reminderWorkingDays: return .reminderWorkingDays(n)
            case .reminderHours: return .reminderHours(n)
            case .breach: return .breach
            case .bypass: return .bypass
            case .repeatAlert: return .repeatAlert
            case .goodPractice: return .goodPractice
            case .cafcassReferral: return .cafcassReferral(n)
            case .statutoryWarning: return .statutoryWarning(n)
            case .statutoryBreach: return .statutoryBreach
            case .extended: return .extended(n)
            case .response: return .response
            case .cafcassIntended: return .cafcassIntended(n)
            case .decisionReminder: return .decisionReminder
            case .resolved: return .resolved
            case .withdrawn: return .withdrawn
            }
        }
        set {
            let (c, n) = Self.encode(newValue)
            code = c.rawValue; arg = n
        }
    }

    static func encode(_ e: NotificationEvent) -> (Code, Int32) {
        switch e {
        case .opened: (.opened, 0)
        case .reminderWorkingDays(let n): (.reminderWorkingDays, Int32(n))
        case .reminderHours(let n): (.reminderHours, Int32(n))
        case .breach: (.breach, 0)
        case .bypass: (.bypass, 0)
        case .repeatAlert: (.repeatAlert, 0)
        case .goodPractice: (.goodPractice, 0)
        case .cafcassReferral(let n): (.cafcassReferral, Int32(n))
        case .statutoryWarning(let n): (.statutoryWarning, Int32(n))
        case .statutoryBreach: (.statutoryBreach, 0)
        case .extended(let n): (.extended, Int32(n))
        case .response: (.response, 0)
        case .cafcassIntended(let n): (.cafcassIntended, Int32(n))
        case .decisionReminder: (.decisionReminder, 0)
        case .resolved: (.resolved, 0)
        case .withdrawn: (.withdrawn, 0)
        }
    }
}

/// Why something was not sent (for `drwatch due --at` explanations).
public struct Decision: Hashable, Sendable {
    public var identity: String
    public var reason: String
}

/// Everything the engine decides about one record at `now`.
public struct Evaluation: Sendable {
    public var ref: String
    public var state: DisputeState
    /// The effective current stage (derived escalations applied); 0 for records without stages.
    public var stage: Int
    public var stageName: String?
    /// The role that must act now.
    public var owner: String?
    /// The stage deadline: close of business on the deadline day, or clock hours after it began.
    public var stageDeadline: Date?
    public var stageDeadlineDay: LocalDate?
    /// Working days from today to the stage deadline day (negative when overdue).
    public var stageWorkingDaysLeft: Int?
    public var statutoryDeadline: Date?
    public var statutoryDeadlineDay: LocalDate?
    public var statutoryWorkingDaysLeft: Int?
    /// Stages entered by a derived (virtual) escalation on breach, in order.
    public var derivedEscalations: [Int]
    /// The notifications due at `now` that are still relevant (the store dedups by identity).
    public var intents: [NotificationIntent]
    /// What was not sent and why; filled only when `explain` is true.
    public var notSent: [Decision]
    /// The earliest future trigger (or derived change), so the daemon can sleep until then.
    public var nextWakeUp: Date?
    /// When the current stage's owner responded (`responded` event); nil: no response yet.
    public var respondedAt: Date? = nil
    /// Working days from the stage's start day to the response day (d with start < d <= response).
    public var responseWorkingDays: Int? = nil
    /// Whether the response came at or before the stage deadline.
    public var respondedWithinTimescale: Bool? = nil
}

/// One stage's response, as the reports count it.
public struct StageResponse: Hashable, Sendable {
    public var stage: Int
    public var at: Date
    /// Working days d with stage start day < d <= response day.
    public var workingDays: Int
    /// At or before the stage deadline.
    public var withinTimescale: Bool
}

extension IntentRecord {
    static func event(_ code: Code, _ arg: Int) -> NotificationEvent {
        let r = IntentRecord(trigger: 0, stage: 0, arg: Int32(arg), day: 0, left: 0, role: 0, copy: 0, code: code.rawValue, urgent: false)
        return r.event
    }
}
