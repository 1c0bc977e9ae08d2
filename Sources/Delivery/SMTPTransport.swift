import CCurl
import Foundation
import Logging

/// The `[email]` section of the config, resolved (relative paths already made absolute).
public struct SMTPConfig: Hashable, Sendable {
    /// `tls = "required"` (default) or `"none"` (only to a loopback server).
    public enum TLSMode: String, Hashable, Sendable { case required, none }

    /// `smtp://host:587` (STARTTLS) or `smtps://host:465` (implicit TLS).
    public var url: String
    /// `Name <address>` or an address: the `From:` header and the envelope sender.
    public var from: String
    public var tls: TLSMode
    /// A PEM CA bundle to trust instead of the system's.
    public var caFile: String?
    public var username: String?
    /// The password (`password_file`, or the systemd credential `smtp-password`).
    public var password: SecretSource?
    /// An OAuth2 bearer token for XOAUTH2, re-read at each batch (another tool refreshes it).
    public var oauth2Token: SecretSource?
    /// Seconds to establish the connection (TCP + TLS).
    public var connectTimeout: Int
    /// Seconds for one message's whole transaction.
    public var timeout: Int

    public init(url: String, from: String, tls: TLSMode = .required, caFile: String? = nil, username: String? = nil,
                password: SecretSource? = nil, oauth2Token: SecretSource? = nil, connectTimeout: Int = 15, timeout: Int = 60) {
        self.url = url; self.from = from; self.tls = tls; self.caFile = caFile; self.username = username
        self.password = password; self.oauth2Token = oauth2Token; self.connectTimeout = connectTimeout; self.timeout = timeout
    }

    /// What is wrong with these settings, or `nil`: the `[email]` key it concerns and what to
    /// change. The one set of rules for `[email]`: the config loader reports a problem at the
    /// key's line, and the transport refuses to start with one.
    public func problem() -> (key: String, message: String)? {
        guard let parts = URLComponents(string: url), let scheme = parts.scheme?.lowercased(),
              let host = parts.host, !host.isEmpty else {
            return ("url", "\"url\" in [email] is not a URL; write url = \"smtp://mail.council.example:587\" (or smtps:// for implicit TLS)")
        }
        guard scheme == "smtp" || scheme == "smtps" else {
            return ("url", "\"url\" in [email] has the scheme \"\(scheme)\"; use smtp:// (STARTTLS) or smtps:// (implicit TLS)")
        }
        if parts.user != nil || parts.password != nil {
            return ("url", "\"url\" in [email] contains credentials; remove them and use username and password_file")
        }
        if (try? Mailbox(parsing: from)) == nil {
            return ("from", "\"from\" in [email] is not a plausible address; write from = \"drwatch <drwatch@council.example>\" or a bare address")
        }
        if tls == .none {
            if scheme == "smtps" {
                return ("tls", "tls = \"none\" contradicts smtps:// in [email]; use smtp:// or tls = \"required\"")
            }
            if !isLoopbackHost(host) {
                return ("tls", "tls = \"none\" is only allowed for a mail server on 127.0.0.1 or localhost, not \(host); use tls = \"required\"")
            }
        }
        if let username, username.isEmpty || username.unicodeScalars.contains(where: { $0.value < 32 || $0.value == 127 }) {
            return ("username", "\"username\" in [email] is empty or has control characters; fix it or remove the key")
        }
        if password != nil && oauth2Token != nil {
            return ("oauth2_token_file", "[email] has both password_file and oauth2_token_file; keep one")
        }
        if username == nil, password != nil || oauth2Token != nil {
            let key = password != nil ? "password_file" : "oauth2_token_file"
            return (key, "[email] \(key) needs a username; add username = \"...\"")
        }
        if username != nil && password == nil && oauth2Token == nil {
            return ("username", "[email] username is set without password_file or oauth2_token_file; add one, or remove username")
        }
        return nil
    }

    /// - Throws: `DeliveryError` (`.configuration`) with `problem()`'s message.
    public func validate() throws {
        if let p = problem() { throw DeliveryError(.configuration, p.message) }
    }
}

/// What happened to one envelope recipient.
public struct RecipientResult: Hashable, Sendable {
    public var address: String
    /// `nil` when the server accepted the message for this recipient.
    public var error: DeliveryError?
    public var accepted: Bool { error == nil }
}

/// What happened to one email: per recipient, plus the SMTP dialogue (secrets removed).
public struct EmailResult: Hashable, Sendable {
    public var id: String
    public var recipients: [RecipientResult]
    /// The failure of the whole message, if any (connection, TLS, login, MAIL or DATA refused).
    public var error: DeliveryError?
    /// The SMTP dialogue: `> ` lines sent (credentials replaced by `[redacted]`), `< ` replies.
    public var transcript: [String]

