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

// SIGTERM drains `drwatch serve`: the request in flight completes, new connections are refused,
// exit 0. The request is held in flight by the test itself (its body half sent); every wait is
// on an event (a log line, the port refusing, the reply, the exit), bounded only for failure.
extension WebServeSignalTests {
    /// A TCP connection to 127.0.0.1:`port`, or nil when it is refused.
    static func connect(_ port: Int) -> Int32? {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        var addr = sockaddr_in()
        addr.sin_family = sa_family_t(AF_INET)
        addr.sin_addr.s_addr = inet_addr("127.0.0.1")
        addr.sin_port = UInt16(port).bigEndian
        let ok = withUnsafePointer(to: &addr) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { Glibc.connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        } == 0
        if !ok { close(fd); return nil }
        return fd
    }

    static func send(_ fd: Int32, _ text: String) {
        let bytes = Array(text.utf8)
        _ = bytes.withUnsafeBytes { Glibc.send(fd, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
    }

    /// Everything the server sends until it closes the connection (bounded: 1 MB).
    static func readToClose(_ fd: Int32) -> String {
        var out: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 4096)
        while out.count < 1 << 20 {
            let n = buffer.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, 0) }
            if n <= 0 { break }
            out += buffer[0..<n]
        }
        return String(decoding: out, as: UTF8.self)
    }

    @Test("drwatch serve: SIGTERM drains: the request in flight completes, new connections are refused, exit 0")
    func serveDrainsOnSigterm() throws {
        let ws = try Workspace()
        let port = WebBrowserTests.freePort()
        try Self.writeConfig(ws, port: port)
        let serve = try DaemonProcess(args: ["--config", ws.config.path, "--log-level", "debug"], logURL: ws.dir.appendingPathComponent("serve.log"),
                                      command: "serve")
        defer { serve.kill9() }
        #expect(serve.waitForLog("<5>Serving the web app", timeout: 60), "log: \(serve.log)")
        // A form whose body is half sent: the server is reading it (its access log says so).
        let body = "email=jo.bloggs%40council.example"
        let fd = try #require(Self.connect(port))
        defer { close(fd) }
        Self.send(fd, "POST /sign-in HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/x-www-form-urlencoded\r\nContent-Length: \(body.utf8.count)\r\n\r\n" + body.prefix(10))
        #expect(serve.waitForLog("path=/sign-in", timeout: 60), "log: \(serve.log)")
        serve.signal(SIGTERM)
        #expect(serve.waitForLog("<5>Stopping the web app: no new connections, finishing the requests in flight", timeout: 60), "log: \(serve.log)")
        // New connections are refused (waiting for the listening socket to close; bounded).
        var refused = false
        for _ in 0..<3000 where !refused {
            if let other = Self.connect(port) { close(other); usleep(20_000) } else { refused = true }
        }
        #expect(refused, "still accepting connections while draining")
        #expect(serve.process.isRunning, "a request is in flight: serve waits for it")
        // The rest of the body: the request completes (refused for its missing form token, as
        // any form without one), then the connection closes and serve exits 0.
        Self.send(fd, String(body.dropFirst(10)))
        let reply = Self.readToClose(fd)
        #expect(reply.hasPrefix("HTTP/1.1 403 Forbidden\r\n"), "reply: \(reply.prefix(200))")
        #expect(serve.waitForExit(timeout: 60) == 0, "log: \(serve.log)")
        #expect(serve.log.contains("<6>The web app stopped"))
    }
}
