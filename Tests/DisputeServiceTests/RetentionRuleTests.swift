import Foundation
import Testing
import WorkingDays
@testable import DisputeService
@testable import Notifications
@testable import Recording
@testable import ServiceConfig

/// The pure parts of retention: the cut-offs, the daily rule and the `[retention]` section.
@Suite("Retention rules")
struct RetentionRuleTests {
    static func date(_ iso: String) -> Date { CivilTime.london.parse(iso)! }

    @Test(arguments: [
        // now (London), years, cut-off (UTC)
        ("2026-12-03T12:00+00:00", 7, "2019-12-03T00:00:00Z"),
        ("2026-07-15T09:00+01:00", 6, "2020-07-14T23:00:00Z"),    // 00:00 BST
        ("2028-02-29T10:00+00:00", 1, "2027-02-28T00:00:00Z"),    // 29 February gives the 28th
    ])
    func closedDisputesArePastRetentionFromMidnightLondonYearsBefore(now: String, years: Int, cutoff: String) {
        #expect(CivilTime.utcISO8601(Retention.closedCutoff(now: Self.date(now), years: years)) == cutoff)
    }

    @Test func sentMessagesAreCutOffWholeDaysBefore() {
        let now = Self.date("2026-12-03T12:00+00:00")
        #expect(CivilTime.utcISO8601(Retention.sentCutoff(now: now, days: 30)) == "2026-11-03T12:00:00Z")
    }

    @Test(arguments: [
        (nil as Double?, 0.0, true),
        (0.0, 86_399.0, false),
        (0.0, 86_400.0, true),
        (100.0, 50.0, true),      // the clock went back
    ])
    func theDailyRunIsDueOnceADay(last: Double?, now: Double, due: Bool) {
        #expect(Housekeeping.dailyRunDue(now: Date(timeIntervalSince1970: now), last: last.map { Date(timeIntervalSince1970: $0) }) == due)
    }

    @Test func retentionDefaultsAreSixYearsAYearAndNotDaily() throws {
        let config = try DrwatchConfig.parse(text: "policies = [\"policies/four-stage.toml\"]\n", path: "/etc/drwatch/drwatch.toml", environment: [:])
        #expect(config.retention.closedYears == 6)
        #expect(config.retention.sentMessagesDays == 365)
        #expect(config.retention.daily == false)
    }

    @Test func retentionKeysAreRead() throws {
        let text = "policies = [\"policies/four-stage.toml\"]\n[retention]\nclosed_years = 10\nsent_messages_days = 90\ndaily = true\n"
        let config = try DrwatchConfig.parse(text: text, path: "/etc/drwatch/drwatch.toml", environment: [:])
        #expect(config.retention.closedYears == 10)
        #expect(config.retention.sentMessagesDays == 90)
        #expect(config.retention.daily == true)
    }
}
