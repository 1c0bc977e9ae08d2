import ServiceConfig
import DisputeCore
import Foundation
import WorkingDays

/// A dispute that could not be evaluated (its policy left the config, a bad row...): reported
/// by its case reference, never with other details.
public struct SkippedDispute: Sendable {
    public var ref: String
    public var reason: String
}

/// What `drwatch due` shows: the disputes and their evaluations, and the order to show them in.
/// (Kept as parallel arrays and an index order: `due` handles 100,000 rows, and copying a
/// dispute with its evaluation costs more than evaluating it.)
public struct DueReport: Sendable {
    public var disputes: [Dispute]
    /// `nil` for a skipped dispute.
    public var evaluations: [Evaluation?]
    /// Indices into `disputes`, most urgent first; skipped disputes and records without stages
    /// (Good Practice notifications, closed once sent) are not in it.
    public var order: [Int]
    public var skipped: [SkippedDispute]
}

extension Runtime {
    /// Evaluates one dispute at `now` with its policy's engine.
    ///
    /// - Throws: `DomainError` when its policy is not loaded or its kind is not in the policy;
    ///   `CalendarError` for dates outside the calendar.
    public func evaluate(_ dispute: Dispute, context: EngineContext = EngineContext(), now: Date) throws -> Evaluation {
        try engine(for: dispute).evaluate(dispute, context: context, now: now)
    }

    /// Evaluates every dispute at `now` and orders them most urgent first: disputes whose clock
    /// runs before paused ones, then by stage deadline (earliest, i.e. most overdue, first), then by
    /// statutory deadline, then by reference; disputes without a deadline come last.
    ///
    /// - Parameter contexts: one per dispute (`repeatContexts(store:for:)`), or nil for none.
    /// - Returns: the report, with the disputes that could not be evaluated (and why).
    public func due(_ disputes: [Dispute], contexts: [EngineContext]? = nil, now: Date) -> DueReport {
        let n = disputes.count
        var evaluations = [Evaluation?](repeating: nil, count: n)
        // Serial on purpose: measured, two threads cost more CPU than they saved (the engines'
        // shared policy values are retained and released on every evaluation).
        var errors: [Int: String] = [:]
        for i in 0..<n {
            do { evaluations[i] = try evaluate(disputes[i], context: contexts?[i] ?? EngineContext(), now: now) } catch { errors[i] = "\(error)" }
        }
        var keys: [(group: Int, stage: Double, statutory: Double)] = []
        keys.reserveCapacity(n)
        var order: [Int] = []
        order.reserveCapacity(n)
        for i in 0..<n {
            guard let e = evaluations[i] else { keys.append((3, 0, 0)); continue }
            // A record without stages (a Good Practice notification) needs no answer: it is closed
            // once its notice is sent, so it is not listed (the reports do not count it as open either).
            if e.stage == 0 { keys.append((3, 0, 0)); continue }
            let group = e.stageDeadline == nil ? 2 : (e.state == .paused ? 1 : 0)
            keys.append((group, e.stageDeadline?.timeIntervalSince1970 ?? .infinity, e.statutoryDeadline?.timeIntervalSince1970 ?? .infinity))
            order.append(i)
        }
        order.sort { a, b in
            if keys[a] != keys[b] { return keys[a] < keys[b] }
            return disputes[a].ref < disputes[b].ref
        }
        let skipped = errors.keys.sorted().map { SkippedDispute(ref: disputes[$0].ref, reason: errors[$0]!) }
        return DueReport(disputes: disputes, evaluations: evaluations, order: order, skipped: skipped)
    }
}
