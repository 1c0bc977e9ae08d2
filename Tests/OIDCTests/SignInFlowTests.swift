import DisputeStore
import Foundation
@testable import OIDC
import Testing

/// Sign-ins through the real test provider on 127.0.0.1: the accepted ones, and every
/// refusal with its reason. One provider for the suite, so the tests run one at a time.
@Suite(.serialized)
struct SignInFlowTests {
    /// A fixed "now" (2027-01-15T10:00:00Z): the provider is told to issue tokens at this time.
    static let now = Date(timeIntervalSince1970: 1_800_000_000)
    static var nowSeconds: Int { Int(now.timeIntervalSince1970) }

    func provider() throws -> TestProvider { try TestProvider.shared.get() }

    @Test func acceptsAnRS256TokenAndMapsGroupsToRoles() async throws {
        let provider = try provider()
        try await provider.behave(["iat": Self.nowSeconds, "claims": [
            "email": "Jo.IRO@Council.example", "email_verified": true, "groups": ["IRO Service Managers", "Finance"],
        ]])
        let tokensBefore = provider.records("token").count
        let h = try RPHarness(provider: provider)
        let result = try await h.signIn(now: Self.now)
        #expect(result.identity.email == "jo.iro@council.example")
        #expect(result.identity.roles == ["iro-service-manager"])
        #expect(result.identity.algorithm == "RS256")
        #expect(result.identity.keyID == "rsa-1")
        #expect(result.identity.subject == "user-1")
        #expect(result.identity.issuer == provider.issuer)
        #expect(result.nextPath == "/my-work")
        let token = try #require(provider.records("token").dropFirst(tokensBefore).first)
        #expect(token["outcome"] as? String == "ok")
        #expect(token["pkce_ok"] as? Bool == true)
        #expect(token["auth_method"] as? String == "client_secret_basic")
        #expect(token["grant_type"] as? String == "authorization_code")
    }

    @Test func acceptsAnES256Token() async throws {
        let provider = try provider()
        try await provider.behave(["alg": "ES256", "iat": Self.nowSeconds, "claims": ["groups": ["g-team-managers", "IRO Service Managers"]]])
        let result = try await RPHarness(provider: provider).signIn(now: Self.now)
        #expect(result.identity.algorithm == "ES256")
        #expect(result.identity.keyID == "ec-1")
        #expect(result.identity.email == "jo.iro@council.example")
        #expect(result.identity.roles == ["iro-service-manager", "team-manager"])
    }

    @Test func acceptsATokenWithinTheClockSkew() async throws {
        let provider = try provider()
        // Expired 30 s ago; 60 s of skew are allowed.
        try await provider.behave(["iat": Self.nowSeconds - 330, "exp_in": 300])
        let result = try await RPHarness(provider: provider).signIn(now: Self.now)
        #expect(result.identity.email == "jo.iro@council.example")
    }

    @Test func readsTheEmailFromTheConfiguredClaim() async throws {
        let provider = try provider()
        try await provider.behave(["iat": Self.nowSeconds, "claims": ["email": NSNull(), "preferred_username": "tm.north@council.example"]])
        let h = try RPHarness(provider: provider) { $0.emailClaim = "preferred_username" }
        #expect(try await h.signIn(now: Self.now).identity.email == "tm.north@council.example")
    }

    @Test func sendsTheClientSecretAsAFormFieldWhenTheProviderAsksSo() async throws {
        let provider = try TestProvider(extra: ["--auth-methods", "client_secret_post", "--no-end-session"])
        try await provider.behave(["iat": Self.nowSeconds])
        let h = try RPHarness(provider: provider)
        _ = try await h.signIn(now: Self.now)
        #expect(provider.records("token").first?["auth_method"] as? String == "client_secret_post")
        #expect(await h.rp.endSessionURL(postLogoutRedirect: "http://127.0.0.1:9/signed-out", now: Self.now) == nil)
    }

    struct Refusal: Sendable, CustomTestStringConvertible {
        var name: String
        var behaviour: [String: any Sendable]
        var kind: OIDCError.Kind
        var says: String
        var priorAuthorization = false
        var testDescription: String { name }
    }

