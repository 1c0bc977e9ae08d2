import DisputeStore
import Foundation
import Testing
@testable import Web

/// Single sign-on and the trusted proxy header through real HTTP: the web app on 127.0.0.1 and
/// the test OpenID provider (Tests/OIDCTests/Servers/test_provider.py) on another port.
@Suite(.serialized)
struct SingleSignOnWebTests {
    /// The test provider, started for one test (stopped by `stop`).
    final class Provider: @unchecked Sendable {
        let process = Process()
        let issuer: String
        let dir: URL

        init(claims: String, behaviour: String = "{}", secretFile: String) throws {
            dir = URL(fileURLWithPath: NSTemporaryDirectory()).appendingPathComponent("drwatch-provider-\(UUID().uuidString)")
            try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
            process.executableURL = URL(fileURLWithPath: "/usr/bin/python3")
            process.arguments = [WebHarness.packageRoot.appendingPathComponent("Tests/OIDCTests/Servers/test_provider.py").path,
                                 "--outdir", dir.path, "--client-id", "drwatch-web", "--client-secret-file", secretFile,
                                 "--claims", claims, "--behaviour", behaviour]
            process.standardOutput = FileHandle.nullDevice
            process.standardError = FileHandle.nullDevice
            try process.run()
            var found: String?
            for _ in 0..<1200 where found == nil {  // bounded: up to 60 s on a loaded machine
                if let d = FileManager.default.contents(atPath: dir.appendingPathComponent("port").path),
                   let port = Int(String(decoding: d, as: UTF8.self)) { found = "http://127.0.0.1:\(port)" } else { usleep(50_000) }
            }
            guard let found else { kill(process.processIdentifier, SIGKILL); throw ProviderDidNotStart() }
            issuer = found
        }

        func stop() { if process.isRunning { kill(process.processIdentifier, SIGKILL); process.waitUntilExit() } }
    }
    struct ProviderDidNotStart: Error {}

    /// The harness's clock (2026-11-23T09:00:00Z) as the provider's issue time.
    static let issuedAt = #"{"iat": 1795424400}"#

    func harness(_ provider: (String) throws -> Provider) async throws -> (WebHarness, Provider) {
        let secret = URL(fileURLWithPath: NSTemporaryDirectory()).appendingPathComponent("oidc-secret-\(UUID().uuidString)")
        try "web-secret\n".write(to: secret, atomically: true, encoding: .utf8)
        try FileManager.default.setAttributes([.posixPermissions: 0o600], ofItemAtPath: secret.path)  // secret files must be private
        let p = try provider(secret.path)
        let h = try await WebHarness(web: """
            base_url = "https://drwatch.test"
            [web.oidc]
            issuer = "\(p.issuer)"
            client_id = "drwatch-web"
            client_secret_file = "\(secret.path)"
            redirect_url = "https://drwatch.test/sign-in/oidc/callback"
            [web.oidc.groups]
            "g-admins" = "admin"
            """)
        return (h, p)
    }

    /// Follows the sign-in through the provider as a browser would: returns the callback's reply.
    func signIn(_ h: WebHarness) async throws -> HTTPReply {
        let start = try await h.request("GET", "/sign-in/oidc?next=/admin/outbox")
        #expect(start.status == 303)
        let binding = try #require(WebHarness.cookie("drwatch_oidc", in: start))
        let location = try #require(start.header("Location"))
        let authorize = try await h.request("GET", location)
        #expect(authorize.status == 302)
        let backText = try #require(authorize.header("Location"))
        let back = try #require(URLComponents(string: backText))
        #expect(back.path == "/sign-in/oidc/callback")
        return try await h.request("GET", "/sign-in/oidc/callback?\(back.percentEncodedQuery ?? "")", cookies: ["drwatch_oidc": binding])
    }

