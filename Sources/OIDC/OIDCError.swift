/// Why a single sign-on did not sign the person in. Each case has a message for the log and
/// the person (never a token, a code, a secret or a whole claim set).
public struct OIDCError: Error, CustomStringConvertible, Equatable, Sendable {
    public enum Kind: String, Sendable, CaseIterable {
        /// The provider answered the sign-in with an error (the person cancelled, no consent...).
        case providerRefused = "provider-refused"
        /// The callback's state is unknown: not started here, or forged.
        case unknownState = "unknown-state"
        /// The callback's state was already used: a replay or the back button.
        case replayedState = "replayed-state"
        /// The sign-in was started too long ago.
        case expiredState = "expired-state"
        /// The callback came to another browser than the one that started the sign-in.
        case otherBrowser = "other-browser"
        /// The token endpoint refused the code or could not be used.
        case tokenExchange = "token-exchange"
        /// The ID token is not a JWS this relying party accepts.
        case malformedToken = "malformed-token"
        /// `alg: none`, or an algorithm other than RS256 and ES256.
        case algorithmNotAllowed = "algorithm-not-allowed"
        /// Signed with a key the provider does not publish, or the signature does not verify.
        case badSignature = "bad-signature"
        case wrongIssuer = "wrong-issuer"
        case wrongAudience = "wrong-audience"
        /// `exp` passed (beyond the clock skew), `nbf` or `iat` in the future.
        case expired = "expired"
        case notYetValid = "not-yet-valid"
        /// The token's nonce is not the one this sign-in sent.
        case nonceMismatch = "nonce-mismatch"
        case tenantNotAllowed = "tenant-not-allowed"
        /// No usable email address in the configured claim.
        case noEmail = "no-email"
        /// The provider says the email address is not verified.
        case emailNotVerified = "email-not-verified"
        /// The provider could not be reached, or its discovery document or keys are unusable.
        case providerUnavailable = "provider-unavailable"
        /// The client secret file cannot be read.
        case configuration = "configuration"
    }

    public var kind: Kind
    public var message: String

    public init(_ kind: Kind, _ message: String) {
        self.kind = kind
        self.message = message
    }

    public var description: String { "single sign-on refused (\(kind.rawValue)): \(message)" }

    /// True when trying again later may work (the provider was unreachable).
    public var isRetryable: Bool { kind == .providerUnavailable }
}
