import Foundation
import Hummingbird

/// Each request's context: the signed-in person (nil before sign-in), the session's form token,
/// the decoded form of a POST, and the instant the request is served at (the clock is read once
/// per request).
public struct WebContext: RequestContext {
    public var coreContext: CoreRequestContextStorage
    /// The signed-in person, set by `SessionMiddleware`.
    public var person: Person?
    /// The hash of the session cookie (to end the session).
    var sessionHash: String?
    /// The form token every form of this request carries: the session's, or before sign-in the
    /// `drwatch_csrf` cookie's (double submit).
    var csrf: String?
    /// True when the pre-session form cookie must be set on the response.
    var setCSRFCookie = false
    /// The fields of a POSTed form, checked by `CSRFMiddleware`.
    var form: Form = Form()
    /// The request's `now`.
    var now: Date = Date()
    /// The connection's remote IP address (the reverse proxy's, behind one): the only address
    /// `[web] trusted_proxies` is compared with.
    var peerAddress: String?

    public init(source: ApplicationRequestContextSource) {
        coreContext = .init(source: source)
        peerAddress = source.channel.remoteAddress?.ipAddress
    }

    public var maxUploadSize: Int { 64 * 1024 }
}

/// A decoded `application/x-www-form-urlencoded` body: every value bounded.
struct Form: Sendable {
    private(set) var fields: [(String, String)] = []
    /// The fields whose value was longer than 4,000 characters (and so cut): a form refuses
    /// them rather than record a cut text.
    private(set) var cut: Set<String> = []

    init() {}

    /// Parses `a=1&b=x+y`; at most 200 fields, values at most 4,000 characters (longer are cut).
    init(urlEncoded text: String) {
        for pair in text.split(separator: "&", omittingEmptySubsequences: true).prefix(200) {
            let kv = pair.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            func decode(_ s: Substring) -> String {
                String(s).replacingOccurrences(of: "+", with: " ").removingPercentEncoding ?? ""
            }
            let key = decode(kv[0])
            let value = kv.count > 1 ? decode(kv[1]) : ""
            let name = String(key.prefix(100))
            if value.count > 4000 { cut.insert(name) }
            fields.append((name, String(value.prefix(4000))))
        }
    }

    /// The first value of `name`, trimmed; nil when absent or empty.
    subscript(_ name: String) -> String? {
        guard let v = fields.first(where: { $0.0 == name })?.1 else { return nil }
        let t = v.trimmingCharacters(in: .whitespacesAndNewlines)
        return t.isEmpty ? nil : t
    }

    /// Every value of `name`, in order (untrimmed).
    func all(_ name: String) -> [String] { fields.filter { $0.0 == name }.map(\.1) }
}
