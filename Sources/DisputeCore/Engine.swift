import Foundation
import WorkingDays

// The deadline engine: dispute + policy + calendar + now -> deadlines, state, notification intents.
// Pure: no I/O, no clock. Semantics in docs/policies.md ("How the engine reads a policy").
// Hot path: integer epoch seconds and day numbers; reason strings are built only when read.

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
             statutoryWarning, statutoryBreach, extended
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
}

/// The deadline engine. A value holding the policy, calendar and settings for many evaluations.
public struct Engine: Sendable {
    public let policy: Policy
    public let calendar: WorkingCalendar
    public let settings: EngineSettings
    let cobMinutes: Int
    let sendMinutes: Int
    /// Per kind (indexed by `RecordKind.allCases` order), what the hot path needs, computed once.
    let plans: [KindPlan?]

    public init(policy: Policy, calendar: WorkingCalendar, settings: EngineSettings = EngineSettings()) {
        self.policy = policy; self.calendar = calendar; self.settings = settings
        self.cobMinutes = settings.closeOfBusiness.minutesOfDay
        self.sendMinutes = settings.sendTime.minutesOfDay
        self.plans = RecordKind.allCases.map { k in policy.kinds[k].map { KindPlan($0, policy: policy) } }
    }

    @inline(__always) func plan(_ k: RecordKind) -> KindPlan? {
        switch k {
        case .qopAlert: plans[0]
        case .goodPractice: plans[1]
        case .formal: plans[2]
        case .collective: plans[3]
        case .complaint: plans[4]
        }
    }

    // MARK: - Time helpers (epoch seconds)

    @inline(__always) func instant(_ d: LocalDate, minutes: Int) -> Int { settings.civil.epochSeconds(d, minutesOfDay: minutes) }
    @inline(__always) func day(_ t: Int) -> LocalDate { settings.civil.localDate(epochSeconds: t) }

    /// The first send time on a working day at or after `t`.
    @inline(__always)
    func nextSendTime(atOrAfter t: Int) throws -> Int {
        let d = day(t)
        if try calendar.isWorkingDay(d) {
            let s = instant(d, minutes: sendMinutes)
            if s >= t { return s }
        }
        return instant(try calendar.addWorkingDays(1, to: d), minutes: sendMinutes)
    }

    // MARK: - Replaying the history

    /// One stage period of the record as the engine sees it (plain integers: copies cost nothing).
    struct Segment {
        var stage: Int
        /// Who owns it: an index into `KindPlan.choices` (the stage's owner, its
        /// owner_if_about_owner, or the subject row's owner).
        var choice: Int
        var timescale: Timescale
        var start: Int                 // instant (epoch s)
        var startDay: LocalDate
        var startTrigger: Int          // when its opening notice is due
        var derived: Bool
        var fromStage: Int             // the stage it came from (0 when raised)
        var pausedDays = 0             // completed pauses within the stage
        var pausedSeconds = 0
        var extensionDays = 0
    }

    /// The replayed history at `t`.
    struct Replay {
        var seg: Segment?
        /// The stages left after their deadline passed (by a derived or a recorded escalation).
        var breaches = PastBreaches()
        var derived = SmallInts()
        var statStartDay: LocalDate?
        var statPausedDays = 0
        /// Working days stopped by completed pauses, over the whole record.
        var pausedDaysTotal = 0
        var pausedAt: Int?
        var pausedDay: LocalDate?
        var terminal: DisputeState?
        var cafcass: [(at: Int, stage: Int)] = []
        /// Extensions recorded, when the policy tells anyone of them.
        var extensions: [(at: Int, stage: Int)] = []
        var openedAt = 0
        var openingStage = 0
        var subjectIndex = -1
        /// The highest stage a derived escalation may reach: the raiser's initiator limit.
        var limit = Int.max

        @inline(__always) var clock: Clock { Clock(statStartDay: statStartDay, statPausedDays: statPausedDays, pausedDay: pausedDay, pausedAt: pausedAt) }
    }

    /// What the deadline arithmetic reads of a replay: plain values, so the hot path never copies a
    /// `Replay` (its arrays would be retained and released on every copy).
    struct Clock {
        var statStartDay: LocalDate?
        var statPausedDays: Int
        var pausedDay: LocalDate?
        var pausedAt: Int?
    }

    func segment(_ plan: KindPlan, _ d: borrowing Dispute, _ r: Replay, stage n: Int) -> (choice: Int, timescale: Timescale)? {
        segment(plan, concernsOwner: d.concernsOwner, subjectIndex: r.subjectIndex, stage: n)
    }

