import DisputeStore
import Foundation
import ServiceConfig

// Messages to the `admin` role about drwatch itself (not about a dispute).

public enum AdminNotices {
    /// The admin's notice that a file failed, by mail when the admin role has addresses and
    /// `[email]` is configured, else a webhook that lists the admin role, else the file transport.
    public static func importFailed(config: DrwatchConfig, templates: TemplateSet, file: String, whole: Bool, disputes: Int, summary: String, folder: String, report: String,
                            now: Date) -> OutboxItem? {
        let admin = config.roles[adminRole] ?? []
        let facts: [String: Any] = ["file": file, "whole": whole, "disputes": disputes, "summary": summary, "folder": folder, "report": report]
        let message = templates.render("admin-import-failed", facts: facts)
        let identity = "admin/import-failed/\(file)/\(Int(now.timeIntervalSince1970))"
        let encoder = JSONEncoder()
        encoder.outputFormatting = .sortedKeys
        var item = OutboxItem(identity: identity, ref: nil, event: "admin-import-failed", urgency: .urgent, recipients: [],
                              channel: "files", subject: message.subject, body: message.text, createdAt: now)
        if config.email == nil || admin.isEmpty, let hook = config.webhooks.first(where: { $0.roles.contains(adminRole) }) {
            item.channel = Channel.webhook(hook.name).description
            item.payload = try? encoder.encode(WebhookPayload(ref: "", event: "admin-import-failed", stage: nil, due: nil,
                                                              reason: summary, roles: [adminRole]))
            return item
        }
        item.channel = config.email != nil && !admin.isEmpty ? Channel.email.description : Channel.files.description
        let to = admin.isEmpty ? ["admin@drwatch.invalid"] : admin
        item.recipients = to
        item.html = message.html
        item.payload = try? encoder.encode(MailPayload(to: to, cc: [], due: nil))
        return item
    }
}
