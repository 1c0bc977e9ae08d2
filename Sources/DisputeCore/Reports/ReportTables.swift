import Foundation
import WorkingDays

// The report as tables: what every format (HTML, CSV, Markdown) renders. Small-number
// suppression is applied here, once, so no format can show what another hides.
//
// Rules (docs/reports.md "Small numbers"):
// - a count in 1..<threshold is shown as "<threshold" (`Cell.suppressed`); 0 is shown as 0;
// - in a table whose rows add up to a total shown elsewhere, when a column has exactly one
//   suppressed cell, its smallest other non-zero count is withheld too (`Cell.withheld`, "*"),
//   so the small number cannot be worked out by subtraction;
// - a share is withheld when its numerator, its denominator or their difference is small;
//   a median or percentile when the count it is computed over is small; a change when
//   either side is suppressed or withheld.

/// One cell of a report table.
public enum Cell: Hashable, Sendable {
    case count(Int)
    /// A share, 0...100.
    case percent(Double)
    /// Working days (a median or a percentile).
    case days(Double)
    case countChange(Int)
    /// A change of a share, in percentage points.
    case pointsChange(Double)
    case daysChange(Double)
    /// A count in 1..<threshold.
    case suppressed
    /// Withheld so that a suppressed count cannot be worked out from it.
    case withheld
    /// Not applicable, or nothing to compute it from.
    case none

    /// True for a cell that hides a figure.
    public var isHidden: Bool { self == .suppressed || self == .withheld }

    /// The text shown in HTML and Markdown. `threshold` names the suppression mark ("<5").
    public func display(threshold: Int) -> String {
        switch self {
        case .count(let n): return String(n)
        case .percent(let p): return Self.decimal(p) + "%"
        case .days(let d): return Self.decimal(d)
        case .countChange(let n): return n > 0 ? "+\(n)" : n < 0 ? "\u{2212}\(-n)" : "0"
        case .pointsChange(let p): return Self.signed(p) + " pp"
        case .daysChange(let d): return Self.signed(d)
        case .suppressed: return "<\(threshold)"
        case .withheld: return "*"
        case .none: return "\u{2013}"
        }
    }

    /// The CSV form: plain numbers (a change keeps its minus sign, shares have no % sign),
    /// "<5" and "*" for hidden figures, empty for none.
    public func csv(threshold: Int) -> String {
        switch self {
        case .count(let n), .countChange(let n): return String(n)
        case .percent(let p), .days(let p), .pointsChange(let p), .daysChange(let p): return Self.decimal(p)
        case .suppressed: return "<\(threshold)"
        case .withheld: return "*"
        case .none: return ""
        }
    }

    /// One decimal place, without a trailing ".0": 7, 7.5, 83.3.
    static func decimal(_ x: Double) -> String {
        let r = (x * 10).rounded() / 10
        if r == r.rounded() { return String(Int(r)) }
        return String(format: "%.1f", r)
    }
    static func signed(_ x: Double) -> String {
        let r = (x * 10).rounded() / 10
        if r == 0 { return "0" }
        return (r > 0 ? "+" : "\u{2212}") + decimal(abs(r))
    }
}

/// A figure for the period, the previous period, and the change.
public struct Comparison: Hashable, Sendable {
    public var current: Cell
    public var previous: Cell
    public var change: Cell
    public init(current: Cell, previous: Cell = .none, change: Cell = .none) {
        self.current = current; self.previous = previous; self.change = change
    }
}

/// A column of a table (each shown as this period, previous period and change when the
/// table compares periods).
public struct Measure: Hashable, Sendable {
    /// The CSV name: `opened`, `within_stage_timescales`.
    public var key: String
    public var label: String
    public init(_ key: String, _ label: String) { self.key = key; self.label = label }
}

public struct ReportRow: Hashable, Sendable {
    /// The CSV name of the row: a kind, a team name, a case reference, `all`.
    public var key: String
    public var label: String
    /// One per measure of the section.
    public var values: [Comparison]
    public init(key: String, label: String, values: [Comparison]) { self.key = key; self.label = label; self.values = values }
}

