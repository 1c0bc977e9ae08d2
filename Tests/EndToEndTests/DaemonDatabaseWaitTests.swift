#if canImport(Glibc)
import Glibc
#endif
import Foundation
import Testing

/// `drwatch run` started while its PostgreSQL cannot be reached: it waits for it (answering
/// SIGTERM and SIGHUP), then starts as any daemon does; what waiting cannot fix stops it at once.
@Suite("A daemon started before its database", .serialized)
struct DaemonDatabaseWaitTests {
    /// The failover tests' clock and standby retry, and a short first reconnect wait.
    static let env = DaemonFailoverTests.env.merging(["DRWATCH_RECONNECT_MS": "200"]) { $1 }

    /// A config on a PostgreSQL URL where nothing answers (a port bound and released).
    static func unreachable(extra: String = "") throws -> Workspace {
        let ws = try Workspace(initialise: false)
        try DaemonCrashTests.writeConfig(ws, database: "postgresql://drwatch@127.0.0.1:\(WebBrowserTests.freePort())/drwatch", smtpPort: 25)
        let text = extra + (try String(contentsOf: ws.config, encoding: .utf8))
        try text.write(to: ws.config, atomically: true, encoding: .utf8)
        return ws
    }

    @Test(.timeLimit(.minutes(3)), .enabled(if: PostgresServer.isInstalled))
    func aDaemonStartedWhileItsDatabaseIsDownWaitsThenStartsAndSendsEverythingOnce() throws {
        let server = try PostgresServer.makePrivate()
        let url = try server.makeDatabase()
        let smtp = try SMTPRecorder(dir: try Drwatch.tempDir())
        let ws = try DaemonFailoverTests.workspace(url: url, smtpPort: smtp.port, disputes: 3)
        // Given the database server is down
        try server.stop()
        // When the daemon starts under a fake systemd
        var notify: NotifySocket? = try NotifySocket(path: ws.dir.appendingPathComponent("notify").path)
        var env = Self.env
        env["NOTIFY_SOCKET"] = notify?.path
        let daemon = try DaemonProcess(args: ["--config", ws.config.path], env: env, logURL: ws.dir.appendingPathComponent("wait.log"))
        defer { daemon.kill9() }
        // Then it waits and says so: READY=1 at once, STATUS naming the server's reason (host and
        // port, not the URL), the wait logged
        let ready = notify?.wait(for: "READY") { $0.contains("READY=1") }
        #expect(ready == "READY=1\nSTATUS=waiting for database: connection to server at \"127.0.0.1\", port \(server.port) failed: Connection refused")
        #expect(daemon.waitForLog("Waiting for the database: it cannot be reached; retrying with backoff, and starting once it answers"))
        // And it answers SIGHUP while it waits (RELOADING=1, then READY=1 with the same status)
        daemon.signal(SIGHUP)
        #expect(notify?.wait(for: "RELOADING") { $0.contains("RELOADING=1") } != nil)
        #expect(notify?.wait(for: "READY after reload") { $0.contains("READY=1") }?.hasPrefix("READY=1\nSTATUS=waiting for database: ") == true)
        #expect(daemon.waitForLog("Reloaded the config and policies"))
        notify = nil
        #expect(daemon.process.isRunning)
        #expect(!daemon.log.contains("This instance sends"))
        // When the server starts
        try server.start()
        // Then it connects, starts as ever (the right to send, polls), and delivers every notification once
        #expect(daemon.waitForLog("Connected to the database; starting"))
        #expect(daemon.waitForLog("This instance sends for the database"))
        func unsent() -> String { (try? DaemonFailoverTests.scalar(url, "SELECT COUNT(*) FROM outbox WHERE state != 'sent'")) ?? "?" }
        let end = Date().addingTimeInterval(60)
        while Date() < end, !daemon.log.contains("Poll done") || unsent() != "0" { usleep(50_000) }
        daemon.signal(SIGTERM)
        #expect(daemon.waitForExit() == 0)
        let pairs = Set(try DaemonFailoverTests.scalar(url, "SELECT string_agg(o.identity || ' ' || r.address, E'\\n') FROM outbox o JOIN outbox_recipients r ON r.outbox_id = o.id WHERE o.channel = 'email'")
            .split(separator: "\n").map(String.init))
        let received = smtp.received()
        #expect(unsent() == "0")
        #expect(!pairs.isEmpty)
        #expect(Set(received.keys) == pairs)
        #expect(received.values.allSatisfy { $0 == 1 })
        // And the wait and the connection were each logged once, at their level
        let log = daemon.log
        #expect(log.components(separatedBy: "<3>Waiting for the database").count == 2, "\(log.prefix(3000))")
        #expect(log.components(separatedBy: "<5>Connected to the database; starting").count == 2)
        #expect(!log.contains("Lost the connection") && !log.contains("Cannot reach the database"))
    }

