import Delivery
import DisputeCore
import Foundation
import TOML
import WorkingDays

/// `[[webhook]]`: one JSON receiver.
public struct WebhookConfig: Equatable, Sendable, CustomStringConvertible {
    /// The payload shape: Delivery's own enum (`generic`, `teams`, `slack`).
    public typealias Format = WebhookFormat
    public var name: String
    /// The full URL when written inline (`url`). It may hold a token: never log or print it
    /// (use `description`). `nil` when it is in a file (`url_file`).
    public var url: String?
    /// `url_file`: a file (or systemd credential) holding the URL, for Teams and Slack URLs that
    /// carry a token. Read when the transports are built (start, reload, send-test).
    public var urlFile: SecretFile?
    public var format: Format
    /// The HMAC key (required for `generic`).
    public var secretFile: SecretFile?
    /// The roles whose notifications go to this webhook.
    public var roles: [String]
    /// The line of this `[[webhook]]`.
    public var line: Int

    public init(name: String, url: String?, urlFile: SecretFile? = nil, format: Format, secretFile: SecretFile?,
                roles: [String], line: Int) {
        self.name = name; self.url = url; self.urlFile = urlFile; self.format = format; self.secretFile = secretFile
        self.roles = roles; self.line = line
    }

    public var description: String {
        let shown = url.map { URLComponents(string: $0).map(redactedURL) ?? "(url)" } ?? "(url in \(urlFile.map(\.description) ?? "?"))"
        var s = "webhook \(name) \(format.rawValue) \(shown) for \(roles.joined(separator: ", "))"
        if let secretFile { s += ", signed with \(secretFile)" }
        return s
    }

    static func read(_ w: TOMLReader) throws(ConfigFileError) -> WebhookConfig {
        let name = try w.requiredString("name")
        guard !name.isEmpty, name.unicodeScalars.allSatisfy(isRoleNameScalar) else {
            throw w.error("webhook name \"\(name)\" may use only letters, digits, - and _; rename it", at: "name")
        }
        let url = try w.optionalString("url")
        var urlFile: SecretFile? = nil
        if let f = try w.optionalString("url_file") {
            if f.isEmpty { throw w.error("\"url_file\" of webhook \"\(name)\" is empty; give the name of the file holding the URL", at: "url_file") }
            if url != nil {
                throw w.error("webhook \"\(name)\" has both url and url_file; keep one (url_file for a URL that carries a token)", at: "url_file")
            }
            urlFile = SecretFile(name: f, key: "[[webhook]] \(name) url_file", file: w.file, line: w.line(of: "url_file"))
        }
        if let url {
            if let problem = WebhookEndpoint.urlProblem(url, name: name) { throw w.error(problem, at: "url") }
        } else if urlFile == nil {
            throw w.error("webhook \"\(name)\" has no url; add url = \"https://hooks.example/...\", or url_file = \"teams-url\" naming a file (mode 0600) that holds a URL with a token")
        }
        let format = try w.optionalEnum("format", Format.self) ?? .generic
        var secret: SecretFile? = nil
        if let s = try w.optionalString("secret_file") {
            if s.isEmpty { throw w.error("\"secret_file\" of webhook \"\(name)\" is empty; give the name of the file holding the HMAC key", at: "secret_file") }
            secret = SecretFile(name: s, key: "[[webhook]] \(name) secret_file", file: w.file, line: w.line(of: "secret_file"))
        } else if format == .generic {
            throw w.error("webhook \"\(name)\" (format generic) has no secret_file; add secret_file = \"webhook-secret\" naming the file with its HMAC key (at least \(minimumWebhookSecretBytes) bytes)")
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
        return WebhookConfig(name: name, url: url, urlFile: urlFile, format: format, secretFile: secret,
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

extension DrwatchConfig {
    /// The webhooks that serve `role` (their `roles` list it), in config order: the one place
    /// roles meet webhooks (routing, the poll's fast path and the planner use it).
    public func webhooks(for role: String) -> [String] {
        webhooks.filter { $0.roles.contains(role) }.map(\.name)
    }

    /// `webhooks(for:)` of every role some webhook serves, for a loop over many intents.
    public var webhooksByRole: [String: [String]] {
        let roles = Set(webhooks.flatMap(\.roles))
        return Dictionary(uniqueKeysWithValues: roles.map { ($0, webhooks(for: $0)) })
    }

    /// A webhook's URL: inline, or read from its `url_file` now and checked like an inline one.
    ///
    /// - Throws: `ConfigFileError` at the `url_file` line when the file cannot be read or does
    ///   not hold an acceptable URL (never showing it).
    public func resolvedURL(of webhook: WebhookConfig) throws(ConfigFileError) -> String {
        if let url = webhook.url { return url }
        guard let secret = webhook.urlFile else {
            throw ConfigFileError(file: file, line: webhook.line, message: "webhook \"\(webhook.name)\" has no url; add url or url_file")
        }
        let url = try readSecret(secret)
        if let problem = WebhookEndpoint.urlProblem(url, name: webhook.name, key: "the URL in url_file") {
            throw ConfigFileError(file: secret.file, line: secret.line, message: problem)
        }
        return url
    }
}
