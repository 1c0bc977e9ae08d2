import Foundation
import Logging
import Testing
@testable import Delivery

/// Against a real aiosmtpd server on 127.0.0.1 (Servers/smtp_server.py), one per test.
@Suite(.serialized) struct SMTPTransportSpec {
    static let password = "correct-horse-battery-staple"
    static let token = "ya29.test-bearer-token-0123456789"

    struct Harness {
        let server: ServerProcess
        let pki: TestPKI
        let secrets: URL
    }

    func start(implicitTLS: Bool = false, tls: Bool = true, auth: Bool = true, token: Bool = false, extra: [String] = []) throws -> Harness {
        let pki = try TestPKI.get()
        var args: [String] = extra
        if tls { args += ["--cert", pki.certFile, "--key", pki.keyFile] }
        if implicitTLS { args.append("--implicit-tls") }
        if auth { args += ["--user", "drwatch", "--password", Self.password] }
        if token { args += ["--token", Self.token] }
        let secrets = try makeTempDir("secrets")
        _ = try writeFile(secrets, "smtp-password", Self.password + "\n")
        _ = try writeFile(secrets, "wrong-password", "not-the-password\n")
        _ = try writeFile(secrets, "smtp-token", Self.token + "\n")
        return Harness(server: try ServerProcess(script: "smtp_server.py", arguments: args), pki: pki, secrets: secrets)
    }

    func config(_ h: Harness, scheme: String = "smtp", ca: String? = nil, passwordFile: String? = "smtp-password",
                tokenFile: String? = nil) -> SMTPConfig {
        SMTPConfig(url: "\(scheme)://127.0.0.1:\(h.server.port)", from: "drwatch <drwatch@council.example>",
                   caFile: ca ?? h.pki.caFile, username: "drwatch",
                   password: passwordFile.map { .file(h.secrets.appendingPathComponent($0).path) },
                   oauth2Token: tokenFile.map { .file(h.secrets.appendingPathComponent($0).path) },
                   connectTimeout: 5, timeout: 10)
    }

    @Test func messageArrivesOnceOverSTARTTLSWithAuthToEveryRecipientWithHeadersAndParts() async throws {
        let h = try start()
        let logs = CapturedLogs()
        let transport = try SMTPTransport(config: config(h), logger: logs.logger)
        let email = sampleEmail(attachments: [ICSBuilder.attachment(ICSBuilder.deadlineEvent(
            id: "ABC-123/stage-2", due: composedAt.addingTimeInterval(86400), summary: "Stage 2 due", stamp: composedAt))])
        let result = await transport.send(email)
        #expect(result.isComplete, "\(result.error.map(String.init(describing:)) ?? "") \(result.transcript)")
        #expect(result.delivered == ["tm@council.example", "hos@council.example", "records@council.example"])

        let received = h.server.records("msg-")
        try #require(received.count == 1)
        let m = received[0]
        #expect(m["mail_from"] as? String == "drwatch@council.example")
        #expect(m["rcpt_tos"] as? [String] == ["tm@council.example", "hos@council.example", "records@council.example"])
        #expect(m["tls"] as? Bool == true)
        #expect(m["login"] as? String == "drwatch")
        let data = try #require(m["data"] as? String)
        #expect(header(data, "Message-ID") == email.messageID)
        #expect(header(data, "Cc") == "hos@council.example, records@council.example")
        #expect(header(data, "Subject") == email.subject)
        #expect(data.contains("Content-Type: text/plain; charset=utf-8"))
        #expect(data.contains("Content-Type: text/html; charset=utf-8"))
        #expect(data.contains("filename=\"deadline.ics\""))
        #expect(result.transcript.contains { $0.hasPrefix("> STARTTLS") })
        #expect(!(result.transcript + logs.all).joined().contains(Self.password))
    }

    @Test func aBatchReusesOneConnection() async throws {
        let h = try start()
        let transport = try SMTPTransport(config: config(h), logger: CapturedLogs().logger)
        let batch = (1...3).map { i -> OutgoingEmail in var e = sampleEmail(); e.id += "/\(i)"; return e }
        let results = await transport.send(batch)
        #expect(results.allSatisfy { $0.isComplete })
        #expect(h.server.records("msg-").count == 3)
        #expect(results[0].transcript.contains { $0.hasPrefix("> EHLO") })
        #expect(results[1].transcript.allSatisfy { !$0.hasPrefix("> EHLO") && !$0.hasPrefix("> AUTH") }, "\(results[1].transcript)")
        #expect(results[2].transcript.first?.hasPrefix("> MAIL FROM") == true)
    }

    @Test func certificateFromAnotherCAIsRefusedPermanently() async throws {
        let h = try start()
        let transport = try SMTPTransport(config: config(h, ca: h.pki.otherCAFile), logger: CapturedLogs().logger)
        let result = await transport.send(sampleEmail())
        let error = try #require(result.error)
        #expect(error.kind == .tlsVerification)
        #expect(!error.isRetryable)
        #expect(result.delivered.isEmpty)
        #expect(h.server.records("msg-").isEmpty)
    }

    @Test func wrongPasswordIsLoginDeniedPermanentlyAndNeverShown() async throws {
        let h = try start()
        let logs = CapturedLogs()
        let transport = try SMTPTransport(config: config(h, passwordFile: "wrong-password"), logger: logs.logger)
        let result = await transport.send(sampleEmail())
        let error = try #require(result.error)
        #expect(error.kind == .loginDenied)
        #expect(error.curlCode == 67)
        #expect(!error.isRetryable)
        let everything = ([error.description] + result.transcript + logs.all).joined(separator: "\n")
        for secret in ["not-the-password", Data("not-the-password".utf8).base64EncodedString(),
                       Data("\u{0}drwatch\u{0}not-the-password".utf8).base64EncodedString()] {
            #expect(!everything.contains(secret))
        }
        #expect(h.server.records("msg-").isEmpty)
    }