    @inline(__always)
    func segment(_ plan: KindPlan, concernsOwner: Bool, subjectIndex: Int, stage n: Int) -> (choice: Int, timescale: Timescale)? {
        guard n >= 1 && n <= plan.stages.count else { return nil }
        let sp = plan.stages[n - 1]
        var owner = concernsOwner && sp.ownerIfAboutOwner != Interned.none ? sp.ownerIfAboutOwner : sp.owner
        var ts = sp.timescale
        if subjectIndex >= 0 {
            let row = plan.subjects[subjectIndex]
            if row.stage == n {
                ts = row.timescale
                if row.owner != Interned.none { owner = row.owner }
            }
        }
        var c = sp.choices.lowerBound
        while plan.choices[c].owner != owner { c += 1 }
        return (c, ts)
    }

    /// The stage deadline of `seg`, with pauses up to `asOf` (used while paused).
    func deadline(_ plan: KindPlan, _ seg: Segment, _ r: Replay, asOf: Int) throws -> (instant: Int, day: LocalDate) {
        try deadline(plan, seg, r.clock, asOf: asOf)
    }

    func deadline(_ plan: KindPlan, _ seg: Segment, _ r: Clock, asOf: Int) throws -> (instant: Int, day: LocalDate) {
        switch seg.timescale {
        case .workingDays(let n):
            var paused = seg.pausedDays
            if let pd = r.pausedDay { paused += max(0, try calendar.workingDaysBetween(pd, day(asOf))) }
            var d = try calendar.addWorkingDays(n + paused + seg.extensionDays, to: seg.startDay)
            if seg.extensionDays > 0, let sd = try statutoryDay(plan, r, asOf: asOf), d > sd {
                // An extension never takes the stage past the statutory total.
                let natural = try calendar.addWorkingDays(n + paused, to: seg.startDay)
                d = max(natural, sd)
            }
            return (instant(d, minutes: cobMinutes), d)
        case .hours(let h):
            var t = seg.start + h * 3600 + seg.pausedSeconds
            if let p = r.pausedAt { t += max(0, asOf - p) }
            return (t, day(t))
        }
    }

    func statutoryDay(_ plan: KindPlan, _ r: Replay, asOf: Int) throws -> LocalDate? {
        try statutoryDay(plan, r.clock, asOf: asOf)
    }

    func statutoryDay(_ plan: KindPlan, _ r: Clock, asOf: Int) throws -> LocalDate? {
        guard let start = r.statStartDay, plan.statTotal > 0 else { return nil }
        var paused = r.statPausedDays
        if let pd = r.pausedDay { paused += max(0, try calendar.workingDaysBetween(pd, day(asOf))) }
        return try calendar.addWorkingDays(plan.statTotal + paused, to: start)
    }

    /// Applies derived escalations up to instant `t`.
    func advance(_ r: inout Replay, to t: Int, plan: KindPlan, concernsOwner: Bool) throws {
        while r.terminal == nil, r.pausedAt == nil, let seg = r.seg, plan.stages[seg.stage - 1].escalates,
              seg.stage < r.limit, let next = segment(plan, concernsOwner: concernsOwner, subjectIndex: r.subjectIndex, stage: seg.stage + 1) {
            let dl = try deadline(plan, seg, r.clock, asOf: t)
            guard dl.instant <= t else { return }
            let trigger = seg.timescale.isUrgent ? dl.instant : try nextSendTime(atOrAfter: dl.instant)
            r.breaches.append(stage: seg.stage, deadline: dl.instant, trigger: trigger, urgent: seg.timescale.isUrgent)
            r.seg = Segment(stage: seg.stage + 1, choice: next.choice, timescale: next.timescale, start: dl.instant,
                            startDay: dl.day, startTrigger: trigger, derived: true, fromStage: seg.stage)
            r.derived.append(seg.stage + 1)
            if r.statStartDay == nil, plan.statTotal > 0, seg.stage + 1 >= plan.statFrom { r.statStartDay = dl.day }
        }
    }

    func replay(_ d: borrowing Dispute, plan: KindPlan, until now: Int) throws -> Replay {
        try withUnsafePointer(to: d) { try replay(at: $0, plan: plan, until: now) }
    }

