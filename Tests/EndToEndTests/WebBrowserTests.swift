#if canImport(Glibc)
import Glibc
#endif
import Foundation
import Testing

// The staff web app as people use it: `drwatch serve` on 127.0.0.1, a real headless Chromium
// driven by Selenium (Browser/web_flow.py), axe-core on every page. Screenshots of every page go
// to .build/screenshots/web/ (DRWATCH_SCREENSHOTS overrides).

@Suite("Web app in a browser", .serialized)
struct WebBrowserTests {
    static let python = ["/root/.pyenv/shims/python3", "/usr/local/bin/python3", "/usr/bin/python3"].first { p in
        FileManager.default.isExecutableFile(atPath: p) && Self.hasSelenium(p)
    }

    static func hasSelenium(_ python: String) -> Bool {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: python)
        p.arguments = ["-c", "import selenium, axe_selenium_python"]
        p.standardError = FileHandle.nullDevice
        guard (try? p.run()) != nil else { return false }
        p.waitUntilExit()
        return p.terminationStatus == 0
    }

    /// A free TCP port on 127.0.0.1 (bound and released).
    static func freePort() -> Int {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        defer { close(fd) }
        var addr = sockaddr_in()
        addr.sin_family = sa_family_t(AF_INET)
        addr.sin_addr.s_addr = inet_addr("127.0.0.1")
        addr.sin_port = 0
        var len = socklen_t(MemoryLayout<sockaddr_in>.size)
        _ = withUnsafePointer(to: &addr) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, len) } }
        _ = withUnsafeMutablePointer(to: &addr) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &len) } }
        return Int(UInt16(bigEndian: addr.sin_port))
    }

    @Test("An IRO raises, the Team Manager responds from the reminder's link, a manager sees it, the IRO resolves; axe finds nothing serious",
          .enabled(if: python != nil && FileManager.default.isExecutableFile(atPath: "/usr/bin/chromedriver")))
    func staffFlow() async throws {
        let ws = try Workspace()
        let port = Self.freePort()
        let base = "http://127.0.0.1:\(port)"
        let outbox = ws.dir.appendingPathComponent("outbox")
        var roles = Workspace.fourStageRoles.filter { $0 != "iro" && $0 != "iro-service-manager" && $0 != "admin" }
            .map { "\($0) = [\"\($0)@council.example\"]" }
        roles += ["iro = [\"iro@council.example\"]", "iro-service-manager = [\"iro.manager@council.example\"]", "admin = [\"admin@council.example\"]"]
        try """
            database = "\(ws.database.path)"
            policies = ["\(Workspace.fourStage)", "\(Drwatch.packageRoot.appendingPathComponent("config/policies/six-stage-drp.toml").path)"]
            [roles]
            \(roles.joined(separator: "\n"))
            [files]
            directory = "\(outbox.path)"
            [web]
            listen = "127.0.0.1:\(port)"
            base_url = "\(base)"
            """.write(to: ws.config, atomically: true, encoding: .utf8)
        let serve = Process()
        serve.executableURL = Drwatch.binary
        serve.arguments = ["serve", "--config", ws.config.path, "--log-level", "warning"]
        serve.standardOutput = FileHandle.nullDevice
        let serveErr = Pipe()
        serve.standardError = serveErr
        try serve.run()
        defer { serve.terminate(); serve.waitUntilExit() }
        // Ready when it answers (bounded: 100 attempts).
        var ready = false
        for _ in 0..<100 where !ready {
            if let data = try? Data(contentsOf: URL(string: "\(base)/healthz")!), String(decoding: data, as: UTF8.self) == "ok\n" { ready = true } else { usleep(100_000) }
        }
        #expect(ready, "drwatch serve did not answer on \(base)")
        let shots = ProcessInfo.processInfo.environment["DRWATCH_SCREENSHOTS"]
            ?? Drwatch.packageRoot.appendingPathComponent(".build/screenshots/web").path
        try? FileManager.default.removeItem(atPath: shots)
        let p = Process()
        p.executableURL = URL(fileURLWithPath: Self.python!)
        p.arguments = [Drwatch.packageRoot.appendingPathComponent("Tests/EndToEndTests/Browser/web_flow.py").path,
                       base, outbox.path, shots, Drwatch.binary.path, ws.config.path]
        let out = Pipe()
        p.standardOutput = out
        p.standardError = FileHandle.nullDevice
        try p.run()
        let report = String(decoding: out.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        p.waitUntilExit()
        #expect(p.terminationStatus == 0, "\(report)")
        #expect(report.contains("\"problems\": []"), "\(report)")
        #expect(report.contains("admin-outbox"), "\(report)")
    }
}
