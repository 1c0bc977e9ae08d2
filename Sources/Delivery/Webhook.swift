import CCurl
import Foundation
import WorkingDays
import Logging

/// The payload shapes a `[[webhook]]` can take.
public enum WebhookFormat: String, CaseIterable, Hashable, Sendable {
    /// drwatch's own JSON, signed with `X-Drwatch-Signature`.
    case generic
    /// A Microsoft Teams Workflows webhook: a message with an Adaptive Card 1.4.
    case teams
    /// A Slack incoming webhook: `text` plus Block Kit `blocks`.
    case slack
}

/// One webhook notification. Delivery's own type: the service maps the engine's intents to it.
///
/// Only the case reference identifies a child: never put names in `title`, `text` or `details`.
public struct OutgoingWebhook: Hashable, Sendable {
    /// The notification's stable identity; receivers drop a repeat with the same id.
    public var id: String
    /// The case reference.
    public var ref: String
    /// The kind of event (`reminder`, `overdue`, `statutory-breach`, ...).
    public var event: String
    public var stage: Int?
    public var due: Date?
    /// Why it was sent (the engine's reason).
    public var reason: String
    /// The roles this notification is addressed to.
    public var roles: [String]
    /// A one-line title.
    public var title: String
    /// The message text (plain).
    public var text: String
    /// More facts (shown in Teams/Slack, carried in `details` for generic).
    public var details: [String: String]

    public init(id: String, ref: String, event: String, stage: Int? = nil, due: Date? = nil, reason: String,
                roles: [String], title: String, text: String, details: [String: String] = [:]) {
        self.id = id; self.ref = ref; self.event = event; self.stage = stage; self.due = due; self.reason = reason
        self.roles = roles; self.title = title; self.text = text; self.details = details
    }
}

/// A `[[webhook]]` of the config, resolved.
public struct WebhookEndpoint: Hashable, Sendable {
    /// The name used in logs and errors (the URL is never shown: Teams and Slack URLs are secrets).
    public var name: String
    /// `https://...`; `http://` only to 127.0.0.1 or ::1.
    public var url: String
    public var format: WebhookFormat
    /// The HMAC-SHA256 key; when set, requests carry `X-Drwatch-Signature`.
    public var secret: SecretSource?
    /// Seconds to connect (TCP + TLS).
    public var connectTimeout: Int
    /// Seconds for the whole request.
    public var timeout: Int
    /// A PEM CA bundle to trust instead of the system's.
    public var caFile: String?

    public init(name: String, url: String, format: WebhookFormat = .generic, secret: SecretSource? = nil,
                connectTimeout: Int = 10, timeout: Int = 30, caFile: String? = nil) {
        self.name = name; self.url = url; self.format = format; self.secret = secret
        self.connectTimeout = connectTimeout; self.timeout = timeout; self.caFile = caFile
    }

    /// What is wrong with a webhook URL, or `nil`: it must be https (http only to 127.0.0.0/8,
    /// ::1 or localhost) and carry no credentials. The one rule for `[[webhook]] url` and
    /// `url_file`; the message shows the host at most (a Teams or Slack URL is a secret).
    ///
    /// - Parameter key: how the config names it (`"url"`, or `"the URL in url_file"`).
    public static func urlProblem(_ url: String, name: String, key: String = "\"url\"") -> String? {
        guard let parts = URLComponents(string: url), let scheme = parts.scheme?.lowercased(),
              let host = parts.host, !host.isEmpty else {
            return "\(key) of webhook \"\(name)\" is not a URL; write url = \"https://hooks.example/...\""
        }
        switch scheme {
        case "https": break
        case "http":
            guard isLoopbackHost(host) else {
                return "\(key) of webhook \"\(name)\" uses http:// to \(host); use https:// (http is only allowed for 127.0.0.1 or localhost)"
            }
        default:
            return "\(key) of webhook \"\(name)\" has the scheme \"\(scheme)\"; use https://"
        }
        if parts.user != nil || parts.password != nil {
            return "\(key) of webhook \"\(name)\" contains credentials; remove them and use secret_file"
        }
        return nil
    }

    /// - Throws: `DeliveryError` (`.configuration`) with `urlProblem`'s message.
    public func validate() throws {
        if let p = Self.urlProblem(url, name: name) { throw DeliveryError(.configuration, p) }
    }
}

