import Foundation
import Testing
@testable import DisputeService
import DisputeStore
@testable import Notifications
@testable import Recording
@testable import ServiceConfig

/// The daemon's pure decisions: when to poll next, when to warn about the calendar.
@Suite("Daemon decisions")
struct DaemonDecisionTests {
    static let now = ISO8601DateFormatter().date(from: "2026-11-25T10:00:00Z")!

    @Test(arguments: [
        // (next wake-up from the work, seconds after now; expected next poll, seconds after now)
        (nil as Double?, 60.0),      // nothing known: the poll interval
        (30, 30),                    // something due sooner: then
        (600, 60),                   // later than the interval: the interval
        (0, 1),                      // due now or overdue: one second later, never a busy loop
        (-3600, 1),                  // in the past (a clock stepped back): the same
    ])
    func nextPollIsTheIntervalOrTheNextWakeUpWhicheverIsFirst(wake: Double?, expected: Double) {
        let next = Daemon.nextPoll(after: Self.now, interval: 60, nextWakeUp: wake.map { Self.now.addingTimeInterval($0) })
        #expect(next.timeIntervalSince(Self.now) == expected)
    }

    @Test(arguments: [
        // (consecutive failures to reach the database, seconds before the next attempt)
        (1, 1), (2, 2), (3, 4), (4, 8), (5, 16), (6, 30), (7, 30), (1000, 30),
    ])
    func aLostDatabaseIsRetriedAfterABackoffDoublingFromOneSecondToThirty(failures: Int, seconds: Int) {
        #expect(DatabaseOutage.delay(afterFailures: failures, first: .seconds(1), cap: .seconds(30)) == .seconds(seconds))
    }

    @Test func anOutageIsReportedWhenItBeginsAndWhenItEndsNotAtEachRetry() {
        var outage = DatabaseOutage()
        #expect(outage.succeeded() == nil)
        #expect(outage.failed() == (.seconds(1), true))
        #expect(outage.failed() == (.seconds(2), false))
        #expect(outage.failed() == (.seconds(4), false))
        #expect(outage.succeeded() == 3)
        #expect(outage.succeeded() == nil)
        #expect(outage.failed() == (.seconds(1), true))
    }

    @Test func coverageWarningAtStartThenDailyWhileNextYearIsUnknown() {
        // Given a calendar that knows one-offs through 2026, in November 2026.
        #expect(Daemon.coverageWarningDue(now: Self.now, knownThrough: 2026, lastWarning: nil))
        #expect(!Daemon.coverageWarningDue(now: Self.now.addingTimeInterval(3600), knownThrough: 2026, lastWarning: Self.now))
        #expect(Daemon.coverageWarningDue(now: Self.now.addingTimeInterval(86_400), knownThrough: 2026, lastWarning: Self.now))
        // When next year is covered, never.
        #expect(!Daemon.coverageWarningDue(now: Self.now, knownThrough: 2027, lastWarning: nil))
    }

    @Test func theFakeClockReadsItsFileAtEveryCall() throws {
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("drwatch-now-\(UUID().uuidString)")
        try "2026-11-25T10:00:00Z".write(to: file, atomically: true, encoding: .utf8)
        let clock = try #require(try FakeDaemonClock.fromEnvironment(["DRWATCH_FAKE_NOW": file.path]))
        #expect(clock.now() == Self.now)
        try "2026-11-25T08:00:00Z".write(to: file, atomically: true, encoding: .utf8)
        #expect(clock.now() == Self.now.addingTimeInterval(-7200))
        #expect(throws: DaemonError.self) { try FakeDaemonClock.fromEnvironment(["DRWATCH_FAKE_NOW": "tuesday"]) }
        #expect(try FakeDaemonClock.fromEnvironment([:]) == nil)
    }

    @Test(arguments: ["2026-11-25T10:00:00Z", "2026-11-25T10:00:00+01:00", "2026-03-29T00:59:59-05:30",
                      "2026-11-25T10:00:00.5Z", "2026-11-25T10:00:00.125+00:00", "1969-12-31T23:59:59Z",
                      "2028-02-29T12:00:00Z", "2027-02-29T12:00:00Z", "2026-11-25T24:00:00Z", "2026-11-25 10:00:00Z",
                      "2026-11-25T10:00:00", "2026-11-25T10:00Z", "tuesday"])
    func theFakeClockParsesInstantsAsFoundationDoes(_ text: String) {
        let f = ISO8601DateFormatter()
        f.formatOptions = [.withInternetDateTime]
        var expected = f.date(from: text)
        if expected == nil { f.formatOptions = [.withInternetDateTime, .withFractionalSeconds]; expected = f.date(from: text) }
        let parsed = FakeDaemonClock.parseInstant(text)
        #expect(parsed.map { ($0.timeIntervalSince1970 * 1000).rounded() } == expected.map { ($0.timeIntervalSince1970 * 1000).rounded() })
        if let fast = FakeDaemonClock.parseInternetDateTime(text) {
            #expect((fast.timeIntervalSince1970 * 1000).rounded() == expected.map { ($0.timeIntervalSince1970 * 1000).rounded() })
        }
    }

    @Test(arguments: [1_795_600_000.0, 1_893_456_000, 1_893_455_999, 4_102_444_799.75])
    func coverageWarningUsesTheLondonYear(_ t: Double) {
        let d = Date(timeIntervalSince1970: t)
        var london = Calendar(identifier: .gregorian)
        london.timeZone = TimeZone(identifier: "Europe/London")!
        let year = london.component(.year, from: d)
        #expect(Daemon.coverageWarningDue(now: d, knownThrough: year + 1, lastWarning: nil) == false)
        #expect(Daemon.coverageWarningDue(now: d, knownThrough: year, lastWarning: nil) == true)
    }
}
