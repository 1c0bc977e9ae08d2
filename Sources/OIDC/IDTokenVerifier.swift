import DisputeCore
import Notifications
import Recording
import ServiceConfig
import Foundation
import JWTKit
import WorkingDays

/// A person signed in by the identity provider, from a verified ID token.
public struct VerifiedIdentity: Sendable, Equatable {
    /// The email address from the configured claim, lower-cased.
    public var email: String
    /// The provider's stable id of the person (`sub`).
    public var subject: String
    public var issuer: String
    /// The Entra tenant (`tid`), when the token has one.
    public var tenant: String?
    /// drwatch roles from the groups claim through `[web.oidc.groups]`, sorted.
    public var roles: [String]
    /// True when the provider left the groups out because there were too many (Entra's
    /// "groups overage"): no role came from groups.
    public var groupsOverage: Bool
    /// The algorithm and key that signed the token.
    public var algorithm: String
    public var keyID: String?
}

/// One claim value of an ID token, as JSON.
enum ClaimValue: Codable, Sendable, Equatable {
    case string(String), number(Double), bool(Bool), array([ClaimValue]), object([String: ClaimValue]), null

    init(from decoder: any Decoder) throws {
        let c = try decoder.singleValueContainer()
        if c.decodeNil() { self = .null }
        else if let b = try? c.decode(Bool.self) { self = .bool(b) }
        else if let n = try? c.decode(Double.self) { self = .number(n) }
        else if let s = try? c.decode(String.self) { self = .string(s) }
        else if let a = try? c.decode([ClaimValue].self) { self = .array(a) }
        else { self = .object(try c.decode([String: ClaimValue].self)) }
    }

    func encode(to encoder: any Encoder) throws {
        var c = encoder.singleValueContainer()
        switch self {
        case .string(let s): try c.encode(s)
        case .number(let n): try c.encode(n)
        case .bool(let b): try c.encode(b)
        case .array(let a): try c.encode(a)
        case .object(let o): try c.encode(o)
        case .null: try c.encodeNil()
        }
    }

    var string: String? { if case .string(let s) = self { s } else { nil } }
    var number: Double? { if case .number(let n) = self { n } else { nil } }
}

/// Every claim of an ID token. jwt-kit checks the signature; the claims are checked by
/// `IDTokenVerifier.check` against a `now` given by the caller.
struct ClaimSet: JWTPayload {
    var values: [String: ClaimValue]
    init(from decoder: any Decoder) throws { values = try decoder.singleValueContainer().decode([String: ClaimValue].self) }
    func encode(to encoder: any Encoder) throws { var c = encoder.singleValueContainer(); try c.encode(values) }
    func verify(using algorithm: some JWTAlgorithm) async throws {}
}

/// Verifies ID tokens: the signature with jwt-kit against the provider's published keys
/// (RS256 or ES256 only; `alg: none` and every other algorithm refused), then issuer,
/// audience, expiry with a small clock skew, nonce, tenant, email and email verification.
struct IDTokenVerifier: Sendable {
    var config: OIDCConfig
    var maxTokenBytes = 16 * 1024

    /// - Parameters:
    ///   - token: the compact JWS from the token endpoint.
    ///   - nonce: the nonce this sign-in sent.
    ///   - now: the time to check `exp`, `iat` and `nbf` against.
    /// - Throws: `OIDCError` saying which check failed.
    func verify(_ token: String, nonce: String, metadata: ProviderMetadata, keys: ProviderKeys, now: Date) async throws -> VerifiedIdentity {
        guard token.utf8.count <= maxTokenBytes else {
            throw OIDCError(.malformedToken, "the ID token is longer than \(maxTokenBytes / 1024) KiB")
        }
        let parts = token.split(separator: ".", omittingEmptySubsequences: false)
        guard parts.count == 3, let headerData = base64URLDecode(parts[0]),
              let header = try? JSONSerialization.jsonObject(with: headerData) as? [String: Any] else {
            throw OIDCError(.malformedToken, "the ID token is not a signed JWT (three base64url parts)")
        }
        guard let alg = header["alg"] as? String else {
            throw OIDCError(.malformedToken, "the ID token's header has no algorithm (alg)")
        }
        if alg.lowercased() == "none" || parts[2].isEmpty {
            throw OIDCError(.algorithmNotAllowed, "the ID token is not signed (alg \"none\"); drwatch accepts only signed tokens (RS256, ES256)")
        }
        guard metadata.signingAlgorithms.contains(alg) else {
            throw OIDCError(.algorithmNotAllowed, "the ID token is signed with \(shownKid(alg)); drwatch accepts \(metadata.signingAlgorithms.joined(separator: " or ")) from this provider")
        }
        if header["crit"] != nil {
            throw OIDCError(.malformedToken, "the ID token's header has critical extensions (crit) drwatch does not understand")
        }
        let kid = header["kid"] as? String
        let key = try await keys.key(kid: kid, algorithm: alg, jwksURI: metadata.jwksURI, now: now)

        // The signature, by jwt-kit, with a collection holding only this key (so that it never
        // falls back to another key).
        let claims: ClaimSet
        do {
            let collection = JWTKeyCollection()
            try await collection.add(jwk: key.jwk, isDefault: true)
            claims = try await collection.verify(token, as: ClaimSet.self)
        } catch let e as JWTError where e.errorType == .signatureVerificationFailed {
            throw OIDCError(.badSignature, "the ID token's signature does not verify with the provider's key \(kid.map(shownKid) ?? "(unnamed)"); it was not signed by the provider")
        } catch {
            throw OIDCError(.malformedToken, "the ID token cannot be read: \(String(describing: error).prefix(200))")
        }
        var identity = try check(claims.values, nonce: nonce, metadata: metadata, now: now)
        identity.algorithm = alg
        identity.keyID = kid
        return identity
    }