/// One table of the report.
public struct ReportSection: Hashable, Sendable {
    /// The CSV `section` value and the HTML anchor: `summary`, `by-team`.
    public var id: String
    public var title: String
    /// What the rows are (the first column's heading).
    public var rowHeading: String
    public var measures: [Measure]
    /// Each measure is shown for both periods with the change; otherwise for the period only.
    public var comparesPeriods: Bool
    /// The rows are themselves the measures (the summary): CSV writes `row` = all and the row's key as `measure`.
    public var rowsAreMeasures: Bool
    public var rows: [ReportRow]
    public var note: String?
}

/// The report laid out as tables, with suppression applied.
public struct ReportTables: Sendable {
    public var title: String
    public var period: ReportPeriod
    public var previousPeriod: ReportPeriod
    /// The local date the figures are as of.
    public var asOf: LocalDate
    /// The suppression threshold; `nil` when the report is unsuppressed.
    public var threshold: Int?
    /// The mark threshold shown in "<5" (5 when unsuppressed: it never appears then).
    public var mark: Int { threshold ?? 5 }
    public var sections: [ReportSection]
    /// Notes about the whole report (suppression, unassessed records).
    public var notes: [String]

    public func section(_ id: String) -> ReportSection? { sections.first { $0.id == id } }
}

/// Display names for the dimension values.
public enum ReportLabels {
    public static func kind(_ k: RecordKind) -> String {
        switch k {
        case .qopAlert: "Quality of Practice alerts"
        case .goodPractice: "Good Practice notifications"
        case .formal: "Formal disputes"
        case .collective: "Collective disputes"
        case .complaint: "Complaints about the IRO service"
        }
    }
    public static func category(_ c: IssueCategory) -> String {
        switch c {
        case .general: "General"
        case .statutoryRequirements: "Statutory requirements"
        case .carePlanImplementation: "Care plan implementation"
        case .provisionOfServices: "Provision of services"
        }
    }
    public static func type(_ t: DisputeType) -> String {
        switch t {
        case .practice: "Practice (P)"
        case .resources: "Resources (R)"
        case .delay: "Delay/drift (D)"
        }
    }
}

