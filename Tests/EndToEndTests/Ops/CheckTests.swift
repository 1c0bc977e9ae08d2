import Foundation
import Testing

/// `drwatch check`: monitoring-plugins exit codes and perfdata on prepared stores.
@Suite("Check")
struct CheckTests {
    /// Milliseconds since 1970 of a UTC ISO 8601 instant, for prepared rows.
    static func ms(_ iso: String) -> Int64 {
        Int64(ISO8601DateFormatter().date(from: iso)!.timeIntervalSince1970 * 1000)
    }

    /// A store prepared for one case, judged at Tue 25 Nov 2025 12:00 (the built-in calendar
    /// knows 2026's one-off holidays, so coverage is fine).
    enum Case: String, CaseIterable, Sendable {
        case healthy, pollLate, pollVeryLate, neverPolled, parked, breached, calendarShort, noDatabase
    }

    static func prepare(_ c: Case, store: StoreKind = .sqlite) throws -> Workspace {
        let ws = try Workspace(initialise: c != .noDatabase, store: store)
        if c == .noDatabase { return ws }
        let polled: String? = switch c {
        case .neverPolled: nil
        case .pollLate: "2025-11-25T11:53:20Z"       // 400 s before
        case .pollVeryLate: "2025-11-25T11:40:00Z"   // 1200 s before
        case .calendarShort: "2026-11-25T11:59:00Z"
        default: "2025-11-25T11:59:00Z"              // 60 s before
        }
        if let polled { try ws.execute("UPDATE daemon_polls SET last_completed_at = \(ms(polled)), polls = 1") }
        #expect(try ws.openFormal("DR-1", at: c == .calendarShort ? "2026-11-24T10:00" : "2025-11-24T10:00").status == 0)
        if c == .breached { #expect(try ws.openFormal("DR-2", at: "2025-06-02T10:00").status == 0) }
        if c == .parked {
            try ws.execute("""
                INSERT INTO outbox (identity, dispute_ref, event, urgency, channel, subject, body, state, next_attempt_at, created_at)
                VALUES ('DR-1/s1/opened/iro', 'DR-1', 'opened', 'normal', 'email', 's', 'b', 'parked', 0, \(ms("2025-11-24T10:00:00Z")))
                """)
        }
        return ws
    }

    static let perfTail = "parked=0;1;10;0 failed=0;5;20;0 oldest_pending_age=0s;1800;7200;0 statutory_breached=0;1;10;0 calendar_known_through=2026;2026:;;"

    @Test(arguments: StoreKind.all, [
        (Case.healthy, Int32(0), "DRWATCH OK - last poll 60 s ago, 0 parked, 0 failing, 0 statutory-breached | last_poll_age=60s;300;900;0 \(perfTail)"),
        (.pollLate, 1, "DRWATCH WARNING - last poll 400 s ago (warning at 300) | last_poll_age=400s;300;900;0 \(perfTail)"),
        (.pollVeryLate, 2, "DRWATCH CRITICAL - last poll 1200 s ago (critical at 900) | last_poll_age=1200s;300;900;0 \(perfTail)"),
        (.neverPolled, 2, "DRWATCH CRITICAL - the daemon has not completed a poll on this database | last_poll_age=Us;300;900;0 \(perfTail)"),
        (.parked, 1, "DRWATCH WARNING - 1 parked message (drwatch outbox --failed) (warning at 1) | last_poll_age=60s;300;900;0 parked=1;1;10;0 failed=0;5;20;0 oldest_pending_age=0s;1800;7200;0 statutory_breached=0;1;10;0 calendar_known_through=2026;2026:;;"),
        (.breached, 1, "DRWATCH WARNING - 1 dispute past the statutory total (warning at 1) | last_poll_age=60s;300;900;0 parked=0;1;10;0 failed=0;5;20;0 oldest_pending_age=0s;1800;7200;0 statutory_breached=1;1;10;0 calendar_known_through=2026;2026:;;"),
        (.calendarShort, 1, "DRWATCH WARNING - calendar knows one-off bank holidays only through 2026 (set holidays_file) | last_poll_age=60s;300;900;0 parked=0;1;10;0 failed=0;5;20;0 oldest_pending_age=0s;1800;7200;0 statutory_breached=0;1;10;0 calendar_known_through=2026;2027:;;"),
    ])
    func eachStateHasItsExitCodeLineAndPerfdata(store: StoreKind, expected: (c: Case, status: Int32, line: String)) throws {
        let (c, status, line) = expected
        let ws = try Self.prepare(c, store: store)
        let at = c == .calendarShort ? "2026-11-25T12:00+00:00" : "2025-11-25T12:00+00:00"
        let r = try ws.run(["check", "--at", at])
        #expect(r.status == status, "\(r.stdout)\(r.stderr)")
        // PostgreSQL names the instance that sends (none here: no drwatch run).
        let sender = store == .postgresql ? "sender: none (no drwatch run holds the right to send)\n" : ""
        #expect(r.stdout == line + "\n" + sender)
    }

    @Test func aMissingDatabaseIsUnknown() throws {
        let ws = try Self.prepare(.noDatabase)
        let r = try ws.run(["check"])
        #expect(r.status == 3)
        #expect(r.stdout.hasPrefix("DRWATCH UNKNOWN - database \(ws.database.path) does not exist"))
    }

    @Test func thresholdsAreOptions() throws {
        let ws = try Self.prepare(.pollLate)
        let relaxed = try ws.run(["check", "--at", "2025-11-25T12:00+00:00", "--poll-age", "600,1200"])
        #expect(relaxed.status == 0)
        #expect(relaxed.stdout.hasPrefix("DRWATCH OK - last poll 400 s ago"))
        let bad = try ws.run(["check", "--poll-age", "10"])
        #expect(bad.status == 64)
        #expect(bad.stderr.contains("--poll-age 10 is not WARN,CRIT"))
    }
}
