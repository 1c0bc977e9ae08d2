import CCurl
import Foundation

/// One HTTP reply: status, the headers (names lower-cased, the last value of a repeated
/// header) and the body, at most the caller's `maxBytes`.
public struct HTTPReply: Sendable, Equatable {
    public var status: Int
    public var headers: [String: String]
    public var body: Data
    public init(status: Int, headers: [String: String], body: Data) {
        self.status = status; self.headers = headers; self.body = body
    }
}

/// Small HTTP exchanges with libcurl for the single sign-on client (discovery, keys, token
/// endpoint): https only (http only to loopback), certificates verified, redirects never
/// followed, connect and total timeouts, a bounded body. Blocking calls run on a dedicated
/// queue, never on the two threads of the Swift concurrency pool.
public final class HTTPFetcher: Sendable {
    /// Seconds to connect (TCP + TLS) and for the whole exchange.
    public let connectTimeout: Int
    public let timeout: Int
    /// A PEM CA bundle to trust instead of the system's (e.g. a council's own CA).
    public let caFile: String?
    private let executor: BlockingExecutor

    public init(label: String, connectTimeout: Int = 5, timeout: Int = 15, caFile: String? = nil) {
        self.connectTimeout = connectTimeout
        self.timeout = timeout
        self.caFile = caFile
        executor = BlockingExecutor(label: "drwatch.http.\(label)")
    }

    /// `GET url`.
    ///
    /// - Parameters:
    ///   - what: names the exchange in errors (e.g. "the provider's discovery document").
    ///   - maxBytes: a longer body fails the exchange.
    /// - Throws: `DeliveryError` for a URL that is not https (or http to loopback), a
    ///   connection or TLS failure, or a body over `maxBytes`. Any HTTP status is a reply.
    public func get(_ url: String, headers: [String] = [], what: String, maxBytes: Int = 256 * 1024) async throws -> HTTPReply {
        try await exchange(url: url, form: nil, headers: headers, what: what, maxBytes: maxBytes)
    }

    /// `POST url` with an `application/x-www-form-urlencoded` body of `form`.
    public func postForm(_ url: String, form: [(String, String)], headers: [String] = [], what: String,
                         maxBytes: Int = 256 * 1024) async throws -> HTTPReply {
        try await exchange(url: url, form: HTTPFetcher.formEncode(form), headers: headers, what: what, maxBytes: maxBytes)
    }

    /// `a=1&b=x%20y`: every byte but unreserved characters percent-encoded.
    public static func formEncode(_ fields: [(String, String)]) -> String {
        fields.map { "\(percentEncode($0.0))=\(percentEncode($0.1))" }.joined(separator: "&")
    }

