import DisputeCore
import Notifications
import Recording
import ServiceConfig

/// What the trusted proxy header says about a request (`[web] trusted_proxy_header`).
public enum ProxyIdentity: Sendable, Equatable {
    /// Not configured, or the request has no such header: sign in as usual.
    case none
    /// From a trusted proxy, naming this person (lower-cased).
    case email(String)
    /// The header came from an address that is not a trusted proxy: ignore it (and log it,
    /// it may be someone trying to pass as another person).
    case untrustedPeer(String)
    /// From a trusted proxy, but not one plausible email address.
    case malformed
}

/// Decides what the trusted proxy header means for one request (pure).
///
/// - Parameters:
///   - config: `nil` when the option is off (the default): the header is then never read.
///   - peerAddress: the connection's remote IP address (not `X-Forwarded-For`, which any
///     client can write).
///   - headerValues: every value of the configured header in the request.
public func proxyIdentity(config: TrustedProxyHeader?, peerAddress: String?, headerValues: [String]) -> ProxyIdentity {
    guard let config, !headerValues.isEmpty else { return .none }
    guard let peer = peerAddress.flatMap(normalisedIPAddress), config.proxies.contains(peer) else {
        return .untrustedPeer(peerAddress.map { String($0.prefix(64)) } ?? "(unknown)")
    }
    guard headerValues.count == 1 else { return .malformed }
    let email = headerValues[0].trimmingCharacters(in: .whitespaces).lowercased()
    guard email.utf8.count <= 254, isPlausibleEmail(email) else { return .malformed }
    return .email(email)
}
