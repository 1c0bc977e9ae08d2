import Foundation
import Testing

// Single sign-on as people use it: `drwatch serve` with `[web.oidc]` on 127.0.0.1, the test
// OpenID provider (Tests/OIDCTests/Servers/test_provider.py) on another port, and a real
// headless Chromium driven by Selenium (Tests/OIDCTests/Servers/sso_browser.py): the sign-in
// page's button, the provider, back to drwatch signed in with a role from a directory group,
// then sign-out and the provider's end-session page. Screenshots go to
// .build/screenshots/sso/ (DRWATCH_SCREENSHOTS overrides).

@Suite("Single sign-on in a browser", .serialized)
struct WebSSOBrowserTests {
    static let servers = Drwatch.packageRoot.appendingPathComponent("Tests/OIDCTests/Servers")

    /// Starts the test provider; returns it and its issuer.
    static func startProvider(dir: URL, secretFile: String, claims: String) throws -> (Process, String) {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: "/usr/bin/python3")
        p.arguments = [servers.appendingPathComponent("test_provider.py").path, "--outdir", dir.path, "--client-id", "drwatch-web",
                       "--client-secret-file", secretFile, "--claims", claims]
        p.standardOutput = FileHandle.nullDevice
        p.standardError = FileHandle.nullDevice
        try p.run()
        // Bounded poll (up to 60 s: it makes RSA keys on a machine shared with builds).
        for _ in 0..<1200 {
            if let d = FileManager.default.contents(atPath: dir.appendingPathComponent("port").path),
               let port = Int(String(decoding: d, as: UTF8.self)) {
                return (p, "http://127.0.0.1:\(port)")
            }
            if !p.isRunning { break }
            usleep(50_000)
        }
        kill(p.processIdentifier, SIGKILL)
        throw SSOTestFailure("the test provider did not start")
    }

    @Test("A person signs in through the council's provider, gets a role from a group, and signs out of both",
          .enabled(if: WebBrowserTests.python != nil && FileManager.default.isExecutableFile(atPath: "/usr/bin/chromedriver")))
    func signInThroughTheProvider() async throws {
        let ws = try Workspace()
        let providerDir = ws.dir.appendingPathComponent("provider")
        try FileManager.default.createDirectory(at: providerDir, withIntermediateDirectories: true)
        let secret = ws.dir.appendingPathComponent("oidc-client-secret")
        try "web-client-secret\n".write(to: secret, atomically: true, encoding: .utf8)
        try FileManager.default.setAttributes([.posixPermissions: 0o600], ofItemAtPath: secret.path)  // secret files must be private
        let (provider, issuer) = try Self.startProvider(dir: providerDir, secretFile: secret.path,
                                                         claims: #"{"email": "Sam.Manager@council.example", "email_verified": true, "groups": ["IRO Service Managers"]}"#)
        defer { kill(provider.processIdentifier, SIGKILL); provider.waitUntilExit() }

        let port = WebBrowserTests.freePort()
        let base = "http://127.0.0.1:\(port)"
        let roles = Workspace.fourStageRoles.map { "\($0) = [\"\($0)@council.example\"]" }
        try """
            database = "\(ws.database.path)"
            policies = ["\(Workspace.fourStage)"]
            [roles]
            \(roles.joined(separator: "\n"))
            [files]
            directory = "\(ws.dir.appendingPathComponent("outbox").path)"
            [web]
            listen = "127.0.0.1:\(port)"
            base_url = "\(base)"
            [web.oidc]
            issuer = "\(issuer)"
            client_id = "drwatch-web"
            client_secret_file = "oidc-client-secret"
            redirect_url = "\(base)/sign-in/oidc/callback"
            label = "Sign in with Council Test ID"
            [web.oidc.groups]
            "IRO Service Managers" = "iro-service-manager"
            """.write(to: ws.config, atomically: true, encoding: .utf8)
        let serve = Process()
        serve.executableURL = Drwatch.binary
        serve.arguments = ["serve", "--config", ws.config.path, "--log-level", "warning"]
        serve.standardOutput = FileHandle.nullDevice
        serve.standardError = FileHandle.nullDevice
        try serve.run()
        defer { serve.terminate(); serve.waitUntilExit() }
        var ready = false
        for _ in 0..<100 where !ready {
            if let data = try? Data(contentsOf: URL(string: "\(base)/healthz")!), String(decoding: data, as: UTF8.self) == "ok\n" { ready = true } else { usleep(100_000) }
        }
        #expect(ready, "drwatch serve did not answer on \(base)")

        let shots = (ProcessInfo.processInfo.environment["DRWATCH_SCREENSHOTS"].map { $0 + "/sso" })
            ?? Drwatch.packageRoot.appendingPathComponent(".build/screenshots/sso").path
        try? FileManager.default.removeItem(atPath: shots)
        try FileManager.default.createDirectory(atPath: shots, withIntermediateDirectories: true)
        let p = Process()
        p.executableURL = URL(fileURLWithPath: WebBrowserTests.python!)
        p.arguments = [Self.servers.appendingPathComponent("sso_browser.py").path, "--base", base, "--shots", shots]
        let out = Pipe(), err = Pipe()
        p.standardOutput = out
        p.standardError = err
        try p.run()
        let report = out.fileHandleForReading.readDataToEndOfFile()
        let errors = String(decoding: err.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        p.waitUntilExit()
        #expect(p.terminationStatus == 0, "\(errors.suffix(2000))")
        let seen = try #require(try JSONSerialization.jsonObject(with: report) as? [String: Any], "\(errors.suffix(2000))")
        #expect(seen["button"] as? String == "Sign in with Council Test ID")
        #expect(seen["after_sign_in_url"] as? String == "\(base)/")
        let page = seen["after_sign_in_text"] as? String ?? ""
        #expect(page.contains("Signed in as sam.manager@council.example"), "\(page)")
        #expect(page.contains("Overview"), "the role from the directory group shows the overview: \(page)")
        #expect(seen["cookies"] as? [String] == ["drwatch_session"])
        #expect(seen["after_sign_out_url"] as? String == "\(base)/signed-out")
        #expect((seen["after_sign_out_text"] as? String ?? "").contains("You have signed out of drwatch"))
        #expect(seen["end_session_link"] as? String
                == "\(issuer)/logout?client_id=drwatch-web&post_logout_redirect_uri=http%3A%2F%2F127.0.0.1%3A\(port)%2Fsigned-out")
        #expect((seen["provider_logout_text"] as? String ?? "").contains("You have signed out of the test provider"))
        #expect((seen["after_sign_out_home_url"] as? String ?? "").hasPrefix("\(base)/sign-in"))
        // The provider saw PKCE and the client secret; the audit trail has the sign-in.
        let tokens = try FileManager.default.contentsOfDirectory(atPath: providerDir.path).filter { $0.hasPrefix("token-") }
        #expect(tokens.count == 1)
        #expect(try ws.scalar("SELECT detail FROM audit WHERE action = 'signed-in'") == "single sign-on (groups: iro-service-manager)")
        #expect(try ws.scalar("SELECT COUNT(*) FROM web_sessions WHERE ended_at IS NOT NULL") == "1")
    }
}

struct SSOTestFailure: Error, CustomStringConvertible {
    var description: String
    init(_ d: String) { description = d }
}