/// What happened to one webhook request.
public struct WebhookResult: Hashable, Sendable {
    public var id: String
    /// The HTTP status, when a response came.
    public var status: Int?
    /// `nil` when delivered (2xx).
    public var error: DeliveryError?
    /// The start of the response body (for `send-test`), control characters removed.
    public var response: String
    public var delivered: Bool { error == nil }
}

/// Builds webhook bodies and signatures. Pure.
public enum WebhookRenderer {
    /// The JSON body for `format` (keys sorted, so the same message gives the same bytes).
    ///
    /// - Parameter sentAt: when it is sent (a parameter, never the clock).
    public static func body(_ m: OutgoingWebhook, format: WebhookFormat, sentAt: Date) -> Data {
        let json: JSON
        switch format {
        case .generic: json = generic(m, sentAt: sentAt)
        case .teams: json = teams(m)
        case .slack: json = slack(m)
        }
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return (try? encoder.encode(json)) ?? Data("{}".utf8)
    }

    /// `t=<unix>,v1=<hex HMAC-SHA256 of "<unix>.<body>">`.
    public static func signature(body: Data, secret: String, timestamp: Int) -> String {
        var signed = Data("\(timestamp).".utf8)
        signed.append(body)
        return "t=\(timestamp),v1=\(hmacSHA256Hex(key: Data(secret.utf8), message: signed))"
    }

    static func generic(_ m: OutgoingWebhook, sentAt: Date) -> JSON {
        var o: [String: JSON] = [
            "id": .string(m.id), "ref": .string(m.ref), "event": .string(m.event), "reason": .string(m.reason),
            "roles": .array(m.roles.map(JSON.string)), "title": .string(m.title), "text": .string(m.text),
            "sent_at": .string(iso8601(sentAt)), "version": .number(1),
            "stage": m.stage.map { .number(Double($0)) } ?? .null,
            "due": m.due.map { .string(iso8601($0)) } ?? .null,
        ]
        if !m.details.isEmpty { o["details"] = .object(m.details.mapValues(JSON.string)) }
        return .object(o)
    }

    static func facts(_ m: OutgoingWebhook) -> [(String, String)] {
        var f: [(String, String)] = [("Case", m.ref), ("Event", m.event)]
        if let s = m.stage { f.append(("Stage", "\(s)")) }
        if let d = m.due { f.append(("Due", iso8601(d))) }
        if !m.roles.isEmpty { f.append(("Roles", m.roles.joined(separator: ", "))) }
        f.append(("Why", m.reason))
        for k in m.details.keys.sorted() { f.append((k, m.details[k]!)) }
        f.append(("Id", m.id))
        return f
    }

    static func teams(_ m: OutgoingWebhook) -> JSON {
        let card: JSON = .object([
            "type": "AdaptiveCard",
            "$schema": "http://adaptivecards.io/schemas/adaptive-card.json",
            "version": "1.4",
            "msteams": .object(["width": "Full"]),
            "body": .array([
                .object(["type": "TextBlock", "text": .string(teamsEscape(m.title)), "weight": "Bolder", "size": "Medium", "wrap": .bool(true)]),
                .object(["type": "TextBlock", "text": .string(teamsEscape(m.text)), "wrap": .bool(true)]),
                .object(["type": "FactSet", "facts": .array(facts(m).map {
                    .object(["title": .string(teamsEscape($0.0)), "value": .string(teamsEscape($0.1))])
                })]),
            ]),
        ])
        return .object([
            "type": "message",
            "attachments": .array([.object([
                "contentType": "application/vnd.microsoft.card.adaptive",
                "contentUrl": .null,
                "content": card,
            ])]),
        ])
    }

    /// Adaptive Card text is Markdown: every character that can start markup (emphasis, links,
    /// images, code, headings, quotes, HTML; `-` and `+` at the start of a line: lists) is
    /// backslash-escaped, per Unicode scalar, so a value from the store shows as written and
    /// never becomes a link or formatting.
    static func teamsEscape(_ s: String) -> String {
        var out = String.UnicodeScalarView()
        var lineStart = true
        for u in s.unicodeScalars {
            switch u {
            case "\\", "*", "_", "`", "[", "]", "(", ")", "<", ">", "#", "~", "|", "!":
                out.append("\\")
            case "-" where lineStart, "+" where lineStart:
                out.append("\\")
            default:
                break
            }
            out.append(u)
            lineStart = u == "\n" || u == "\r" || (lineStart && (u == " " || u == "\t"))
        }
        return String(out)
    }

