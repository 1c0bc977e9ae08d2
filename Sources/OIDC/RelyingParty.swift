import Delivery
import Notifications
import Recording
import ServiceConfig
import DisputeStore
import Foundation
import Logging

/// The start of a sign-in: send the browser to `authorizationURL`, and set a short-lived
/// cookie holding `browserBinding` (HttpOnly, Secure, SameSite=Lax) so that the callback is
/// accepted only in the browser that started it.
public struct OIDCSignInStart: Sendable, Equatable {
    public var authorizationURL: String
    public var browserBinding: String
    /// The state sent to the provider (also in `authorizationURL`).
    public var state: String
}

/// The query of the provider's redirect back to `redirect_url`.
public struct OIDCCallback: Sendable, Equatable {
    public var code: String?
    public var state: String?
    public var error: String?
    public var errorDescription: String?
    public init(code: String? = nil, state: String? = nil, error: String? = nil, errorDescription: String? = nil) {
        self.code = code; self.state = state; self.error = error; self.errorDescription = errorDescription
    }

    /// Reads `code`, `state`, `error` and `error_description` from a query's items.
    public init(query: [(String, String)]) {
        func value(_ name: String) -> String? { query.first { $0.0 == name }?.1 }
        self.init(code: value("code"), state: value("state"), error: value("error"), errorDescription: value("error_description"))
    }
}

/// A completed sign-in: who, and where they were going.
public struct OIDCSignInResult: Sendable, Equatable {
    public var identity: VerifiedIdentity
    public var nextPath: String?
}

/// The OpenID Connect relying party of the web app: authorization code flow with PKCE (S256),
/// state and nonce kept in the store and used once, the code exchanged at the token endpoint
/// with the client secret, the ID token verified (`IDTokenVerifier`).
///
/// Discovery and keys are fetched when first needed and cached (the discovery document for
/// `metadataMaxAge`; the keys as `ProviderKeys` says). Time is always a parameter.
public final class OIDCRelyingParty: Sendable {
    public let config: OIDCConfig
    /// How long a started sign-in may take.
    public static let signInLifetime: TimeInterval = 600
    public let metadataMaxAge: TimeInterval

    private let readSecret: @Sendable () throws -> String?
    private let store: any OIDCSignInStore
    private let fetcher: HTTPFetcher
    private let logger: Logger
    private let cache: MetadataCache
    let keys: ProviderKeys

    /// - Parameters:
    ///   - config: `[web.oidc]`.
    ///   - readSecret: reads the client secret at use time (`DrwatchConfig.readSecret`); `nil`
    ///     for a public client.
    ///   - store: where sign-ins in progress are kept.
    ///   - logger: refusals are logged at notice level with their reason, never a token.
    public init(config: OIDCConfig, readSecret: @escaping @Sendable () throws -> String?, store: any OIDCSignInStore,
                logger: Logger, metadataMaxAge: TimeInterval = 86_400, keysMinRefreshInterval: TimeInterval = 60) {
        self.config = config
        self.readSecret = readSecret
        self.store = store
        self.logger = logger
        self.metadataMaxAge = metadataMaxAge
        fetcher = HTTPFetcher(label: "oidc", caFile: config.caFile)
        cache = MetadataCache()
        keys = ProviderKeys(fetcher: fetcher, minRefreshInterval: keysMinRefreshInterval)
    }

    /// The relying party for a loaded config, reading the client secret with its helpers.
    public convenience init?(config: DrwatchConfig, store: any OIDCSignInStore, logger: Logger) {
        guard let oidc = config.sso.oidc else { return nil }
        self.init(config: oidc, readSecret: { () throws -> String? in
            guard let secret = oidc.clientSecretFile else { return nil }
            return try config.readSecret(secret)
        }, store: store, logger: logger)
    }

    // MARK: Discovery

    /// The provider's metadata, from the cache or fetched now.
    ///
    /// - Throws: `OIDCError` (`.providerUnavailable`).
    public func metadata(now: Date) async throws -> ProviderMetadata {
        if let cached = await cache.get(now: now, maxAge: metadataMaxAge) { return cached }
        let url = ProviderMetadata.discoveryURL(issuer: config.issuer)
        let reply: HTTPReply
        do {
            reply = try await fetcher.get(url, what: "the provider's discovery document", maxBytes: 256 * 1024)
        } catch {
            throw OIDCError(.providerUnavailable, "cannot fetch \(url): \(error)")
        }
        guard reply.status == 200 else {
            throw OIDCError(.providerUnavailable, "\(url) answered HTTP \(reply.status); check [web.oidc] issuer")
        }
        let metadata = try ProviderMetadata.parse(reply.body, configuredIssuer: config.issuer)
        await cache.set(metadata, at: now)
        return metadata
    }