extension Report {
    /// The report as tables, with suppression applied (`suppressionThreshold`).
    public func tables(civil: CivilTime = .london) -> ReportTables {
        var s = Suppression(threshold: suppressionThreshold)
        let c = current, p = previous
        var sections: [ReportSection] = []

        // Summary.
        let statLabel = statutoryWorkingDays.map { "Formal disputes resolved within the statutory \($0) working days" }
            ?? "Formal disputes resolved within the statutory total"
        func countRow(_ key: String, _ label: String, _ f: (PeriodFigures) -> Int) -> ReportRow {
            ReportRow(key: key, label: label, values: [s.compare(s.count(f(c)), s.count(f(p)))])
        }
        func derivedRow(_ key: String, _ label: String, _ f: (PeriodFigures, inout Suppression) -> Cell) -> ReportRow {
            ReportRow(key: key, label: label, values: [s.compare(f(c, &s), f(p, &s))])
        }
        sections.append(ReportSection(
            id: "summary", title: "Summary", rowHeading: "Measure", measures: [Measure("value", "")],
            comparesPeriods: true, rowsAreMeasures: true, rows: [
                countRow("opened", "Records raised") { $0.totals.opened },
                countRow("resolved", "Resolved") { $0.totals.resolved },
                countRow("withdrawn", "Withdrawn") { $0.totals.withdrawn },
                countRow("open_at_end", "Open at period end") { $0.totals.openAtEnd },
                derivedRow("within_stage_timescales", "Resolved within stage timescales") { f, s in
                    s.share(f.timeliness.withinStageTimescales, of: f.timeliness.resolved) },
                derivedRow("within_statutory", statLabel) { f, s in
                    s.share(f.timeliness.withinStatutory, of: f.timeliness.statutoryApplies) },
                derivedRow("median_working_days", "Median working days to resolution") { f, s in
                    s.days(f.timeliness.median, over: f.timeliness.resolved) },
                derivedRow("p90_working_days", "90th percentile working days to resolution") { f, s in
                    s.days(f.timeliness.p90, over: f.timeliness.resolved) },
                countRow("pauses", "Pauses") { $0.process.pauses },
                countRow("records_paused", "Records paused") { $0.process.recordsPaused },
                countRow("extensions", "Extensions") { $0.process.extensions },
                derivedRow("extension_working_days", "Working days added by extensions") { f, s in
                    s.sum(f.process.extensionWorkingDays, over: f.process.extensions) },
                countRow("cafcass_referrals", "CAFCASS referrals") { $0.process.cafcassReferrals },
                countRow("repeat_alerts", "Repeat alerts") { $0.repeatAlerts },
                countRow("children_with_repeat_alerts", "Children with a repeat alert") { $0.childrenWithRepeatAlerts },
                countRow("good_practice", "Good Practice notifications") { $0.goodPractice },
            ]))

        // Breakdowns of activity.
        let activity = [Measure("opened", "Raised"), Measure("resolved", "Resolved"), Measure("open_at_end", "Open at end")]
        func breakdown(_ id: String, _ title: String, _ heading: String, keys: [(key: String, label: String)],
                       _ f: (PeriodFigures) -> [String: ActivityCounts], note: String? = nil) -> ReportSection {
            let cur = f(c), pre = f(p)
            let values: [[(Int, Int)]] = keys.map { k in
                let a = cur[k.key] ?? ActivityCounts(), b = pre[k.key] ?? ActivityCounts()
                return [(a.opened, b.opened), (a.resolved, b.resolved), (a.openAtEnd, b.openAtEnd)]
            }
            return ReportSection(id: id, title: title, rowHeading: heading, measures: activity, comparesPeriods: true,
                                 rowsAreMeasures: false, rows: s.additiveRows(keys: keys, values: values), note: note)
        }
        sections.append(breakdown("by-kind", "By kind of record", "Kind",
                                  keys: RecordKind.allCases.map { ($0.rawValue, ReportLabels.kind($0)) }, \.byKind))
        sections.append(breakdown("by-category", "By theme (issue category)", "Category",
                                  keys: IssueCategory.allCases.map { ($0.rawValue, ReportLabels.category($0)) }, \.byCategory))
        sections.append(breakdown("by-type", "By type", "Type",
                                  keys: DisputeType.allCases.map { ($0.rawValue, ReportLabels.type($0)) }, \.byType))
        let teams = Set(c.byTeam.keys).union(p.byTeam.keys).sorted { a, b in
            (a == ReportBuilder.noTeam) != (b == ReportBuilder.noTeam) ? b == ReportBuilder.noTeam : a < b }
        sections.append(breakdown("by-team", "By team", "Team", keys: teams.map { ($0, $0) }, \.byTeam))
        let maxStage = max(c.byHighestStage.keys.max() ?? 0, p.byHighestStage.keys.max() ?? 0)
        sections.append(breakdown("by-highest-stage", "By highest stage reached", "Highest stage",
                                  keys: maxStage < 1 ? [] : (1...maxStage).map { (String($0), "Stage \($0)") },
                                  { Dictionary(uniqueKeysWithValues: $0.byHighestStage.map { (String($0.key), $0.value) }) },
                                  note: "Records with stages, by the highest stage reached by the end of the period (or by closure); Good Practice notifications have none."))

        // Timeliness by kind.
        let stagedKinds = RecordKind.allCases.filter { c.timelinessByKind[$0] != nil || p.timelinessByKind[$0] != nil }
        var tRows = s.additiveRows(
            keys: stagedKinds.map { ($0.rawValue, ReportLabels.kind($0)) },
            values: stagedKinds.map { [(c.timelinessByKind[$0]?.resolved ?? 0, p.timelinessByKind[$0]?.resolved ?? 0)] })
        for (i, k) in stagedKinds.enumerated() {
            let a = c.timelinessByKind[k] ?? Timeliness(), b = p.timelinessByKind[k] ?? Timeliness()
            tRows[i].values += [
                s.compare(s.share(a.withinStageTimescales, of: a.resolved), s.share(b.withinStageTimescales, of: b.resolved)),
                s.compare(s.share(a.withinStatutory, of: a.statutoryApplies), s.share(b.withinStatutory, of: b.statutoryApplies)),
            ]
        }
        tRows.append(ReportRow(key: "all", label: "All", values: [
            s.compare(s.count(c.timeliness.resolved), s.count(p.timeliness.resolved)),
            s.compare(s.share(c.timeliness.withinStageTimescales, of: c.timeliness.resolved),
                      s.share(p.timeliness.withinStageTimescales, of: p.timeliness.resolved)),
            s.compare(s.share(c.timeliness.withinStatutory, of: c.timeliness.statutoryApplies),
                      s.share(p.timeliness.withinStatutory, of: p.timeliness.statutoryApplies)),
        ]))
        sections.append(ReportSection(
            id: "timeliness", title: "Timeliness", rowHeading: "Kind",
            measures: [Measure("resolved", "Resolved"), Measure("within_stage_timescales", "Within stage timescales"),
                       Measure("within_statutory", "Within statutory total")],
            comparesPeriods: true, rowsAreMeasures: false, rows: tRows,
            note: "Shares of the records with stages resolved in the period. The statutory total applies to formal disputes; pauses are excluded."))

        var dRows: [ReportRow] = stagedKinds.map { k in
            let a = c.timelinessByKind[k] ?? Timeliness(), b = p.timelinessByKind[k] ?? Timeliness()
            return ReportRow(key: k.rawValue, label: ReportLabels.kind(k), values: [
                s.compare(s.days(a.median, over: a.resolved), s.days(b.median, over: b.resolved)),
                s.compare(s.days(a.p90, over: a.resolved), s.days(b.p90, over: b.resolved)),
            ])
        }
        dRows.append(ReportRow(key: "all", label: "All", values: [
            s.compare(s.days(c.timeliness.median, over: c.timeliness.resolved), s.days(p.timeliness.median, over: p.timeliness.resolved)),
            s.compare(s.days(c.timeliness.p90, over: c.timeliness.resolved), s.days(p.timeliness.p90, over: p.timeliness.resolved)),
        ]))
        sections.append(ReportSection(
            id: "working-days-to-resolution", title: "Working days to resolution", rowHeading: "Kind",
            measures: [Measure("median", "Median"), Measure("p90", "90th percentile")],
            comparesPeriods: true, rowsAreMeasures: false, rows: dRows,
            note: "Working days from raising to resolution, paused working days excluded."))

        // Stage owners' responses: how many, and the share within the stage timescale.
        func responseRows(_ keys: [(key: String, label: String)], _ cur: [ResponseCounts], _ pre: [ResponseCounts]) -> [ReportRow] {
            var rows = s.additiveRows(keys: keys, values: zip(cur, pre).map { [($0.responses, $1.responses)] })
            for i in rows.indices {
                rows[i].values.append(s.compare(s.share(cur[i].withinTimescale, of: cur[i].responses),
                                                s.share(pre[i].withinTimescale, of: pre[i].responses)))
            }
            return rows
        }
        let responseMeasures = [Measure("responses", "Responses"), Measure("within_timescale", "Within the stage timescale")]
        let responseNote = "Responses recorded by the stage's owner in the period (drwatch dispute respond); within the timescale: at or before the stage deadline."
        let rStages = Set(c.responsesByStage.keys).union(p.responsesByStage.keys).sorted()
        sections.append(ReportSection(
            id: "responses-by-stage", title: "Responses by stage", rowHeading: "Stage", measures: responseMeasures,
            comparesPeriods: true, rowsAreMeasures: false,
            rows: responseRows(rStages.map { ("\($0)", "Stage \($0)") }, rStages.map { c.responsesByStage[$0] ?? ResponseCounts() },
                               rStages.map { p.responsesByStage[$0] ?? ResponseCounts() }),
            note: responseNote))
        let rTeams = Set(c.responsesByTeam.keys).union(p.responsesByTeam.keys).sorted()
        sections.append(ReportSection(
            id: "responses-by-team", title: "Responses by team", rowHeading: "Team", measures: responseMeasures,
            comparesPeriods: true, rowsAreMeasures: false,
            rows: responseRows(rTeams.map { ($0, $0) }, rTeams.map { c.responsesByTeam[$0] ?? ResponseCounts() },
                               rTeams.map { p.responsesByTeam[$0] ?? ResponseCounts() }),
            note: responseNote))

        // Good Practice notifications by team.
        let gpTeams = Set(c.goodPracticeByTeam.keys).union(p.goodPracticeByTeam.keys).sorted()
        sections.append(ReportSection(
            id: "good-practice-by-team", title: "Good Practice notifications by team", rowHeading: "Team",
            measures: [Measure("notifications", "Notifications")], comparesPeriods: true, rowsAreMeasures: false,
            rows: s.additiveRows(keys: gpTeams.map { ($0, $0) },
                                 values: gpTeams.map { [(c.goodPracticeByTeam[$0] ?? 0, p.goodPracticeByTeam[$0] ?? 0)] })))

        // Children with repeat alerts (this period only), by how many records they have had: counts
        // only, never a case reference. The bands add up to "Children with a repeat alert".
        let bands: [(key: String, label: String, records: ClosedRange<Int>)] = [
            ("2_alerts_to_date", "Children with 2 alerts to date", 2...2),
            ("3_or_more_alerts_to_date", "Children with 3 or more alerts to date", 3...Int.max),
        ]
        let repRows = repeatChildren.isEmpty ? [] : s.additiveRows(
            keys: bands.map { ($0.key, $0.label) },
            values: bands.map { band in
                let inBand = repeatChildren.filter { band.records.contains($0.recordsToDate) }
                return [(inBand.count, 0), (inBand.reduce(0) { $0 + $1.repeatAlerts }, 0)]
            }, comparesPeriods: false)
        sections.append(ReportSection(
            id: "repeat-alerts-by-child", title: "Children with repeat alerts", rowHeading: "Children",
            measures: [Measure("children", "Children"), Measure("repeat_alerts", "Repeat alerts in period")],
            comparesPeriods: false, rowsAreMeasures: false, rows: repRows,
            note: "Children with a record raised in the period when they already had one of the same kind, by the number of such records to date (counts only)."))

        // Timeliness by quarter.
        sections.append(ReportSection(
            id: "timeliness-by-quarter", title: "Timeliness over the last quarters", rowHeading: "Quarter",
            measures: [Measure("resolved", "Resolved"), Measure("within_stage_timescales", "Within stage timescales"),
                       Measure("within_statutory", "Within statutory total")],
            comparesPeriods: false, rowsAreMeasures: false,
            rows: zip(trendPeriods, trendTimeliness).map { q, t in
                ReportRow(key: q.key, label: q.label, values: [
                    Comparison(current: s.count(t.resolved)),
                    Comparison(current: s.share(t.withinStageTimescales, of: t.resolved)),
                    Comparison(current: s.share(t.withinStatutory, of: t.statutoryApplies)),
                ])
            }))

        var notes: [String] = []
        if let t = suppressionThreshold {
            notes.append("Counts from 1 to \(t - 1) are shown as <\(t); * marks a figure withheld so that such a count cannot be worked out from it. 0 means none.")
        } else {
            notes.append("Unsuppressed: small numbers are shown. Do not share this report beyond those entitled to see case-level data.")
        }
        if c.resolvedUnassessed + p.resolvedUnassessed > 0 || !missingPolicies.isEmpty {
            notes.append("Records of policies not loaded (\(missingPolicies.joined(separator: ", "))) are counted but their timeliness is not assessed.")
        }
        if c.purgedRecords + p.purgedRecords > 0 {
            notes.append("Includes records removed past retention (drwatch purge), counted from the totals kept without references: raised, resolved, withdrawn and open at end are complete; their timeliness, working days, pauses, responses and repeat alerts are not in these figures.")
        }
        return ReportTables(title: "Dispute resolution activity: \(period.label)", period: period, previousPeriod: previousPeriod,
                            asOf: civil.localDate(of: asOf), threshold: suppressionThreshold, sections: sections, notes: notes)
    }
}

