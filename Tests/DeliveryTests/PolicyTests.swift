import Foundation
import Testing
@testable import Delivery

@Suite struct BackoffSpec {
    let backoff = Backoff(base: 60, cap: 3600, maxAttempts: 5)
    let now = Date(timeIntervalSince1970: 1_000_000)

    @Test(arguments: [(1, 60.0), (2, 120), (3, 240), (6, 1920), (7, 3600), (40, 3600), (1000, 3600)])
    func delayDoublesUpToTheCap(attempt: Int, expected: Double) {
        #expect(backoff.delay(after: attempt) == expected)
        #expect(backoff.nextAttempt(after: attempt, now: now, jitter: 1) == now.addingTimeInterval(expected))
    }

    @Test(arguments: [(0.0, 60.0), (0.5, 90), (1, 120), (-3, 60), (7, 120)])
    func jitterScalesBetweenHalfAndFullDelay(jitter: Double, expected: Double) {
        #expect(backoff.nextAttempt(after: 2, now: now, jitter: jitter) == now.addingTimeInterval(expected))
    }

    @Test func permanentErrorIsParkedAtOnceAndRetryableUntilAttemptsRunOut() {
        let refused = DeliveryError(.unreachable, "connection refused")
        #expect(backoff.decide(after: 1, error: refused, now: now, jitter: 1) == .retry(at: now.addingTimeInterval(60)))
        guard case .park = backoff.decide(after: 5, error: refused, now: now, jitter: 1) else { Issue.record("not parked"); return }
        guard case .park = backoff.decide(after: 1, error: DeliveryError(.httpStatus(400), "bad"), now: now, jitter: 0) else {
            Issue.record("permanent not parked"); return
        }
    }
}

@Suite struct DeliveryErrorSpec {
    @Test(arguments: [
        (DeliveryError.Kind.unreachable, true), (.timeout, true), (.tls, true), (.smtpReply(code: 451), true),
        (.smtpReply(code: 421), true), (.httpStatus(429), true), (.httpStatus(500), true), (.httpStatus(503), true),
        (.httpStatus(408), true), (.smtpReply(code: 550), false), (.smtpReply(code: 554), false), (.httpStatus(400), false),
        (.httpStatus(404), false), (.httpStatus(302), false), (.tlsVerification, false), (.loginDenied, false),
        (.configuration, false), (.invalidMessage, false), (.tlsRequired, false),
    ])
    func classification(kind: DeliveryError.Kind, retryable: Bool) {
        #expect(DeliveryError(kind, "x").isRetryable == retryable)
    }

    @Test func redactorRemovesSecretAndItsBase64() {
        let r = Redactor(["s3cret-pass"])
        let b64 = Data("s3cret-pass".utf8).base64EncodedString()
        #expect(r.scrub("a s3cret-pass b \(b64)") == "a [redacted] b [redacted]")
    }
}

@Suite struct ConfigSpec {
    @Test(arguments: [
        ("smtp://mail.example.org:587", SMTPConfig.TLSMode.required, true),
        ("smtps://mail.example.org", .required, true),
        ("smtp://127.0.0.1:2525", .none, true),
        ("smtp://mail.example.org:25", .none, false),
        ("smtps://127.0.0.1", .none, false),
        ("http://mail.example.org", .required, false),
    ])
    func smtpURLAndTLSMode(url: String, tls: SMTPConfig.TLSMode, valid: Bool) {
        let c = SMTPConfig(url: url, from: "drwatch <drwatch@council.example>", tls: tls)
        #expect(((try? c.validate()) != nil) == valid)
    }

    @Test(arguments: [("https://hooks.example/abc", true), ("http://127.0.0.1:8080/x", true),
                      ("http://hooks.example/abc", false), ("ftp://hooks.example", false)])
    func webhookURL(url: String, valid: Bool) {
        #expect(((try? WebhookEndpoint(name: "w", url: url).validate()) != nil) == valid)
    }

    @Test func secretComesFromCredentialsDirectoryWithoutTrailingNewline() throws {
        let dir = try makeTempDir("cred")
        _ = try writeFile(dir, "smtp-password", "pa55word\n")
        let env = ["CREDENTIALS_DIRECTORY": dir.path]
        let source = try #require(SecretSource.resolve(file: nil, credentialName: "smtp-password", environment: env))
        #expect(source == .credential("smtp-password"))
        #expect(try source.read(environment: env) == "pa55word")
        #expect(SecretSource.resolve(file: nil, credentialName: "smtp-password", environment: [:]) == nil)
    }

    @Test func missingSecretFileErrorNamesTheFileNotItsContent() {
        #expect(throws: DeliveryError.self) { try SecretSource.file("/nonexistent/secret").read() }
    }
}

@Suite struct FileTransportSpec {
    @Test func writesOneEmlPerIdentityAtomicallyAndARepeatReplacesIt() async throws {
        let dir = try makeTempDir("outbox")
        let t = FileTransport(directory: dir.appendingPathComponent("out"))
        let results = await t.send([sampleEmail(), sampleEmail()])
        #expect(results.allSatisfy { $0.isComplete })
        let files = try FileManager.default.contentsOfDirectory(atPath: dir.appendingPathComponent("out").path)
        #expect(files.count == 1)
        let name = try #require(files.first)
        #expect(name.hasPrefix("ABC-123_stage-2_reminder_team-manager-") && name.hasSuffix(".eml"))
        let raw = try String(contentsOf: dir.appendingPathComponent("out/\(name)"), encoding: .utf8)
        #expect(header(raw, "Message-ID") == sampleEmail().messageID)
    }

    @Test func writesWebhookJSON() throws {
        let dir = try makeTempDir("outbox")
        let w = OutgoingWebhook(id: "../../etc/passwd", ref: "R", event: "e", reason: "r", roles: [], title: "t", text: "x")
        let url = try FileTransport(directory: dir).write(w, format: .generic, at: composedAt)
        #expect(url.deletingLastPathComponent().standardizedFileURL.path == dir.standardizedFileURL.path)
        #expect(url.pathExtension == "json")
    }
}