    static func slackEscape(_ s: String) -> String {
        s.replacingOccurrences(of: "&", with: "&amp;").replacingOccurrences(of: "<", with: "&lt;")
            .replacingOccurrences(of: ">", with: "&gt;")
    }

    static func slack(_ m: OutgoingWebhook) -> JSON {
        let context = facts(m).map { "*\(slackEscape($0.0))*: \(slackEscape($0.1))" }.joined(separator: "  |  ")
        return .object([
            "text": .string(slackEscape("\(m.title): \(m.text)")),
            "blocks": .array([
                .object(["type": "header", "text": .object(["type": "plain_text", "text": .string(String(m.title.prefix(150)))])]),
                .object(["type": "section", "text": .object(["type": "mrkdwn", "text": .string(String(slackEscape(m.text).prefix(3000)))])]),
                .object(["type": "context", "elements": .array([.object(["type": "mrkdwn", "text": .string(String(context.prefix(3000)))])])]),
            ]),
        ])
    }

    /// `2026-12-01T17:00:00Z`.
    static func iso8601(_ d: Date) -> String { CivilTime.utcISO8601(d) }
}

/// A minimal JSON value with deterministic encoding.
enum JSON: Encodable, ExpressibleByStringLiteral {
    case string(String), number(Double), bool(Bool), null, array([JSON]), object([String: JSON])

    init(stringLiteral value: String) { self = .string(value) }

    func encode(to encoder: Encoder) throws {
        var c = encoder.singleValueContainer()
        switch self {
        case .string(let s): try c.encode(s)
        case .number(let n): if n == n.rounded() && abs(n) < 1e15 { try c.encode(Int(n)) } else { try c.encode(n) }
        case .bool(let b): try c.encode(b)
        case .null: try c.encodeNil()
        case .array(let a): try c.encode(a)
        case .object(let o): try c.encode(o)
        }
    }
}

/// POSTs webhooks with libcurl: one easy handle (one connection, kept alive) per batch,
/// connect and total timeouts, redirects never followed (a 3xx is a permanent error: configure
/// the final URL), `Expect:` disabled, the body copied into libcurl (`COPYPOSTFIELDS`).
public final class WebhookTransport: Sendable {
    public let endpoint: WebhookEndpoint
    private let logger: Logger
    private let executor: BlockingExecutor

    /// - Throws: `DeliveryError` (`.configuration`) for an invalid endpoint.
    public init(endpoint: WebhookEndpoint, logger: Logger) throws {
        try endpoint.validate()
        self.endpoint = endpoint
        self.logger = logger
        self.executor = BlockingExecutor(label: "drwatch.webhook.\(endpoint.name)")
    }

    /// Sends each message in order over one handle; never throws.
    ///
    /// - Parameters:
    ///   - now: the signing time (`t=` of the signature) and `sent_at`.
    ///   - onResult: called on the transport's thread with the message's index and result right
    ///     after the receiver's reply, before the next message; `false` stops the batch there.
    /// - Returns: the results of the messages attempted, in order (fewer than `batch` when the
    ///   calling task was cancelled between messages or `onResult` returned `false`).
    public func send(_ batch: [OutgoingWebhook], at now: Date,
                     onResult: @escaping @Sendable (Int, WebhookResult) -> Bool = { _, _ in true }) async -> [WebhookResult] {
        let endpoint = self.endpoint, logger = self.logger
        return await executor.runCancellable { isCancelled in
            WebhookTransport.sendBlocking(batch, endpoint: endpoint, now: now, logger: logger, isCancelled: isCancelled, onResult: onResult)
        }
    }