    /// The provider's current signing keys as (kid, algorithm), for `check-config --online`.
    public func publishedKeys(now: Date) async throws -> [(kid: String?, algorithm: String)] {
        let m = try await metadata(now: now)
        return try await keys.all(jwksURI: m.jwksURI, now: now).map { ($0.kid, $0.algorithm) }
    }

    // MARK: Sign-in

    /// Starts a sign-in: records state, nonce and PKCE verifier, and returns where to send
    /// the browser.
    ///
    /// - Parameter nextPath: a site-internal path (`/disputes/...`) to return to afterwards;
    ///   anything else is dropped.
    /// - Throws: `OIDCError` when the provider cannot be reached; the store's error.
    public func startSignIn(nextPath: String?, now: Date) async throws -> OIDCSignInStart {
        let m = try await metadata(now: now)
        let state = Randomness.token(), nonce = Randomness.token(), verifier = Randomness.token(bytes: 48)
        let binding = Randomness.token()
        try store.addPendingSignIn(PendingOIDCSignIn(
            stateHash: sha256Hex(state), browserHash: sha256Hex(binding), nonce: nonce, codeVerifier: verifier,
            nextPath: nextPath.flatMap(sitePath), createdAt: now, expiresAt: now.addingTimeInterval(Self.signInLifetime)))
        let query = HTTPFetcher.formEncode([
            ("response_type", "code"), ("client_id", config.clientID), ("redirect_uri", config.redirectURL),
            ("scope", config.scopes.joined(separator: " ")), ("state", state), ("nonce", nonce),
            ("code_challenge", pkceChallenge(verifier: verifier)), ("code_challenge_method", "S256"),
        ])
        let separator = m.authorizationEndpoint.contains("?") ? "&" : "?"
        return OIDCSignInStart(authorizationURL: m.authorizationEndpoint + separator + query, browserBinding: binding, state: state)
    }

    /// Completes a sign-in from the provider's redirect.
    ///
    /// - Parameters:
    ///   - callback: the redirect's query.
    ///   - browserBinding: the binding cookie's value, `nil` when the browser sent none.
    ///   - now: checks the sign-in's age and the token's times.
    /// - Returns: the verified person. Nothing is written but the sign-in marked used.
    /// - Throws: `OIDCError` for every refusal, with its reason; the store's error.
    public func finishSignIn(_ callback: OIDCCallback, browserBinding: String?, now: Date) async throws -> OIDCSignInResult {
        do {
            let result = try await finish(callback, browserBinding: browserBinding, now: now)
            logger.info("Single sign-on accepted", metadata: [
                "oidc.algorithm": "\(result.identity.algorithm)", "oidc.roles": "\(result.identity.roles.joined(separator: ","))",
            ])
            if result.identity.groupsOverage {
                logger.warning("Single sign-on: the provider left out the groups claim (too many groups); no role came from groups. Send only the groups assigned to the application (docs/sso.md)")
            }
            return result
        } catch let e as OIDCError {
            logger.notice("Single sign-on refused", metadata: ["oidc.reason": "\(e.kind.rawValue)", "error": "\(e.message)"])
            throw e
        }
    }

    private func finish(_ callback: OIDCCallback, browserBinding: String?, now: Date) async throws -> OIDCSignInResult {
        guard let state = callback.state, !state.isEmpty, state.utf8.count <= 200 else {
            throw OIDCError(.unknownState, "the provider's answer has no state; start the sign-in again from drwatch's sign-in page")
        }
        let pending: PendingOIDCSignIn
        switch try store.takePendingSignIn(stateHash: sha256Hex(state), now: now) {
        case .found(let p): pending = p
        case .unknown:
            throw OIDCError(.unknownState, "this sign-in was not started here (unknown state); start it again from drwatch's sign-in page")
        case .alreadyUsed:
            throw OIDCError(.replayedState, "this sign-in answer was already used once (replayed state); start the sign-in again")
        case .expired:
            throw OIDCError(.expiredState, "this sign-in was started more than \(Int(Self.signInLifetime / 60)) minutes ago; start it again")
        }
        guard let browserBinding, sha256Hex(browserBinding) == pending.browserHash else {
            throw OIDCError(.otherBrowser, "this sign-in was started in another browser (or its cookie was lost); start it again in this browser")
        }
        if let error = callback.error {
            let code = printable(error, max: 64)
            let detail = callback.errorDescription.map { ": " + printable($0, max: 200) } ?? ""
            throw OIDCError(.providerRefused, "the identity provider did not sign you in (\(code))\(detail)")
        }
        guard let code = callback.code, !code.isEmpty, code.utf8.count <= 4096 else {
            throw OIDCError(.tokenExchange, "the provider's answer has no authorization code; start the sign-in again")
        }
        let m = try await metadata(now: now)
        let idToken = try await exchange(code: code, verifier: pending.codeVerifier, metadata: m)
        let identity = try await IDTokenVerifier(config: config).verify(idToken, nonce: pending.nonce, metadata: m, keys: keys, now: now)
        return OIDCSignInResult(identity: identity, nextPath: pending.nextPath)
    }

