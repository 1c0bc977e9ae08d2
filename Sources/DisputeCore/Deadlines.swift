import Foundation
import WorkingDays

// Stage and statutory deadlines of a replayed record (working days, pauses, extensions).

extension Engine {
    /// The stage deadline of `seg`, with pauses up to `asOf` (used while paused).
    func deadline(_ plan: KindPlan, _ seg: Segment, _ r: Replay, asOf: Int) throws -> (instant: Int, day: LocalDate) {
        try deadline(plan, seg, r.clock, asOf: asOf)
    }

    func deadline(_ plan: KindPlan, _ seg: Segment, _ r: Clock, asOf: Int) throws -> (instant: Int, day: LocalDate) {
        let capped = r.statStartDay != nil && !plan.stages[seg.stage - 1].beyondStatutoryTotal
        return try deadline(plan, seg, r, asOf: asOf, statutory: capped ? statutoryDay(plan, r, asOf: asOf) : nil)
    }

    /// The stage deadline of `seg`, given the statutory day at `asOf` (`statutoryDay(plan, r, asOf:)`,
    /// nil when the record has none): a caller that needs both computes the statutory day once.
    func deadline(_ plan: KindPlan, _ seg: Segment, _ r: Clock, asOf: Int, statutory: LocalDate?) throws -> (instant: Int, day: LocalDate) {
        let cap = plan.stages[seg.stage - 1].beyondStatutoryTotal ? nil : statutory
        switch seg.timescale {
        case .workingDays(let n):
            var paused = seg.pausedDays
            if let pd = r.pausedDay { paused += max(0, try calendar.workingDaysBetween(pd, day(asOf))) }
            var d = try calendar.addWorkingDays(n + paused + seg.extensionDays, to: seg.startDay)
            // A stage deadline is never after the statutory deadline (an extension, a subject row's
            // longer timescale or a late stage): a stage that begins on or after the statutory day is
            // beyond the total (six-stage's stage 6) and keeps its own timescale, as does a stage
            // marked `beyond_statutory_total` (four-stage's written adjudication).
            if let sd = cap, d > sd, seg.startDay < sd { d = sd }
            return (instant(d, minutes: cobMinutes), d)
        case .hours(let h):
            var t = seg.start + h * 3600 + seg.pausedSeconds
            if let p = r.pausedAt { t += max(0, asOf - p) }
            if let sd = cap, seg.startDay < sd {
                t = min(t, instant(sd, minutes: cobMinutes))
            }
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
}
