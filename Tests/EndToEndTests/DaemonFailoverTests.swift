#if canImport(Glibc)
import Glibc
#endif
import Foundation
import Testing
@testable import DisputeStore

/// Several `drwatch run` on one real PostgreSQL, with a real SMTP server: one sends, the others
/// stand by and take over when it dies; the database restarting is survived.
@Suite("Several daemons on PostgreSQL", .serialized, .enabled(if: PostgresServer.isInstalled))
struct DaemonFailoverTests {
    /// A workspace whose `database` is `url` (migrated), sending to `smtpPort`, with `disputes`
    /// disputes raised 1 to 40 days before the fake clock's start (reminders and escalations due).
    static func workspace(url: String, smtpPort: Int, disputes: Int) throws -> Workspace {
        let ws = try Workspace(initialise: false)
        try DaemonCrashTests.writeConfig(ws, database: url, smtpPort: smtpPort)
        try Stores.open(.postgresql(url: url)).migrate()
        try DaemonCrashTests.openDisputes(ws, count: disputes)
        return ws
    }

    /// The first column of the first row of `sql` on `url` (the test's own connection).
    static func scalar(_ url: String, _ sql: String) throws -> String {
        try PGConnection(url: url, password: nil).first(sql, operation: "test") { $0.string(0) } ?? ""
    }

    /// The pid of the daemon holding the sender lock, from the server's view (nil when none).
    static func senderPID(_ url: String) -> Int32? {
        let name = try? scalar(url, """
            SELECT a.application_name FROM pg_locks l JOIN pg_stat_activity a ON a.pid = l.pid
            WHERE l.locktype = 'advisory' AND l.granted AND l.objsubid = 1 AND a.application_name LIKE 'drwatch-sender %'
              AND a.datname = current_database()
            """)
        return name.flatMap { $0.split(separator: ":").last.flatMap { Int32($0) } }
    }

    static let env = DaemonCrashTests.clockEnv.merging(["DRWATCH_STANDBY_RETRY_MS": "500"]) { $1 }
    static let host = ProcessInfo.processInfo.hostName

    @Test(.timeLimit(.minutes(3)))
    func aSecondDaemonStandsByNamingTheSenderAndTakesOverWhenItDies() throws {
        let server = try #require(PostgresServer.shared)
        let url = try server.makeDatabase()
        let smtp = try SMTPRecorder(dir: try Drwatch.tempDir())
        let ws = try Self.workspace(url: url, smtpPort: smtp.port, disputes: 2)
        // Given a daemon that sends
        let first = try DaemonProcess(args: ["--config", ws.config.path], env: Self.env, logURL: ws.dir.appendingPathComponent("first.log"))
        defer { first.kill9() }
        #expect(first.waitForLog("This instance sends for the database"))
        // When a second one starts on the same database
        // (Read while the test needs it, then closed: a datagram socket nobody reads fills up
        // and would block the daemon's next notification, as systemd's own would.)
        var notify: NotifySocket? = try NotifySocket(path: ws.dir.appendingPathComponent("notify").path)
        var env = Self.env
        env["NOTIFY_SOCKET"] = notify?.path
        let second = try DaemonProcess(args: ["--config", ws.config.path], env: env, logURL: ws.dir.appendingPathComponent("second.log"))
        defer { second.kill9() }
        // Then it stands by, says so once naming the sender, and STATUS says who sends
        #expect(second.waitForLog("Standing by: another instance sends for this database; this one takes over when it stops"))
        #expect(second.log.contains("sender=\(Self.host):\(first.pid)"))
        let standby = notify?.wait(for: "STATUS") { $0.contains("STATUS=standby") }
        #expect(standby == "STATUS=standby; sender is \(Self.host):\(first.pid)")
        // And drwatch check names the sender on a line of its own after the status line
        let check = try ws.run(["check"])
        let lines = check.stdout.split(separator: "\n").map(String.init)
        #expect(lines.count == 2)
        #expect(lines.last == "sender: \(Self.host):\(first.pid)")
        // And it still answers SIGHUP while standing by
        second.signal(SIGHUP)
        #expect(second.waitForLog("Reloaded the config and policies"))
        // When the sender dies
        kill(first.pid, SIGKILL)
        #expect(first.waitForExit() == 128 + SIGKILL)
        // Then the standby takes over and sends
        #expect(second.waitForLog("Took over as the sender for the database"))
        #expect(notify?.wait(for: "STATUS=sending") { $0.hasPrefix("STATUS=sending; ") } != nil)
        notify = nil
        #expect(try ws.run(["check"]).stdout.split(separator: "\n").last.map(String.init) == "sender: \(Self.host):\(second.pid)")
        #expect(second.log.components(separatedBy: "Standing by: another instance").count == 2, "logged once")
        // And SIGTERM stops it as ever
        second.signal(SIGTERM)
        #expect(second.waitForExit() == 0)
        #expect(try ws.run(["check"]).stdout.split(separator: "\n").last.map(String.init) == "sender: none (no drwatch run holds the right to send)")
    }