/// Applies the suppression rules.
struct Suppression {
    var threshold: Int?

    func isSmall(_ n: Int) -> Bool { threshold.map { n > 0 && n < $0 } ?? false }

    func count(_ n: Int) -> Cell { isSmall(n) ? .suppressed : .count(n) }

    /// `num` of `den` as a percentage; withheld when either, or the difference, is small.
    func share(_ num: Int, of den: Int) -> Cell {
        guard den > 0 else { return .none }
        if isSmall(num) || isSmall(den) || isSmall(den - num) { return .withheld }
        return .percent(Double(num) * 100 / Double(den))
    }

    /// A statistic over `base` records; withheld when the base is small.
    func days(_ value: Double?, over base: Int) -> Cell {
        guard let value, base > 0 else { return .none }
        return isSmall(base) ? .withheld : .days(value)
    }

    /// A sum of something over `base` events (working days added); withheld when the base is small.
    func sum(_ value: Int, over base: Int) -> Cell {
        guard base > 0 else { return .count(0) }
        return isSmall(base) ? .withheld : .count(value)
    }

    /// The two periods and the change; the change is withheld when either side hides a figure.
    func compare(_ a: Cell, _ b: Cell) -> Comparison {
        let change: Cell
        switch (a, b) {
        case (.count(let x), .count(let y)): change = .countChange(x - y)
        case (.percent(let x), .percent(let y)): change = .pointsChange(x - y)
        case (.days(let x), .days(let y)): change = .daysChange(x - y)
        case _ where a.isHidden || b.isHidden: change = .withheld
        default: change = .none
        }
        return Comparison(current: a, previous: b, change: change)
    }

