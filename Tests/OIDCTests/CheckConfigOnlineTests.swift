import Foundation
import Testing

/// `drwatch check-config [--online]` with `[web.oidc]`, through the built binary and the test
/// provider (in the serialized suite: it reads the provider's published keys).
extension SignInFlowTests {
    static let packageRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    /// The built `drwatch`, next to the test bundle.
    static let binary: URL = {
        let bundle = Bundle.main.bundleURL
        var dir = bundle.hasDirectoryPath ? bundle : bundle.deletingLastPathComponent()
        for _ in 0..<4 {
            let candidate = dir.appendingPathComponent("drwatch")
            if FileManager.default.isExecutableFile(atPath: candidate.path) { return candidate }
            dir = dir.deletingLastPathComponent()
        }
        return packageRoot.appendingPathComponent(".build/debug/drwatch")
    }()

    static let fourStageRoles = ["admin", "cpp-records", "director-of-childrens-services", "head-of-service",
                                 "head-of-service-safeguarding", "iro", "iro-service-manager", "service-director",
                                 "service-manager", "social-worker", "team-manager"]

    func checkConfig(oidc: String, online: Bool) throws -> (status: Int32, stdout: String, stderr: String) {
        let dir = try makeTempDir("oidc-check")
        let roles = Self.fourStageRoles.map { "\($0) = [\"\($0)@council.example\"]" }.joined(separator: "\n")
        let config = dir.appendingPathComponent("drwatch.toml")
        try """
            database = "\(dir.appendingPathComponent("drwatch.sqlite").path)"
            policies = ["\(Self.packageRoot.appendingPathComponent("config/policies/four-stage.toml").path)"]

            [roles]
            \(roles)

            \(oidc)
            """.write(to: config, atomically: true, encoding: .utf8)
        let p = Process()
        p.executableURL = Self.binary
        p.arguments = ["check-config", "--config", config.path] + (online ? ["--online"] : [])
        var env = ProcessInfo.processInfo.environment
        env["DRWATCH_CONFIG"] = nil
        env["CREDENTIALS_DIRECTORY"] = nil
        p.environment = env
        let out = Pipe(), err = Pipe()
        p.standardOutput = out
        p.standardError = err
        try p.run()
        let o = out.fileHandleForReading.readDataToEndOfFile(), e = err.fileHandleForReading.readDataToEndOfFile()
        p.waitUntilExit()
        return (p.terminationStatus, String(decoding: o, as: UTF8.self), String(decoding: e, as: UTF8.self))
    }

    func oidcSection(_ provider: TestProvider, secretFile: String? = nil) -> String {
        """
        [web.oidc]
        issuer = "\(provider.issuer)"
        client_id = "drwatch-test"
        client_secret_file = "\(secretFile ?? provider.secretFile)"
        redirect_url = "http://127.0.0.1:8080/sign-in/oidc/callback"
        email_claim = "preferred_username"
        """
    }

    @Test func checkConfigOnlineSaysWhatTheProviderOffers() async throws {
        let provider = try provider()
        try await provider.behave([:])
        let r = try checkConfig(oidc: oidcSection(provider), online: true)
        #expect(r.status == 0, "stderr: \(r.stderr)")
        let lines = r.stdout.split(separator: "\n").map(String.init).filter { $0.hasPrefix("[web.oidc]") }
        #expect(lines == [
            "[web.oidc] issuer \(provider.issuer), client drwatch-test, email from \"preferred_username\", client secret in secret file \"\(provider.secretFile)\": OK",
            "[web.oidc] discovery \(provider.issuer)/.well-known/openid-configuration: OK, issuer \(provider.issuer)",
            "[web.oidc] authorization endpoint \(provider.issuer)/authorize",
            "[web.oidc] token endpoint \(provider.issuer)/token (client secret sent as HTTP Basic)",
            "[web.oidc] ID tokens signed with RS256, ES256",
            "[web.oidc] end-session endpoint \(provider.issuer)/logout: signing out of drwatch offers signing out of the provider",
            "[web.oidc] keys \(provider.issuer)/jwks: 2 signing keys (RS256 \"rsa-1\", ES256 \"ec-1\")",
        ])
        #expect(!r.stdout.contains("s3cret"))
    }

    @Test func checkConfigOfflineReadsTheSecretFileButFetchesNothing() async throws {
        let provider = try provider()
        let fetches = provider.records("jwks").count
        let ok = try checkConfig(oidc: oidcSection(provider), online: false)
        #expect(ok.status == 0, "stderr: \(ok.stderr)")
        #expect(!ok.stdout.contains("discovery"))
        #expect(provider.records("jwks").count == fetches)
        let missing = try checkConfig(oidc: oidcSection(provider, secretFile: "/nonexistent/oidc-secret"), online: false)
        #expect(missing.status == 78)
        #expect(missing.stderr.contains("[web.oidc] client_secret_file \"/nonexistent/oidc-secret\" not found"))
    }

    @Test func checkConfigOnlineExitsUnavailableWhenTheProviderCannotBeReached() throws {
        // A port nobody listens on: the discard port of loopback.
        let section = """
            [web.oidc]
            issuer = "http://127.0.0.1:9/realms/staff"
            client_id = "drwatch"
            redirect_url = "http://127.0.0.1:8080/sign-in/oidc/callback"
            """
        let r = try checkConfig(oidc: section, online: true)
        #expect(r.status == 69)
        #expect(r.stderr.contains("[web.oidc] cannot fetch http://127.0.0.1:9/realms/staff/.well-known/openid-configuration"))
    }
}
