import Foundation
import WorkingDays

// Replaying a record's history up to an instant, applying derived escalations on breach.

extension Engine {
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
        /// When its owner responded (epoch s); `Int.min`: not yet.
        var respondedAt = Int.min
        /// The response came at or before the stage deadline: no reminders, breach or derived escalation.
        var respondedInTime = false
        @inline(__always) var responded: Bool { respondedAt != Int.min }
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
        /// The events later notices and reports count (CAFCASS referrals and intentions, the
        /// extensions the policy tells anyone of, responses), in order: one array, not one per
        /// kind, because every array of a `Replay` is retained and released with it on the hot path.
        var marks: [Mark] = []
        var openedAt = 0
        var openingStage = 0
        var subjectIndex = -1
        /// The highest stage a derived escalation may reach: the raiser's initiator limit.
        var limit = Int.max
        /// When the record was resolved or withdrawn (epoch s), and who closed it: someone other than
        /// the raiser (or nobody named) tells the raiser; the closer's role is not told (interned code).
        var closedAt = 0
        var closedByOther = false
        var closedByRole: UInt16 = 0

        /// The marks of one kind, in order.
        @inline(__always) func marks(_ kind: Mark.Kind) -> LazyFilterSequence<[Mark]> { marks.lazy.filter { $0.kind == kind } }

        @inline(__always) var clock: Clock { Clock(statStartDay: statStartDay, statPausedDays: statPausedDays, pausedDay: pausedDay, pausedAt: pausedAt) }
    }

    /// An event of the replay that a notice or a report counts (`Replay.marks`).
    struct Mark {
        enum Kind: UInt8 { case cafcassReferral, cafcassIntended, extended, responded }
        var kind: Kind
        var stage: Int
        var at: Int
        /// For a response: its stage's start day, and whether it came within the stage's timescale.
        var startDay = LocalDate(dayNumber: 0)
        var inTime = false
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

    /// Applies derived escalations up to instant `t`.
    func advance(_ r: inout Replay, to t: Int, plan: KindPlan, concernsOwner: Bool) throws {
        while r.terminal == nil, r.pausedAt == nil, let seg = r.seg, plan.stages[seg.stage - 1].escalates,
              seg.stage < r.limit, !seg.responded, let next = segment(plan, concernsOwner: concernsOwner, subjectIndex: r.subjectIndex, stage: seg.stage + 1) {
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
        r.limit = plan.limit(raisedBy: d.pointee.raisedBy.role, childStatus: d.pointee.childStatus)
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
                    // Raised at its subject row's own level: where the document puts it, not a bypass.
                    let rowLevel = r.subjectIndex >= 0 && plan.subjects[r.subjectIndex].stage == stage
                    r.seg = Segment(stage: stage, choice: s.choice, timescale: s.timescale, start: t, startDay: day(t),
                                    startTrigger: t, derived: false, fromStage: rowLevel ? stage - 1 : 0)
                    if plan.statTotal > 0, stage >= plan.statFrom { r.statStartDay = day(t) }
                }
            case .escalated(let to, _):
                // An escalation to a stage already reached confirms a derived one: it moves nothing.
                if let s = segment(plan, concernsOwner: concernsOwner, subjectIndex: r.subjectIndex, stage: to), let cur = r.seg, to > cur.stage {
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
                if plan.extensionNotify.count > 0 { r.marks.append(Mark(kind: .extended, stage: r.seg?.stage ?? 0, at: t)) }
            case .cafcassReferral:
                r.marks.append(Mark(kind: .cafcassReferral, stage: r.seg?.stage ?? 0, at: t))
            case .cafcassIntended:
                r.marks.append(Mark(kind: .cafcassIntended, stage: r.seg?.stage ?? 0, at: t))
            case .responded:
                if var s = r.seg, !s.responded {
                    s.respondedAt = t
                    s.respondedInTime = t <= (try deadline(plan, s, r.clock, asOf: t)).instant
                    r.seg = s
                    r.marks.append(Mark(kind: .responded, stage: s.stage, at: t, startDay: s.startDay, inTime: s.respondedInTime))
                }
            case .note:
                break
            case .resolved, .withdrawn:
                r.terminal = events[i].change.kind == .resolved ? .resolved : .withdrawn
                r.closedAt = t
                let by = events[i].by
                r.closedByOther = by.map { $0.email.lowercased() != d.pointee.raisedBy.email.lowercased() } ?? true
                r.closedByRole = by.map { Interned.shared.code($0.role) } ?? 0
            }
            if r.terminal != nil { break }
        }
        return r
        }
        try advance(&r, to: now, plan: plan, concernsOwner: concernsOwner)
        return r
    }
}