    /// Percent-encodes all but `A-Z a-z 0-9 - . _ ~` (RFC 3986 unreserved).
    public static func percentEncode(_ s: String) -> String {
        var out = ""
        for b in s.utf8 {
            switch b {
            case UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "0")...UInt8(ascii: "9"),
                 UInt8(ascii: "-"), UInt8(ascii: "."), UInt8(ascii: "_"), UInt8(ascii: "~"):
                out.unicodeScalars.append(Unicode.Scalar(b))
            default:
                out += String(format: "%%%02X", b)
            }
        }
        return out
    }

    /// True when `url` is https, or http to 127.0.0.0/8, ::1 or localhost.
    public static func isAllowed(url: String) -> Bool {
        guard let c = URLComponents(string: url), let scheme = c.scheme?.lowercased(), let host = c.host, !host.isEmpty,
              c.user == nil, c.password == nil else { return false }
        return scheme == "https" || (scheme == "http" && isLoopbackHost(host))
    }

    private func exchange(url: String, form: String?, headers: [String], what: String, maxBytes: Int) async throws -> HTTPReply {
        guard HTTPFetcher.isAllowed(url: url) else {
            throw DeliveryError(.configuration, "\(what): \(shown(url)) is not an https:// address (http:// only to 127.0.0.1 or localhost)")
        }
        let connectTimeout = self.connectTimeout, timeout = self.timeout, caFile = self.caFile
        let result: Result<HTTPReply, DeliveryError> = await executor.run {
            guard let easy = EasyHandle() else { return .failure(DeliveryError(.other, "libcurl could not be initialised")) }
            let sink = BoundedSink(limit: maxBytes)
            easy.set(CURLOPT_URL, url)
            easy.set(CURLOPT_PROTOCOLS_STR, url.lowercased().hasPrefix("https") ? "https" : "http")
            easy.set(CURLOPT_FOLLOWLOCATION, 0)
            easy.set(CURLOPT_SSL_VERIFYPEER, 1)
            easy.set(CURLOPT_SSL_VERIFYHOST, 2)
            if let caFile { easy.set(CURLOPT_CAINFO, caFile) }
            easy.set(CURLOPT_CONNECTTIMEOUT, connectTimeout)
            easy.set(CURLOPT_TIMEOUT, timeout)
            easy.set(CURLOPT_USERAGENT, "drwatch")
            easy.set(CURLOPT_HTTPHEADER, list: headers + ["Expect:", "Accept: application/json"])
            if let form {
                easy.set(CURLOPT_POST, 1)
                let body = Data(form.utf8)
                easy.set(CURLOPT_POSTFIELDSIZE, body.count)
                _ = body.withUnsafeBytes { drw_setopt_pointer(easy.handle, CURLOPT_COPYPOSTFIELDS, UnsafeMutableRawPointer(mutating: $0.baseAddress)) }
            }
            drw_setopt_datacb(easy.handle, CURLOPT_WRITEFUNCTION, boundedWriteCallback)
            easy.set(CURLOPT_WRITEDATA, pointer: Unmanaged.passUnretained(sink).toOpaque())
            drw_setopt_datacb(easy.handle, CURLOPT_HEADERFUNCTION, headerCallback)
            easy.set(CURLOPT_HEADERDATA, pointer: Unmanaged.passUnretained(sink).toOpaque())
            let rc = withExtendedLifetime(sink) { easy.perform() }
            if sink.overflow {
                return .failure(DeliveryError(.other, "\(what): the reply is larger than \(maxBytes / 1024) KiB; check the address"))
            }
            guard rc == CURLE_OK else { return .failure(curlFailure(rc, easy.errorText(rc), what: what)) }
            return .success(HTTPReply(status: easy.getLong(CURLINFO_RESPONSE_CODE), headers: sink.headers, body: sink.data))
        }
        return try result.get()
    }

    private func shown(_ url: String) -> String {
        guard let c = URLComponents(string: url) else { return "the address" }
        return "\(c.scheme ?? "?")://\(c.host ?? "?")"
    }
}

/// Collects a body up to a limit, and the headers of the last response.
private final class BoundedSink {
    let limit: Int
    var data = Data()
    var overflow = false
    var headers: [String: String] = [:]
    init(limit: Int) { self.limit = limit }
}

private let boundedWriteCallback: drw_data_cb = { buffer, size, count, ctx in
    let n = size * count
    guard let buffer, let ctx else { return n }
    let sink = Unmanaged<BoundedSink>.fromOpaque(ctx).takeUnretainedValue()
    guard sink.data.count + n <= sink.limit else {
        sink.overflow = true
        return 0  // aborts the transfer (CURLE_WRITE_ERROR)
    }
    buffer.withMemoryRebound(to: UInt8.self, capacity: n) { sink.data.append($0, count: n) }
    return n
}

private let headerCallback: drw_data_cb = { buffer, size, count, ctx in
    let n = size * count
    guard let buffer, let ctx else { return n }
    let sink = Unmanaged<BoundedSink>.fromOpaque(ctx).takeUnretainedValue()
    let line = buffer.withMemoryRebound(to: UInt8.self, capacity: n) {
        String(decoding: UnsafeBufferPointer(start: $0, count: min(n, 8192)), as: UTF8.self)
    }
    if line.hasPrefix("HTTP/") {
        sink.headers = [:]  // a new response (e.g. after 100 Continue)
    } else if let colon = line.firstIndex(of: ":"), sink.headers.count < 100 {
        let name = line[..<colon].trimmingCharacters(in: .whitespaces).lowercased()
        let value = line[line.index(after: colon)...].trimmingCharacters(in: .whitespacesAndNewlines)
        sink.headers[name] = value
    }
    return n
}