    /// Recipients the server accepted the message for.
    public var delivered: [String] { recipients.filter(\.accepted).map(\.address) }
    /// Recipients worth trying again later (retryable failures).
    public var retryable: [String] { recipients.filter { $0.error?.isRetryable == true }.map(\.address) }
    /// Recipients that failed for good.
    public var failed: [String] { recipients.filter { $0.error.map { !$0.isRetryable } ?? false }.map(\.address) }
    /// Every recipient accepted.
    public var isComplete: Bool { error == nil && recipients.allSatisfy(\.accepted) }
}

/// Sends emails over SMTP with libcurl: STARTTLS (`smtp://`) or implicit TLS (`smtps://`),
/// certificate verification always on, AUTH by password or XOAUTH2.
///
/// One easy handle serves a whole batch, so libcurl reuses the connection (one TLS handshake
/// and one login per batch). Recipients are sent with `CURLOPT_MAIL_RCPT_ALLOWFAILS`
/// (libcurl >= 7.69; Debian 12 has 7.88): a rejected recipient does not stop the others.
/// libcurl has no API telling which recipients were refused, so the transport reads the
/// SMTP dialogue through `CURLOPT_DEBUGFUNCTION` and pairs each `RCPT TO` with its reply:
/// results are per recipient, and a retry can target only those still pending.
public final class SMTPTransport: Sendable {
    public let config: SMTPConfig
    private let logger: Logger
    private let executor: BlockingExecutor

    /// - Throws: `DeliveryError` (`.configuration`) when the config is invalid.
    public init(config: SMTPConfig, logger: Logger) throws {
        try config.validate()
        self.config = config
        self.logger = logger
        self.executor = BlockingExecutor(label: "drwatch.smtp")
    }

    /// Sends the messages of `batch` in order over one connection (reconnecting if the server
    /// drops it).
    ///
    /// Secrets are read once per batch. Never throws: each message attempted gets its result.
    /// - Parameters:
    ///   - onResult: called on the transport's thread with the message's index in `batch` and
    ///     its result, right after the server's final reply to that message and before the next
    ///     one is sent (so the caller can record it durably first); return `false` to stop the
    ///     batch there (e.g. the result could not be recorded).
    /// - Returns: the results of the messages attempted, in order: all of them, unless the
    ///   calling task was cancelled (checked between messages: the message in flight is
    ///   finished, the rest are not attempted) or `onResult` returned `false`.
    public func send(_ batch: [OutgoingEmail],
                     onResult: @escaping @Sendable (Int, EmailResult) -> Bool = { _, _ in true }) async -> [EmailResult] {
        let config = self.config, logger = self.logger
        return await executor.runCancellable { isCancelled in
            SMTPTransport.sendBlocking(batch, config: config, logger: logger, isCancelled: isCancelled, onResult: onResult)
        }
    }

    /// Sends one message and returns its result (for `drwatch send-test`).
    public func send(_ email: OutgoingEmail) async -> EmailResult {
        let config = self.config, logger = self.logger
        return await executor.run {
            SMTPTransport.sendBlocking([email], config: config, logger: logger, isCancelled: { false }, onResult: { _, _ in true })[0]
        }
    }

