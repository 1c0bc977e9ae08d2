import Foundation
import Logging
import Testing
@testable import Delivery

/// One rule per fact in Delivery (loopback, mailbox, webhook URL, secrets), the `Transport`
/// interface, and what the file transport and Teams cards refuse to do.
@Suite("Transport rules")
struct TransportRulesTests {
    @Test(arguments: [
        ("127.0.0.1", true), ("127.255.0.9", true), ("localhost", true), ("LOCALHOST", true), ("::1", true), ("[::1]", true),
        ("127.evil.example", false), ("127.0.0.1.evil.example", false), ("127.1", false), ("10.0.0.1", false),
        ("mail.council.example", false),
    ])
    func loopbackIsOnly127Slash8AndLocalhost(host: String, loopback: Bool) {
        #expect(isLoopbackHost(host) == loopback)
    }

    @Test func plainSMTPToAHostNamed127SomethingIsRefused() {
        // A DNS name starting with "127." is not the loopback interface (Delivery's old test said it was)
        let c = SMTPConfig(url: "smtp://127.evil.example:25", from: "drwatch@council.example", tls: .none)
        #expect(c.problem()?.key == "tls")
        #expect(c.problem()?.message == "tls = \"none\" is only allowed for a mail server on 127.0.0.1 or localhost, not 127.evil.example; use tls = \"required\"")
        #expect(throws: DeliveryError.self) { try c.validate() }
        #expect(SMTPConfig(url: "smtp://127.0.0.1:25", from: "drwatch@council.example", tls: .none).problem() == nil)
    }

    @Test(arguments: [
        ("https://user:pw@hooks.example/x", "\"url\" of webhook \"w\" contains credentials; remove them and use secret_file"),
        ("http://127.evil.example/x", "\"url\" of webhook \"w\" uses http:// to 127.evil.example; use https:// (http is only allowed for 127.0.0.1 or localhost)"),
        ("ftp://hooks.example/x", "\"url\" of webhook \"w\" has the scheme \"ftp\"; use https://"),
    ])
    func aWebhookURLIsCheckedByOneRule(url: String, message: String) {
        #expect(WebhookEndpoint.urlProblem(url, name: "w") == message)
        #expect(throws: DeliveryError.self) { try WebhookEndpoint(name: "w", url: url).validate() }
    }

    @Test(arguments: ["Ev<il> <drwatch@council.example>", "drwatch <drwatch@council.example", "drwatch\r\nBcc: x@y.example <drwatch@council.example>"])
    func aMailboxWithMarkupOrControlCharactersIsRefused(text: String) {
        #expect(throws: DeliveryError.self) { try Mailbox(parsing: text) }
    }

