import Delivery
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
        let from = try e.requiredString("from")
        let tls = try e.optionalEnum("tls", TLS.self) ?? .required
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
        let password = try secret("password_file")
        let token = try secret("oauth2_token_file")
        // The rules are Delivery's (SMTPConfig.problem), reported here at the key's line.
        let smtp = SMTPConfig(url: url, from: from, tls: tls == .none ? .none : .required, caFile: caFile, username: username,
                              password: password.map { .file($0.name) }, oauth2Token: token.map { .file($0.name) })
        if let p = smtp.problem() {
            throw e.error(p.message, at: p.key)
        }
        var config = EmailConfig(url: url, host: URLComponents(string: url)?.host ?? "", from: from,
                                 fromAddress: (try? Mailbox(parsing: from).address) ?? from, tls: tls, caFile: caFile,
                                 username: username, passwordFile: password, oauth2TokenFile: token, line: e.line)
        config.ics = try e.optionalBool("ics") ?? false
        return config
    }
}