    /// `replay` of the record at `d`, read in place (a `Dispute` argument can be copied whole,
    /// retaining each of its strings and arrays).
    @inline(__always)
    func replay(at d: UnsafePointer<Dispute>, plan: KindPlan, until now: Int) throws -> Replay {
        // Read once: the loop below must not capture the record (that would copy it).
        let concernsOwner = d.pointee.concernsOwner
        // The replay is built inside the closure and returned from it: a variable captured by the
        // closure would be copied whole on `return`.
        var r = try d.pointee.events.withUnsafeBufferPointer { events throws -> Replay in
        var r = Replay()
        r.limit = plan.limit(raisedBy: d.pointee.raisedBy.role)
        if let sid = d.pointee.subject { r.subjectIndex = plan.subjectIDs.firstIndex { $0 == sid } ?? -1 }
        for i in events.indices {
            let t = Int(events[i].at.timeIntervalSince1970.rounded(.down))
            if t > now { break }
            try advance(&r, to: t, plan: plan, concernsOwner: concernsOwner)
            switch events[i].change {
            case .opened(let stage):
                r.openedAt = t
                r.openingStage = stage
                if let s = segment(plan, concernsOwner: concernsOwner, subjectIndex: r.subjectIndex, stage: stage) {
                    r.seg = Segment(stage: stage, choice: s.choice, timescale: s.timescale, start: t, startDay: day(t),
                                    startTrigger: t, derived: false, fromStage: 0)
                    if plan.statTotal > 0, stage >= plan.statFrom { r.statStartDay = day(t) }
                }
            case .escalated(let to, _):
                if let s = segment(plan, concernsOwner: concernsOwner, subjectIndex: r.subjectIndex, stage: to), let cur = r.seg {
                    // Left after its deadline passed: the stage's breach stays due (docs/policies.md).
                    if plan.breachAlert(cur.stage, limit: r.limit).count > 0 {
                        let dl = try deadline(plan, cur, r.clock, asOf: t)
                        if dl.instant <= t {
                            let urgent = cur.timescale.isUrgent
                            r.breaches.append(stage: cur.stage, deadline: dl.instant,
                                              trigger: urgent ? dl.instant : try nextSendTime(atOrAfter: dl.instant), urgent: urgent)
                        }
                    }
                    r.seg = Segment(stage: to, choice: s.choice, timescale: s.timescale, start: t, startDay: day(t),
                                    startTrigger: t, derived: false, fromStage: cur.stage)
                    if r.statStartDay == nil, plan.statTotal > 0, to >= plan.statFrom { r.statStartDay = day(t) }
                }
            case .paused:
                if r.pausedAt == nil { r.pausedAt = t; r.pausedDay = day(t) }
            case .resumed:
                if let p = r.pausedAt, let pd = r.pausedDay {
                    let days = max(0, try calendar.workingDaysBetween(pd, day(t)))
                    r.seg?.pausedDays += days
                    r.seg?.pausedSeconds += t - p
                    r.pausedDaysTotal += days
                    if r.statStartDay != nil { r.statPausedDays += days }
                    r.pausedAt = nil; r.pausedDay = nil
                }
            case .extended(let n, _):
                r.seg?.extensionDays += max(0, n)
                if plan.extensionNotify.count > 0 { r.extensions.append((t, r.seg?.stage ?? 0)) }
            case .cafcassReferral:
                r.cafcass.append((t, r.seg?.stage ?? 0))
            case .note:
                break
            case .resolved:
                r.terminal = .resolved
            case .withdrawn:
                r.terminal = .withdrawn
            }
            if r.terminal != nil { break }
        }
        return r
        }
        try advance(&r, to: now, plan: plan, concernsOwner: concernsOwner)
        return r
    }

    // MARK: - Evaluate

    /// Evaluates one record at `now`.
    ///
    /// - Parameters:
    ///   - dispute: the record and its history (events after `now` are ignored).
    ///   - context: what the store knows about the child's other records.
    ///   - now: the moment of the poll (fixed once per poll).
    ///   - explain: also list what was not sent and why (for `--at`); slower.
    /// - Returns: deadlines, state and the intents due at `now`.
    /// - Throws: `DomainError` when the record's kind is not in the policy; `CalendarError` for
    ///   dates outside the calendar's range.
    public func evaluate(_ dispute: Dispute, context: EngineContext = EngineContext(), now: Date, explain: Bool = false) throws -> Evaluation {
        guard let plan = plan(dispute.kind) else { throw unknownKind(dispute) }
        var sink = IntentArray(ref: dispute.ref)
        var notSent: [Decision] = []
        var o = Outcome()
        try withUnsafePointer(to: dispute) {
            try outcome(at: $0, plan: plan, context: context, now: Int(now.timeIntervalSince1970.rounded(.down)),
                        explain: explain, into: &sink, notSent: &notSent, outcome: &o)
        }
        var ev = Evaluation(ref: dispute.ref, state: o.state, stage: o.stage,
                            stageName: o.stage > 0 ? plan.stageNames[o.stage - 1] : nil,
                            owner: o.choice >= 0 ? plan.choiceOwnerNames[o.choice] : nil,
                            derivedEscalations: o.derived.array, intents: sink.intents, notSent: notSent, nextWakeUp: nil)
        if let t = o.stageDeadline {
            ev.stageDeadline = Date(timeIntervalSince1970: TimeInterval(t))
            ev.stageDeadlineDay = o.stageDeadlineDay
            ev.stageWorkingDaysLeft = o.stageWorkingDaysLeft
        }
        if let t = o.statutoryDeadline {
            ev.statutoryDeadline = Date(timeIntervalSince1970: TimeInterval(t))
            ev.statutoryDeadlineDay = o.statutoryDeadlineDay
            ev.statutoryWorkingDaysLeft = o.statutoryWorkingDaysLeft
        }
        if o.wake != .max { ev.nextWakeUp = Date(timeIntervalSince1970: TimeInterval(o.wake)) }
        return ev
    }

