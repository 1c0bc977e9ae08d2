import Foundation
import WorkingDays

// The figures of a dispute-activity report (issue 7), exactly as counted: no suppression here.
// ReportBuilder computes them; ReportTables turns them into the tables every format renders,
// applying small-number suppression once for all formats. Definitions: docs/reports.md.

/// Records of one group in one period.
public struct ActivityCounts: Hashable, Sendable {
    /// Raised in the period.
    public var opened = 0
    /// Closed with an outcome in the period.
    public var resolved = 0
    /// Closed without an outcome in the period.
    public var withdrawn = 0
    /// Records with stages raised by the end of the period (or by the moment the figures are
    /// as of, when earlier) and not closed by then. Good Practice notifications are never open.
    public var openAtEnd = 0

    public init(opened: Int = 0, resolved: Int = 0, withdrawn: Int = 0, openAtEnd: Int = 0) {
        self.opened = opened; self.resolved = resolved; self.withdrawn = withdrawn; self.openAtEnd = openAtEnd
    }
}

/// How promptly records with stages were resolved in a period.
public struct Timeliness: Hashable, Sendable {
    /// Records with stages resolved in the period whose policy is loaded: the base of every share.
    public var resolved = 0
    /// Of `resolved`: every stage was finished before its deadline (pauses and agreed
    /// extensions included; no escalation forced by a missed deadline).
    public var withinStageTimescales = 0
    /// Of `resolved`: those the statutory total applies to (formal disputes).
    public var statutoryApplies = 0
    /// Of `statutoryApplies`: resolved before the statutory deadline (pauses excluded).
    public var withinStatutory = 0
    /// Working days on the clock from raising to resolution (paused working days excluded), ascending.
    public var workingDays: [Int] = []

    public init(resolved: Int = 0, withinStageTimescales: Int = 0, statutoryApplies: Int = 0, withinStatutory: Int = 0,
                workingDays: [Int] = []) {
        self.resolved = resolved; self.withinStageTimescales = withinStageTimescales
        self.statutoryApplies = statutoryApplies; self.withinStatutory = withinStatutory; self.workingDays = workingDays
    }

    /// The median of `workingDays` (the mean of the two middle values when their number is even).
    public var median: Double? { percentile(workingDays, 0.5) }
    /// The 90th percentile of `workingDays`, interpolated as a spreadsheet's PERCENTILE.INC does.
    public var p90: Double? { percentile(workingDays, 0.9) }
}

/// The p-quantile (0...1) of ascending `values`, by linear interpolation between closest ranks
/// (Hyndman-Fan type 7, as PERCENTILE.INC and MEDIAN); `nil` for no values.
public func percentile(_ values: [Int], _ p: Double) -> Double? {
    guard !values.isEmpty else { return nil }
    let h = Double(values.count - 1) * p
    let lo = Int(h.rounded(.down)), hi = min(lo + 1, values.count - 1)
    return Double(values[lo]) + (h - Double(lo)) * Double(values[hi] - values[lo])
}

/// Pauses, extensions and CAFCASS referrals recorded in a period.
public struct ProcessActivity: Hashable, Sendable {
    /// Pause events dated in the period.
    public var pauses = 0
    /// Records with at least one pause in the period.
    public var recordsPaused = 0
    /// Extension events dated in the period.
    public var extensions = 0
    /// The working days those extensions added.
    public var extensionWorkingDays = 0
    /// CAFCASS referrals dated in the period.
    public var cafcassReferrals = 0

    public init(pauses: Int = 0, recordsPaused: Int = 0, extensions: Int = 0, extensionWorkingDays: Int = 0, cafcassReferrals: Int = 0) {
        self.pauses = pauses; self.recordsPaused = recordsPaused; self.extensions = extensions
        self.extensionWorkingDays = extensionWorkingDays; self.cafcassReferrals = cafcassReferrals
    }
}

/// Stage owners' responses (`responded`) dated in a period.
public struct ResponseCounts: Hashable, Sendable {
    public var responses = 0
    /// Of `responses`: at or before the stage deadline.
    public var withinTimescale = 0
    public init(responses: Int = 0, withinTimescale: Int = 0) { self.responses = responses; self.withinTimescale = withinTimescale }
    mutating func add(_ r: StageResponse) { responses += 1; if r.withinTimescale { withinTimescale += 1 } }
}

