import DisputeCore
import Foundation
import WorkingDays

/// One dispute as `drwatch due` and `drwatch dispute show` present it.
public struct DueRow: Sendable {
    public var dispute: Dispute
    public var evaluation: Evaluation
}

/// A dispute that could not be evaluated (its policy left the config, a bad row...): reported
/// by its case reference, never with other details.
public struct SkippedDispute: Sendable {
    public var ref: String
    public var reason: String
}

extension Runtime {
    /// Evaluates one dispute at `now` with its policy's engine.
    ///
    /// - Throws: `DomainError` when its policy is not loaded or its kind is not in the policy;
    ///   `CalendarError` for dates outside the calendar.
    public func evaluate(_ dispute: Dispute, now: Date) throws -> Evaluation {
        try engine(for: dispute).evaluate(dispute, now: now)
    }

    /// Evaluates every dispute at `now` and orders them most urgent first: disputes whose clock
    /// runs before paused ones, then by stage deadline (earliest, i.e. most overdue, first), then by
    /// statutory deadline, then by reference; disputes without a deadline come last.
    ///
    /// - Returns: the rows, and the disputes that could not be evaluated (with why).
    public func due(_ disputes: [Dispute], now: Date) -> (rows: [DueRow], skipped: [SkippedDispute]) {
        var rows: [DueRow] = []
        rows.reserveCapacity(disputes.count)
        var skipped: [SkippedDispute] = []
        for d in disputes {
            do {
                rows.append(DueRow(dispute: d, evaluation: try evaluate(d, now: now)))
            } catch {
                skipped.append(SkippedDispute(ref: d.ref, reason: "\(error)"))
            }
        }
        let keys = rows.map { r -> (Int, Double, Double) in
            let e = r.evaluation
            let group = e.stageDeadline == nil ? 2 : (e.state == .paused ? 1 : 0)
            return (group, e.stageDeadline?.timeIntervalSince1970 ?? .infinity, e.statutoryDeadline?.timeIntervalSince1970 ?? .infinity)
        }
        let order = rows.indices.sorted { a, b in
            if keys[a] != keys[b] { return keys[a] < keys[b] }
            return rows[a].dispute.ref < rows[b].dispute.ref
        }
        rows = order.map { rows[$0] }
        return (rows, skipped)
    }
}