    /// The working days a record's clock was stopped up to `moment`, as the engine counts them for
    /// its deadlines: a pause from day P to the resume on day R stops the working days d with
    /// P < d <= R; a pause still running at `moment` counts to that day. Events after `moment`, and
    /// after the record was resolved or withdrawn, are ignored.
    ///
    /// - Parameters:
    ///   - dispute: the record and its history.
    ///   - moment: count up to this instant (e.g. the resolution, for reports).
    /// - Returns: the paused working days, 0 or more.
    /// - Throws: `DomainError` when the record's kind is not in the policy; `CalendarError` for
    ///   dates outside the calendar's range.
    public func pausedWorkingDays(_ dispute: Dispute, upTo moment: Date) throws -> Int {
        guard let plan = plan(dispute.kind) else { throw unknownKind(dispute) }
        let t = Int(moment.timeIntervalSince1970.rounded(.down))
        let r = try replay(dispute, plan: plan, until: t)
        var days = r.pausedDaysTotal
        if let pd = r.pausedDay { days += max(0, try calendar.workingDaysBetween(pd, day(t))) }
        return days
    }

    func unknownKind(_ d: Dispute) -> DomainError {
        DomainError("policy \(policy.name) has no kind \(d.kind.rawValue); record \(d.ref) cannot be evaluated")
    }

    /// What `evaluate` decides, in plain values (the strings are the plan's).
    struct Outcome {
        var state: DisputeState = .onTrack
        var stage = 0
        /// Index into `KindPlan.choices` of the current owner, or -1.
        var choice = -1
        var stageDeadline: Int?
        var stageDeadlineDay: LocalDate?
        var stageWorkingDaysLeft: Int?
        var statutoryDeadline: Int?
        var statutoryDeadlineDay: LocalDate?
        var statutoryWorkingDaysLeft: Int?
        var derived = SmallInts()
        var wake = Int.max
    }