/// Every figure of one period.
public struct PeriodFigures: Hashable, Sendable {
    public var period: ReportPeriod
    public var totals = ActivityCounts()
    /// Keyed by `RecordKind.rawValue`.
    public var byKind: [String: ActivityCounts] = [:]
    /// Keyed by `IssueCategory.rawValue`.
    public var byCategory: [String: ActivityCounts] = [:]
    /// Keyed by `DisputeType.rawValue` (P, R, D).
    public var byType: [String: ActivityCounts] = [:]
    /// Keyed by team name; `ReportBuilder.noTeam` for records without one.
    public var byTeam: [String: ActivityCounts] = [:]
    /// Keyed by the highest stage reached by the end of the period (or by closure), records with stages only.
    public var byHighestStage: [Int: ActivityCounts] = [:]
    /// Records with stages resolved in the period.
    public var timeliness = Timeliness()
    /// The same, per kind (kinds with stages).
    public var timelinessByKind: [RecordKind: Timeliness] = [:]
    public var process = ProcessActivity()
    /// Records raised in the period for a child who already had one of the same kind, of the
    /// kinds whose policy sends a repeat alert (Quality of Practice alerts in the presets).
    public var repeatAlerts = 0
    /// Distinct children (case references) with a repeat alert in the period.
    public var childrenWithRepeatAlerts = 0
    /// Good Practice notifications raised in the period, by team.
    public var goodPracticeByTeam: [String: Int] = [:]
    public var goodPractice: Int { goodPracticeByTeam.values.reduce(0, +) }
    /// Stage owners' responses dated in the period, by stage number and by team.
    public var responsesByStage: [Int: ResponseCounts] = [:]
    public var responsesByTeam: [String: ResponseCounts] = [:]
    /// Records resolved in the period whose policy is not loaded: counted, but not in timeliness.
    public var resolvedUnassessed = 0
    /// Records purged past retention counted in this period's activity (from `PurgedRecords`).
    public var purgedRecords = 0
    /// Of those, records with stages resolved in the period: counted, but not in timeliness.
    public var resolvedPurged = 0

    public init(period: ReportPeriod) { self.period = period }
}

/// One child with a repeat alert in the report's period: counts only. A report for senior leaders
/// and elected members never names a child, not even by case reference (issue 12).
public struct RepeatChild: Hashable, Sendable {
    /// Repeat alerts raised for the child in the period.
    public var repeatAlerts: Int
    /// Records of those kinds raised for the child up to the end of the period (the first included).
    public var recordsToDate: Int
    public init(repeatAlerts: Int, recordsToDate: Int) {
        self.repeatAlerts = repeatAlerts; self.recordsToDate = recordsToDate
    }
}

/// The whole report.
public struct Report: Hashable, Sendable {
    public var period: ReportPeriod
    public var previousPeriod: ReportPeriod
    /// The moment the data were read; figures "at period end" use it when the period ends later.
    public var asOf: Date
    /// Counts in 1..<threshold are suppressed in every format; `nil`: no suppression.
    public var suppressionThreshold: Int?
    public var current: PeriodFigures
    public var previous: PeriodFigures
    /// Children with a repeat alert in `period`, by case reference (not by count: with
    /// suppression, the order would tell what the "<5" hides).
    public var repeatChildren: [RepeatChild]
    /// Timeliness in the four calendar quarters ending with the one containing the period's end.
    public var trend: [(period: ReportPeriod, timeliness: Timeliness)] { zip(trendPeriods, trendTimeliness).map { ($0, $1) } }
    public var trendPeriods: [ReportPeriod]
    public var trendTimeliness: [Timeliness]
    /// Policy names that records refer to but that are not loaded (their timeliness is not assessed).
    public var missingPolicies: [String]
    /// The statutory total in working days when every loaded policy agrees on it (20), for labels.
    public var statutoryWorkingDays: Int?

    public init(period: ReportPeriod, previousPeriod: ReportPeriod, asOf: Date, suppressionThreshold: Int?,
                current: PeriodFigures, previous: PeriodFigures, repeatChildren: [RepeatChild],
                trendPeriods: [ReportPeriod], trendTimeliness: [Timeliness], missingPolicies: [String],
                statutoryWorkingDays: Int? = nil) {
        self.period = period; self.previousPeriod = previousPeriod; self.asOf = asOf
        self.suppressionThreshold = suppressionThreshold; self.current = current; self.previous = previous
        self.repeatChildren = repeatChildren; self.trendPeriods = trendPeriods; self.trendTimeliness = trendTimeliness
        self.missingPolicies = missingPolicies; self.statutoryWorkingDays = statutoryWorkingDays
    }
}
