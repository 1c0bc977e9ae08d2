#if canImport(Glibc)
import Glibc
#endif
import Foundation
import Testing

// The web app's signals through the built binary: `drwatch serve` reloads on SIGHUP (a bad new
// config refused and the running one kept, logged) and stops on SIGTERM (exit 0); `drwatch run`
// with `[web] serve_in_run = true` serves the app in the same process, reloads it with the
// daemon's SIGHUP and stops it with SIGTERM. Every wait is on a log line (bounded at 60 s, which
// only matters on failure); nothing sleeps.

@Suite("Web app: serve and run, SIGHUP and SIGTERM", .serialized)
struct WebServeSignalTests {
    static func writeConfig(_ ws: Workspace, port: Int, policies: [String] = [Workspace.fourStage], serveInRun: Bool = false) throws {
        let list = policies.map { "\"\($0)\"" }.joined(separator: ", ")
        try """
            database = "\(ws.database.path)"
            division = "england-and-wales"
            poll_interval_seconds = 60
            policies = [\(list)]
            [roles]
            \(Workspace.fourStageRoles.map { "\($0) = [\"\($0)@council.example\"]" }.joined(separator: "\n"))
            [files]
            directory = "\(ws.dir.appendingPathComponent("outbox").path)"
            [web]
            listen = "127.0.0.1:\(port)"
            serve_in_run = \(serveInRun)
            """.write(to: ws.config, atomically: true, encoding: .utf8)
    }

    /// GET /healthz once (the log said the address is bound).
    static func healthy(_ port: Int) -> Bool {
        guard let data = try? Data(contentsOf: URL(string: "http://127.0.0.1:\(port)/healthz")!) else { return false }
        return String(decoding: data, as: UTF8.self) == "ok\n"
    }

    /// Breaks the config (a policy file that does not exist), SIGHUPs, expects the refusal and
    /// the app still answering; then fixes it and expects the reload.
    static func reloadRefusedThenAccepted(_ p: DaemonProcess, _ ws: Workspace, port: Int, serveInRun: Bool, accepted: String) throws {
        try writeConfig(ws, port: port, policies: [Workspace.fourStage, ws.dir.appendingPathComponent("gone.toml").path], serveInRun: serveInRun)
        p.signal(SIGHUP)
        #expect(p.waitForLog("Reload refused", timeout: 60), "log: \(p.log)")
        #expect(p.log.contains("gone.toml"))
        #expect(healthy(port), "still serving with the old config")
        try writeConfig(ws, port: port, serveInRun: serveInRun)
        p.signal(SIGHUP)
        #expect(p.waitForLog(accepted, timeout: 60), "log: \(p.log)")
        #expect(healthy(port))
    }

    @Test("drwatch serve: SIGHUP reloads (a broken config is refused and the old one kept), SIGTERM exits 0")
    func serveReloadsAndStops() throws {
        let ws = try Workspace()
        let port = WebBrowserTests.freePort()
        try Self.writeConfig(ws, port: port)
        let serve = try DaemonProcess(args: ["--config", ws.config.path], logURL: ws.dir.appendingPathComponent("serve.log"), command: "serve")
        defer { serve.kill9() }
        #expect(serve.waitForLog("<5>Serving the web app", timeout: 60), "log: \(serve.log)")
        #expect(Self.healthy(port))
        try Self.reloadRefusedThenAccepted(serve, ws, port: port, serveInRun: false,
                                          accepted: "<5>Reloaded the web app's config and policies policies=four-stage")
        serve.signal(SIGTERM)
        #expect(serve.waitForExit(timeout: 60) == 0, "log: \(serve.log)")
        #expect(serve.log.contains("<6>The web app stopped"))
    }

    @Test("drwatch run with [web] serve_in_run = true: the daemon serves the app; SIGHUP reloads both; SIGTERM stops both, exit 0")
    func runServesTheApp() throws {
        let ws = try Workspace()
        let port = WebBrowserTests.freePort()
        try Self.writeConfig(ws, port: port, serveInRun: true)
        let daemon = try DaemonProcess(args: ["--config", ws.config.path], logURL: ws.dir.appendingPathComponent("run.log"))
        defer { daemon.kill9() }
        #expect(daemon.waitForLog("<5>Serving the web app", timeout: 60), "log: \(daemon.log)")
        #expect(daemon.waitForLog("<6>drwatch started", timeout: 60), "log: \(daemon.log)")
        #expect(Self.healthy(port))
        try Self.reloadRefusedThenAccepted(daemon, ws, port: port, serveInRun: true, accepted: "<5>Reloaded the config and policies")
        #expect(daemon.log.contains("<5>Reloaded the web app's config and policies"))
        daemon.signal(SIGTERM)
        #expect(daemon.waitForExit(timeout: 60) == 0, "log: \(daemon.log)")
        #expect(daemon.log.contains("<6>drwatch stopped"))
        #expect(daemon.log.contains("<6>The web app stopped"))
    }
}