    @Test func implicitTLSOverSMTPS() async throws {
        let h = try start(implicitTLS: true)
        let transport = try SMTPTransport(config: config(h, scheme: "smtps"), logger: CapturedLogs().logger)
        let result = await transport.send(sampleEmail())
        #expect(result.isComplete, "\(String(describing: result.error)) \(result.transcript)")
        let m = try #require(h.server.records("msg-").first)
        #expect(m["tls"] as? Bool == true)
        #expect(m["login"] as? String == "drwatch")
    }

    @Test func xoauth2BearerTokenFromAFile() async throws {
        let h = try start(token: true)
        let logs = CapturedLogs()
        let transport = try SMTPTransport(config: config(h, passwordFile: nil, tokenFile: "smtp-token"), logger: logs.logger)
        let result = await transport.send(sampleEmail())
        #expect(result.isComplete, "\(String(describing: result.error)) \(result.transcript)")
        let m = try #require(h.server.records("msg-").first)
        #expect(m["mechanism"] as? String == "XOAUTH2")
        #expect(!(result.transcript + logs.all).joined().contains(Self.token))
        #expect(result.transcript.contains { $0.hasPrefix("> AUTH XOAUTH2") })
    }

    @Test func headerInjectionInSubjectAndCaseRefSendsNoBcc() async throws {
        let h = try start()
        let transport = try SMTPTransport(config: config(h), logger: CapturedLogs().logger)
        let evil = "Reminder\r\nBcc: attacker@example.org"
        let result = await transport.send(sampleEmail(subject: evil, caseRef: "ABC-123\r\nBcc: attacker@example.org"))
        #expect(result.isComplete)
        let m = try #require(h.server.records("msg-").first)
        let rcpts = try #require(m["rcpt_tos"] as? [String])
        #expect(!rcpts.contains("attacker@example.org"))
        let data = try #require(m["data"] as? String)
        #expect(!headerLines(data).contains { $0.lowercased().hasPrefix("bcc:") })
    }

    @Test func refusedRecipientsAreReportedOneByOneAndTheOthersStillReceive() async throws {
        let h = try start(extra: ["--reject", "gone@council.example", "--tempfail", "busy@council.example"])
        let transport = try SMTPTransport(config: config(h), logger: CapturedLogs().logger)
        var email = sampleEmail()
        email.cc = ["gone@council.example", "busy@council.example"]
        email.envelopeRecipients = email.to + email.cc
        let result = await transport.send(email)
        #expect(result.error == nil)
        #expect(result.delivered == ["tm@council.example"])
        #expect(result.failed == ["gone@council.example"])
        #expect(result.retryable == ["busy@council.example"])
        let m = try #require(h.server.records("msg-").first)
        #expect(m["rcpt_tos"] as? [String] == ["tm@council.example"])

        // A retry narrows the envelope to the pending recipient; headers stay the same.
        var retry = email
        retry.envelopeRecipients = result.retryable
        let again = await transport.send(retry)
        #expect(again.retryable == ["busy@council.example"])
        #expect(h.server.records("msg-").count == 1, "nobody receives it twice")
    }

    @Test func everyRecipientRefusedFailsTheMessageWithPerRecipientReasons() async throws {
        let h = try start(extra: ["--reject", "tm@council.example"])
        let transport = try SMTPTransport(config: config(h), logger: CapturedLogs().logger)
        var email = sampleEmail(); email.cc = []; email.envelopeRecipients = email.to
        let result = await transport.send(email)
        #expect(result.delivered.isEmpty)
        #expect(result.failed == ["tm@council.example"])
        #expect(result.error?.kind == .smtpReply(code: 550))
    }

    @Test func connectionRefusedIsRetryable() async throws {
        let h = try start()
        let port = h.server.port
        h.server.stop()
        let cfg = SMTPConfig(url: "smtp://127.0.0.1:\(port)", from: "drwatch@council.example", connectTimeout: 2, timeout: 5)
        let result = await (try SMTPTransport(config: cfg, logger: CapturedLogs().logger)).send(sampleEmail())
        let error = try #require(result.error)
        #expect(error.kind == .unreachable)
        #expect(error.isRetryable)
        #expect(result.retryable.count == 3)
    }

    @Test func plainSMTPIsAllowedOnlyToLoopbackWithTLSNone() async throws {
        let h = try start(tls: false, auth: false)
        let cfg = SMTPConfig(url: "smtp://127.0.0.1:\(h.server.port)", from: "drwatch@council.example", tls: .none)
        let result = await (try SMTPTransport(config: cfg, logger: CapturedLogs().logger)).send(sampleEmail())
        #expect(result.isComplete, "\(String(describing: result.error))")
        // With tls = required the same server (no STARTTLS) is refused, permanently.
        let strict = SMTPConfig(url: "smtp://127.0.0.1:\(h.server.port)", from: "drwatch@council.example")
        let refused = await (try SMTPTransport(config: strict, logger: CapturedLogs().logger)).send(sampleEmail())
        #expect(refused.error?.kind == .tlsRequired)
        #expect(refused.error?.isRetryable == false)
        #expect(h.server.records("msg-").count == 1)
    }
}