    @Test(.timeLimit(.minutes(2)))
    func sigtermWhileWaitingForTheDatabaseExitsZeroWithoutWaitingOut() throws {
        let ws = try Self.unreachable()
        // A first wait of 30 s: only a wait that a signal ends lets it stop before the 9 s backstop.
        let daemon = try DaemonProcess(args: ["--config", ws.config.path], env: Self.env.merging(["DRWATCH_RECONNECT_MS": "30000"]) { $1 },
                                       logURL: ws.dir.appendingPathComponent("term.log"))
        defer { daemon.kill9() }
        #expect(daemon.waitForLog("Waiting for the database"))
        daemon.signal(SIGTERM)
        #expect(daemon.waitForExit() == 0)
        #expect(daemon.log.contains("<6>drwatch stopped"))
        #expect(!daemon.log.contains("did not finish in time"))
    }

    /// What waiting cannot fix: the daemon exits 78 at once, saying what to fix.
    enum Refusal: String, CaseIterable, CustomTestStringConvertible {
        case unknownDatabase, unknownUser, noConnectRight, missingPasswordFile, policyThatDoesNotParse
        var testDescription: String { rawValue }
    }

    @Test(.timeLimit(.minutes(2)), arguments: Refusal.allCases)
    func whatWaitingCannotFixExits78AtOnce(_ refusal: Refusal) throws {
        let ws: Workspace
        let expected: String
        switch refusal {
        case .unknownDatabase, .unknownUser:
            guard let server = PostgresServer.shared else { return }
            ws = try Workspace(initialise: false)
            let url = refusal == .unknownDatabase ? server.url("no_such_db") : "postgresql://no_such_user@127.0.0.1:\(server.port)/postgres"
            try DaemonCrashTests.writeConfig(ws, database: url, smtpPort: 25)
            expected = refusal == .unknownDatabase ? "FATAL:  database \"no_such_db\" does not exist; check the user, the database name and database_password_file"
                : "FATAL:  role \"no_such_user\" does not exist; check the user, the database name and database_password_file"
        case .noConnectRight:
            guard let server = PostgresServer.shared else { return }
            ws = try Workspace(initialise: false)
            let url = try server.makeDatabase()
            let name = String(url.split(separator: "/").last ?? "")
            let role = "drw_noconnect_\(UUID().uuidString.prefix(8).lowercased())"
            _ = try server.psql(url, "CREATE ROLE \(role) LOGIN; REVOKE CONNECT ON DATABASE \(name) FROM PUBLIC")
            try DaemonCrashTests.writeConfig(ws, database: "postgresql://\(role)@127.0.0.1:\(server.port)/\(name)", smtpPort: 25)
            expected = "FATAL:  permission denied for database \"\(name)\""
        case .missingPasswordFile:
            ws = try Self.unreachable(extra: "database_password_file = \"no-such-password\"\n")
            expected = "database_password_file \"no-such-password\" not found"
        case .policyThatDoesNotParse:
            // (Only loading the policies finds this: the config itself loads.)
            ws = try Self.unreachable()
            let bad = ws.dir.appendingPathComponent("bad.toml")
            try "name = \"bad\"\nthis is not toml\n".write(to: bad, atomically: true, encoding: .utf8)
            let text = try String(contentsOf: ws.config, encoding: .utf8).replacingOccurrences(of: Workspace.fourStage, with: bad.path)
            try text.write(to: ws.config, atomically: true, encoding: .utf8)
            expected = "drwatch: \(bad.path):2: expected '=' after the key"
        }
        let daemon = try DaemonProcess(args: ["--config", ws.config.path], env: Self.env, logURL: ws.dir.appendingPathComponent("refused.log"))
        defer { daemon.kill9() }
        #expect(daemon.waitForExit() == 78, "\(daemon.log)")
        #expect(daemon.log.contains(expected), "\(daemon.log)")
        #expect(!daemon.log.contains("Waiting for the database"))
    }

    @Test(.timeLimit(.minutes(2)), .enabled(if: PostgresServer.isInstalled))
    func aCorrectedDatabaseURLReloadedWhileWaitingIsUsedForTheNextAttempt() throws {
        // Given a daemon waiting on a port where no database listens (a wrong URL)
        let server = try #require(PostgresServer.shared)
        let url = try server.makeDatabase()
        let ws = try Self.unreachable()
        let daemon = try DaemonProcess(args: ["--config", ws.config.path], env: Self.env, logURL: ws.dir.appendingPathComponent("fixed.log"))
        defer { daemon.kill9() }
        #expect(daemon.waitForLog("Waiting for the database"))
        // When the admin corrects the URL and reloads
        try DaemonCrashTests.writeConfig(ws, database: url, smtpPort: 25)
        daemon.signal(SIGHUP)
        // Then the next attempt connects to it, and the daemon starts on it (migrating the new database)
        #expect(daemon.waitForLog("Reloaded the config and policies workload=still waiting for the database \(url)"))
        #expect(daemon.waitForLog("Connected to the database; starting"))
        #expect(daemon.waitForLog("This instance sends for the database"))
        #expect(try DaemonFailoverTests.scalar(url, "SELECT COUNT(*) > 0 FROM schema_migrations") == "t")
        daemon.signal(SIGTERM)
        #expect(daemon.waitForExit() == 0)
    }
}