    /// The claim checks (pure).
    func check(_ c: [String: ClaimValue], nonce: String, metadata: ProviderMetadata, now: Date) throws -> VerifiedIdentity {
        let skew = TimeInterval(config.clockSkewSeconds)
        let tenant = c["tid"]?.string
        guard let expectedIssuer = metadata.expectedIssuer(tenant: tenant) else {
            throw OIDCError(.tenantNotAllowed, "the ID token names no tenant (tid), which this multi-tenant issuer needs")
        }
        guard let iss = c["iss"]?.string, iss == expectedIssuer else {
            throw OIDCError(.wrongIssuer, "the ID token was issued by \(shownKid(c["iss"]?.string ?? "(none)")), not by \(expectedIssuer)")
        }
        let audiences: [String]
        switch c["aud"] {
        case .string(let a): audiences = [a]
        case .array(let list): audiences = list.compactMap(\.string)
        default: audiences = []
        }
        guard audiences == [config.clientID] else {
            throw OIDCError(.wrongAudience, audiences.contains(config.clientID)
                ? "the ID token is also meant for other applications (aud has \(audiences.count) entries); drwatch accepts only tokens meant for it alone"
                : "the ID token is meant for another application (aud is not drwatch's client_id \(config.clientID))")
        }
        if let azp = c["azp"]?.string, azp != config.clientID {
            throw OIDCError(.wrongAudience, "the ID token was requested by another application (azp is not drwatch's client_id)")
        }
        guard let exp = c["exp"]?.number else { throw OIDCError(.malformedToken, "the ID token has no expiry (exp)") }
        let expiry = Date(timeIntervalSince1970: exp)
        guard now < expiry.addingTimeInterval(skew) else {
            throw OIDCError(.expired, "the ID token expired at \(iso(expiry)) (now \(iso(now)), \(config.clockSkewSeconds) s of clock skew allowed); sign in again, and check the server's clock")
        }
        guard let iat = c["iat"]?.number else { throw OIDCError(.malformedToken, "the ID token has no issue time (iat)") }
        if Date(timeIntervalSince1970: iat) > now.addingTimeInterval(skew) {
            throw OIDCError(.notYetValid, "the ID token was issued in the future (\(iso(Date(timeIntervalSince1970: iat)))); check the server's clock")
        }
        if let nbf = c["nbf"]?.number, Date(timeIntervalSince1970: nbf) > now.addingTimeInterval(skew) {
            throw OIDCError(.notYetValid, "the ID token is not valid before \(iso(Date(timeIntervalSince1970: nbf))); check the server's clock")
        }
        guard let tokenNonce = c["nonce"]?.string, tokenNonce == nonce else {
            throw OIDCError(.nonceMismatch, c["nonce"] == nil
                ? "the ID token carries no nonce; it does not answer this sign-in"
                : "the ID token's nonce is not the one this sign-in sent (a replayed or substituted token)")
        }
        if !config.tenants.isEmpty {
            guard let tenant, config.tenants.contains(tenant) else {
                throw OIDCError(.tenantNotAllowed, "the account belongs to tenant \(shownKid(tenant ?? "(none)")), which [web.oidc] tenants does not allow")
            }
        }
        guard let sub = c["sub"]?.string, !sub.isEmpty, sub.count <= 255 else {
            throw OIDCError(.malformedToken, "the ID token has no subject (sub)")
        }
        guard let raw = c[config.emailClaim]?.string else {
            throw OIDCError(.noEmail, "the ID token has no \"\(config.emailClaim)\" claim; add it to the token in the provider (docs/sso.md), or set [web.oidc] email_claim")
        }
        let email = raw.trimmingCharacters(in: .whitespaces).lowercased()
        guard email.count <= 254, isPlausibleEmail(email) else {
            throw OIDCError(.noEmail, "the \"\(config.emailClaim)\" claim is not an email address; set [web.oidc] email_claim to the claim that holds it")
        }
        switch c["email_verified"] {
        case .bool(false), .string("false"):
            throw OIDCError(.emailNotVerified, "the provider says the email address is not verified (email_verified false); verify it with the provider first")
        default: break
        }
        var groups: [String] = []
        switch c[config.groupsClaim] {
        case .array(let list): groups = list.prefix(1000).compactMap(\.string)
        case .string(let one): groups = [one]
        default: break
        }
        let overage: Bool
        if case .object(let names) = c["_claim_names"], names[config.groupsClaim] != nil { overage = true } else { overage = false }
        let roles = Set(groups.compactMap { config.groupRoles[$0] }).sorted()
        return VerifiedIdentity(email: email, subject: sub, issuer: iss, tenant: tenant, roles: roles, groupsOverage: overage,
                                algorithm: "", keyID: nil)
    }
}

private func iso(_ d: Date) -> String { CivilTime.utcISO8601(d) }
