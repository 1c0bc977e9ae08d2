import DisputeCore
import Foundation
import TOML
import WorkingDays

/// `[[webhook]]`: one JSON receiver.
public struct WebhookConfig: Equatable, Sendable, CustomStringConvertible {
    public enum Format: String, CaseIterable, Sendable {
        /// drwatch's own JSON, signed with HMAC-SHA256.
        case generic
        /// A Microsoft Teams incoming webhook.
        case teams
        /// A Slack incoming webhook.
        case slack
    }
    public var name: String
    /// The full URL. It may hold a token: never log or print it (use `description`).
    public var url: String
    public var format: Format
    /// The HMAC key (required for `generic`).
    public var secretFile: SecretFile?
    /// The roles whose notifications go to this webhook.
    public var roles: [String]
    /// The line of this `[[webhook]]`.
    public var line: Int

    public var description: String {
        let shown = URLComponents(string: url).map(redactedURL) ?? "(url)"
        var s = "webhook \(name) \(format.rawValue) \(shown) for \(roles.joined(separator: ", "))"
        if let secretFile { s += ", signed with \(secretFile)" }
        return s
    }

    static func read(_ w: TOMLReader) throws(ConfigFileError) -> WebhookConfig {
        let name = try w.requiredString("name")
        guard !name.isEmpty, name.unicodeScalars.allSatisfy(isRoleNameScalar) else {
            throw w.error("webhook name \"\(name)\" may use only letters, digits, - and _; rename it", at: "name")
        }
        let url = try w.requiredString("url")
        guard let parts = URLComponents(string: url), let scheme = parts.scheme?.lowercased(),
              let host = parts.host, !host.isEmpty else {
            throw w.error("\"url\" of webhook \"\(name)\" is not a URL; write url = \"https://hooks.example/...\"", at: "url")
        }
        switch scheme {
        case "https": break
        case "http":
            guard isLoopbackHost(host) else {
                throw w.error("\"url\" of webhook \"\(name)\" uses http:// to \(host); use https:// (http is only allowed for 127.0.0.1 or localhost)", at: "url")
            }
        default:
            throw w.error("\"url\" of webhook \"\(name)\" has the scheme \"\(scheme)\"; use https://", at: "url")
        }
        if parts.user != nil || parts.password != nil {
            throw w.error("\"url\" of webhook \"\(name)\" contains credentials; remove them and use secret_file", at: "url")
        }
        let format = try w.optionalEnum("format", Format.self) ?? .generic
        var secret: SecretFile? = nil
        if let s = try w.optionalString("secret_file") {
            if s.isEmpty { throw w.error("\"secret_file\" of webhook \"\(name)\" is empty; give the name of the file holding the HMAC key", at: "secret_file") }
            secret = SecretFile(name: s, key: "[[webhook]] \(name) secret_file", file: w.file, line: w.line(of: "secret_file"))
        } else if format == .generic {
            throw w.error("webhook \"\(name)\" (format generic) has no secret_file; add secret_file = \"webhook-secret\" naming the file with its HMAC key")
        }
        guard let roleList = try w.optionalStringList("roles") else {
            throw w.error("webhook \"\(name)\" has no roles; add roles = [\"admin\"] naming whose notifications go there")
        }
        if roleList.isEmpty {
            throw w.error("webhook \"\(name)\" has an empty roles list; name at least one role", at: "roles")
        }
        for (role, line) in roleList where role.isEmpty || !role.unicodeScalars.allSatisfy(isRoleNameScalar) {
            throw w.error("role \"\(role)\" of webhook \"\(name)\" may use only letters, digits, - and _", line: line)
        }
        return WebhookConfig(name: name, url: url, format: format, secretFile: secret,
                             roles: roleList.map(\.value), line: w.line)
    }
}

extension WebhookConfig {
    /// Every `[[webhook]]`, in order; names are unique.
    static func readAll(_ root: TOMLReader) throws(ConfigFileError) -> [WebhookConfig] {
        var webhooks: [WebhookConfig] = []
        for hook in try root.arrayOfTables("webhook") {
            let w = try WebhookConfig.read(hook)
            if let first = webhooks.first(where: { $0.name == w.name }) {
                throw hook.error("webhook name \"\(w.name)\" is used twice (first at line \(first.line)); give each [[webhook]] its own name", at: "name")
            }
            webhooks.append(w)
        }
        return webhooks
    }
}