    private static func sendBlocking(_ batch: [OutgoingEmail], config: SMTPConfig, logger: Logger,
                                     isCancelled: () -> Bool, onResult: (Int, EmailResult) -> Bool) -> [EmailResult] {
        var results: [EmailResult] = []
        results.reserveCapacity(batch.count)
        /// Keeps a result and hands it to the caller; false: stop here.
        func emit(_ r: EmailResult) -> Bool {
            results.append(r)
            return onResult(results.count - 1, r)
        }
        func failAll(_ e: DeliveryError) -> [EmailResult] {
            for m in batch {
                if isCancelled() { break }
                let r = EmailResult(id: m.id, recipients: m.envelopeRecipients.map { RecipientResult(address: $0, error: e) },
                                    error: e, transcript: [])
                if !emit(r) { break }
            }
            return results
        }
        var password: String?, token: String?
        do {
            password = try config.password?.read()
            token = try config.oauth2Token?.read()
        } catch let e as DeliveryError {
            return failAll(e)
        } catch { return failAll(DeliveryError(.configuration, "cannot read the SMTP secret")) }
        let redactor = Redactor([password, token])

        guard let easy = EasyHandle() else { return failAll(DeliveryError(.other, "libcurl could not be initialised")) }
        let session = SMTPSession()
        let sessionPtr = Unmanaged.passUnretained(session).toOpaque()
        easy.set(CURLOPT_URL, config.url)
        easy.set(CURLOPT_USE_SSL, Int(config.tls == .required ? CURLUSESSL_ALL.rawValue : CURLUSESSL_NONE.rawValue))
        easy.set(CURLOPT_SSL_VERIFYPEER, 1)
        easy.set(CURLOPT_SSL_VERIFYHOST, 2)
        if let ca = config.caFile { easy.set(CURLOPT_CAINFO, ca) }
        easy.set(CURLOPT_CONNECTTIMEOUT, config.connectTimeout)
        easy.set(CURLOPT_TIMEOUT, config.timeout)
        if let user = config.username, !user.isEmpty { easy.set(CURLOPT_USERNAME, user) }
        if let password { easy.set(CURLOPT_PASSWORD, password) }
        if let token {
            easy.set(CURLOPT_XOAUTH2_BEARER, token)
            easy.set(CURLOPT_LOGIN_OPTIONS, "AUTH=XOAUTH2")
            easy.set(CURLOPT_SASL_IR, 1)
        }
        let sender = (try? Mailbox(parsing: config.from).address) ?? ""
        easy.set(CURLOPT_MAIL_FROM, "<\(sender)>")
        easy.set(DRW_CURLOPT_MAIL_RCPT_ALLOWFAILS, 1)
        easy.set(CURLOPT_UPLOAD, 1)
        drw_setopt_datacb(easy.handle, CURLOPT_READFUNCTION, smtpReadCallback)
        easy.set(CURLOPT_READDATA, pointer: sessionPtr)
        easy.set(CURLOPT_VERBOSE, 1)
        drw_setopt_debugcb(easy.handle, smtpDebugCallback)
        easy.set(CURLOPT_DEBUGDATA, pointer: sessionPtr)

        for email in batch {
            if isCancelled() { break }
            let body: Data
            do { body = try MIMEBuilder.render(email) } catch {
                let e = (error as? DeliveryError) ?? DeliveryError(.invalidMessage, "cannot build message")
                if !emit(EmailResult(id: email.id, recipients: email.envelopeRecipients.map {
                    RecipientResult(address: $0, error: e)
                }, error: e, transcript: [])) { break }
                continue
            }
            session.reset(body: body)
            easy.set(CURLOPT_MAIL_RCPT, list: email.envelopeRecipients.map { "<\($0)>" })
            easy.set(CURLOPT_INFILESIZE_LARGE, body.count)
            let rc = withExtendedLifetime(session) { easy.perform() }
            let result = session.result(for: email, code: rc, curlText: easy.errorText(rc), redactor: redactor)
            if result.isComplete {
                logger.debug("Email sent", metadata: ["message.id": "\(email.id)", "recipients": "\(result.delivered.count)"])
            } else {
                logger.warning("Email not fully delivered", metadata: [
                    "message.id": "\(email.id)", "delivered": "\(result.delivered.count)",
                    "error": "\(result.error?.description ?? result.recipients.compactMap(\.error).first?.description ?? "")",
                ])
            }
            if !emit(result) { break }
        }
        return results
    }
}

/// The per-message state the libcurl callbacks read and write (one thread at a time).
final class SMTPSession {
    var body = Data()
    var offset = 0
    /// (outgoing?, line) in order.
    var lines: [(out: Bool, text: String)] = []
    private var inAuth = false

    func reset(body: Data) {
        self.body = body; offset = 0; lines.removeAll(keepingCapacity: true)
    }

    func read(into buffer: UnsafeMutablePointer<CChar>, max: Int) -> Int {
        let n = min(max, body.count - offset)
        guard n > 0 else { return 0 }
        body.withUnsafeBytes { raw in
            buffer.withMemoryRebound(to: UInt8.self, capacity: n) { dst in
                raw.copyBytes(to: UnsafeMutableBufferPointer(start: dst, count: n), from: offset..<(offset + n))
            }
        }
        offset += n
        return n
    }

    /// Records protocol lines; anything sent during AUTH other than the mechanism is redacted.
    func record(out: Bool, data: UnsafeBufferPointer<UInt8>) {
        let text = String(decoding: data, as: UTF8.self)
        for raw in text.split(whereSeparator: { $0 == "\r\n" || $0 == "\n" || $0 == "\r" }) {
            var line = String(raw)
            if out {
                let verb = line.prefix(while: { $0 != " " && $0 != ":" }).uppercased()
                switch verb {
                case "EHLO", "HELO", "STARTTLS", "MAIL", "RCPT", "DATA", "QUIT", "RSET", "NOOP":
                    inAuth = false
                case "AUTH":
                    inAuth = true
                    let parts = line.split(separator: " ")
                    line = parts.count > 2 ? "\(parts[0]) \(parts[1]) [redacted]" : line
                default:
                    line = "[redacted]"
                }
            } else {
                if inAuth && line.hasPrefix("334") { line = "334 [challenge]" }
                if let code = Int(line.prefix(3)), line.count == 3 || line.dropFirst(3).first == " ", code != 334 {
                    inAuth = false
                }
            }
            lines.append((out, line))
        }
    }

