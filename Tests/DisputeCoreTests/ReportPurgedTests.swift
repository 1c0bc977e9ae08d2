import Foundation
import Testing
import WorkingDays
@testable import DisputeCore

/// Reports after a purge: the counts kept of purged records (`PurgedRecords`) put the activity
/// figures back exactly; what the counts do not hold (timeliness) is left out, and said.
@Suite("Reports: purged records counted from the counts kept")
struct ReportPurgedTests {
    /// The seeded data set without G1 (6 formal Alpha general P, resolved in Q3 at stage 1) and
    /// G5 (4 formal Gamma provision R, withdrawn in Q3), and the counts a purge keeps of them.
    static let purged = [
        PurgedRecords(raised: .quarter(2026, 3), closed: .quarter(2026, 3), policy: "four-stage", kind: .formal, category: "general",
                      type: "P", team: "Alpha", highestStage: 1, resolved: true, count: 6),
        PurgedRecords(raised: .quarter(2026, 3), closed: .quarter(2026, 3), policy: "four-stage", kind: .formal,
                      category: "provision-of-services", type: "R", team: "Gamma", highestStage: 1, resolved: false, count: 4),
    ]
    static var kept: [Dispute] { ReportFixture.disputes.filter { !$0.ref.hasPrefix("G1-") && !$0.ref.hasPrefix("G5-") } }

    static func activity(_ f: PeriodFigures) -> [String] {
        ["\(f.totals)", "\(f.byKind.sorted { $0.key < $1.key })", "\(f.byCategory.sorted { $0.key < $1.key })",
         "\(f.byType.sorted { $0.key < $1.key })", "\(f.byTeam.sorted { $0.key < $1.key })",
         "\(f.byHighestStage.sorted { $0.key < $1.key })", "\(f.goodPracticeByTeam.sorted { $0.key < $1.key })"]
    }

    @Test(arguments: [ReportPeriod.quarter(2026, 3), .quarter(2026, 4), .year(2026),
                      ReportPeriod(from: day("2026-04-01"), to: day("2026-09-30"))])
    func theActivityFiguresAreTheSameAsBeforeThePurge(_ period: ReportPeriod) throws {
        let builder = try ReportFixture.builder()
        let before = try builder.build(disputes: ReportFixture.disputes, period: period, asOf: ReportFixture.asOf)
        let after = try builder.build(disputes: Self.kept, purged: Self.purged, period: period, asOf: ReportFixture.asOf)
        #expect(Self.activity(after.current) == Self.activity(before.current))
        #expect(Self.activity(after.previous) == Self.activity(before.previous))
    }

    @Test func thePurgedRecordsTimelinessIsNotKnownAndANoteSaysSo() throws {
        let builder = try ReportFixture.builder()
        let before = try builder.build(disputes: ReportFixture.disputes, period: .quarter(2026, 3), asOf: ReportFixture.asOf)
        let after = try builder.build(disputes: Self.kept, purged: Self.purged, period: .quarter(2026, 3), asOf: ReportFixture.asOf)
        #expect(after.current.timeliness.resolved == before.current.timeliness.resolved - 6)
        #expect(after.current.purgedRecords == 10)
        #expect(after.current.resolvedPurged == 6)
        #expect(after.previous.purgedRecords == 0)
        #expect(after.tables().notes.contains { $0.hasPrefix("Includes records removed past retention") })
        #expect(!before.tables().notes.contains { $0.hasPrefix("Includes records removed past retention") })
    }

    @Test func aQuarterAcrossTheEdgeOfARangeIsLeftOut() throws {
        let builder = try ReportFixture.builder()
        let range = ReportPeriod(from: day("2026-07-15"), to: day("2026-09-30"))
        let after = try builder.build(disputes: [], purged: Self.purged, period: range, asOf: ReportFixture.asOf)
        #expect(after.current.totals == ActivityCounts())
        let whole = try builder.build(disputes: [], purged: Self.purged, period: .quarter(2026, 3), asOf: ReportFixture.asOf)
        #expect(whole.current.totals == ActivityCounts(opened: 10, resolved: 6, withdrawn: 4, openAtEnd: 0))
        // Raised in Q3, closed in Q3: open at the end of no period; one raised in Q1 and closed in Q3 is open at the end of Q2.
        var long = Self.purged[0]; long.raised = .quarter(2026, 1)
        let q2 = try builder.build(disputes: [], purged: [long], period: .quarter(2026, 2), asOf: ReportFixture.asOf)
        #expect(q2.current.totals == ActivityCounts(opened: 0, resolved: 0, withdrawn: 0, openAtEnd: 6))
        #expect(q2.current.byHighestStage == [1: ActivityCounts(openAtEnd: 6)])
    }

    @Test(arguments: [
        ("2019Q2", "2019Q3", "formal", "resolved", true),
        ("2019q2", "2019-Q3", "qop-alert", "withdrawn", true),
        ("2019Q5", "2019Q3", "formal", "resolved", false),
        ("2019Q2", "2019Q3", "unknown-kind", "resolved", false),
    ])
    func storedCountsAreReadOrLeftOut(raised: String, closed: String, kind: String, outcome: String, readable: Bool) {
        let r = PurgedRecords(raisedQuarter: raised, closedQuarter: closed, policy: "four-stage", kind: kind, category: "general",
                              type: "P", team: "", highestStage: 2, outcome: outcome, count: 3)
        #expect((r != nil) == readable)
        if let r {
            #expect(r.team == ReportBuilder.noTeam)
            #expect(r.resolved == (outcome == "resolved"))
            #expect(r.raised == .quarter(2019, 2))
        }
    }
}