    @Test(.timeLimit(.minutes(5)))
    func killingTheSenderTwelveTimesAndRestartingTheDatabaseLosesNothingAndRepeatsAtMostOnePerKill() throws {
        let server = try PostgresServer.makePrivate()
        let url = try server.makeDatabase()
        let smtp = try SMTPRecorder(dir: try Drwatch.tempDir())
        let ws = try Self.workspace(url: url, smtpPort: smtp.port, disputes: 60)
        var random = SeededRandom(state: 20261203)
        var runs = 0
        func start() throws -> DaemonProcess {
            runs += 1
            return try DaemonProcess(args: ["--config", ws.config.path], env: Self.env, logURL: ws.dir.appendingPathComponent("run-\(runs).log"))
        }
        /// How many times `text` was logged by every daemon so far.
        func logged(_ text: String) -> Int {
            (1...runs).reduce(0) { n, run in
                n + (((try? String(contentsOf: ws.dir.appendingPathComponent("run-\(run).log"), encoding: .utf8)) ?? "")
                    .components(separatedBy: text).count - 1)
            }
        }
        /// Waits (bounded) until `text` was logged once more than `before` times.
        func waitForLogged(_ text: String, more before: Int, _ what: String) throws {
            let end = Date().addingTimeInterval(60)
            while Date() < end, logged(text) == before { usleep(5_000) }
            try #require(logged(text) > before, "\(what): no '\(text)'")
        }
        let up = "Standing by: another instance sends", tookOver = "Took over as the sender for the database"
        /// Starts a daemon and waits (bounded) until it stands by or sends.
        func startAndWait() throws -> DaemonProcess {
            let d = try start()
            let end = Date().addingTimeInterval(60)
            while Date() < end, !d.log.contains(up), !d.log.contains("This instance sends for the database") { usleep(5_000) }
            return d
        }
        var daemons: [DaemonProcess] = []
        defer { for d in daemons { d.kill9() } }
        for _ in 0..<3 { daemons.append(try startAndWait()) }
        func total() -> Int { smtp.received().values.reduce(0, +) }
        func waitForDelivery(_ what: String) throws {
            let before = total()
            let end = Date().addingTimeInterval(60)
            while Date() < end, total() == before { usleep(2_000) }
            try #require(total() > before, "nothing delivered \(what)")
        }

        let kills = 12
        var takeovers: [TimeInterval] = [], firstSends: [TimeInterval] = []
        var restartedDatabase = false
        for i in 0..<kills {
            // Wait (bounded) until a sender delivers something, then kill it 0-40 ms later, so
            // the kill falls anywhere in a message.
            try waitForDelivery("before kill \(i)")
            if i == kills / 2 {
                // Once, mid-run, while a sender delivers: the database restarts under the daemons.
                // It ends the sender's session, so the lock is taken again (by it or a standby).
                // (A daemon started while it is down waits for it: DaemonDatabaseWaitTests.)
                let before = logged(tookOver)
                try server.stop()
                try server.start()
                restartedDatabase = true
                try waitForLogged(tookOver, more: before, "after the database restarted")
                try waitForDelivery("after the database restarted")
            }
            usleep(UInt32.random(in: 0...40_000, using: &random))
            let pid = try #require(Self.senderPID(url), "no sender before kill \(i)")
            let index = try #require(daemons.firstIndex { $0.pid == pid })
            let before = logged(tookOver)
            let killedAt = Date()
            kill(pid, SIGKILL)
            #expect(daemons[index].waitForExit() == 128 + SIGKILL)
            // A standby takes over (the killed one is started again only then), and sends.
            try waitForLogged(tookOver, more: before, "after kill \(i)")
            takeovers.append(Date().timeIntervalSince(killedAt))
            let delivered = total()
            let next = Date().addingTimeInterval(60)
            while Date() < next, total() == delivered { usleep(2_000) }
            firstSends.append(Date().timeIntervalSince(killedAt))
            daemons[index] = try startAndWait()
        }
        // Then let the last sender finish the outbox (bounded), and stop every daemon.
        let end = Date().addingTimeInterval(90)
        while Date() < end, (try? Self.scalar(url, "SELECT COUNT(*) FROM outbox WHERE state != 'sent'")) != "0" { usleep(100_000) }
        #expect(daemons.allSatisfy { $0.process.isRunning })
        for d in daemons { d.signal(SIGTERM) }
        for d in daemons { #expect(d.waitForExit() == 0) }

        let pairs = Set(try Self.scalar(url, "SELECT string_agg(o.identity || ' ' || r.address, E'\\n') FROM outbox o JOIN outbox_recipients r ON r.outbox_id = o.id WHERE o.channel = 'email'")
            .split(separator: "\n").map(String.init))
        let received = smtp.received()
        #expect(try Self.scalar(url, "SELECT COUNT(*) FROM outbox WHERE state != 'sent'") == "0")
        #expect(pairs.count >= 200, "hundreds of notifications: \(pairs.count)")
        let missing = pairs.subtracting(received.keys)
        #expect(missing.isEmpty, "missing: \(missing.sorted().prefix(5))")
        #expect(Set(received.keys).subtracting(pairs).isEmpty)
        var timesPerMessage: [Substring: Int] = [:]
        for (pair, n) in received {
            let id = pair.split(separator: " ")[0]
            timesPerMessage[id] = max(timesPerMessage[id] ?? 0, n)
        }
        let duplicates = timesPerMessage.values.reduce(0) { $0 + max(0, $1 - 1) }
        // Each interruption (a kill, the database restart) may repeat the one message in flight.
        #expect(duplicates <= kills + 1, "\(duplicates) duplicates for \(kills) kills and one database restart")
        // A daemon that found the database away logged it once, not at each retry.
        let logs = (1...runs).map { (try? String(contentsOf: ws.dir.appendingPathComponent("run-\($0).log"), encoding: .utf8)) ?? "" }
        let lossLines = logs.map { $0.components(separatedBy: "Lost the connection to the database").count - 1 + $0.components(separatedBy: "Cannot reach the database").count - 1 }
        #expect(lossLines.allSatisfy { $0 <= 1 }, "loss logged at most once per daemon: \(lossLines)")
        // The restart ended the sender's session, so the sender of that moment noticed it (at its
        // next lock check, or when the fence refused a write) and stood by; whether a poll also
        // failed, or a retry found the server down, depends on when the restart fell.
        #expect(restartedDatabase)
        #expect(logs.contains { $0.contains("Lost the right to send") })
        func figures(_ t: [TimeInterval]) -> String {
            let sorted = t.sorted()
            return "median \(String(format: "%.2f", sorted[sorted.count / 2])) s, max \(String(format: "%.2f", sorted.last ?? 0)) s"
        }
        print("failover test: \(pairs.count) notifications, \(kills) SIGKILLs of the sender, 1 database restart, \(duplicates) duplicates; from the kill to a standby's 'Took over': \(figures(takeovers)); to its first message received: \(figures(firstSends))")
    }
}
