import ServiceConfig
import Recording
import Delivery
import DisputeStore
import Foundation
import Logging

/// The configured transports: SMTP (`[email]`), the file transport (`[files]`, or `outbox/` next
/// to the database for admin notices), and each `[[webhook]]` by name; each one a `Transport`.
public struct DeliveryChannels: Sendable {
    public var smtp: SMTPTransport?
    public var files: FileTransport
    public var webhooks: [String: WebhookTransport]
    /// The envelope sender and `From:` (the file transport uses it too).
    public var from: String
    /// `[email] ics`.
    public var ics: Bool

    /// Builds the transports of `config`; secrets are only located here, read at each batch
    /// (a webhook's `url_file` is read here: the URL is needed to build its transport).
    ///
    /// - Throws: `ConfigFileError` for a `url_file` that cannot be read or holds no acceptable
    ///   URL; `DeliveryError` (`.configuration`) for a transport the config cannot describe.
    public init(config: DrwatchConfig, logger: Logger) throws {
        func secret(_ s: SecretFile?) -> SecretSource? {
            guard let s else { return nil }
            return .file(config.locateSecret(s) ?? URL(fileURLWithPath: config.directory).appendingPathComponent(s.name).path)
        }
        if let e = config.email {
            smtp = try SMTPTransport(config: SMTPConfig(url: e.url, from: e.from, tls: e.tls == .none ? .none : .required,
                                                        caFile: e.caFile, username: e.username, password: secret(e.passwordFile),
                                                        oauth2Token: secret(e.oauth2TokenFile)), logger: logger)
            from = e.from
        } else {
            from = "drwatch <drwatch@drwatch.invalid>"
        }
        ics = config.email?.ics ?? false
        files = FileTransport(directory: URL(fileURLWithPath: config.fileTransportDirectory))
        webhooks = [:]
        for w in config.webhooks {
            webhooks[w.name] = try WebhookTransport(endpoint: WebhookEndpoint(
                name: w.name, url: try config.resolvedURL(of: w), format: w.format, secret: secret(w.secretFile)), logger: logger)
        }
    }

    /// The transport of a channel; one that fails every message (to be retried after the config
    /// is fixed) when the channel is no longer configured.
    public func transport(for channel: Channel) -> any Transport {
        switch channel {
        case .files:
            return files
        case .email:
            if let smtp { return smtp }
            return UnavailableTransport(messageKind: .email, error: DeliveryError(
                .configuration, "[email] is no longer configured; requeue with drwatch outbox retry after fixing the config"))
        case .webhook(let name):
            if let hook = webhooks[name] { return hook }
            return UnavailableTransport(messageKind: .webhook, error: DeliveryError(
                .configuration, "webhook \(name) is no longer configured; requeue with drwatch outbox retry after fixing the config"))
        }
    }

    /// The message a transport of `kind` sends for an outbox entry.
    ///
    /// - Throws: `DeliveryError` (`.invalidMessage`) when the stored payload is unreadable.
    public func message(for entry: OutboxEntry, kind: MessageKind) throws -> OutgoingMessage {
        switch kind {
        case .email: .email(try email(for: entry))
        case .webhook: .webhook(try Self.webhook(for: entry))
        }
    }

    /// The email for an outbox message: headers from its payload, envelope = recipients still pending.
    ///
    /// - Throws: `DeliveryError` (`.invalidMessage`) when the stored payload is unreadable.
    public func email(for entry: OutboxEntry) throws -> OutgoingEmail {
        guard let data = entry.item.payload, let p = try? JSONDecoder().decode(MailPayload.self, from: data) else {
            throw DeliveryError(.invalidMessage, "outbox message \(entry.id) has no mail headers")
        }
        var attachments: [EmailAttachment] = []
        if ics, let due = p.due {
            attachments.append(ICSBuilder.attachment(ICSBuilder.deadlineEvent(
                id: entry.item.identity, due: due, summary: entry.item.subject, stamp: entry.item.createdAt)))
        }
        return OutgoingEmail(id: entry.item.identity, from: from, to: p.to, cc: p.cc, envelopeRecipients: entry.pendingRecipients,
                             subject: entry.item.subject, textBody: entry.item.body, htmlBody: entry.item.html,
                             attachments: attachments, caseRef: entry.item.ref, date: entry.item.createdAt)
    }

    /// The webhook message for an outbox message; its `id` is the outbox identity.
    public static func webhook(for entry: OutboxEntry) throws -> OutgoingWebhook {
        guard let data = entry.item.payload, let p = try? JSONDecoder().decode(WebhookPayload.self, from: data) else {
            throw DeliveryError(.invalidMessage, "outbox message \(entry.id) has no webhook payload")
        }
        return OutgoingWebhook(id: entry.item.identity, ref: p.ref, event: p.event, stage: p.stage, due: p.due, reason: p.reason,
                               roles: p.roles, title: entry.item.subject, text: entry.item.body)
    }
}
