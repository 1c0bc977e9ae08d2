import Foundation
import Testing
import WorkingDays
@testable import DisputeCore

// Every figure of the report on the seeded data set (ReportFixture), known by construction.

@Suite("Reports: figures of the seeded data set")
struct ReportBuilderTests {
    let report: Report
    init() throws { report = try ReportFixture.report() }

    typealias C = ActivityCounts

    @Test func periodsAreTheQuarterAndThePreviousQuarter() {
        #expect(report.period == .quarter(2026, 3))
        #expect(report.period.from == day("2026-07-01") && report.period.to == day("2026-09-30"))
        #expect(report.previousPeriod == .quarter(2026, 2))
        #expect(report.trendPeriods == [.quarter(2025, 4), .quarter(2026, 1), .quarter(2026, 2), .quarter(2026, 3)])
        #expect(report.missingPolicies.isEmpty)
        #expect(report.statutoryWorkingDays == 20)
    }

    @Test func totalsCountRaisedResolvedWithdrawnAndOpenAtTheEnd() {
        #expect(report.current.totals == C(opened: 40, resolved: 22, withdrawn: 4, openAtEnd: 7))
        #expect(report.previous.totals == C(opened: 13, resolved: 11, withdrawn: 0, openAtEnd: 1))
    }

    @Test func byKind() {
        #expect(report.current.byKind == [
            "formal": C(opened: 27, resolved: 17, withdrawn: 4, openAtEnd: 7),
            "qop-alert": C(opened: 5, resolved: 5),
            "good-practice": C(opened: 8),
        ])
        #expect(report.previous.byKind == [
            "formal": C(opened: 11, resolved: 10, openAtEnd: 1),
            "qop-alert": C(opened: 1, resolved: 1),
            "good-practice": C(opened: 1),
        ])
    }

    @Test func byCategory() {
        #expect(report.current.byCategory == [
            "general": C(opened: 22, resolved: 13, openAtEnd: 7),
            "statutory-requirements": C(opened: 5, resolved: 6),
            "care-plan-implementation": C(opened: 9, resolved: 3),
            "provision-of-services": C(opened: 4, withdrawn: 4),
        ])
        #expect(report.previous.byCategory == [
            "general": C(opened: 11, resolved: 11),
            "statutory-requirements": C(opened: 1, openAtEnd: 1),
            "care-plan-implementation": C(opened: 1),
        ])
    }

    @Test func byType() {
        #expect(report.current.byType == [
            "P": C(opened: 21, resolved: 13),
            "R": C(opened: 9, resolved: 6, withdrawn: 4),
            "D": C(opened: 10, resolved: 3, openAtEnd: 7),
        ])
        #expect(report.previous.byType == [
            "P": C(opened: 12, resolved: 11),
            "R": C(opened: 1, openAtEnd: 1),
        ])
    }

    @Test func byTeam() {
        #expect(report.current.byTeam == [
            "Alpha": C(opened: 14, resolved: 8),
            "Beta": C(opened: 8, resolved: 9),
            "Gamma": C(opened: 11, withdrawn: 4, openAtEnd: 7),
            "Delta": C(opened: 7, resolved: 5),
        ])
        #expect(report.previous.byTeam == [
            "Alpha": C(opened: 11, resolved: 10),
            "Beta": C(opened: 1, openAtEnd: 1),
            "Delta": C(opened: 1, resolved: 1),
        ])
    }

    @Test func byHighestStageIncludesEscalationsTheEngineDerivesFromMissedDeadlines() {
        #expect(report.current.byHighestStage == [
            1: C(opened: 24, resolved: 13, withdrawn: 4, openAtEnd: 7),
            3: C(opened: 5, resolved: 5),         // G2: stage 2 missed on 15 Jul, so stage 3 on resolution
            // Three ran past Stage 4 before their resolution: the written adjudication (stage 5) followed.
            4: C(resolved: 1),
            5: C(opened: 3, resolved: 3),
        ])
        #expect(report.previous.byHighestStage == [
            1: C(opened: 11, resolved: 11),
            4: C(opened: 1, openAtEnd: 1),
        ])
    }

    @Test func timelinessUsesTheEnginesStageAndStatutoryDeadlines() {
        let t = report.current.timeliness
        #expect(t.resolved == 22)
        #expect(t.withinStageTimescales == 13)      // G1 6, G4 2 (paused, extended), QoP 5
        #expect(t.statutoryApplies == 17)           // formal only
        #expect(t.withinStatutory == 14)            // G3 breached
        #expect(t.workingDays == [2, 2, 2, 2, 4, 4, 4, 4, 4, 4, 5, 8, 8, 8, 8, 8, 8, 8, 18, 25, 25, 25])
        #expect(t.median == 6.5)
        #expect(abs(t.p90! - 24.3) < 1e-9)

        #expect(report.current.timelinessByKind[.formal] == Timeliness(
            resolved: 17, withinStageTimescales: 8, statutoryApplies: 17, withinStatutory: 14,
            workingDays: [4, 4, 4, 4, 4, 4, 8, 8, 8, 8, 8, 8, 8, 18, 25, 25, 25]))
        #expect(report.current.timelinessByKind[.qopAlert] == Timeliness(
            resolved: 5, withinStageTimescales: 5, statutoryApplies: 0, withinStatutory: 0, workingDays: [2, 2, 2, 2, 5]))
        #expect(report.current.timelinessByKind.count == 2)

        let p = report.previous.timeliness
        #expect(p == Timeliness(resolved: 11, withinStageTimescales: 11, statutoryApplies: 10, withinStatutory: 10,
                                workingDays: [2] + Array(repeating: 4, count: 10)))
        #expect(p.median == 4 && p.p90 == 4)
        #expect(report.current.resolvedUnassessed == 0 && report.previous.resolvedUnassessed == 0)
    }

    @Test func timelinessOverTheLastFourQuarters() {
        #expect(report.trendTimeliness.map(\.resolved) == [0, 5, 11, 22])
        #expect(report.trendTimeliness.map(\.withinStageTimescales) == [0, 5, 11, 13])
        #expect(report.trendTimeliness.map(\.statutoryApplies) == [0, 5, 10, 17])
        #expect(report.trendTimeliness.map(\.withinStatutory) == [0, 5, 10, 14])
        #expect(report.trendTimeliness[1].workingDays == [5, 5, 5, 5, 5])
    }

    @Test func pausesExtensionsAndCafcassReferrals() {
        #expect(report.current.process == ProcessActivity(pauses: 2, recordsPaused: 2, extensions: 2, extensionWorkingDays: 6,
                                                          cafcassReferrals: 2))
        #expect(report.previous.process == ProcessActivity())
    }

    @Test func repeatAlertsPerChildAreCountsOnly() {
        #expect(report.current.repeatAlerts == 3)
        #expect(report.current.childrenWithRepeatAlerts == 2)
        #expect(report.previous.repeatAlerts == 0 && report.previous.childrenWithRepeatAlerts == 0)
        #expect(report.repeatChildren == [RepeatChild(repeatAlerts: 1, recordsToDate: 2),
                                          RepeatChild(repeatAlerts: 2, recordsToDate: 3)])
    }

    @Test func goodPracticeNotificationsByTeam() {
        #expect(report.current.goodPracticeByTeam == ["Alpha": 6, "Delta": 2])
        #expect(report.current.goodPractice == 8)
        #expect(report.previous.goodPracticeByTeam == ["Alpha": 1])
    }

    @Test func eventsAfterAsOfAreIgnored() throws {
        // As of Wed 15 Jul 12:00 the G2 and G3 records are still open; G4 is paused.
        let r = try ReportFixture.builder().build(disputes: ReportFixture.disputes, period: .quarter(2026, 3),
                                                  asOf: at("2026-07-15 12:00"), suppressionThreshold: 5)
        #expect(r.current.totals.openAtEnd == 5 + 3 + 2 + 1)   // G2, G3, G4, C-100's second alert
        #expect(r.current.byHighestStage[2]?.openAtEnd == 5 + 3)  // G2 by hand, G3 derived on 13 Jul
        #expect(r.current.process.pauses == 2 && r.current.process.extensions == 0)
    }

    @Test func recordsOfAPolicyNotLoadedAreCountedButNotAssessed() throws {
        var ds = ReportFixture.disputes
        ds[0].policy = "retired-preset"
        let r = try ReportFixture.builder().build(disputes: ds, period: .quarter(2026, 3), asOf: ReportFixture.asOf)
        #expect(r.missingPolicies == ["retired-preset"])
        #expect(r.current.totals.resolved == 22)
        #expect(r.current.timeliness.resolved == 21)
        #expect(r.current.resolvedUnassessed == 1)
    }

    @Test func aRecordInADivisionWithoutCalendarIsRefusedWithItsReference() throws {
        var ds = ReportFixture.disputes
        ds[0].division = .scotland
        #expect(throws: DomainError.self) {
            try ReportFixture.builder().build(disputes: ds, period: .quarter(2026, 3), asOf: ReportFixture.asOf)
        }
    }
}

