import Delivery
import Foundation

/// What drwatch uses of a provider's discovery document
/// (`<issuer>/.well-known/openid-configuration`, OpenID Connect Discovery 1.0).
public struct ProviderMetadata: Sendable, Equatable {
    /// The issuer the provider names itself with. Microsoft Entra's multi-tenant endpoints
    /// (`common`, `organizations`) give `https://login.microsoftonline.com/{tenantid}/v2.0`:
    /// each token's issuer is then this with its own `tid`.
    public var issuer: String
    public var authorizationEndpoint: String
    public var tokenEndpoint: String
    public var jwksURI: String
    /// RP-initiated logout, when the provider has it.
    public var endSessionEndpoint: String?
    /// The ID token algorithms both sides accept (subset of RS256, ES256), in the provider's order.
    public var signingAlgorithms: [String]
    /// `client_secret_basic` unless the provider lists only `client_secret_post`.
    public var usesBasicAuthentication: Bool

    /// The algorithms drwatch verifies. Never `none`, never HMAC.
    public static let acceptedAlgorithms = ["RS256", "ES256"]

    /// True when the issuer carries Entra's `{tenantid}` placeholder.
    public var isTenantTemplate: Bool { issuer.contains("{tenantid}") }

    /// The issuer a token with tenant `tid` must carry.
    public func expectedIssuer(tenant: String?) -> String? {
        guard isTenantTemplate else { return issuer }
        guard let tenant, !tenant.isEmpty else { return nil }
        return issuer.replacingOccurrences(of: "{tenantid}", with: tenant)
    }

    /// The discovery document's address for an issuer.
    public static func discoveryURL(issuer: String) -> String {
        var base = issuer
        while base.hasSuffix("/") { base.removeLast() }
        return base + "/.well-known/openid-configuration"
    }

    /// Reads and checks a discovery document (pure).
    ///
    /// - Parameter configuredIssuer: `[web.oidc] issuer`; the document's `issuer` must be it
    ///   exactly (OpenID Connect Discovery section 4.3), or Entra's `{tenantid}` template of it.
    /// - Throws: `OIDCError` (`.providerUnavailable`) saying what is wrong with the document.
    public static func parse(_ data: Data, configuredIssuer: String) throws(OIDCError) -> ProviderMetadata {
        func fail(_ m: String) -> OIDCError { OIDCError(.providerUnavailable, "the discovery document of \(configuredIssuer) \(m)") }
        guard let object = try? JSONSerialization.jsonObject(with: data), let doc = object as? [String: Any] else {
            throw fail("is not a JSON object; check the issuer URL")
        }
        func endpoint(_ key: String, required: Bool = true) throws(OIDCError) -> String? {
            guard let v = doc[key] else {
                if required { throw fail("has no \(key)") }
                return nil
            }
            guard let s = v as? String, s.count <= 2000, HTTPFetcher.isAllowed(url: s) else {
                throw fail("gives \(key) that is not an https:// address")
            }
            return s
        }
        guard let issuer = doc["issuer"] as? String, !issuer.isEmpty, issuer.count <= 500 else { throw fail("has no issuer") }
        if issuer != configuredIssuer {
            let template = issuer.contains("{tenantid}")
            let generic = ["/common/", "/organizations/", "/consumers/"].contains { configuredIssuer.contains($0) }
                || ["/common", "/organizations", "/consumers"].contains { configuredIssuer.hasSuffix($0) }
            guard template && generic else {
                throw fail("names the issuer \(issuer); set [web.oidc] issuer to exactly that")
            }
        }
        let authorization = try endpoint("authorization_endpoint")!
        let token = try endpoint("token_endpoint")!
        let jwks = try endpoint("jwks_uri")!
        let endSession = try endpoint("end_session_endpoint", required: false)
        if let types = doc["response_types_supported"] as? [String], !types.contains("code") {
            throw fail("does not offer the authorization code flow (response_types_supported lacks \"code\")")
        }
        let offered = (doc["id_token_signing_alg_values_supported"] as? [String]) ?? ["RS256"]
        let algorithms = offered.filter { acceptedAlgorithms.contains($0) }
        if algorithms.isEmpty {
            throw fail("signs ID tokens with \(offered.prefix(5).joined(separator: ", ")) only; drwatch accepts RS256 or ES256: change the provider's token signing algorithm")
        }
        if let methods = doc["code_challenge_methods_supported"] as? [String], !methods.contains("S256") {
            throw fail("does not offer PKCE with S256 (code_challenge_methods_supported lacks \"S256\")")
        }
        let auth = (doc["token_endpoint_auth_methods_supported"] as? [String]) ?? ["client_secret_basic"]
        let basic = auth.contains("client_secret_basic") || !auth.contains("client_secret_post")
        return ProviderMetadata(issuer: issuer, authorizationEndpoint: authorization, tokenEndpoint: token, jwksURI: jwks,
                                endSessionEndpoint: endSession, signingAlgorithms: algorithms, usesBasicAuthentication: basic)
    }
}
