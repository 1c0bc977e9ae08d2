import Delivery
import Foundation
import JWTKit

/// The provider's signing keys (its JWKS), fetched when first needed, again when older than
/// `maxAge`, and again when a token names a key id not in the set (the provider rotated its
/// keys), but not more than once per `minRefreshInterval` so that a stream of unknown key ids
/// cannot make drwatch hammer the provider.
actor ProviderKeys {
    /// A usable signing key and the algorithm it verifies.
    struct Key: Sendable {
        var kid: String?
        var algorithm: String
        var jwk: JWK
    }

    private let fetcher: HTTPFetcher
    private var keys: [Key] = []
    private var fetchedAt: Date?
    private(set) var fetchCount = 0
    /// Keys skipped when reading the set (encryption keys, other types), for check-config.
    private(set) var skipped = 0
    let maxAge: TimeInterval
    let minRefreshInterval: TimeInterval

    init(fetcher: HTTPFetcher, maxAge: TimeInterval = 86_400, minRefreshInterval: TimeInterval = 60) {
        self.fetcher = fetcher
        self.maxAge = maxAge
        self.minRefreshInterval = minRefreshInterval
    }

    /// The key for a token's header, refreshing the set as described above.
    ///
    /// - Throws: `OIDCError` `.badSignature` when no published key matches, `.providerUnavailable`
    ///   when the set cannot be fetched or read.
    func key(kid: String?, algorithm: String, jwksURI: String, now: Date) async throws -> Key {
        if fetchedAt.map({ now.timeIntervalSince($0) >= maxAge || now < $0 }) ?? true {
            try await refresh(jwksURI: jwksURI, now: now)
        }
        if let key = match(kid: kid, algorithm: algorithm) { return key }
        if let kid, let at = fetchedAt, now.timeIntervalSince(at) >= minRefreshInterval {
            try await refresh(jwksURI: jwksURI, now: now)
            if let key = match(kid: kid, algorithm: algorithm) { return key }
        }
        if let kid {
            throw OIDCError(.badSignature, "the ID token is signed with key \(shownKid(kid)), which the provider does not publish (\(keys.count) key\(keys.count == 1 ? "" : "s") in its JWKS)")
        }
        throw OIDCError(.badSignature, "the ID token names no key (kid) and the provider publishes \(keys.count) \(algorithm) keys; drwatch cannot tell which one signed it")
    }

    /// The current keys (fetching them if needed), for `check-config --online`.
    func all(jwksURI: String, now: Date) async throws -> [Key] {
        if fetchedAt == nil { try await refresh(jwksURI: jwksURI, now: now) }
        return keys
    }

    private func match(kid: String?, algorithm: String) -> Key? {
        let candidates = keys.filter { $0.algorithm == algorithm }
        if let kid { return candidates.first { $0.kid == kid } }
        return candidates.count == 1 ? candidates[0] : nil
    }

    private func refresh(jwksURI: String, now: Date) async throws {
        let reply: HTTPReply
        do {
            reply = try await fetcher.get(jwksURI, what: "the provider's keys (jwks_uri)", maxBytes: 512 * 1024)
        } catch {
            throw OIDCError(.providerUnavailable, "cannot fetch the provider's keys: \(error)")
        }
        guard reply.status == 200 else {
            throw OIDCError(.providerUnavailable, "the provider's keys (jwks_uri) answered HTTP \(reply.status)")
        }
        let parsed = try ProviderKeys.parse(reply.body)
        keys = parsed.keys
        skipped = parsed.skipped
        fetchedAt = now
        fetchCount += 1
    }

    /// Reads a JWKS: the signing keys usable with RS256 (RSA) or ES256 (EC P-256); others skipped.
    static func parse(_ data: Data) throws -> (keys: [Key], skipped: Int) {
        guard let object = try? JSONSerialization.jsonObject(with: data) as? [String: Any],
              let list = object["keys"] as? [[String: Any]] else {
            throw OIDCError(.providerUnavailable, "the provider's keys (jwks_uri) are not a JSON Web Key Set")
        }
        var keys: [Key] = []
        var skipped = 0
        for entry in list.prefix(100) {
            if let use = entry["use"] as? String, use != "sig" { skipped += 1; continue }
            let kty = entry["kty"] as? String
            let declared = entry["alg"] as? String
            let algorithm: String
            switch (kty, entry["crv"] as? String) {
            case ("RSA", _) where declared == nil || declared == "RS256": algorithm = "RS256"
            case ("EC", "P-256") where declared == nil || declared == "ES256": algorithm = "ES256"
            default: skipped += 1; continue
            }
            guard let json = try? JSONSerialization.data(withJSONObject: entry),
                  var jwk = try? JSONDecoder().decode(JWK.self, from: json) else { skipped += 1; continue }
            let kid = entry["kid"] as? String
            if jwk.keyIdentifier == nil { jwk.keyIdentifier = JWKIdentifier(string: "drwatch-unnamed-\(keys.count)") }
            keys.append(Key(kid: kid, algorithm: algorithm, jwk: jwk))
        }
        skipped += max(0, list.count - 100)
        return (keys, skipped)
    }
}

/// A key id as shown in messages: at most 64 printable characters.
func shownKid(_ kid: String) -> String {
    "\"" + String(String.UnicodeScalarView(kid.unicodeScalars.filter { $0.value >= 32 && $0.value < 127 }).prefix(64)) + "\""
}