    @Test func aWebhookSecretShorterThan32BytesIsRefused() {
        #expect(webhookSecretProblem(String(repeating: "k", count: 31))
                == "holds a 31-byte key; a webhook secret needs at least 32 bytes: generate one with head -c 32 /dev/urandom | base64 > FILE (and give the receiver the same)")
        #expect(webhookSecretProblem(String(repeating: "k", count: 32)) == nil)
    }

    @Test func aSecretFileReadableByOthersIsRefusedWithTheChmodToRun() throws {
        let dir = try makeTempDir("perm")
        let path = try writeFile(dir, "smtp-password", "pa55word\n")
        chmod(path, 0o644)
        do {
            _ = try SecretSource.file(path).read()
            Issue.record("a 0644 secret file was read")
        } catch let e as DeliveryError {
            #expect(e.message == "secret file \(path) is accessible by group or others (mode 0644); a secret must be private to the drwatch user: run chmod 600 \(path) (and chown drwatch \(path)), or pass it with systemd LoadCredential=")
        }
        chmod(path, 0o600)
        #expect(try SecretSource.file(path).read() == "pa55word")
    }

    @Test func theFileTransportRefusesASymlinkPlantedAtItsTarget() async throws {
        // Given an outbox folder where someone planted a symlink named like the next message
        let dir = try makeTempDir("outbox")
        let victim = dir.appendingPathComponent("victim.txt")
        try Data("keep me".utf8).write(to: victim)
        let email = OutgoingEmail(id: "DR-1/s1/opened/iro", from: "drwatch@council.example", to: ["iro@council.example"],
                                  subject: "s", textBody: "b", date: Date(timeIntervalSince1970: 1_764_000_000))
        let target = dir.appendingPathComponent(FileTransport.fileName(for: email.id, extension: "eml"))
        try FileManager.default.createSymbolicLink(at: target, withDestinationURL: victim)
        let transport: any Transport = FileTransport(directory: dir)
        // When the transport writes the message
        let results = Results()
        await transport.deliver([.email(email)], at: Date()) { i, r in results.add(i, r); return true }
        // Then it is refused (an I/O error, retried later), and the symlink's target is untouched
        #expect(results.all.count == 1)
        #expect(results.all.first?.1.verdict == .retry)
        #expect(results.all.first?.1.error?.message == "refusing to write \(target.path): it exists and is not a regular file (a symlink?); remove it")
        #expect(try String(contentsOf: victim, encoding: .utf8) == "keep me")
        // And once it is removed, the message is written, mode 0600
        try FileManager.default.removeItem(at: target)
        let written = try FileTransport(directory: dir).write(email)
        let mode = try #require(FileManager.default.attributesOfItem(atPath: written.path)[.posixPermissions] as? Int)
        #expect(mode == 0o600)
    }

    @Test func everyTransportSaysSentRetryOrPermanent() async throws {
        let email = OutgoingEmail(id: "DR-1/s1/opened/iro", from: "drwatch@council.example", to: ["iro@council.example"],
                                  subject: "s", textBody: "b", date: Date(timeIntervalSince1970: 1_764_000_000))
        let files: any Transport = FileTransport(directory: try makeTempDir("outbox"))
        let gone: any Transport = UnavailableTransport(messageKind: .email, error: DeliveryError(.configuration, "[email] is no longer configured"))
        let a = Results(), b = Results()
        await files.deliver([.email(email)], at: Date()) { i, r in a.add(i, r); return true }
        await gone.deliver([.email(email), .email(email)], at: Date()) { i, r in b.add(i, r); return true }
        #expect(a.all.map(\.1) == [DeliveryResult(id: email.id, delivered: ["iro@council.example"], error: nil)])
        #expect(a.all.first?.1.verdict == .sent)
        #expect(b.all.map(\.0) == [0, 1])
        #expect(b.all.allSatisfy { $0.1.verdict == .permanent && $0.1.delivered.isEmpty })
    }

    @Test func teamsCardsEscapeMarkdownInEveryValue() throws {
        let m = OutgoingWebhook(id: "DR-1/s1/opened/iro", ref: "DR-1", event: "opened", reason: "**urgent**",
                                roles: ["iro"], title: "Case [DR-1](https://evil.example/login)",
                                text: "- see <b>[here](https://evil.example)</b> _now_ `x`")
        let body = WebhookRenderer.body(m, format: .teams, sentAt: Date(timeIntervalSince1970: 1_764_000_000))
        let o = try #require(try JSONSerialization.jsonObject(with: body) as? [String: Any])
        let card = try #require((((o["attachments"] as? [[String: Any]])?.first)?["content"]) as? [String: Any])
        let blocks = try #require(card["body"] as? [[String: Any]])
        #expect(blocks[0]["text"] as? String == #"Case \[DR-1\]\(https://evil.example/login\)"#)
        #expect(blocks[1]["text"] as? String == #"\- see \<b\>\[here\]\(https://evil.example\)\</b\> \_now\_ \`x\`"#)
        let facts = try #require(blocks[2]["facts"] as? [[String: String]])
        #expect(facts.first { $0["title"] == "Why" }?["value"] == #"\*\*urgent\*\*"#)
    }
}

/// Results collected from a transport's thread.
final class Results: @unchecked Sendable {
    private let lock = NSLock()
    private var items: [(Int, DeliveryResult)] = []
    func add(_ i: Int, _ r: DeliveryResult) { lock.lock(); items.append((i, r)); lock.unlock() }
    var all: [(Int, DeliveryResult)] { lock.lock(); defer { lock.unlock() }; return items }
}