    /// Rows of counts that add up to a total shown elsewhere: primary suppression, then per
    /// column (each period separately) a lone suppressed cell takes the smallest other
    /// non-zero count with it, then the changes.
    ///
    /// - Parameter values: per row, per measure, (this period, previous period).
    func additiveRows(keys: [(key: String, label: String)], values: [[(Int, Int)]], comparesPeriods: Bool = true) -> [ReportRow] {
        let measures = values.first?.count ?? 0
        var cur = values.map { $0.map { count($0.0) } }
        var pre = values.map { $0.map { count($0.1) } }
        for m in 0..<measures {
            secondary(&cur, values.map { $0[m].0 }, m)
            if comparesPeriods { secondary(&pre, values.map { $0[m].1 }, m) }
        }
        return keys.indices.map { i in
            ReportRow(key: keys[i].key, label: keys[i].label, values: (0..<measures).map { m in
                comparesPeriods ? compare(cur[i][m], pre[i][m]) : Comparison(current: cur[i][m])
            })
        }
    }

    private func secondary(_ cells: inout [[Cell]], _ raw: [Int], _ m: Int) {
        let suppressed = cells.indices.filter { cells[$0][m] == .suppressed }
        guard suppressed.count == 1 else { return }
        let candidates = cells.indices.filter { cells[$0][m] != .suppressed && raw[$0] > 0 }
        guard let smallest = candidates.min(by: { raw[$0] != raw[$1] ? raw[$0] < raw[$1] : $0 < $1 }) else { return }
        cells[smallest][m] = .withheld
    }
}
