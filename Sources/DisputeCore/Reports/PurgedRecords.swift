import Foundation
import WorkingDays

/// Records removed by `drwatch purge` (past retention), kept only as counts without references
/// (the store's `purged_counts`): how many records of one kind, theme, type, team, highest stage
/// and outcome were raised in one calendar quarter and closed in another (Europe/London).
///
/// A report adds them to its activity figures (raised, resolved, withdrawn, open at end, by
/// kind, theme, type, team and highest stage), so those stay the same after a purge for every
/// quarter and year. What the counts do not hold (timeliness, working days, pauses, responses,
/// repeat alerts) is not reported for purged records: docs/reports.md "After a purge".
public struct PurgedRecords: Sendable, Hashable {
    public var raised: ReportPeriod
    public var closed: ReportPeriod
    public var policy: String
    public var kind: RecordKind
    /// `IssueCategory.rawValue`, `DisputeType.rawValue` (kept as stored).
    public var category: String
    public var type: String
    /// `ReportBuilder.noTeam` for records without one.
    public var team: String
    public var highestStage: Int
    /// Resolved (else withdrawn).
    public var resolved: Bool
    public var count: Int

    public init(raised: ReportPeriod, closed: ReportPeriod, policy: String, kind: RecordKind, category: String, type: String,
                team: String, highestStage: Int, resolved: Bool, count: Int) {
        self.raised = raised; self.closed = closed; self.policy = policy; self.kind = kind; self.category = category
        self.type = type; self.team = team; self.highestStage = highestStage; self.resolved = resolved; self.count = count
    }

    /// From the stored strings (`2019Q2`, kind, outcome `resolved`/`withdrawn`, team `""` for none);
    /// nil when a quarter or the kind cannot be read.
    public init?(raisedQuarter: String, closedQuarter: String, policy: String, kind: String, category: String, type: String,
                 team: String, highestStage: Int, outcome: String, count: Int) {
        guard let raised = ReportPeriod.parseQuarter(raisedQuarter), let closed = ReportPeriod.parseQuarter(closedQuarter),
              let kind = RecordKind(rawValue: kind), count > 0 else { return nil }
        self.init(raised: raised, closed: closed, policy: policy, kind: kind, category: category, type: type,
                  team: team.isEmpty ? ReportBuilder.noTeam : team, highestStage: highestStage, resolved: outcome == "resolved", count: count)
    }
}

extension ReportPeriod {
    /// Whether `quarter` lies wholly in this period (true), wholly outside (false), or across
    /// its edge (nil: a range that does not start and end with quarters).
    func holds(_ quarter: ReportPeriod) -> Bool? {
        if quarter.from >= from && quarter.to <= to { return true }
        if quarter.to < from || quarter.from > to { return false }
        return nil
    }
}
