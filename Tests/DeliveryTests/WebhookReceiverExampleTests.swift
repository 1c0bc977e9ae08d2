import Foundation
import Testing
@testable import Delivery

/// docs/webhook-receiver.py, the receiver docs/security.md tells integrators to copy, against
/// real signed deliveries: it accepts a genuine one, answers a repeat of the same id with 200
/// without acting twice, and refuses a wrong secret and an old timestamp with 401.
@Suite(.serialized) struct WebhookReceiverExampleTests {
    static let secret = "whsec-example-0123456789abcdef-secret"
    let message = OutgoingWebhook(id: "DR-101/s2/breach/service-manager", ref: "DR-101", event: "breach", stage: 2,
                                  due: Date(timeIntervalSince1970: 1_796_490_000), reason: "Stage 2 passed its deadline",
                                  roles: ["service-manager"], title: "Stage 2 breached: DR-101", text: "Please act.")

    func start() throws -> ServerProcess {
        let dir = try makeTempDir("example-secret")
        let secretFile = try writeFile(dir, "webhook-secret", Self.secret + "\n")
        return try ServerProcess(script: "../../../docs/webhook-receiver.py", arguments: ["--secret-file", secretFile])
    }

    func transport(_ s: ServerProcess, secret: String) throws -> WebhookTransport {
        let dir = try makeTempDir("sender-secret")
        return try WebhookTransport(endpoint: WebhookEndpoint(name: "example", url: "http://127.0.0.1:\(s.port)/drwatch",
                                                              format: .generic, secret: .file(try writeFile(dir, "s", secret)),
                                                              connectTimeout: 2, timeout: 5), logger: CapturedLogs().logger)
    }

    func accepted(_ s: ServerProcess) -> [String] {
        let text = (try? String(contentsOf: s.dir.appendingPathComponent("accepted.jsonl"), encoding: .utf8)) ?? ""
        return text.split(separator: "\n").compactMap {
            (try? JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any])?["id"] as? String
        }
    }

    @Test func aGenuineDeliveryIsAcceptedOnceAndItsRepeatAnsweredWithoutActingTwice() async throws {
        let server = try start()
        let t = try transport(server, secret: Self.secret)
        let first = try #require(await t.send([message], at: Date()).first)
        #expect(first.delivered && first.status == 200)
        #expect(first.response.hasPrefix("accepted DR-101/s2/breach/service-manager"), "\(first.response)")
        let again = try #require(await t.send([message], at: Date()).first)
        #expect(again.delivered && again.status == 200)
        #expect(again.response.hasPrefix("duplicate DR-101/s2/breach/service-manager"), "\(again.response)")
        #expect(accepted(server) == ["DR-101/s2/breach/service-manager"])
    }

    @Test func aWrongSecretOrAnOldTimestampIsRefused() async throws {
        let server = try start()
        let forged = try #require(await (try transport(server, secret: "not-the-secret-at-all-0123456789")).send([message], at: Date()).first)
        #expect(forged.status == 401 && !forged.delivered)
        #expect(forged.response.hasPrefix("bad signature"), "\(forged.response)")
        let replayed = try #require(await (try transport(server, secret: Self.secret)).send([message], at: Date().addingTimeInterval(-3600)).first)
        #expect(replayed.status == 401 && !replayed.delivered)
        #expect(replayed.response.hasPrefix("stale timestamp"), "\(replayed.response)")
        #expect(accepted(server).isEmpty)
    }
}