@Suite("Reports: periods")
struct ReportPeriodTests {
    @Test(arguments: [
        ("2026Q3", "2026-07-01", "2026-09-30", "2026-04-01", "2026-06-30"),
        ("2026q1", "2026-01-01", "2026-03-31", "2025-10-01", "2025-12-31"),
        ("2026-Q4", "2026-10-01", "2026-12-31", "2026-07-01", "2026-09-30"),
    ])
    func quarterAndPreviousQuarter(_ text: String, _ from: String, _ to: String, _ pFrom: String, _ pTo: String) throws {
        let p = try #require(ReportPeriod.parseQuarter(text))
        #expect(p.from == day(from) && p.to == day(to))
        #expect(p.previous.from == day(pFrom) && p.previous.to == day(pTo))
    }

    @Test(arguments: ["2026Q5", "2026Q0", "26Q1", "2026", "Q3 2026", "1900Q1"])
    func malformedQuartersAreRefused(_ text: String) {
        #expect(ReportPeriod.parseQuarter(text) == nil)
    }

    @Test func previousYearAndPreviousRangeOfTheSameLength() {
        #expect(ReportPeriod.year(2026).previous == .year(2025))
        let r = ReportPeriod(from: day("2026-03-01"), to: day("2026-03-31"))
        #expect(r.previous.from == day("2026-01-29") && r.previous.to == day("2026-02-28"))
        #expect(ReportPeriod.year(2026).trailingQuarters(4) == (1...4).map { .quarter(2026, $0) })
    }

    @Test func percentilesInterpolateAsSpreadsheetsDo() {
        #expect(percentile([], 0.5) == nil)
        #expect(percentile([7], 0.9) == 7)
        #expect(percentile([1, 2, 3, 4], 0.5) == 2.5)
        #expect(percentile([1, 2, 3, 4, 5, 6, 7, 8, 9, 10], 0.9) == 9.1)
    }
}
