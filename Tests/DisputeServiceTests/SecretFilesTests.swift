import Delivery
import Foundation
import Logging
import Testing
import TOML
@testable import DisputeService
@testable import Notifications
@testable import Recording
@testable import ServiceConfig
@testable import DisputeStore

/// Secret files (issue 12): webhook URLs from `url_file`, private modes, webhook key length, and
/// what a parked notice may carry into a third-party cloud.
@Suite("Secret files")
struct SecretFilesTests {
    /// A folder with a four-stage policy, the given secret files (mode 0600 unless said), and a config.
    static func setup(_ config: String, files: [String: (text: String, mode: Int)]) throws -> (URL, String) {
        let dir = try tempFolder("secrets")
        try FileManager.default.copyItem(atPath: fourStagePath, toPath: dir.appendingPathComponent("four-stage.toml").path)
        for (name, f) in files {
            let path = dir.appendingPathComponent(name).path
            try Data(f.text.utf8).write(to: URL(fileURLWithPath: path))
            chmod(path, mode_t(f.mode))
        }
        let path = dir.appendingPathComponent("drwatch.toml").path
        try Data(("policies = [\"four-stage.toml\"]\n[roles]\nadmin = [\"admin@council.example\"]\n" + config).utf8)
            .write(to: URL(fileURLWithPath: path))
        return (dir, path)
    }

    static let teams = """
        [[webhook]]
        name = "teams"
        format = "teams"
        url_file = "teams-url"
        roles = ["admin"]
        """

    @Test func aWebhookURLCanComeFromAFile() throws {
        // Given a Teams webhook whose URL (with its token) is in a private file
        let url = "https://council.webhook.office.com/webhookb2/T0KEN-in-the-url"
        let (_, path) = try Self.setup(Self.teams, files: ["teams-url": (url + "\n", 0o600)])
        let config = try DrwatchConfig.load(path: path, environment: [:])
        // Then the config holds the file's name, never the URL, and the transport gets the URL
        #expect(config.webhooks.first?.url == nil)
        #expect(config.webhooks.first?.urlFile?.name == "teams-url")
        #expect(!config.description.contains("T0KEN"))
        #expect(config.description.contains("webhook teams teams (url in secret file \"teams-url\") for admin"))
        let channels = try DeliveryChannels(config: config, logger: Logger(label: "test"))
        #expect(channels.webhooks["teams"]?.endpoint.url == url)
    }

    @Test(arguments: [
        ("http://hooks.example/x", "the URL in url_file of webhook \"teams\" uses http:// to hooks.example; use https:// (http is only allowed for 127.0.0.1 or localhost)"),
        ("https://user:pw@hooks.example/x", "the URL in url_file of webhook \"teams\" contains credentials; remove them and use secret_file"),
    ])
    func aURLFileIsCheckedLikeAnInlineURLWithoutShowingIt(content: String, message: String) throws {
        let (_, path) = try Self.setup(Self.teams, files: ["teams-url": (content, 0o600)])
        let config = try DrwatchConfig.load(path: path, environment: [:])
        do {
            _ = try DeliveryChannels(config: config, logger: Logger(label: "test"))
            Issue.record("accepted \(content)")
        } catch let e as ConfigFileError {
            #expect(e.line == 7)
            #expect(e.message == message)
        }
    }