    /// Pairs each RCPT with its reply and classifies the outcome of the transaction.
    func result(for email: OutgoingEmail, code: CURLcode, curlText: String, redactor: Redactor) -> EmailResult {
        var rcptReplies: [String: (Int, String)] = [:]
        var pendingRcpt: [String] = []
        var lastCommand = ""
        var lastReply: (command: String, code: Int, text: String)?
        for (out, text) in lines {
            if out {
                let verb = String(text.prefix(while: { $0 != " " && $0 != ":" })).uppercased()
                lastCommand = verb
                if verb == "RCPT", let open = text.firstIndex(of: "<"), let close = text[open...].firstIndex(of: ">") {
                    pendingRcpt.append(String(text[text.index(after: open)..<close]))
                }
            } else if let c = Int(text.prefix(3)), text.count == 3 || text.dropFirst(3).first == " " {
                lastReply = (lastCommand, c, text)
                if lastCommand == "RCPT", !pendingRcpt.isEmpty {
                    rcptReplies[pendingRcpt.removeFirst().lowercased()] = (c, text)
                }
            }
        }
        let transcript = lines.map { redactor.scrub(($0.out ? "> " : "< ") + $0.text) }

        var messageError: DeliveryError?
        if code != CURLE_OK {
            if let r = lastReply, r.code >= 400, code != CURLE_OPERATION_TIMEDOUT {
                let reply = redactor.scrub(neutralise(r.text))
                if code == CURLE_LOGIN_DENIED || code == CURLE_AUTH_ERROR {
                    messageError = r.code < 500
                        ? DeliveryError(.smtpReply(code: r.code), "SMTP login refused for now: \(reply)", curlCode: Int(code.rawValue))
                        : DeliveryError(.loginDenied, "SMTP login denied: \(reply); check the username and the password or token file",
                                        curlCode: Int(code.rawValue))
                } else if code == CURLE_USE_SSL_FAILED {
                    messageError = curlFailure(code, redactor.scrub(curlText), what: "SMTP STARTTLS failed")
                } else {
                    messageError = DeliveryError(.smtpReply(code: r.code), "SMTP server refused \(r.command): \(reply)",
                                                 curlCode: Int(code.rawValue))
                }
            } else {
                messageError = curlFailure(code, redactor.scrub(neutralise(curlText)), what: "SMTP delivery failed")
            }
        }
        var recipients: [RecipientResult] = []
        for address in email.envelopeRecipients {
            if let (c, text) = rcptReplies[address.lowercased()], c >= 400 {
                let e = DeliveryError(.smtpReply(code: c), "SMTP server refused recipient \(address): \(redactor.scrub(neutralise(text)))")
                recipients.append(RecipientResult(address: address, error: e))
            } else {
                recipients.append(RecipientResult(address: address, error: messageError))
            }
        }
        // When every RCPT was refused, libcurl fails the transfer: the per-recipient errors say why.
        if messageError != nil, !recipients.isEmpty,
           recipients.allSatisfy({ r in rcptReplies[r.address.lowercased()].map { $0.0 >= 400 } ?? false }) {
            messageError = recipients[0].error
        }
        return EmailResult(id: email.id, recipients: recipients, error: messageError, transcript: transcript)
    }
}

private let smtpReadCallback: drw_data_cb = { buffer, size, count, ctx in
    guard let buffer, let ctx else { return 0 }
    let session = Unmanaged<SMTPSession>.fromOpaque(ctx).takeUnretainedValue()
    return session.read(into: buffer, max: size * count)
}

private let smtpDebugCallback: drw_debug_cb = { _, type, data, size, ctx in
    guard let data, let ctx, type == CURLINFO_HEADER_IN || type == CURLINFO_HEADER_OUT else { return 0 }
    let session = Unmanaged<SMTPSession>.fromOpaque(ctx).takeUnretainedValue()
    data.withMemoryRebound(to: UInt8.self, capacity: size) {
        session.record(out: type == CURLINFO_HEADER_OUT, data: UnsafeBufferPointer(start: $0, count: size))
    }
    return 0
}