    @Test func signsInThroughTheProviderWithRolesFromGroups() async throws {
        let (h, p) = try await harness { try Provider(claims: #"{"email": "pat.admin@council.example", "groups": ["g-admins"]}"#, behaviour: Self.issuedAt, secretFile: $0) }
        defer { p.stop() }
        let page = try await h.request("GET", "/sign-in")
        #expect(page.body.contains("<a class=\"button\" href=\"/sign-in/oidc\">Sign in with your organisation account</a>"))
        let reply = try await signIn(h)
        #expect(reply.status == 303)
        #expect(reply.header("Location") == "/admin/outbox")
        let session = try #require(WebHarness.cookie("drwatch_session", in: reply))
        // `admin` came from the group: the outbox (admins only) opens.
        let outbox = try await h.request("GET", "/admin/outbox", cookies: ["drwatch_session": session])
        #expect(outbox.status == 200)
        #expect(outbox.body.contains("Signed in as pat.admin@council.example"))
        let audit = try h.store.audit(ref: nil, limit: 10)
        #expect(audit.contains { $0.action == "signed-in" && $0.actor == "pat.admin@council.example" && $0.detail == "single sign-on (groups: admin)" })
        await h.stop()
    }

    @Test func refusesAnUnsignedTokenWithAReasonAndNoSession() async throws {
        let (h, p) = try await harness { try Provider(claims: "{}", behaviour: #"{"iat": 1795424400, "alg": "none"}"#, secretFile: $0) }
        defer { p.stop() }
        let reply = try await signIn(h)
        #expect(reply.status == 403)
        #expect(reply.body.contains("The ID token is not signed (alg &quot;none&quot;); drwatch accepts only signed tokens (RS256, ES256)."))
        #expect(WebHarness.cookie("drwatch_session", in: reply) == nil)
        let audit = try h.store.audit(ref: nil, limit: 10)
        #expect(audit.contains { $0.action == "sign-in" && $0.outcome == "refused" && $0.detail == "single sign-on: algorithm-not-allowed" })
        #expect(!audit.contains { $0.action == "signed-in" })
        await h.stop()
    }

    @Test func signOutOffersTheProvidersEndSession() async throws {
        let (h, p) = try await harness { try Provider(claims: "{}", behaviour: Self.issuedAt, secretFile: $0) }
        defer { p.stop() }
        let signedIn = try await signIn(h)
        let session = try #require(WebHarness.cookie("drwatch_session", in: signedIn))
        let home = try await h.request("GET", "/", cookies: ["drwatch_session": session])
        let csrf = try #require(WebHarness.csrf(in: home.body))
        let out = try await h.request("POST", "/sign-out", cookies: ["drwatch_session": session], form: [("csrf", csrf)])
        #expect(out.header("Location") == "/signed-out")
        let page = try await h.request("GET", "/signed-out")
        #expect(page.body.contains("href=\"\(p.issuer)/logout?client_id=drwatch-web&amp;post_logout_redirect_uri=https%3A%2F%2Fdrwatch.test%2Fsigned-out\""))
        #expect(try await h.request("GET", "/", cookies: ["drwatch_session": session]).status == 303)
        await h.stop()
    }
}

/// `[web] trusted_proxy_header`: honoured only from `trusted_proxies` (the tests connect from 127.0.0.1).
struct TrustedProxyHeaderWebTests {
    @Test(arguments: [
        ("trusted_proxy_header = \"X-Forwarded-Email\"\ntrusted_proxies = [\"127.0.0.1\"]", 200),
        ("trusted_proxy_header = \"X-Forwarded-Email\"\ntrusted_proxies = [\"192.0.2.10\"]", 303),
        ("", 303),
    ])
    func honoursTheHeaderOnlyFromTrustedProxies(_ web: String, _ status: Int) async throws {
        let h = try await WebHarness(web: "base_url = \"https://drwatch.test\"\n" + web)
        let reply = try await h.request("GET", "/", headers: ["X-Forwarded-Email": "tm.duty@council.example"])
        #expect(reply.status == status)
        if status == 200 {
            #expect(reply.body.contains("Signed in as tm.duty@council.example"))
            #expect(WebHarness.cookie("drwatch_session", in: reply) != nil)
        } else {
            #expect(reply.header("Location")?.hasPrefix("/sign-in") == true)
        }
        await h.stop()
    }
}
