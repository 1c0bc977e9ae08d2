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

    /// `opened`, `reminder-2wd`, `reminder-4h`, `breach`, `bypass`, `repeat`, `good-practice`,
    /// `cafcass-referral` (then `cafcass-referral-2`, ...), `statutory-warning-5wd`, `statutory-breach`.
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
        }
    }
}

/// A notification that is due. The store sends each identity once.
public struct NotificationIntent: Hashable, Sendable {
    public var ref: String
    /// The stage it concerns (0 for the statutory total and for records without stages).
    public var stage: Int
    public var event: NotificationEvent
    /// The role it is addressed to (one intent per addressed role).
    public var role: String
    /// Roles copied (carried by the first addressed role's intent of an event only, so that a
    /// copied role receives one copy per event).
    public var copy: [String]
    public var urgency: Urgency
    /// When it became due.
    public var trigger: Date
    /// The stage's (or the statutory total's) deadline day, when there is one.
    public var deadlineDay: LocalDate?
    /// Working days left to `deadlineDay` counted from the trigger's day (negative: overdue).
    public var workingDaysLeft: Int?

    /// `REF/sSTAGE/EVENT/ROLE`, e.g. `DR-1/s2/reminder-1wd/service-manager`: stable across runs.
    public var identity: String { "\(ref)/s\(stage)/\(event.name)/\(role)" }
    /// Addressed roles (`to`), for renderers: always `[role]`.
    public var to: [String] { [role] }

    /// "Stage 2 due Fri 27 Nov 2026, 1 working day left: reminder to service-manager".
    public var reason: String {
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
        self.plans = RecordKind.allCases.map { k in policy.kinds[k].map { KindPlan($0, statutory: policy.statutory(for: k)) } }
    }

    func plan(_ k: RecordKind) -> KindPlan? {
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
        /// Who owns it: 0 the stage's owner, 1 its owner_if_about_owner, 2 the subject row's owner.
        var ownerSel: UInt8
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
        var previous: Segment?         // when `seg` was entered by a derived escalation
        var previousDeadline: (instant: Int, day: LocalDate)?
        var derived: [Int] = []
        var statStartDay: LocalDate?
        var statPausedDays = 0
        var pausedAt: Int?
        var pausedDay: LocalDate?
        var terminal: DisputeState?
        var cafcass: [(at: Int, stage: Int)] = []
        var openedAt = 0
        var openingStage = 0
        var subjectIndex = -1
    }

    func segment(_ plan: KindPlan, _ d: Dispute, _ r: Replay, stage n: Int) -> (ownerSel: UInt8, timescale: Timescale)? {
        guard n >= 1 && n <= plan.stages.count else { return nil }
        let sp = plan.stages[n - 1]
        var sel: UInt8 = d.concernsOwner && sp.ownerIfAboutOwner != nil ? 1 : 0
        var ts = sp.timescale
        if r.subjectIndex >= 0 {
            let row = plan.kp.subjects[r.subjectIndex]
            if row.stage == n {
                ts = row.timescale
                if row.owner != nil { sel = 2 }
            }
        }
        return (sel, ts)
    }

    func owner(_ plan: KindPlan, _ seg: Segment, _ r: Replay) -> String {
        let sp = plan.stages[seg.stage - 1]
        switch seg.ownerSel {
        case 1: return sp.ownerIfAboutOwner!
        case 2: return plan.kp.subjects[r.subjectIndex].owner!
        default: return sp.owner
        }
    }

    /// The stage deadline of `seg`, with pauses up to `asOf` (used while paused).
    func deadline(_ plan: KindPlan, _ seg: Segment, _ r: Replay, asOf: Int) throws -> (instant: Int, day: LocalDate) {
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
        guard let start = r.statStartDay, plan.statTotal > 0 else { return nil }
        var paused = r.statPausedDays
        if let pd = r.pausedDay { paused += max(0, try calendar.workingDaysBetween(pd, day(asOf))) }
        return try calendar.addWorkingDays(plan.statTotal + paused, to: start)
    }

    /// Applies derived escalations up to instant `t`.
    func advance(_ r: inout Replay, to t: Int, plan: KindPlan, dispute: Dispute) throws {
        while r.terminal == nil, r.pausedAt == nil, let seg = r.seg, plan.stages[seg.stage - 1].onBreach == .escalate,
              let next = segment(plan, dispute, r, stage: seg.stage + 1) {
            let dl = try deadline(plan, seg, r, asOf: t)
            guard dl.instant <= t else { return }
            let trigger = seg.timescale.isUrgent ? dl.instant : try nextSendTime(atOrAfter: dl.instant)
            r.previous = seg
            r.previousDeadline = dl
            r.seg = Segment(stage: seg.stage + 1, ownerSel: next.ownerSel, timescale: next.timescale, start: dl.instant,
                            startDay: dl.day, startTrigger: trigger, derived: true, fromStage: seg.stage)
            r.derived.append(seg.stage + 1)
            if r.statStartDay == nil, plan.statTotal > 0, seg.stage + 1 >= plan.statFrom { r.statStartDay = dl.day }
        }
    }