    static let refusals: [Refusal] = [
        Refusal(name: "signed by a key the provider does not publish", behaviour: ["key": "rogue"],
                kind: .badSignature, says: "signed with key \"rogue\", which the provider does not publish"),
        Refusal(name: "signed by another key under a published key id", behaviour: ["key": "rogue", "header_kid": "rsa-1"],
                kind: .badSignature, says: "signature does not verify with the provider's key \"rsa-1\""),
        Refusal(name: "meant for another application", behaviour: ["aud": "another-app"],
                kind: .wrongAudience, says: "meant for another application"),
        Refusal(name: "meant for drwatch and another application", behaviour: ["aud": ["drwatch-test", "another-app"]],
                kind: .wrongAudience, says: "also meant for other applications"),
        Refusal(name: "expired", behaviour: ["iat": nowSeconds - 3600, "exp_in": 300],
                kind: .expired, says: "the ID token expired at 2027-01-15T07:05:00Z"),
        Refusal(name: "issued in the future", behaviour: ["iat": nowSeconds + 600],
                kind: .notYetValid, says: "issued in the future"),
        Refusal(name: "not signed (alg none)", behaviour: ["alg": "none"],
                kind: .algorithmNotAllowed, says: "not signed (alg \"none\")"),
        Refusal(name: "from a tenant not allowed", behaviour: ["claims": ["tid": "tenant-b"]],
                kind: .tenantNotAllowed, says: "tenant \"tenant-b\", which [web.oidc] tenants does not allow"),
        Refusal(name: "with an unverified email address", behaviour: ["claims": ["email_verified": false]],
                kind: .emailNotVerified, says: "not verified"),
        Refusal(name: "with a replayed nonce", behaviour: ["nonce": "previous"],
                kind: .nonceMismatch, says: "nonce is not the one this sign-in sent", priorAuthorization: true),
        Refusal(name: "without a nonce", behaviour: ["nonce": "omit"], kind: .nonceMismatch, says: "carries no nonce"),
        Refusal(name: "from another issuer", behaviour: ["iss": "https://evil.example"],
                kind: .wrongIssuer, says: "issued by \"https://evil.example\""),
        Refusal(name: "without an email claim", behaviour: ["claims": ["email": NSNull()]],
                kind: .noEmail, says: "no \"email\" claim"),
        Refusal(name: "when the person cancels at the provider", behaviour: ["deny": "access_denied"],
                kind: .providerRefused, says: "did not sign you in (access_denied): The user cancelled"),
    ]