    /// The token request (RFC 6749 section 4.1.3, RFC 7636 section 4.5): the ID token.
    private func exchange(code: String, verifier: String, metadata m: ProviderMetadata) async throws -> String {
        let secret: String?
        do { secret = try readSecret() } catch {
            throw OIDCError(.configuration, "cannot read the client secret: \(error)")
        }
        var form = [("grant_type", "authorization_code"), ("code", code), ("redirect_uri", config.redirectURL),
                    ("code_verifier", verifier), ("client_id", config.clientID)]
        var headers: [String] = []
        if let secret {
            if m.usesBasicAuthentication {
                // RFC 6749 section 2.3.1: each part form-urlencoded before base64.
                let pair = "\(HTTPFetcher.percentEncode(config.clientID)):\(HTTPFetcher.percentEncode(secret))"
                headers.append("Authorization: Basic \(Data(pair.utf8).base64EncodedString())")
            } else {
                form.append(("client_secret", secret))
            }
        }
        let reply: HTTPReply
        do {
            reply = try await fetcher.postForm(m.tokenEndpoint, form: form, headers: headers, what: "the provider's token endpoint",
                                               maxBytes: 64 * 1024)
        } catch {
            throw OIDCError(.providerUnavailable, "cannot reach the token endpoint: \(error)")
        }
        let json = (try? JSONSerialization.jsonObject(with: reply.body)) as? [String: Any]
        guard reply.status == 200 else {
            let error = (json?["error"] as? String).map { printable($0, max: 64) } ?? "HTTP \(reply.status)"
            let detail = (json?["error_description"] as? String).map { ": " + printable($0, max: 200) } ?? ""
            let hint = error == "invalid_client" || error == "unauthorized_client"
                ? "; check [web.oidc] client_id and the client secret" : "; start the sign-in again"
            throw OIDCError(.tokenExchange, "the token endpoint refused the code (\(error))\(detail)\(hint)")
        }
        guard let idToken = json?["id_token"] as? String else {
            throw OIDCError(.tokenExchange, "the token endpoint's answer has no id_token; is the \"openid\" scope allowed for drwatch?")
        }
        return idToken
    }

    // MARK: Sign-out

    /// Where to send the browser to sign out at the provider too, when its discovery document
    /// names an `end_session_endpoint`; `nil` otherwise (or when it cannot be fetched).
    ///
    /// - Parameter postLogoutRedirect: drwatch's own page to come back to (registered with the
    ///   provider as a front-channel or post-logout redirect URI).
    public func endSessionURL(postLogoutRedirect: String?, now: Date) async -> String? {
        guard let m = try? await metadata(now: now), let endpoint = m.endSessionEndpoint else { return nil }
        var fields = [("client_id", config.clientID)]
        if let postLogoutRedirect { fields.append(("post_logout_redirect_uri", postLogoutRedirect)) }
        return endpoint + (endpoint.contains("?") ? "&" : "?") + HTTPFetcher.formEncode(fields)
    }
}

/// The cached discovery document.
actor MetadataCache {
    private var metadata: ProviderMetadata?
    private var fetchedAt: Date?

    func get(now: Date, maxAge: TimeInterval) -> ProviderMetadata? {
        guard let metadata, let fetchedAt, now >= fetchedAt, now.timeIntervalSince(fetchedAt) < maxAge else { return nil }
        return metadata
    }

    func set(_ m: ProviderMetadata, at now: Date) {
        metadata = m
        fetchedAt = now
    }
}

/// `text` with control characters removed, at most `max` characters: provider text in messages.
func printable(_ text: String, max: Int) -> String {
    String(String.UnicodeScalarView(text.unicodeScalars.filter { $0.value >= 32 && $0.value != 127 }).prefix(max))
}

/// A site-internal path (`/x/y?z`), or `nil` for anything that could leave the site.
public func sitePath(_ p: String) -> String? {
    guard p.hasPrefix("/"), !p.hasPrefix("//"), !p.hasPrefix("/\\"), p.utf8.count <= 500,
          !p.unicodeScalars.contains(where: { $0.value < 32 || $0.value == 127 || $0 == "\\" }) else { return nil }
    return p
}