    @Test func aWebhookHasAURLOrAURLFileNotBoth() throws {
        let both = Self.teams + "\nurl = \"https://hooks.example/x\""
        let (_, path) = try Self.setup(both, files: [:])
        #expect(throws: ConfigFileError(file: path, line: 7,
            message: "webhook \"teams\" has both url and url_file; keep one (url_file for a URL that carries a token)")) {
            try DrwatchConfig.load(path: path, environment: [:])
        }
    }

    static let everySecret = """
        [email]
        url = "smtp://mail.council.example:587"
        from = "drwatch@council.example"
        username = "drwatch"
        password_file = "smtp-password"
        [[webhook]]
        name = "ops"
        url = "https://hooks.example/x"
        secret_file = "webhook-secret"
        roles = ["admin"]
        [[webhook]]
        name = "teams"
        format = "teams"
        url_file = "teams-url"
        roles = ["admin"]
        """

    @Test(arguments: [("smtp-password", 8), ("webhook-secret", 12), ("teams-url", 17)])
    func aSecretFileReadableByOthersIsAConfigErrorNamingTheChmod(name: String, line: Int) throws {
        // Given every kind of secret file, private, except `name` (0644)
        var files: [String: (text: String, mode: Int)] = [
            "smtp-password": ("pa55word", 0o600), "webhook-secret": (String(repeating: "k", count: 40), 0o600),
            "teams-url": ("https://council.webhook.office.com/x", 0o400),
        ]
        files[name]!.mode = 0o644
        let (dir, path) = try Self.setup(Self.everySecret, files: files)
        let file = dir.appendingPathComponent(name).standardizedFileURL.path
        // When the config is loaded (check-config, the daemon's start, a reload): a config error (exit 78)
        do {
            _ = try DrwatchConfig.load(path: path, environment: [:])
            Issue.record("accepted a 0644 \(name)")
        } catch let e as ConfigFileError {
            #expect(e.line == line)
            #expect(e.message.hasSuffix("\(file) is accessible by group or others (mode 0644); a secret must be private to the drwatch user: run chmod 600 \(file) (and chown drwatch \(file)), or pass it with systemd LoadCredential="))
        }
    }

    @Test func aWebhookSecretShorterThan32BytesIsAConfigError() throws {
        let (_, path) = try Self.setup(Self.everySecret, files: [
            "smtp-password": ("pa55word", 0o600), "webhook-secret": ("short-key\n", 0o600), "teams-url": ("https://h.example/x", 0o600),
        ])
        #expect(throws: ConfigFileError(file: path, line: 12,
            message: "[[webhook]] ops secret_file webhook-secret holds a 9-byte key; a webhook secret needs at least 32 bytes: generate one with head -c 32 /dev/urandom | base64 > FILE (and give the receiver the same)")) {
            try DrwatchConfig.load(path: path, environment: [:])
        }
    }

    @Test func aParkedNoticeToAWebhookCarriesNoAddressesAndNoServerReply() throws {
        // Given mail that the server refused for good, and an admin webhook (Teams: a third-party cloud)
        let config = try DrwatchConfig.parse(text: """
            policies = ["p.toml"]
            [roles]
            admin = ["admin@council.example"]
            [email]
            url = "smtp://mail.council.example:587"
            from = "drwatch@council.example"
            [[webhook]]
            name = "teams"
            format = "teams"
            url = "https://council.webhook.office.com/x"
            roles = ["admin"]
            """, path: "/etc/drwatch/drwatch.toml")
        let reply = "550 5.1.1 <tm.north@council.example>: Recipient address rejected: User unknown"
        let entry = OutboxEntry(id: 42, item: OutboxItem(identity: "DR-1/s1/opened/team-manager", ref: "DR-1", event: "opened",
                                                         recipients: ["tm.north@council.example"], channel: "email",
                                                         subject: "s", body: "b", createdAt: london("2026-11-23T10:00")),
                                state: .failed, attempts: 0, nextAttemptAt: london("2026-11-23T10:00"), lastError: reply, sentAt: nil,
                                recipients: [OutboxRecipient(address: "tm.north@council.example", sentAt: nil)])
        let now = london("2026-11-23T10:01")
        let (item, channel) = try #require(parkedNotice(for: entry, reason: reply, config: config,
                                                        templates: try TemplateSet.load(shipped: shippedTemplates), now: now))
        // Then it names the message, the channel and where to look, and nothing else
        #expect(channel == .webhook("teams"))
        #expect(item.subject == "drwatch: message DR-1/s1/opened/team-manager on email was not delivered")
        #expect(item.body == "Message DR-1/s1/opened/team-manager on channel email was parked after 1 attempt; see drwatch outbox on the server (drwatch outbox --failed, then drwatch outbox retry 42).\n")
        let payload = try JSONDecoder().decode(WebhookPayload.self, from: try #require(item.payload))
        #expect(payload.reason == "parked after 1 attempt; see drwatch outbox on the server")
        for text in [item.subject, item.body, String(decoding: item.payload ?? Data(), as: UTF8.self)] {
            #expect(!text.contains("@council.example") && !text.contains("550"), "\(text)")
        }
        // While the mail notice (in-house) keeps the full detail
        let (mail, _) = try #require(parkedNotice(for: OutboxEntry(id: 43, item: OutboxItem(
            identity: "DR-1/s1/opened/team-manager@teams", ref: "DR-1", event: "opened", recipients: [], channel: "teams",
            subject: "s", body: "b", createdAt: now), state: .failed, attempts: 0, nextAttemptAt: now, lastError: reply, sentAt: nil,
            recipients: []), reason: reply, config: config, templates: try TemplateSet.load(shipped: shippedTemplates), now: now))
        #expect(mail.body.contains("Last error: \(reply)"))
    }
}
