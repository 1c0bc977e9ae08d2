#if canImport(Glibc)
import Glibc
#endif
import Foundation
import Testing

/// The daemon with the file transport and a clock the test sets: bad rows, and a weekend away.
@Suite("Daemon and the store", .serialized)
struct DaemonStoreTests {
    static func config(_ ws: Workspace, policies: [String]) throws {
        let list = policies.map { "\"\($0)\"" }.joined(separator: ", ")
        let roles = DaemonCrashTests.roles.map { "\($0) = [\"\($0)@council.example\"]" }.joined(separator: "\n")
        try """
            database = "\(ws.database.path)"
            poll_interval_seconds = 60
            policies = [\(list)]
            [roles]
            \(roles)
            [files]
            directory = "\(ws.dir.appendingPathComponent("outbox").path)"
            """.write(to: ws.config, atomically: true, encoding: .utf8)
    }

    /// Writes to the database behind drwatch's back (python3's sqlite3), and commits.
    static func execute(_ ws: Workspace, _ sql: String) throws {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: "/usr/bin/python3")
        p.arguments = ["-c", "import sqlite3,sys; c=sqlite3.connect(sys.argv[1]); c.executescript(sys.argv[2]); c.commit()", ws.database.path, sql]
        try p.run()
        p.waitUntilExit()
        #expect(p.terminationStatus == 0)
    }

    static func outboxFiles(_ ws: Workspace) -> [String] {
        ((try? FileManager.default.contentsOfDirectory(atPath: ws.dir.appendingPathComponent("outbox").path)) ?? []).sorted()
    }

    /// Runs the daemon on a file clock fixed at `now` until it has logged `polls` polls (bounded
    /// by 60 s, which only matters on failure), then stops it with SIGTERM (exit 0 expected).
    static func run(_ ws: Workspace, at now: String, polls: Int = 2, name: String) throws -> DaemonProcess {
        let nowFile = ws.dir.appendingPathComponent("now")
        try now.write(to: nowFile, atomically: true, encoding: .utf8)
        // 60 s polls at 300x: one every 200 ms; the clock stays at `now` (a file clock).
        let daemon = try DaemonProcess(args: ["--config", ws.config.path],
                                       env: ["DRWATCH_FAKE_NOW": nowFile.path, "DRWATCH_FAKE_SPEED": "300"],
                                       logURL: ws.dir.appendingPathComponent("\(name).log"))
        let end = Date().addingTimeInterval(60)
        while Date() < end, daemon.log.components(separatedBy: "Poll done").count - 1 < polls, daemon.process.isRunning { usleep(20_000) }
        daemon.signal(SIGTERM)
        #expect(daemon.waitForExit(timeout: 60) == 0)
        return daemon
    }

    @Test func badRowsAreLoggedAndSkippedAndEveryOtherDisputeIsServed() throws {
        // Given a second policy, and disputes under each.
        let ws = try Workspace()
        let other = ws.dir.appendingPathComponent("other.toml")
        let text = try String(contentsOfFile: Workspace.fourStage, encoding: .utf8)
            .replacingOccurrences(of: "name = \"four-stage\"", with: "name = \"other-procedure\"")
        try text.write(to: other, atomically: true, encoding: .utf8)
        try Self.config(ws, policies: [Workspace.fourStage, other.path])
        #expect(try ws.openFormal("DR-GOOD", at: "2026-11-16T10:00").status == 0)
        #expect(try ws.openFormal("DR-ORPHAN", policy: "other-procedure", at: "2026-11-16T10:00").status == 0)
        #expect(try ws.openFormal("DR-BADDATE", at: "2026-11-16T10:00").status == 0)
        // When the policy is removed from the config, and an event gets an impossible date.
        try Self.config(ws, policies: [Workspace.fourStage])
        // (Around the store's append-only trigger, as a damaged or hand-edited file would be.)
        try Self.execute(ws, """
            DROP TRIGGER events_no_update;
            UPDATE events SET at = 'yesterday' WHERE dispute_id = (SELECT id FROM disputes WHERE ref = 'DR-BADDATE');
            """)
        #expect(try ws.scalar("SELECT COUNT(*) FROM events WHERE typeof(at) = 'text'") == "1")
        let daemon = try Self.run(ws, at: "2026-11-25T10:00:00Z", name: "bad")
        // Then both are logged and skipped, by reference only, and DR-GOOD's notices are written.
        let log = daemon.log
        #expect(log.contains("dispute.ref=DR-ORPHAN"), "\(log.prefix(2000))")
        #expect(log.contains("other-procedure"))
        #expect(log.contains("DR-BADDATE"))
        #expect(!files(ws).contains { $0.hasPrefix("DR-BADDATE") })
        let files = Self.outboxFiles(ws)
        func files(_ ws: Workspace) -> [String] { Self.outboxFiles(ws) }
        #expect(files.contains { $0.hasPrefix("DR-GOOD") })
        #expect(!files.contains { $0.hasPrefix("DR-ORPHAN") })
        #expect(!log.contains("Poll failed"))
    }

    @Test func aDatabaseLockedByAnotherWriterForAWhileDelaysThePollAndLosesNothing() throws {
        // Given a dispute with notices due, and another process holding the write lock for longer
        // than the store's 5 s busy timeout
        let ws = try Workspace()
        try Self.config(ws, policies: [Workspace.fourStage])
        #expect(try ws.openFormal("DR-LOCK", at: "2026-11-16T10:00").status == 0)
        let held = ws.dir.appendingPathComponent("held")
        let release = ws.dir.appendingPathComponent("release")
        let locker = Process()
        locker.executableURL = URL(fileURLWithPath: "/usr/bin/python3")
        locker.arguments = ["-c", """
            import os, sqlite3, sys, time, signal
            signal.pthread_sigmask(signal.SIG_UNBLOCK, [signal.SIGTERM])
            c = sqlite3.connect(sys.argv[1], isolation_level=None)
            c.execute("BEGIN IMMEDIATE")
            c.execute("UPDATE store_changes SET seq = seq")
            open(sys.argv[2], "w").write("held")
            # Held until the test says the daemon has met the lock (an event, not a time), at most 120 s.
            end = time.time() + 120
            while time.time() < end and not os.path.exists(sys.argv[3]): time.sleep(0.05)
            c.execute("ROLLBACK")
            """, ws.database.path, held.path, release.path]
        try locker.run()
        let lockDeadline = Date().addingTimeInterval(60)
        while !FileManager.default.fileExists(atPath: held.path), Date() < lockDeadline { usleep(20_000) }
        #expect(FileManager.default.fileExists(atPath: held.path))
        // When the daemon runs meanwhile (a poll every 200 ms of test time)
        let nowFile = ws.dir.appendingPathComponent("now")
        try "2026-11-25T10:00:00Z".write(to: nowFile, atomically: true, encoding: .utf8)
        let daemon = try DaemonProcess(args: ["--config", ws.config.path],
                                       env: ["DRWATCH_FAKE_NOW": nowFile.path, "DRWATCH_FAKE_SPEED": "300"],
                                       logURL: ws.dir.appendingPathComponent("locked.log"))
        defer { daemon.kill9() }
        // (the lock outlasts the 5 s busy timeout: released only once a poll has failed on it)
        #expect(daemon.waitForLog("Poll failed", timeout: 120), "\(daemon.log.prefix(1500))")
        #expect(FileManager.default.createFile(atPath: release.path, contents: Data()))
        locker.waitUntilExit()
        // Then it keeps running; once the lock is gone a poll delivers every notice, each once
        let end = Date().addingTimeInterval(60)
        while Date() < end, !daemon.log.contains("sent=") || Self.outboxFiles(ws).isEmpty { usleep(50_000) }
        let before = daemon.log.components(separatedBy: "Poll done").count
        while Date() < end, daemon.log.components(separatedBy: "Poll done").count < before + 2 { usleep(50_000) }
        #expect(daemon.process.isRunning)
        daemon.signal(SIGTERM)
        #expect(daemon.waitForExit(timeout: 60) == 0)
        let log = daemon.log
        #expect(log.contains("Poll failed"), "\(log.prefix(1500))")
        #expect(!log.lowercased().contains("database is locked") || log.contains("retrying at the next poll"))
        let files = Self.outboxFiles(ws)
        let identities = try ws.scalar("SELECT group_concat(identity, char(10)) FROM outbox WHERE state = 'sent'").split(separator: "\n")
        #expect(!files.isEmpty)
        #expect(files.count == identities.count, "\(files)")
        #expect(Set(identities).count == identities.count)
    }

    @Test func aDaemonDownOverAWeekendCatchesUpOnceNotOncePerMissedPoll() throws {
        let ws = try Workspace()
        try Self.config(ws, policies: [Workspace.fourStage])
        // Stage 1 raised Wed 18 Nov: due Wed 25 Nov; its 2-working-day reminder falls due Mon 23 at 08:30.
        #expect(try ws.openFormal("DR-W", at: "2026-11-18T10:00").status == 0)
        // Given the daemon ran on Friday 20 Nov at 10:00 ...
        _ = try Self.run(ws, at: "2026-11-20T10:00:00Z", name: "friday")
        let friday = Self.outboxFiles(ws)
        #expect(!friday.isEmpty)
        // ... and was down until Monday 23 Nov 10:00, past the reminder's send time.
        _ = try Self.run(ws, at: "2026-11-23T10:00:00Z", polls: 3, name: "monday")
        let monday = Self.outboxFiles(ws)
        let identities = try ws.scalar("SELECT group_concat(identity, char(10)) FROM outbox").split(separator: "\n")
        // Then Monday's first poll sent what was missed, each once, and later polls sent nothing more.
        #expect(monday.count > friday.count)
        #expect(monday.count == identities.count, "\(monday)")
        #expect(Set(identities).count == identities.count)
        let mondayLog = try String(contentsOf: ws.dir.appendingPathComponent("monday.log"), encoding: .utf8)
        let polls = mondayLog.split(separator: "\n").filter { $0.contains("Poll done") }
        #expect(polls.count >= 3)
        #expect(polls.dropFirst().allSatisfy { $0.contains("enqueued=0") && $0.contains("sent=0") })
    }
}
