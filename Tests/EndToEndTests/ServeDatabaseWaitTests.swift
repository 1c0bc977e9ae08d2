#if canImport(Glibc)
import Glibc
#endif
import Foundation
import Testing

/// `drwatch serve` started while its PostgreSQL cannot be reached: it waits for it (the
/// daemon's wait, `DatabaseWait`), then serves; a bad config still exits 78 at once.
@Suite("drwatch serve started before its database", .serialized)
struct ServeDatabaseWaitTests {
    @Test(.timeLimit(.minutes(3)), .enabled(if: PostgresServer.isInstalled))
    func serveStartedWhileItsDatabaseIsDownWaitsThenServes() throws {
        // Given a database (migrated) whose server is down
        let server = try PostgresServer.makePrivate()
        let url = try server.makeDatabase()
        let ws = try DaemonFailoverTests.workspace(url: url, smtpPort: 25, disputes: 0)
        let port = WebBrowserTests.freePort()
        let text = try String(contentsOf: ws.config, encoding: .utf8) + "\n[web]\nlisten = \"127.0.0.1:\(port)\"\n"
        try text.write(to: ws.config, atomically: true, encoding: .utf8)
        try server.stop()
        // When the web app starts
        let serve = try DaemonProcess(args: ["--config", ws.config.path], env: ["DRWATCH_RECONNECT_MS": "200"],
                                      logURL: ws.dir.appendingPathComponent("serve-wait.log"), command: "serve")
        defer { serve.kill9() }
        // Then it waits, and says so
        #expect(serve.waitForLog("<3>Waiting for the database: it cannot be reached; retrying with backoff, and starting once it answers"), "\(serve.log)")
        #expect(serve.process.isRunning)
        #expect(!serve.log.contains("Serving the web app"))
        // When the server starts, then it connects and serves
        try server.start()
        #expect(serve.waitForLog("<5>Connected to the database; starting"), "\(serve.log)")
        #expect(serve.waitForLog("<5>Serving the web app"), "\(serve.log)")
        #expect(WebServeSignalTests.healthy(port))
        serve.signal(SIGTERM)
        #expect(serve.waitForExit() == 0, "\(serve.log)")
        // And the wait and the connection were each logged once
        #expect(serve.log.components(separatedBy: "Waiting for the database").count == 2, "\(serve.log)")
        #expect(serve.log.components(separatedBy: "Connected to the database; starting").count == 2, "\(serve.log)")
    }

    @Test("SIGTERM while it waits stops it at once", .timeLimit(.minutes(2)))
    func sigtermWhileWaitingStopsIt() throws {
        let ws = try DaemonDatabaseWaitTests.unreachable()
        let serve = try DaemonProcess(args: ["--config", ws.config.path], env: ["DRWATCH_RECONNECT_MS": "30000"],
                                      logURL: ws.dir.appendingPathComponent("serve-term.log"), command: "serve")
        defer { serve.kill9() }
        #expect(serve.waitForLog("Waiting for the database"), "\(serve.log)")
        serve.signal(SIGTERM)
        #expect(serve.waitForExit() == 128 + SIGTERM, "\(serve.log)")
    }

    @Test("A config that waiting cannot fix exits 78 at once, before any wait", .timeLimit(.minutes(2)))
    func aBadPolicyExits78AtOnce() throws {
        let ws = try DaemonDatabaseWaitTests.unreachable()
        let bad = ws.dir.appendingPathComponent("bad.toml")
        try "name = \"bad\"\nthis is not toml\n".write(to: bad, atomically: true, encoding: .utf8)
        let text = try String(contentsOf: ws.config, encoding: .utf8).replacingOccurrences(of: Workspace.fourStage, with: bad.path)
        try text.write(to: ws.config, atomically: true, encoding: .utf8)
        let serve = try DaemonProcess(args: ["--config", ws.config.path], env: ["DRWATCH_RECONNECT_MS": "200"],
                                      logURL: ws.dir.appendingPathComponent("serve-bad.log"), command: "serve")
        defer { serve.kill9() }
        #expect(serve.waitForExit() == 78, "\(serve.log)")
        #expect(serve.log.contains("drwatch: \(bad.path):2: expected '=' after the key"), "\(serve.log)")
        #expect(!serve.log.contains("Waiting for the database"))
    }
}