    func replay(_ d: Dispute, plan: KindPlan, until now: Int) throws -> Replay {
        var r = Replay()
        if let sid = d.subject { r.subjectIndex = plan.kp.subjects.firstIndex { $0.id == sid } ?? -1 }
        for e in d.events {
            let t = Int(e.at.timeIntervalSince1970.rounded(.down))
            if t > now { break }
            try advance(&r, to: t, plan: plan, dispute: d)
            switch e.change {
            case .opened(let stage):
                r.openedAt = t
                r.openingStage = stage
                if let s = segment(plan, d, r, stage: stage) {
                    r.seg = Segment(stage: stage, ownerSel: s.ownerSel, timescale: s.timescale, start: t, startDay: day(t),
                                    startTrigger: t, derived: false, fromStage: 0)
                    if plan.statTotal > 0, stage >= plan.statFrom { r.statStartDay = day(t) }
                }
            case .escalated(let to, _):
                if let s = segment(plan, d, r, stage: to), let cur = r.seg {
                    r.seg = Segment(stage: to, ownerSel: s.ownerSel, timescale: s.timescale, start: t, startDay: day(t),
                                    startTrigger: t, derived: false, fromStage: cur.stage)
                    r.previous = nil; r.previousDeadline = nil
                    if r.statStartDay == nil, plan.statTotal > 0, to >= plan.statFrom { r.statStartDay = day(t) }
                }
            case .paused:
                if r.pausedAt == nil { r.pausedAt = t; r.pausedDay = day(t) }
            case .resumed:
                if let p = r.pausedAt, let pd = r.pausedDay {
                    let days = max(0, try calendar.workingDaysBetween(pd, day(t)))
                    r.seg?.pausedDays += days
                    r.seg?.pausedSeconds += t - p
                    if r.statStartDay != nil { r.statPausedDays += days }
                    r.pausedAt = nil; r.pausedDay = nil
                }
            case .extended(let n, _):
                r.seg?.extensionDays += max(0, n)
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
        try advance(&r, to: now, plan: plan, dispute: d)
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
        guard let plan = plan(dispute.kind) else {
            throw DomainError("policy \(policy.name) has no kind \(dispute.kind.rawValue); record \(dispute.ref) cannot be evaluated")
        }
        return try evaluate(dispute, plan: plan, context: context, now: now, explain: explain)
    }

    private func evaluate(_ d: Dispute, plan: KindPlan, context: EngineContext, now nowDate: Date, explain: Bool) throws -> Evaluation {
        let kp = plan.kp
        let now = Int(nowDate.timeIntervalSince1970.rounded(.down))
        let r = try replay(d, plan: plan, until: now)
        let today = day(now)
        let currentOwner = r.seg.map { owner(plan, $0, r) }
        var ev = Evaluation(ref: d.ref, state: .onTrack, stage: r.seg?.stage ?? 0, stageName: r.seg.map { plan.stages[$0.stage - 1].name },
                            owner: currentOwner, derivedEscalations: r.derived, intents: [], notSent: [], nextWakeUp: nil)
        var intents: [NotificationIntent] = []
        intents.reserveCapacity(8)
        var notSent: [Decision] = []
        var wake = Int.max

        func emit(_ stage: Int, _ event: NotificationEvent, to: [String], copy: [String], urgency: Urgency, trigger: Int,
                  day: LocalDate?, left: Int?) {
            guard trigger <= now else { if trigger < wake { wake = trigger }; return }
            var first = true
            for role in to {
                let c = !first || copy.isEmpty ? [] : (copy.contains(where: to.contains) ? copy.filter { !to.contains($0) } : copy)
                intents.append(NotificationIntent(ref: d.ref, stage: stage, event: event, role: role,
                                                  copy: c, urgency: urgency,
                                                  trigger: Date(timeIntervalSince1970: TimeInterval(trigger)),
                                                  deadlineDay: day, workingDaysLeft: left))
                first = false
            }
        }
        func skip(_ stage: Int, _ event: NotificationEvent, _ roles: [String], _ why: String) {
            guard explain else { return }
            for role in roles { notSent.append(Decision(identity: "\(d.ref)/s\(stage)/\(event.name)/\(role)", reason: why)) }
        }

        // Deadlines.
        var stageDL: (instant: Int, day: LocalDate)?
        if let seg = r.seg {
            stageDL = try deadline(plan, seg, r, asOf: now)
            ev.stageDeadline = Date(timeIntervalSince1970: TimeInterval(stageDL!.instant))
            ev.stageDeadlineDay = stageDL!.day
            ev.stageWorkingDaysLeft = try calendar.workingDaysBetween(today, stageDL!.day)
        }
        var statDay: LocalDate?
        var statInstant = 0
        if let sd = try statutoryDay(plan, r, asOf: now) {
            statDay = sd
            statInstant = instant(sd, minutes: cobMinutes)
            ev.statutoryDeadline = Date(timeIntervalSince1970: TimeInterval(statInstant))
            ev.statutoryDeadlineDay = sd
            ev.statutoryWorkingDaysLeft = try calendar.workingDaysBetween(today, sd)
        }

        // State.
        if let term = r.terminal {
            ev.state = term
            skip(ev.stage, .opened, [], "")
            if explain { notSent.append(Decision(identity: "\(d.ref)", reason: "\(term.rawValue): nothing more is sent")) }
            ev.notSent = notSent
            return ev
        }
        if r.pausedAt != nil {
            ev.state = .paused
        } else if statDay != nil && now >= statInstant {
            ev.state = .statutoryBreached
        } else if let dl = stageDL, now >= dl.instant {
            ev.state = .overdue
        } else if let left = ev.statutoryWorkingDaysLeft, let rule = plan.statutory,
                  let most = rule.warnWorkingDaysLeft.first, left <= most {
            ev.state = .statutoryAtRisk
        } else if let left = ev.stageWorkingDaysLeft, left <= 0 {
            ev.state = .dueToday
        } else if let left = ev.stageWorkingDaysLeft, left <= policy.dueSoonWorkingDays {
            ev.state = .dueSoon
        }

        // Record-level notices (while the record is open).
        if kp.stages.isEmpty && !kp.recipients.isEmpty {
            emit(0, .goodPractice, to: kp.recipients, copy: kp.copy, urgency: .routine, trigger: r.openedAt, day: nil, left: nil)
        }
        if context.earlierRecordsForChild > 0 && !kp.repeatAlert.isEmpty {
            emit(r.openingStage, .repeatAlert, to: kp.repeatAlert, copy: [], urgency: .routine, trigger: r.openedAt,
                 day: nil, left: nil)
        }
        for (n, c) in r.cafcass.enumerated() where !policy.cafcassAlert.isEmpty {
            emit(c.stage, .cafcassReferral(n + 1), to: policy.cafcassAlert, copy: [], urgency: .urgent, trigger: c.at, day: nil, left: nil)
        }

        guard let seg = r.seg, let dl = stageDL else {
            ev.intents = intents; ev.notSent = notSent
            ev.nextWakeUp = wake == .max ? nil : Date(timeIntervalSince1970: TimeInterval(wake))
            return ev
        }
        let sp = plan.stages[seg.stage - 1]
        let segOwner = currentOwner!
        let urgentStage = seg.timescale.isUrgent
        let stageUrgency: Urgency = urgentStage ? .urgent : .routine

        // The breach that moved the record here (derived escalation).
        if let prev = r.previous, let pdl = r.previousDeadline {
            let psp = plan.stages[prev.stage - 1]
            emit(prev.stage, .breach, to: psp.breachAlert, copy: psp.copy,
                 urgency: prev.timescale.isUrgent ? .urgent : .routine, trigger: seg.startTrigger, day: pdl.day,
                 left: try calendar.workingDaysBetween(day(seg.startTrigger), pdl.day))
        }
        // Opening of the current stage, and a bypass into it.
        if sp.remindOnOpening {
            emit(seg.stage, .opened, to: [segOwner], copy: sp.openingCopy, urgency: stageUrgency, trigger: seg.startTrigger,
                 day: dl.day, left: try calendar.workingDaysBetween(day(seg.startTrigger), dl.day))
        }
        if seg.stage - seg.fromStage > 1 && !policy.bypass.notify.isEmpty {
            emit(seg.stage, .bypass, to: policy.bypass.notify, copy: [], urgency: stageUrgency, trigger: seg.startTrigger,
                 day: nil, left: nil)
        }

        let paused = r.pausedAt != nil
        if paused {
            if explain {
                skip(seg.stage, .breach, sp.breachAlert, "paused since \(day(r.pausedAt!).longDescription): the clock is stopped, reminders wait for the resume")
            }
        } else {
            // Scheduled notices of the current stage. Routine ones: only the latest due one is relevant.
            struct Routine { var event: NotificationEvent; var to: [String]; var copy: [String]; var trigger: Int; var left: Int }
            var latest: Routine?
            var superseded: [Routine] = []
            func routine(_ x: Routine) {
                guard x.trigger <= now else { if x.trigger < wake { wake = x.trigger }; return }
                if let l = latest, l.trigger >= x.trigger { if explain { superseded.append(x) }; return }
                if let l = latest, explain { superseded.append(l) }
                latest = x
            }
            switch seg.timescale {
            case .workingDays:
                let k = try calendar.workingDaysBetween(seg.startDay, dl.day)
                for n in sp.remindWorkingDaysLeft where k - n >= 1 {
                    let rd = try calendar.addWorkingDays(k - n, to: seg.startDay)
                    let t = instant(rd, minutes: sendMinutes)
                    if t <= seg.start { continue }
                    routine(Routine(event: .reminderWorkingDays(n), to: [segOwner], copy: sp.copy, trigger: t, left: n))
                }
                if !sp.breachAlert.isEmpty {
                    let t = try nextSendTime(atOrAfter: dl.instant)
                    routine(Routine(event: .breach, to: sp.breachAlert, copy: sp.copy, trigger: t,
                                    left: try calendar.workingDaysBetween(day(t), dl.day)))
                }
                if let l = latest {
                    emit(seg.stage, l.event, to: l.to, copy: l.copy, urgency: .routine, trigger: l.trigger, day: dl.day,
                         left: l.left)
                }
                for s in superseded {
                    skip(seg.stage, s.event, s.to, "superseded: a later notice of stage \(seg.stage) is due (\(latest!.event.name))")
                }
            case .hours:
                for h in sp.remindHoursLeft {
                    let t = dl.instant - h * 3600
                    if t <= seg.start { continue }
                    emit(seg.stage, .reminderHours(h), to: [segOwner], copy: sp.copy, urgency: .urgent, trigger: t, day: dl.day,
                         left: nil)
                }
                if !sp.breachAlert.isEmpty {
                    emit(seg.stage, .breach, to: sp.breachAlert, copy: sp.copy, urgency: .urgent, trigger: dl.instant, day: dl.day,
                         left: try calendar.workingDaysBetween(day(dl.instant), dl.day))
                }
            }
            // A derived escalation is a change too: wake for it.
            if sp.onBreach == .escalate, dl.instant > now, dl.instant < wake { wake = dl.instant }

            // The statutory total: urgent warnings at the start of the day, breach at the deadline.
            if let rule = plan.statutory, let sd = statDay, let start = r.statStartDay {
                let total = try calendar.workingDaysBetween(start, sd)
                for n in rule.warnWorkingDaysLeft where total - n >= 1 {
                    let wd = try calendar.addWorkingDays(total - n, to: start)
                    let t = instant(wd, minutes: 0)
                    emit(0, .statutoryWarning(n), to: rule.warn, copy: [], urgency: .urgent, trigger: max(t, r.openedAt),
                         day: sd, left: n)
                }
                if !rule.breachAlert.isEmpty {
                    emit(0, .statutoryBreach, to: rule.breachAlert, copy: [], urgency: .urgent, trigger: statInstant, day: sd,
                         left: 0)
                }
            }
        }
        ev.intents = intents
        ev.notSent = notSent
        ev.nextWakeUp = wake == .max ? nil : Date(timeIntervalSince1970: TimeInterval(wake))
        return ev
    }
}

/// What the engine needs of one kind, computed once per policy.
final class KindPlan: Sendable {
    let kp: KindPolicy
    let stages: [StagePlan]
    let statutory: StatutoryRule?
    /// The statutory total in working days (0: none) and the stage it counts from.
    let statTotal: Int
    let statFrom: Int

    init(_ kp: KindPolicy, statutory: StatutoryRule?) {
        self.kp = kp; self.statutory = statutory
        stages = kp.stages.map { StagePlan($0, watchers: kp.watchers) }
        statTotal = statutory?.workingDays ?? 0
        statFrom = statutory?.fromStage ?? 1
    }
}

/// A stage's policy behind a reference, so the hot path retains one object instead of copying
/// a struct of strings and arrays.
final class StagePlan: Sendable {
    let name: String
    let owner: String
    let ownerIfAboutOwner: String?
    let timescale: Timescale
    let copy: [String]
    let remindOnOpening: Bool
    let remindWorkingDaysLeft: [Int]
    let remindHoursLeft: [Int]
    let breachAlert: [String]
    let onBreach: BreachAction
    /// The roles copied on its opening notice (its copy list and the kind's watchers).
    let openingCopy: [String]

    init(_ sp: StagePolicy, watchers: [String]) {
        name = sp.name; owner = sp.owner; ownerIfAboutOwner = sp.ownerIfAboutOwner; timescale = sp.timescale
        copy = sp.copy; remindOnOpening = sp.remindOnOpening; remindWorkingDaysLeft = sp.remindWorkingDaysLeft
        remindHoursLeft = sp.remindHoursLeft; breachAlert = sp.breachAlert; onBreach = sp.onBreach
        var c = sp.copy
        for w in watchers where !c.contains(w) && w != sp.owner { c.append(w) }
        openingCopy = c
    }
}