    /// The one implementation behind `evaluate` and `evaluateAll`: deadlines, state and the
    /// intents due at `now` (appended to `sink`), in plain values.
    @inline(__always)
    func outcome<Sink: IntentSink>(at d: UnsafePointer<Dispute>, plan: KindPlan, context: EngineContext, now: Int, explain: Bool,
                                   into sink: inout Sink, notSent: inout [Decision], outcome o: inout Outcome) throws {
        // `o` is the caller's fresh `Outcome()`, filled in place (returning it would copy it).
        let r = try replay(at: d, plan: plan, until: now)
        let today = day(now)
        o.stage = r.seg?.stage ?? 0
        o.choice = r.seg?.choice ?? -1
        o.derived = r.derived
        var wake = Int.max

        @inline(__always)
        func emit(_ wake: inout Int, _ sink: inout Sink, _ stage: Int, _ code: IntentRecord.Code, _ arg: Int, to: RoleList, urgent: Bool, trigger: Int,
                  day: LocalDate?, left: Int?) {
            guard trigger <= now else { if trigger < wake { wake = trigger }; return }
            var rec = IntentRecord(trigger: Double(trigger), stage: Int32(stage), arg: Int32(arg),
                                   day: day.map { Int32($0.dayNumber) } ?? IntentRecord.absent,
                                   left: left.map { Int32($0) } ?? IntentRecord.absent,
                                   role: 0, copy: to.firstCopy, code: code.rawValue, urgent: urgent)
            var i = to.start
            let end = to.start + to.count
            while i < end {
                rec.role = plan.roles[i]
                sink.add(rec)
                rec.copy = 0
                i += 1
            }
        }
        // The reference only, and only when explaining: a nested function capturing `d` copies the record.
        let ref = explain ? d.pointee.ref : ""
        func skip(_ notSent: inout [Decision], _ stage: Int, _ event: NotificationEvent, _ roles: RoleList, _ why: String) {
            guard explain else { return }
            for role in plan.names(roles) { notSent.append(Decision(identity: "\(ref)/s\(stage)/\(event.name)/\(role)", reason: why)) }
        }

        // Deadlines.
        var stageDL: (instant: Int, day: LocalDate)?
        if let seg = r.seg {
            let dl = try deadline(plan, seg, r.clock, asOf: now)
            stageDL = dl
            o.stageDeadline = dl.instant
            o.stageDeadlineDay = dl.day
            o.stageWorkingDaysLeft = try calendar.workingDaysBetween(today, dl.day)
        }
        var statDay: LocalDate?
        var statInstant = 0
        if let sd = try statutoryDay(plan, r.clock, asOf: now) {
            statDay = sd
            statInstant = instant(sd, minutes: cobMinutes)
            o.statutoryDeadline = statInstant
            o.statutoryDeadlineDay = sd
            o.statutoryWorkingDaysLeft = try calendar.workingDaysBetween(today, sd)
        }

        // State.
        if let term = r.terminal {
            o.state = term
            if explain { notSent.append(Decision(identity: "\(ref)", reason: "\(term.rawValue): nothing more is sent")) }
            return
        }
        if r.pausedAt != nil {
            o.state = .paused
        } else if statDay != nil && now >= statInstant {
            o.state = .statutoryBreached
        } else if let dl = stageDL, now >= dl.instant {
            o.state = .overdue
        } else if let left = o.statutoryWorkingDaysLeft, plan.hasStatutoryRule, let most = plan.statWarnFirst, left <= most {
            o.state = .statutoryAtRisk
        } else if let left = o.stageWorkingDaysLeft, left <= 0 {
            o.state = .dueToday
        } else if let left = o.stageWorkingDaysLeft, left <= policy.dueSoonWorkingDays {
            o.state = .dueSoon
        }

        // Record-level notices (while the record is open).
        if plan.stages.isEmpty && plan.recipients.count > 0 {
            emit(&wake, &sink, 0, .goodPractice, 0, to: plan.recipients, urgent: false, trigger: r.openedAt, day: nil, left: nil)
        }
        if context.earlierRecordsForChild > 0 && plan.repeatAlert.count > 0 {
            emit(&wake, &sink, r.openingStage, .repeatAlert, 0, to: plan.repeatAlert, urgent: false, trigger: r.openedAt, day: nil, left: nil)
        }
        if plan.cafcassAlert.count > 0 {
            for (n, c) in r.cafcass.enumerated() {
                emit(&wake, &sink, c.stage, .cafcassReferral, n + 1, to: plan.cafcassAlert, urgent: true, trigger: c.at, day: nil, left: nil)
            }
        }
        if plan.extensionNotify.count > 0 {
            for (n, e) in r.extensions.enumerated() {
                emit(&wake, &sink, e.stage, .extended, n + 1, to: plan.extensionNotify, urgent: false, trigger: e.at, day: nil, left: nil)
            }
        }

        guard let seg = r.seg, let dl = stageDL else {
            o.wake = wake
            return
        }
        let sp = plan.stages[seg.stage - 1]
        let breachAlert = plan.breachAlert(seg.stage, limit: r.limit)
        let escalates = sp.escalates && seg.stage < r.limit
        let choice = plan.choices[seg.choice]
        let urgentStage = seg.timescale.isUrgent

        // Breach alerts of the stages left after their deadline passed (derived or recorded
        // escalations): due until the record is closed, so a poll after downtime issues each once.
        var b = 0
        while b < r.breaches.count {
            let e = r.breaches[b]
            b += 1
            guard e.trigger <= now else { if e.trigger < wake { wake = e.trigger }; continue }
            let deadlineDay = day(e.deadline)
            emit(&wake, &sink, e.stage, .breach, 0, to: plan.breachAlert(e.stage, limit: r.limit), urgent: e.urgent, trigger: e.trigger,
                 day: deadlineDay, left: try calendar.workingDaysBetween(day(e.trigger), deadlineDay))
        }
        // Opening of the current stage, and a bypass into it.
        if sp.remindOnOpening {
            emit(&wake, &sink, seg.stage, .opened, 0, to: choice.opening, urgent: urgentStage, trigger: seg.startTrigger,
                 day: dl.day, left: try calendar.workingDaysBetween(day(seg.startTrigger), dl.day))
        }
        if seg.stage - seg.fromStage > 1 && plan.bypassNotify.count > 0 {
            emit(&wake, &sink, seg.stage, .bypass, 0, to: plan.bypassNotify, urgent: urgentStage, trigger: seg.startTrigger,
                 day: nil, left: nil)
        }

        if r.pausedAt != nil {
            if explain {
                skip(&notSent, seg.stage, .breach, breachAlert, "paused since \(day(r.pausedAt!).longDescription): the clock is stopped, reminders wait for the resume")
            }
        } else {
            // Scheduled notices of the current stage. Routine ones: only the latest due one is relevant.
            var latest: Routine?
            var superseded: [Routine] = []
            @inline(__always)
            func routine(_ latest: inout Routine?, _ superseded: inout [Routine], _ wake: inout Int, _ x: Routine) {
                guard x.trigger <= now else { if x.trigger < wake { wake = x.trigger }; return }
                if let l = latest, l.trigger >= x.trigger { if explain { superseded.append(x) }; return }
                if let l = latest, explain { superseded.append(l) }
                latest = x
            }
            switch seg.timescale {
            case .workingDays:
                let k = try calendar.workingDaysBetween(seg.startDay, dl.day)
                for j in sp.remindWorkingDaysLeft {
                    let n = Int(plan.ints[j])
                    guard k - n >= 1 else { continue }
                    let rd = try calendar.addWorkingDays(k - n, to: seg.startDay)
                    let t = instant(rd, minutes: sendMinutes)
                    if t <= seg.start { continue }
                    routine(&latest, &superseded, &wake, Routine(code: .reminderWorkingDays, arg: n, to: choice.routine, trigger: t, left: n))
                }
                if breachAlert.count > 0 {
                    let t = try nextSendTime(atOrAfter: dl.instant)
                    routine(&latest, &superseded, &wake, Routine(code: .breach, arg: 0, to: breachAlert, trigger: t,
                                    left: try calendar.workingDaysBetween(day(t), dl.day)))
                }
                if let l = latest {
                    emit(&wake, &sink, seg.stage, l.code, l.arg, to: l.to, urgent: false, trigger: l.trigger, day: dl.day, left: l.left)
                }
                if explain, let l = latest {
                    let latestName = IntentRecord.event(l.code, l.arg).name
                    for s in superseded {
                        skip(&notSent, seg.stage, IntentRecord.event(s.code, s.arg), s.to,
                             "superseded: a later notice of stage \(seg.stage) is due (\(latestName))")
                    }
                }
            case .hours:
                // An hour-based subject row on this stage brings its own reminders.
                var hoursLeft = sp.remindHoursLeft
                if r.subjectIndex >= 0, plan.subjects[r.subjectIndex].stage == seg.stage { hoursLeft = plan.subjects[r.subjectIndex].remindHoursLeft }
                for j in hoursLeft {
                    let h = Int(plan.ints[j])
                    let t = dl.instant - h * 3600
                    if t <= seg.start { continue }
                    emit(&wake, &sink, seg.stage, .reminderHours, h, to: choice.routine, urgent: true, trigger: t, day: dl.day, left: nil)
                }
                if breachAlert.count > 0 {
                    emit(&wake, &sink, seg.stage, .breach, 0, to: breachAlert, urgent: true, trigger: dl.instant, day: dl.day,
                         left: try calendar.workingDaysBetween(day(dl.instant), dl.day))
                }
            }
            // A derived escalation is a change too: wake for it.
            if escalates, dl.instant > now, dl.instant < wake { wake = dl.instant }

            // The statutory total: urgent warnings at the start of the day, breach at the deadline.
            if plan.hasStatutoryRule, let sd = statDay, let start = r.statStartDay {
                // Warnings of the same deadline form a series: only the latest due one is relevant
                // (a later warning supersedes an earlier one not yet issued, as after downtime).
                let total = try calendar.workingDaysBetween(start, sd)
                var latestWarn: (n: Int, trigger: Int)?
                var supersededWarns: [Int] = []
                for j in plan.statWarnDays {
                    let n = Int(plan.ints[j])
                    guard total - n >= 1 else { continue }
                    let wd = try calendar.addWorkingDays(total - n, to: start)
                    let t = max(instant(wd, minutes: 0), r.openedAt)
                    guard t <= now else { if t < wake { wake = t }; continue }
                    if let l = latestWarn, l.trigger > t || (l.trigger == t && l.n <= n) {
                        if explain { supersededWarns.append(n) }
                        continue
                    }
                    if let l = latestWarn, explain { supersededWarns.append(l.n) }
                    latestWarn = (n, t)
                }
                if let l = latestWarn {
                    emit(&wake, &sink, 0, .statutoryWarning, l.n, to: plan.statWarn, urgent: true, trigger: l.trigger, day: sd, left: l.n)
                    for n in supersededWarns where n != l.n {
                        skip(&notSent, 0, .statutoryWarning(n), plan.statWarn,
                             "superseded: a later statutory warning is due (\(NotificationEvent.statutoryWarning(l.n).name))")
                    }
                }
                if plan.statBreachAlert.count > 0 {
                    emit(&wake, &sink, 0, .statutoryBreach, 0, to: plan.statBreachAlert, urgent: true, trigger: statInstant, day: sd, left: 0)
                }
            }
        }
        o.wake = wake
        return
    }
}

