import Foundation

/// Why a delivery attempt failed, and whether trying again later can help.
///
/// The classification (see `isRetryable`):
/// - retryable: the server could not be reached (connection refused, DNS, timeout, connection
///   dropped, TLS handshake interrupted), an SMTP 4xx reply (the server says "later"),
///   HTTP 408, 429 and 5xx;
/// - permanent: an SMTP 5xx reply (for a recipient or the whole message), HTTP 3xx (redirects are
///   not followed) and other 4xx, a certificate that fails verification, a login the server
///   denies (retrying the same credentials only risks locking the account; once an admin has
///   fixed the secret, `drwatch outbox retry` requeues), a bad configuration or a message
///   that cannot be built.
///
/// The text never carries a password, token, webhook secret or webhook URL path: transports
/// scrub every secret they know of from server and libcurl text before it gets here.
public struct DeliveryError: Error, CustomStringConvertible, Hashable, Sendable {
    /// The family of failure.
    public enum Kind: Hashable, Sendable {
        /// The server refused or dropped the connection, or the host could not be resolved.
        case unreachable
        /// The connect or total timeout ran out.
        case timeout
        /// The TLS handshake failed for a reason other than verification.
        case tls
        /// The server's certificate failed verification (unknown issuer, wrong name, expired).
        case tlsVerification
        /// The server requires TLS that could not be used, or does not offer STARTTLS.
        case tlsRequired
        /// The server denied the login (bad password, expired or wrong token).
        case loginDenied
        /// The SMTP server replied with this code (to MAIL, RCPT or the message data).
        case smtpReply(code: Int)
        /// The HTTP receiver replied with this status.
        case httpStatus(Int)
        /// The configuration of the transport is wrong (URL, TLS mode, missing secret file).
        case configuration
        /// The message itself is invalid (bad address, bad header name).
        case invalidMessage
        /// Writing to the outbox folder failed.
        case io
        /// Any other libcurl failure.
        case other
    }

    /// The family of failure.
    public var kind: Kind
    /// One line saying what happened and, where it helps, what to do.
    public var message: String
    /// The libcurl result code, when the failure came from libcurl.
    public var curlCode: Int?

    public init(_ kind: Kind, _ message: String, curlCode: Int? = nil) {
        self.kind = kind; self.message = message; self.curlCode = curlCode
    }

    /// Whether a later attempt may succeed (see the type's documentation).
    public var isRetryable: Bool {
        switch kind {
        case .unreachable, .timeout, .tls: true
        case .smtpReply(let code): (400..<500).contains(code)
        case .httpStatus(let status): status == 408 || status == 429 || (500..<600).contains(status)
        case .tlsVerification, .tlsRequired, .loginDenied, .configuration, .invalidMessage, .other: false
        case .io: true
        }
    }

    public var description: String {
        message + (isRetryable ? " (will retry)" : " (permanent)")
    }

    /// This error with every secret in `secrets` (and its base64 form) replaced by `[redacted]`.
    func scrubbed(_ secrets: Redactor) -> DeliveryError {
        DeliveryError(kind, secrets.scrub(message), curlCode: curlCode)
    }
}

/// Removes known secrets from text that may reach a log or an error.
struct Redactor: Sendable {
    private var needles: [String] = []

    init(_ secrets: [String?]) {
        for case let s? in secrets where s.count >= 3 {
            needles.append(s)
            needles.append(Data(s.utf8).base64EncodedString())
            if let pct = s.addingPercentEncoding(withAllowedCharacters: .alphanumerics), pct != s { needles.append(pct) }
        }
        needles.sort { $0.count > $1.count }
    }

    func scrub(_ text: String) -> String {
        var out = text
        for n in needles where out.contains(n) { out = out.replacingOccurrences(of: n, with: "[redacted]") }
        return out
    }
}

/// Exponential backoff with jitter, as a pure function.
///
/// Attempt `n` (1-based) failed at `now`; the next one is due after
/// `min(cap, base * 2^(n-1))`, scaled into `[d/2, d]` by `jitter` in `[0, 1]` ("equal jitter":
/// never zero, so a failing server is never hammered in a busy loop).
public struct Backoff: Equatable, Sendable {
    /// The delay after the first failure.
    public var base: TimeInterval
    /// The longest delay between attempts.
    public var cap: TimeInterval
    /// How many attempts in all before the message is parked.
    public var maxAttempts: Int

    public init(base: TimeInterval = 60, cap: TimeInterval = 3600, maxAttempts: Int = 8) {
        self.base = max(0.001, base); self.cap = max(self.base, cap); self.maxAttempts = max(1, maxAttempts)
    }

    /// The delay before the attempt after attempt `attempt` (1-based), before jitter.
    public func delay(after attempt: Int) -> TimeInterval {
        let exponent = Double(max(0, attempt - 1))
        return min(cap, base * pow(2, min(exponent, 62)))
    }

    /// When to try again after attempt `attempt` failed at `now`.
    ///
    /// - Parameters:
    ///   - attempt: the number of the attempt that failed, from 1.
    ///   - now: when it failed.
    ///   - jitter: a random value in `[0, 1]` (clamped), passed in so tests are deterministic.
    /// - Returns: the earliest time for the next attempt.
    public func nextAttempt(after attempt: Int, now: Date, jitter: Double) -> Date {
        let d = delay(after: attempt)
        let j = jitter.isFinite ? min(1, max(0, jitter)) : 1
        return now.addingTimeInterval(d / 2 + d / 2 * j)
    }

    /// Whether another attempt is allowed after attempt `attempt` failed; `false` means park.
    public func allowsAnotherAttempt(after attempt: Int) -> Bool { attempt < maxAttempts }

    /// What to do after attempt `attempt` failed with `error` at `now`.
    public func decide(after attempt: Int, error: DeliveryError, now: Date, jitter: Double) -> RetryDecision {
        guard error.isRetryable else { return .park(reason: "permanent failure: \(error.message)") }
        guard allowsAnotherAttempt(after: attempt) else {
            return .park(reason: "gave up after \(attempt) attempts; last: \(error.message)")
        }
        return .retry(at: nextAttempt(after: attempt, now: now, jitter: jitter))
    }
}

/// What the outbox does with a message whose attempt failed.
public enum RetryDecision: Equatable, Sendable {
    /// Try again at this time.
    case retry(at: Date)
    /// Stop trying: mark undeliverable and tell the admin.
    case park(reason: String)
}