    @Test(arguments: refusals)
    func refusesAToken(_ r: Refusal) async throws {
        let provider = try provider()
        var behaviour = r.behaviour
        behaviour["iat"] = behaviour["iat"] ?? Self.nowSeconds
        var claims = (behaviour["claims"] as? [String: any Sendable]) ?? [:]
        claims["tid"] = claims["tid"] ?? "tenant-a"
        behaviour["claims"] = claims
        try await provider.behave(behaviour.mapValues { $0 as Any })
        let h = try RPHarness(provider: provider, tenants: ["tenant-a"])
        if r.priorAuthorization { _ = try await h.authorize(now: Self.now) }
        let (start, callback) = try await h.authorize(now: Self.now)
        let error = await #expect(throws: OIDCError.self) {
            try await h.rp.finishSignIn(callback, browserBinding: start.browserBinding, now: Self.now)
        }
        #expect(error?.kind == r.kind)
        #expect(error?.message.contains(r.says) == true, "message: \(error?.message ?? "")")
        // The refusal is logged with its reason; the token never is.
        #expect(h.logs.lines.contains { $0.contains("Single sign-on refused") && $0.contains("oidc.reason=\(r.kind.rawValue)") })
        #expect(!h.logs.lines.contains { $0.contains("eyJ") })
        // The attempt is used up: the same answer cannot be tried again.
        #expect(try h.store.takePendingSignIn(stateHash: sha256Hex(start.state), now: Self.now) == .alreadyUsed)
    }

    @Test func refusesAReplayedState() async throws {
        let provider = try provider()
        try await provider.behave(["iat": Self.nowSeconds])
        let h = try RPHarness(provider: provider)
        let (start, callback) = try await h.authorize(now: Self.now)
        _ = try await h.rp.finishSignIn(callback, browserBinding: start.browserBinding, now: Self.now)
        let error = await #expect(throws: OIDCError.self) {
            try await h.rp.finishSignIn(callback, browserBinding: start.browserBinding, now: Self.now)
        }
        #expect(error?.kind == .replayedState)
        #expect(error?.message == "this sign-in answer was already used once (replayed state); start the sign-in again")
    }

    @Test func refusesAnAnswerBroughtByAnotherBrowser() async throws {
        let provider = try provider()
        try await provider.behave(["iat": Self.nowSeconds])
        let h = try RPHarness(provider: provider)
        let (_, callback) = try await h.authorize(now: Self.now)
        let error = await #expect(throws: OIDCError.self) {
            try await h.rp.finishSignIn(callback, browserBinding: "someone-else", now: Self.now)
        }
        #expect(error?.kind == .otherBrowser)
        #expect(provider.records("token").allSatisfy { _ in true })
    }

    @Test func refusesAnUnknownStateAndAStaleOne() async throws {
        let provider = try provider()
        try await provider.behave(["iat": Self.nowSeconds])
        let h = try RPHarness(provider: provider)
        let (start, callback) = try await h.authorize(now: Self.now)
        var forged = callback
        forged.state = "forged-state"
        let unknown = await #expect(throws: OIDCError.self) {
            try await h.rp.finishSignIn(forged, browserBinding: start.browserBinding, now: Self.now)
        }
        #expect(unknown?.kind == .unknownState)
        let stale = await #expect(throws: OIDCError.self) {
            try await h.rp.finishSignIn(callback, browserBinding: start.browserBinding, now: Self.now.addingTimeInterval(601))
        }
        #expect(stale?.kind == .expiredState)
        #expect(stale?.message == "this sign-in was started more than 10 minutes ago; start it again")
    }

    @Test func refusesWhenTheClientSecretIsWrong() async throws {
        let provider = try provider()
        try await provider.behave(["iat": Self.nowSeconds])
        let wrong = try makeTempDir("oidc-secret").appendingPathComponent("secret").path
        try "not-the-secret\n".write(toFile: wrong, atomically: true, encoding: .utf8)
        let h = try RPHarness(provider: provider, secretFile: wrong)
        let error = await #expect(throws: OIDCError.self) { try await h.signIn(now: Self.now) }
        #expect(error?.kind == .tokenExchange)
        #expect(error?.message == "the token endpoint refused the code (invalid_client): client authentication failed; check [web.oidc] client_id and the client secret")
        #expect(!(error?.message.contains("not-the-secret") ?? true))
    }

    @Test func fetchesTheKeysAgainWhenTheProviderRotatesThem() async throws {
        let provider = try provider()
        try await provider.behave(["iat": Self.nowSeconds])
        let h = try RPHarness(provider: provider)
        let fetchesBefore = provider.records("jwks").count
        #expect(try await h.signIn(now: Self.now).identity.keyID == "rsa-1")
        let later = Self.now.addingTimeInterval(120)
        try await provider.behave(["iat": Self.nowSeconds + 120, "published": ["rsa-2", "ec-1"]])
        #expect(try await h.signIn(now: later).identity.keyID == "rsa-2")
        #expect(provider.records("jwks").count - fetchesBefore == 2)
        // A known key id needs no fetch.
        #expect(try await h.signIn(now: later).identity.keyID == "rsa-2")
        #expect(provider.records("jwks").count - fetchesBefore == 2)
    }

    @Test func offersTheProvidersEndSessionAddress() async throws {
        let provider = try provider()
        let h = try RPHarness(provider: provider)
        let url = await h.rp.endSessionURL(postLogoutRedirect: "http://127.0.0.1:9/signed-out", now: Self.now)
        #expect(url == "\(provider.issuer)/logout?client_id=drwatch-test&post_logout_redirect_uri=http%3A%2F%2F127.0.0.1%3A9%2Fsigned-out")
    }

    @Test func sendsAnAuthorizationRequestWithPKCEStateAndNonce() async throws {
        let provider = try provider()
        let h = try RPHarness(provider: provider)
        let start = try await h.rp.startSignIn(nextPath: "https://evil.example/", now: Self.now)
        let c = try #require(URLComponents(string: start.authorizationURL))
        let q = Dictionary(uniqueKeysWithValues: (c.queryItems ?? []).map { ($0.name, $0.value ?? "") })
        #expect(c.path == "/authorize")
        #expect(q["response_type"] == "code")
        #expect(q["client_id"] == "drwatch-test")
        #expect(q["redirect_uri"] == "http://127.0.0.1:9/sign-in/oidc/callback")
        #expect(q["scope"] == "openid email profile")
        #expect(q["code_challenge_method"] == "S256")
        #expect(q["code_challenge"]?.count == 43)
        #expect(q["state"] == start.state)
        #expect(q["nonce"]?.count == 43)
        // Only the hash of the state is stored, and an outside address is never a "next" path.
        guard case .found(let p) = try h.store.takePendingSignIn(stateHash: sha256Hex(start.state), now: Self.now) else {
            Issue.record("the sign-in was not stored"); return
        }
        #expect(p.nextPath == nil)
        #expect(p.nonce == q["nonce"])
        #expect(pkceChallenge(verifier: p.codeVerifier) == q["code_challenge"])
    }
}