extension IntentRecord {
    static func event(_ code: Code, _ arg: Int) -> NotificationEvent {
        let r = IntentRecord(trigger: 0, stage: 0, arg: Int32(arg), day: 0, left: 0, role: 0, copy: 0, code: code.rawValue, urgent: false)
        return r.event
    }
}

/// A scheduled routine notice of a stage (only the latest due one is sent).
struct Routine { var code: IntentRecord.Code; var arg: Int; var to: RoleList; var trigger: Int; var left: Int }

/// Where the engine's core puts the intents it decides.
protocol IntentSink {
    mutating func add(_ r: IntentRecord)
}

/// The intents of one record, for `evaluate`.
struct IntentArray: IntentSink {
    let ref: String
    var intents: [NotificationIntent] = []
    init(ref: String) { self.ref = ref }
    @inline(__always) mutating func add(_ r: IntentRecord) {
        if intents.isEmpty { intents.reserveCapacity(8) }
        intents.append(NotificationIntent(ref: ref, record: r))
    }
}

/// The stages a record left after their deadline passed, in order: kept inline up to four (no
/// allocation for the usual ladder), more in `overflow`.
struct PastBreaches {
    struct Entry {
        /// The stage deadline that passed (epoch s).
        var deadline: Int
        /// When its breach alert is due (epoch s): the deadline (urgent) or the next send time.
        var trigger: Int { deadline + Int(triggerDelay) }
        var triggerDelay: Int32
        var stage16: Int16
        var urgent: Bool
        var stage: Int { Int(stage16) }
    }
    private static let none = Entry(deadline: 0, triggerDelay: 0, stage16: 0, urgent: false)
    private var e0 = none, e1 = none, e2 = none, e3 = none
    private var overflow: [Entry] = []
    private(set) var count = 0

