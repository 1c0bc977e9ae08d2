import DisputeCore
import Foundation
import TOML
import WorkingDays

/// `[email]`: SMTP through libcurl.
public struct EmailConfig: Equatable, Sendable, CustomStringConvertible {
    public enum TLS: String, CaseIterable, Sendable {
        /// STARTTLS for smtp://, implicit TLS for smtps://; certificates verified.
        case required
        /// Plain text: only for a mail server on the loopback interface.
        case none
    }
    /// `smtp://host:port` or `smtps://host:port`.
    public var url: String
    public var host: String
    /// The `From:` header as written, e.g. `drwatch <drwatch@council.example>`.
    public var from: String
    /// The bare address of `from`, for the SMTP envelope.
    public var fromAddress: String
    public var tls: TLS
    /// A CA bundle (PEM) to trust instead of the system's, resolved.
    public var caFile: String?
    public var username: String?
    public var passwordFile: SecretFile?
    /// XOAUTH2 bearer token instead of a password.
    public var oauth2TokenFile: SecretFile?
    /// The line of `[email]`.
    public var line: Int
    /// `ics = true`: attach the deadline as an `.ics` calendar event.
    public var ics: Bool = false

    public var description: String {
        var s = "email \(url) from \(fromAddress), tls \(tls.rawValue)"
        if let username { s += ", user \(username)" }
        if let passwordFile { s += ", password in \(passwordFile)" }
        if let oauth2TokenFile { s += ", OAuth2 token in \(oauth2TokenFile)" }
        if let caFile { s += ", CA \(caFile)" }
        return s
    }

    static func read(_ root: TOMLReader, resolve: (String) -> String) throws(ConfigFileError) -> EmailConfig? {
        guard let e = try root.optionalTable("email") else { return nil }
        let url = try e.requiredString("url")
        guard let parts = URLComponents(string: url), let scheme = parts.scheme?.lowercased(),
              let host = parts.host, !host.isEmpty else {
            throw e.error("\"url\" in [email] is not a URL; write url = \"smtp://mail.council.example:587\" (or smtps:// for implicit TLS)", at: "url")
        }
        guard scheme == "smtp" || scheme == "smtps" else {
            throw e.error("\"url\" in [email] has the scheme \"\(scheme)\"; use smtp:// (STARTTLS) or smtps:// (implicit TLS)", at: "url")
        }
        if parts.user != nil || parts.password != nil {
            throw e.error("\"url\" in [email] contains credentials; remove them and use username and password_file", at: "url")
        }
        let from = try e.requiredString("from")
        guard let fromAddress = mailbox(from) else {
            throw e.error("\"from\" in [email] is not a plausible address; write from = \"drwatch <drwatch@council.example>\" or a bare address", at: "from")
        }
        let tls = try e.optionalEnum("tls", TLS.self) ?? .required
        if tls == .none {
            if scheme == "smtps" {
                throw e.error("tls = \"none\" contradicts smtps:// in [email]; use smtp:// or tls = \"required\"", at: "tls")
            }
            if !isLoopbackHost(host) {
                throw e.error("tls = \"none\" is only allowed for a mail server on 127.0.0.1 or localhost, not \(host); use tls = \"required\"", at: "tls")
            }
        }
        func secret(_ key: String) throws(ConfigFileError) -> SecretFile? {
            guard let name = try e.optionalString(key) else { return nil }
            if name.isEmpty { throw e.error("\"\(key)\" in [email] is empty; give the name of the file holding the secret", at: key) }
            return SecretFile(name: name, key: "[email] \(key)", file: e.file, line: e.line(of: key))
        }
        var caFile: String? = nil
        if let ca = try e.optionalString("ca_file") {
            if ca.isEmpty { throw e.error("\"ca_file\" in [email] is empty; give a PEM file or remove the key", at: "ca_file") }
            caFile = resolve(ca)
        }
        let username = try e.optionalString("username")
        if let username, username.isEmpty || username.unicodeScalars.contains(where: { $0.value < 32 }) {
            throw e.error("\"username\" in [email] is empty or has control characters; fix it or remove the key", at: "username")
        }
        let password = try secret("password_file")
        let token = try secret("oauth2_token_file")
        if password != nil && token != nil {
            throw e.error("[email] has both password_file and oauth2_token_file; keep one", at: "oauth2_token_file")
        }
        if let credential = password ?? token, username == nil {
            throw e.error("[email] \(credential.key.dropFirst(8)) needs a username; add username = \"...\"", line: credential.line)
        }
        if username != nil && password == nil && token == nil {
            throw e.error("[email] username is set without password_file or oauth2_token_file; add one, or remove username", at: "username")
        }
        var config = EmailConfig(url: url, host: host, from: from, fromAddress: fromAddress, tls: tls, caFile: caFile,
                                 username: username, passwordFile: password, oauth2TokenFile: token, line: e.line)
        config.ics = try e.optionalBool("ics") ?? false
        return config
    }
}

/// The address of `addr@x` or `Display Name <addr@x>`; `nil` if implausible or with control characters.
func mailbox(_ text: String) -> String? {
    guard !text.unicodeScalars.contains(where: { $0.value < 32 || $0.value == 127 }) else { return nil }
    if let open = text.lastIndex(of: "<") {
        guard text.hasSuffix(">") else { return nil }
        let address = String(text[text.index(after: open)..<text.index(before: text.endIndex)])
        let name = text[..<open].trimmingCharacters(in: .whitespaces)
        guard !name.contains("<"), !name.contains(">") else { return nil }
        return isPlausibleEmail(address) ? address : nil
    }
    return isPlausibleEmail(text) ? text : nil
}