    private static func sendBlocking(_ batch: [OutgoingWebhook], endpoint: WebhookEndpoint, now: Date, logger: Logger,
                                     isCancelled: () -> Bool, onResult: (Int, WebhookResult) -> Bool) -> [WebhookResult] {
        var results: [WebhookResult] = []
        func emit(_ r: WebhookResult) -> Bool {
            results.append(r)
            return onResult(results.count - 1, r)
        }
        func failAll(_ e: DeliveryError) -> [WebhookResult] {
            for m in batch {
                if isCancelled() || !emit(WebhookResult(id: m.id, status: nil, error: e, response: "")) { break }
            }
            return results
        }
        var secret: String?
        do { secret = try endpoint.secret?.read() } catch {
            return failAll((error as? DeliveryError) ?? DeliveryError(.configuration, "webhook \(endpoint.name): cannot read the secret"))
        }
        if let secret, let problem = webhookSecretProblem(secret) {
            return failAll(DeliveryError(.configuration, "webhook \(endpoint.name): the secret file \(problem)"))
        }
        let path = URLComponents(string: endpoint.url)?.path
        let query = URLComponents(string: endpoint.url)?.query
        let redactor = Redactor([secret, endpoint.url, path.flatMap { $0.count > 1 ? $0 : nil }, query])

        guard let easy = EasyHandle() else { return failAll(DeliveryError(.other, "libcurl could not be initialised")) }
        let sink = ResponseSink()
        easy.set(CURLOPT_URL, endpoint.url)
        easy.set(CURLOPT_PROTOCOLS_STR, endpoint.url.lowercased().hasPrefix("https") ? "https" : "http")
        easy.set(CURLOPT_FOLLOWLOCATION, 0)
        easy.set(CURLOPT_SSL_VERIFYPEER, 1)
        easy.set(CURLOPT_SSL_VERIFYHOST, 2)
        if let ca = endpoint.caFile { easy.set(CURLOPT_CAINFO, ca) }
        easy.set(CURLOPT_CONNECTTIMEOUT, endpoint.connectTimeout)
        easy.set(CURLOPT_TIMEOUT, endpoint.timeout)
        easy.set(CURLOPT_POST, 1)
        easy.set(CURLOPT_USERAGENT, "drwatch")
        drw_setopt_datacb(easy.handle, CURLOPT_WRITEFUNCTION, webhookWriteCallback)
        easy.set(CURLOPT_WRITEDATA, pointer: Unmanaged.passUnretained(sink).toOpaque())

        for m in batch {
            if isCancelled() { break }
            let body = WebhookRenderer.body(m, format: endpoint.format, sentAt: now)
            var headers = ["Content-Type: application/json", "Expect:", "X-Drwatch-Id: \(neutralise(m.id))"]
            if let secret {
                headers.append("X-Drwatch-Signature: \(WebhookRenderer.signature(body: body, secret: secret, timestamp: Int(now.timeIntervalSince1970)))")
            }
            easy.set(CURLOPT_HTTPHEADER, list: headers)
            easy.set(CURLOPT_POSTFIELDSIZE, body.count)
            _ = body.withUnsafeBytes { drw_setopt_pointer(easy.handle, CURLOPT_COPYPOSTFIELDS, UnsafeMutableRawPointer(mutating: $0.baseAddress)) }
            sink.reset()
            let rc = withExtendedLifetime(sink) { easy.perform() }
            let response = redactor.scrub(neutralise(String(decoding: sink.data, as: UTF8.self))).trimmingCharacters(in: .whitespaces)
            var result = WebhookResult(id: m.id, status: nil, error: nil, response: String(response.prefix(300)))
            if rc != CURLE_OK {
                result.error = curlFailure(rc, redactor.scrub(neutralise(easy.errorText(rc))), what: "webhook \(endpoint.name)")
            } else {
                let status = easy.getLong(CURLINFO_RESPONSE_CODE)
                result.status = status
                switch status {
                case 200..<300: break
                case 300..<400:
                    result.error = DeliveryError(.httpStatus(status),
                        "webhook \(endpoint.name): HTTP \(status) redirect not followed; configure the final URL")
                default:
                    let snippet = result.response.isEmpty ? "" : ": \(result.response.prefix(120))"
                    result.error = DeliveryError(.httpStatus(status), "webhook \(endpoint.name): HTTP \(status)\(snippet)")
                }
            }
            if let e = result.error {
                logger.warning("Webhook not delivered", metadata: ["webhook": "\(endpoint.name)", "message.id": "\(m.id)", "error": "\(e)"])
            } else {
                logger.debug("Webhook sent", metadata: ["webhook": "\(endpoint.name)", "message.id": "\(m.id)", "status": "\(result.status ?? 0)"])
            }
            if !emit(result) { break }
        }
        return results
    }
}

/// Keeps the first 4 KiB of a response body.
final class ResponseSink {
    var data = Data()
    func reset() { data.removeAll(keepingCapacity: true) }
}

private let webhookWriteCallback: drw_data_cb = { buffer, size, count, ctx in
    let n = size * count
    guard let buffer, let ctx else { return n }
    let sink = Unmanaged<ResponseSink>.fromOpaque(ctx).takeUnretainedValue()
    let room = max(0, 4096 - sink.data.count)
    if room > 0 {
        buffer.withMemoryRebound(to: UInt8.self, capacity: n) { sink.data.append($0, count: min(n, room)) }
    }
    return n
}