    mutating func append(stage: Int, deadline: Int, trigger: Int, urgent: Bool) {
        let e = Entry(deadline: deadline, triggerDelay: Int32(clamping: trigger - deadline), stage16: Int16(clamping: stage), urgent: urgent)
        switch count {
        case 0: e0 = e
        case 1: e1 = e
        case 2: e2 = e
        case 3: e3 = e
        default: overflow.append(e)
        }
        count += 1
    }

    subscript(i: Int) -> Entry {
        switch i {
        case 0: e0
        case 1: e1
        case 2: e2
        case 3: e3
        default: overflow[i - 4]
        }
    }
}

/// A short list of small integers kept inline (no allocation up to 8 values below 256).
struct SmallInts {
    private var packed: UInt64 = 0
    private var packedCount = 0
    private var overflow: [Int] = []

    var count: Int { packedCount + overflow.count }

    @inline(__always)
    mutating func append(_ v: Int) {
        if overflow.isEmpty && packedCount < 8 && v >= 0 && v < 256 {
            packed |= UInt64(v) << (8 * packedCount)
            packedCount += 1
        } else {
            overflow.append(v)
        }
    }

    var array: [Int] {
        var out: [Int] = []
        if count == 0 { return out }
        out.reserveCapacity(count)
        for i in 0..<packedCount { out.append(Int((packed >> (8 * i)) & 0xFF)) }
        out += overflow
        return out
    }

    func forEach(_ body: (Int) -> Void) {
        for i in 0..<packedCount { body(Int((packed >> (8 * i)) & 0xFF)) }
        for v in overflow { body(v) }
    }
}

/// A list of roles: `count` interned role codes from `KindPlan.roles[start...]`; the first
/// role's intent carries the copy list `firstCopy` (the copy roles that are not addressed).
struct RoleList {
    var start: Int
    var count: Int
    var firstCopy: UInt16
}

/// What the engine needs of one kind, computed once per policy: plain values and tables of
/// role codes, so that the hot path reads integers and retains nothing.
final class KindPlan: Sendable {
    struct Stage {
        var owner: UInt16
        var ownerIfAboutOwner: UInt16     // Interned.none: not applicable
        var timescale: Timescale
        var remindOnOpening: Bool
        var escalates: Bool
        var remindWorkingDaysLeft: Range<Int>   // into `ints`
        var remindHoursLeft: Range<Int>         // into `ints`
        var breachAlert: RoleList                // copied: the stage's copy list
        /// An escalating stage at the raiser's initiator limit alerts instead: its owner and the breach roles.
        var breachAlertAtLimit: RoleList
        var choices: Range<Int>                  // the owners it may have, into `choices`
    }
    struct Choice {
        var owner: UInt16
        /// `[owner]` with the stage's opening copy list (its copy list and the kind's watchers).
        var opening: RoleList
        /// `[owner]` with the stage's copy list (reminders).
        var routine: RoleList
    }
    struct Subject {
        var stage: Int
        var owner: UInt16                 // Interned.none: the stage's owner
        var timescale: Timescale
        var remindHoursLeft: Range<Int>   // into `ints`; hour-based rows
    }

    let stages: [Stage]
    let stageNames: [String]
    let choices: [Choice]
    let choiceOwnerNames: [String]
    let subjects: [Subject]
    let subjectIDs: [String]
    let roles: [UInt16]
    let ints: [Int32]
    let recipients: RoleList
    let repeatAlert: RoleList
    let cafcassAlert: RoleList
    let extensionNotify: RoleList
    let bypassNotify: RoleList
    /// The statutory rule applies to this kind.
    let hasStatutoryRule: Bool
    /// The statutory total in working days (0: none) and the stage it counts from.
    let statTotal: Int
    let statFrom: Int
    let statWarnFirst: Int?
    let statWarnDays: Range<Int>
    let statWarn: RoleList
    let statBreachAlert: RoleList

