import Foundation
import Logging
import Testing
@testable import Delivery

/// Against a real HTTP receiver on 127.0.0.1 (Servers/http_receiver.py), one per test.
@Suite(.serialized) struct WebhookTransportSpec {
    static let secret = "whsec-0123456789abcdef-very-secret"
    let now = Date(timeIntervalSince1970: 1_796_113_800)
    let message = OutgoingWebhook(id: "ABC-123/2/overdue/head-of-service", ref: "ABC-123", event: "overdue", stage: 2,
                                  due: Date(timeIntervalSince1970: 1_796_490_000), reason: "Stage 2 passed its deadline",
                                  roles: ["head-of-service"], title: "Stage 2 overdue: ABC-123", text: "Please act.")

    func start(statuses: String = "200", secret: String? = WebhookTransportSpec.secret) throws -> (ServerProcess, String) {
        let dir = try makeTempDir("whsecret")
        let secretFile = try writeFile(dir, "webhook-secret", (secret ?? "") + "\n")
        var args = ["--statuses", statuses]
        if secret != nil { args += ["--secret-file", secretFile] }
        return (try ServerProcess(script: "http_receiver.py", arguments: args), secretFile)
    }

    func transport(_ s: ServerProcess, secretFile: String?, format: WebhookFormat = .generic, logs: CapturedLogs = CapturedLogs()) throws -> WebhookTransport {
        try WebhookTransport(endpoint: WebhookEndpoint(name: "safeguarding", url: "http://127.0.0.1:\(s.port)/hooks/T0KEN-PATH",
                                                        format: format, secret: secretFile.map(SecretSource.file),
                                                        connectTimeout: 2, timeout: 5), logger: logs.logger)
    }

    @Test func signedGenericWebhookIsVerifiedByTheReceiver() async throws {
        let (server, secretFile) = try start()
        let results = await (try transport(server, secretFile: secretFile)).send([message], at: now)
        #expect(results.map(\.delivered) == [true])
        #expect(results.first?.status == 200)
        let req = try #require(server.records("req-").first)
        #expect(req["signature_ok"] as? Bool == true)
        let headers = try #require(req["headers"] as? [String: String])
        #expect(headers["X-Drwatch-Id"] == message.id)
        #expect(headers["X-Drwatch-Signature"]?.hasPrefix("t=1796113800,v1=") == true)
        #expect(headers["Content-Type"] == "application/json")
        #expect(headers["Expect"] == nil)
        let body = try #require((req["body"] as? String).flatMap { try JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any] })
        #expect(body["id"] as? String == message.id)
        #expect(body["ref"] as? String == "ABC-123")
    }

    @Test func serverErrorIsRetryableThenDeliveredOnce() async throws {
        let (server, secretFile) = try start(statuses: "500,200")
        let t = try transport(server, secretFile: secretFile)
        let first = try #require(await t.send([message], at: now).first)
        #expect(first.status == 500)
        #expect(first.error?.isRetryable == true)
        let second = try #require(await t.send([message], at: now.addingTimeInterval(60)).first)
        #expect(second.delivered)
        let reqs = server.records("req-")
        #expect(reqs.map { $0["status"] as? Int } == [500, 200])
        #expect(reqs.filter { ($0["status"] as? Int) == 200 }.count == 1)
    }

    @Test func badRequestIsPermanent() async throws {
        let (server, secretFile) = try start(statuses: "400")
        let r = try #require(await (try transport(server, secretFile: secretFile)).send([message], at: now).first)
        #expect(r.error?.kind == .httpStatus(400))
        #expect(r.error?.isRetryable == false)
    }

    @Test func tooManyRequestsIsRetryable() async throws {
        let (server, secretFile) = try start(statuses: "429")
        let r = try #require(await (try transport(server, secretFile: secretFile)).send([message], at: now).first)
        #expect(r.error?.isRetryable == true)
    }

    @Test func redirectIsNotFollowedAndIsPermanent() async throws {
        let (server, secretFile) = try start(statuses: "302,200")
        let r = try #require(await (try transport(server, secretFile: secretFile)).send([message], at: now).first)
        #expect(r.error?.kind == .httpStatus(302))
        #expect(r.error?.isRetryable == false)
        #expect(r.error?.description.contains("redirect") == true)
        #expect(server.records("req-").count == 1)
    }

    @Test func connectionRefusedIsRetryable() async throws {
        let (server, secretFile) = try start()
        server.stop()
        let r = try #require(await (try transport(server, secretFile: secretFile)).send([message], at: now).first)
        #expect(r.error?.kind == .unreachable)
        #expect(r.error?.isRetryable == true)
    }

    @Test func secretAndURLPathNeverAppearInErrorsOrLogs() async throws {
        // The receiver expects another key: it answers 401 and echoes nothing secret, but the
        // transport must not leak its own secret or the URL path (Slack/Teams URLs are secrets).
        let (server, _) = try start(statuses: "200", secret: "receiver-has-another-key")
        let dir = try makeTempDir("whsecret2")
        let ours = try writeFile(dir, "s", Self.secret)
        let logs = CapturedLogs()
        let r = try #require(await (try transport(server, secretFile: ours, logs: logs)).send([message], at: now).first)
        #expect(r.error?.kind == .httpStatus(401))
        let everything = ([r.error?.description ?? "", r.response] + logs.all).joined(separator: "\n")
        #expect(!everything.contains(Self.secret))
        #expect(!everything.contains("T0KEN-PATH"))
        #expect(everything.contains("safeguarding"))
    }

    @Test(arguments: [WebhookFormat.teams, .slack])
    func teamsAndSlackBodiesArePosted(format: WebhookFormat) async throws {
        let (server, _) = try start(secret: nil)
        let r = try #require(await (try transport(server, secretFile: nil, format: format)).send([message], at: now).first)
        #expect(r.delivered)
        let req = try #require(server.records("req-").first)
        let body = try #require((req["body"] as? String).flatMap { try JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any] })
        #expect(body[format == .teams ? "attachments" : "blocks"] != nil)
        #expect((req["headers"] as? [String: String])?["X-Drwatch-Signature"] == nil)
    }
}
