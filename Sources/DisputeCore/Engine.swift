import Foundation
import WorkingDays

// The deadline engine: dispute + policy + calendar + now -> deadlines, state, notification intents.
// Pure: no I/O, no clock. Semantics in docs/policies.md ("How the engine reads a policy").
// Hot path: integer epoch seconds and day numbers; reason strings are built only when read.
//
// Files: EngineTypes.swift (inputs and results), Replay.swift (replaying the history),
// Deadlines.swift (stage and statutory deadlines), NoticeDecisions.swift (state and every notice),
// CompiledPolicy.swift (the policy as the hot path reads it), InlineStorage.swift (allocation-free lists).

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

    /// Whether instant `t` is outside working hours: not a working day, or before `send_time` or
    /// at or after `close_of_business` on one (where `[out_of_hours]` roles are told too).
    @inline(__always)
    func outsideWorkingHours(_ t: Int) throws -> Bool {
        let d = day(t)
        guard try calendar.isWorkingDay(d) else { return true }
        return t < instant(d, minutes: sendMinutes) || t >= instant(d, minutes: cobMinutes)
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
        if let t = o.respondedAt {
            ev.respondedAt = Date(timeIntervalSince1970: TimeInterval(t))
            ev.responseWorkingDays = o.responseWorkingDays
            ev.respondedWithinTimescale = o.respondedInTime
        }
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

    /// Every stage response recorded up to `moment` (events after it are ignored), in order: the
    /// stage, when, its working days from the stage's start day, and whether within the timescale.
    ///
    /// - Throws: `DomainError` when the record's kind is not in the policy; `CalendarError` for
    ///   dates outside the calendar's range.
    public func responses(_ dispute: Dispute, upTo moment: Date) throws -> [StageResponse] {
        guard let plan = plan(dispute.kind) else { throw unknownKind(dispute) }
        let r = try replay(dispute, plan: plan, until: Int(moment.timeIntervalSince1970.rounded(.down)))
        return try r.marks(.responded).map {
            StageResponse(stage: $0.stage, at: Date(timeIntervalSince1970: TimeInterval($0.at)),
                          workingDays: try calendar.workingDaysBetween($0.startDay, day($0.at)), withinTimescale: $0.inTime)
        }
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
        /// The current stage's response (epoch s), its working days and whether in time.
        var respondedAt: Int?
        var responseWorkingDays: Int?
        var respondedInTime: Bool?
    }
}