    init(_ kp: KindPolicy, policy: Policy) {
        let interned = Interned.shared
        var roles: [UInt16] = []
        var ints: [Int32] = []
        func list(_ to: [String], copy: [String]) -> RoleList {
            let start = roles.count
            roles += to.map { interned.code($0) }
            return RoleList(start: start, count: to.count, firstCopy: interned.code(list: copy.filter { !to.contains($0) }))
        }
        func numbers(_ xs: [Int]) -> Range<Int> {
            let start = ints.count
            ints += xs.map { Int32($0) }
            return start..<ints.count
        }
        func code(_ s: String?) -> UInt16 { s.map { interned.code($0) } ?? Interned.none }

        var stages: [Stage] = [], choices: [Choice] = [], choiceOwnerNames: [String] = []
        for sp in kp.stages {
            var openingCopy = sp.copy
            for w in kp.watchers where !openingCopy.contains(w) && w != sp.owner { openingCopy.append(w) }
            var owners = [sp.owner]
            if let o = sp.ownerIfAboutOwner, !owners.contains(o) { owners.append(o) }
            for row in kp.subjects where row.stage == sp.number {
                if let o = row.owner, !owners.contains(o) { owners.append(o) }
            }
            let first = choices.count
            for o in owners {
                choices.append(Choice(owner: interned.code(o), opening: list([o], copy: openingCopy), routine: list([o], copy: sp.copy)))
                choiceOwnerNames.append(o)
            }
            stages.append(Stage(owner: interned.code(sp.owner), ownerIfAboutOwner: code(sp.ownerIfAboutOwner), timescale: sp.timescale,
                                remindOnOpening: sp.remindOnOpening, escalates: sp.onBreach == .escalate,
                                remindWorkingDaysLeft: numbers(sp.remindWorkingDaysLeft), remindHoursLeft: numbers(sp.remindHoursLeft),
                                breachAlert: list(sp.breachAlert, copy: sp.copy),
                                breachAlertAtLimit: list(sp.breachAlert.contains(sp.owner) ? sp.breachAlert : [sp.owner] + sp.breachAlert,
                                                         copy: sp.copy),
                                choices: first..<choices.count))
        }
        self.stages = stages
        self.stageNames = kp.stages.map(\.name)
        self.choices = choices
        self.choiceOwnerNames = choiceOwnerNames
        self.subjects = kp.subjects.map {
            Subject(stage: $0.stage, owner: code($0.owner), timescale: $0.timescale, remindHoursLeft: numbers($0.remindHoursLeft))
        }
        self.subjectIDs = kp.subjects.map(\.id)
        self.recipients = list(kp.recipients, copy: kp.copy)
        self.repeatAlert = list(kp.repeatAlert, copy: [])
        self.cafcassAlert = list(policy.cafcassAlert, copy: [])
        self.extensionNotify = list(policy.extensionNotify, copy: [])
        self.bypassNotify = list(policy.bypass.notify, copy: [])
        let statutory = policy.statutory(for: kp.kind)
        self.hasStatutoryRule = statutory != nil
        self.statTotal = statutory?.workingDays ?? 0
        self.statFrom = statutory?.fromStage ?? 1
        self.statWarnFirst = statutory?.warnWorkingDaysLeft.first
        self.statWarnDays = numbers(statutory?.warnWorkingDaysLeft ?? [])
        self.statWarn = list(statutory?.warn ?? [], copy: [])
        self.statBreachAlert = list(statutory?.breachAlert ?? [], copy: [])
        self.roles = roles
        self.ints = ints
        // Stage names are interned too, for batch results.
        self.stageNameCodes = kp.stages.map { interned.code($0.name) }
        self.limits = kp.stages.isEmpty ? [] :
            policy.initiators.filter { $0.kinds.isEmpty || $0.kinds.contains(kp.kind) }.map { ($0.role, $0.maxStage) }
    }

    let stageNameCodes: [UInt16]

    /// The initiator limits of this kind (`[[initiator]]` rows that apply to it).
    let limits: [(role: String, maxStage: Int)]

    /// The highest stage a derived escalation may reach for a record raised by `role`.
    @inline(__always) func limit(raisedBy role: String) -> Int {
        if limits.isEmpty { return .max }
        var most = -1
        for l in limits where l.maxStage > most && l.role == role { most = l.maxStage }
        return most < 0 ? .max : most
    }

    /// Who is alerted when stage `n` runs out, for a record whose derived escalations stop at `limit`.
    @inline(__always) func breachAlert(_ n: Int, limit: Int) -> RoleList {
        let st = stages[n - 1]
        return st.escalates && n >= limit ? st.breachAlertAtLimit : st.breachAlert
    }

    /// The role names of a list (for explanations).
    func names(_ l: RoleList) -> [String] { (l.start..<l.start + l.count).map { Interned.shared.name(roles[$0]) } }
}
