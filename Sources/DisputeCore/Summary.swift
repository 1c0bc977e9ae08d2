import Foundation
import WorkingDays

/// What a store keeps beside a record's history (the `disputes` row's stage, paused and closed
/// columns), as the engine's own replay sees it at a moment: derived escalations on breach
/// included, so a reader of the store and the engine never disagree about the stage.
public struct DisputeSummary: Equatable, Sendable {
    /// The current stage (the opening stage for a record without stages).
    public var stage: Int
    public var paused: Bool
    /// When it was resolved or withdrawn.
    public var closedAt: Date?

    public init(stage: Int, paused: Bool = false, closedAt: Date? = nil) {
        self.stage = stage; self.paused = paused; self.closedAt = closedAt
    }
}

extension Engine {
    /// The record's summary at `moment` from the engine's replay (events after `moment` ignored).
    ///
    /// - Throws: `DomainError` when the record's kind is not in the policy; `CalendarError` for
    ///   dates outside the calendar's range.
    public func summary(of dispute: Dispute, at moment: Date) throws -> DisputeSummary {
        guard let plan = plan(dispute.kind) else { throw unknownKind(dispute) }
        let r = try replay(dispute, plan: plan, until: Int(moment.timeIntervalSince1970.rounded(.down)))
        var closedAt: Date?
        if r.terminal != nil {
            closedAt = dispute.events.first {
                switch $0.change { case .resolved, .withdrawn: true; default: false }
            }?.at
        }
        return DisputeSummary(stage: r.seg?.stage ?? r.openingStage, paused: r.terminal == nil && r.pausedAt != nil, closedAt: closedAt)
    }
}
