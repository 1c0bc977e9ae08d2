import Notifications
import Recording
import ServiceConfig
import DisputeStore
import Foundation
import Logging

/// `drwatch check-config --online`: fetches the provider's discovery document and keys with
/// the relying party's own code, and says what it found.
public enum OIDCOnlineCheck {
    /// - Returns: lines for the person running the check.
    /// - Throws: `OIDCError` (`.providerUnavailable`) when the document or keys cannot be fetched or used.
    public static func run(config: OIDCConfig, now: Date, logger: Logger) async throws -> [String] {
        let rp = OIDCRelyingParty(config: config, readSecret: { nil }, store: NoSignIns(), logger: logger)
        let m = try await rp.metadata(now: now)
        var lines = ["[web.oidc] discovery \(ProviderMetadata.discoveryURL(issuer: config.issuer)): OK, issuer \(m.issuer)"]
        if m.isTenantTemplate {
            lines.append("[web.oidc] multi-tenant issuer: tokens are accepted from tenants \(config.tenants.joined(separator: ", ")) only")
        }
        lines.append("[web.oidc] authorization endpoint \(m.authorizationEndpoint)")
        lines.append("[web.oidc] token endpoint \(m.tokenEndpoint) (client secret sent as \(m.usesBasicAuthentication ? "HTTP Basic" : "form field"))")
        lines.append("[web.oidc] ID tokens signed with \(m.signingAlgorithms.joined(separator: ", "))")
        if let end = m.endSessionEndpoint {
            lines.append("[web.oidc] end-session endpoint \(end): signing out of drwatch offers signing out of the provider")
        } else {
            lines.append("[web.oidc] no end-session endpoint: signing out ends the drwatch session only")
        }
        let keys = try await rp.publishedKeys(now: now)
        let usable = keys.filter { m.signingAlgorithms.contains($0.algorithm) }
        guard !usable.isEmpty else {
            throw OIDCError(.providerUnavailable, "the provider's keys (\(m.jwksURI)) hold no \(m.signingAlgorithms.joined(separator: " or ")) signing key")
        }
        let shown = usable.prefix(10).map { "\($0.algorithm) \($0.kid.map(shownKid) ?? "(no kid)")" }.joined(separator: ", ")
        lines.append("[web.oidc] keys \(m.jwksURI): \(usable.count) signing key\(usable.count == 1 ? "" : "s") (\(shown))")
        return lines
    }
}

/// The check starts no sign-in.
private struct NoSignIns: OIDCSignInStore {
    func addPendingSignIn(_ signIn: PendingOIDCSignIn) throws {}
    func takePendingSignIn(stateHash: String, now: Date) throws -> PendingOIDCSignInLookup { .unknown }
}
