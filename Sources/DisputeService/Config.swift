import DisputeCore
import Foundation
import TOML
import WorkingDays

// The daemon's config file (DESIGN.md "Configuration shape"), parsed strictly and validated
// whole before use: every problem is a `ConfigFileError` reading `FILE:LINE: what; how`.
//
// Keys beyond DESIGN.md (each optional):
// - `[delivery] max_attempts` (default 8, 1...100): attempts per notification before it is
//   parked and the admin role is told.
// - `[delivery] backoff_seconds` (default 60, 1...86400): delay before the first retry;
//   it doubles after each failed attempt.
// - `templates_dir` (optional): a folder of message templates that replace the shipped ones
//   file by file (`reminder.txt`, `message.html`...; see config/templates/README.md).
// - `[email] ics` (default false): attach the deadline as an `.ics` calendar event.
//
// Defaults for keys DESIGN.md shows but an admin may leave out: `database`
// /var/lib/drwatch/drwatch.sqlite, `division` england-and-wales, `close_of_business` 17:00,
// `send_time` 08:30, `poll_interval_seconds` 60, no closures, no holidays file. With no
// [email], [[webhook]] or [files] section, messages go to the file transport in `outbox/`
// next to the database. `policies` is required.
//
// Secrets: `password_file`, `oauth2_token_file` and `secret_file` are paths, never values.
// They are read at use time with `readSecret(_:)`; a relative name that does not exist next
// to the config is looked up in `$CREDENTIALS_DIRECTORY` (systemd `LoadCredential=`).
// No secret value is ever kept in the config, an error or a description. Webhook URLs can
// themselves be secrets (Slack, Teams): descriptions and errors show only scheme and host.

/// The config file does not exist (the CLI exits 66, EX_NOINPUT).
public struct ConfigFileMissing: Error, CustomStringConvertible, Equatable, Sendable {
    public var path: String
    public init(path: String) { self.path = path }
    public var description: String {
        "\(path): config file not found; create it (see config/drwatch.toml), or pass --config PATH or set DRWATCH_CONFIG"
    }
}

/// A secret stored in a file: where it is named in the config, never its value.
public struct SecretFile: Equatable, Sendable, CustomStringConvertible {
    /// The name as written in the config (absolute, or relative to the config's folder).
    public var name: String
    /// The key that names it, e.g. `[email] password_file`.
    public var key: String
    /// The config file and line, for errors.
    public var file: String
    public var line: Int
    public init(name: String, key: String, file: String, line: Int) {
        self.name = name
        self.key = key
        self.file = file
        self.line = line
    }
    public var description: String { "secret file \"\(name)\"" }
}

/// The whole configuration of drwatch.
public struct DrwatchConfig: Equatable, Sendable, CustomStringConvertible {
    /// The config file as the user named it (used in errors), or `(defaults)`.
    public var file: String
    /// The folder relative paths are resolved against.
    public var directory: String
    /// The SQLite database (absolute, or relative to the working directory for overrides).
    public var database: String
    public var division: Division
    /// The gov.uk `bank-holidays.json` file, resolved; `nil` to use the built-in rules only.
    public var holidaysFile: String?
    /// Local closure days (not working days), sorted, without duplicates.
    public var closures: [LocalDate]
    /// Working-day deadlines fall at this local time (Europe/London).
    public var closeOfBusiness: LocalTime
    /// Reminders go out at this local time on working days.
    public var sendTime: LocalTime
    public var pollIntervalSeconds: Int
    /// Policy files, resolved, in config order.
    public var policies: [String]
    /// The config line naming each policy (parallel to `policies`; 0 for defaults).
    public var policyLines: [Int]
    /// Role -> addresses.
    public var roles: [String: [String]]
    public var email: EmailConfig?
    public var webhooks: [WebhookConfig]
    /// The file transport; `nil` when only email or webhooks are configured.
    public var files: FilesConfig?
    public var delivery: DeliveryConfig
    /// `templates_dir`, resolved: templates here replace the shipped ones file by file.
    public var templatesDir: String? = nil
    /// `$CREDENTIALS_DIRECTORY` when the config was loaded (systemd `LoadCredential=`).
    public var credentialsDirectory: String?
    /// The line of each top-level key and section (`"holidays_file"`, `"email"`, ...), for
    /// errors found later, e.g. by the calendar.
    public var keyLines: [String: Int] = [:]

    public static let defaultPath = "/etc/drwatch/drwatch.toml"
    public static let defaultDatabase = "/var/lib/drwatch/drwatch.sqlite"
    /// The shipped policy presets, relative to the presets folder.
    public static let presetFiles = [
        "four-stage.toml", "by-dispute-type.toml", "national-standards.toml",
        "six-stage-drp.toml", "fostering-four-level.toml",
    ]

    /// The config path: `$DRWATCH_CONFIG` when set and not empty, else /etc/drwatch/drwatch.toml.
    public static func path(environment: [String: String]) -> String {
        if let p = environment["DRWATCH_CONFIG"], !p.isEmpty { return p }
        return defaultPath
    }

    /// The database to use: the override (e.g. `--database`) when given, else the config's.
    public func resolvedDatabasePath(override: String? = nil) -> String {
        if let override, !override.isEmpty { return override }
        return database
    }

    /// The outbox folder of the file transport, or `nil` when the file transport is off.
    /// Without a `directory`, it is `outbox/` next to the database.
    public func outboxDirectory(databaseOverride: String? = nil) -> String? {
        guard let files else { return nil }
        if let d = files.directory { return d }
        let db = URL(fileURLWithPath: resolvedDatabasePath(override: databaseOverride))
        return db.deletingLastPathComponent().appendingPathComponent("outbox").path
    }

    /// The config used when there is no config file but a database is given: division
    /// england-and-wales, close of business 17:00, send time 08:30, poll every 60 s, the five
    /// shipped presets from `presetsDirectory`, no roles, the file transport in `outbox/`
    /// next to the database.
    public static func defaults(database: String, presetsDirectory: String) -> DrwatchConfig {
        let presets = URL(fileURLWithPath: presetsDirectory)
        return DrwatchConfig(
            file: "(defaults)", directory: FileManager.default.currentDirectoryPath, database: database,
            division: .englandAndWales, holidaysFile: nil, closures: [],
            closeOfBusiness: LocalTime(hour: 17, minute: 0)!, sendTime: LocalTime(hour: 8, minute: 30)!,
            pollIntervalSeconds: 60,
            policies: presetFiles.map { presets.appendingPathComponent($0).path },
            policyLines: presetFiles.map { _ in 0 },
            roles: [:], email: nil, webhooks: [], files: FilesConfig(directory: nil, line: 0),
            delivery: DeliveryConfig(), credentialsDirectory: nil)
    }

    /// The folder of the shipped presets: `config/policies` in the source package the
    /// executable was built in (found by walking up from it), else /usr/share/drwatch/policies.
    public static func shippedPresetsDirectory(executablePath: String = CommandLine.arguments[0]) -> String {
        let fm = FileManager.default
        var dir = URL(fileURLWithPath: executablePath).resolvingSymlinksInPath().deletingLastPathComponent()
        for _ in 0..<6 {
            let candidate = dir.appendingPathComponent("config/policies")
            var isDir: ObjCBool = false
            if fm.fileExists(atPath: candidate.path, isDirectory: &isDir), isDir.boolValue,
               fm.fileExists(atPath: dir.appendingPathComponent("Package.swift").path) {
                return candidate.path
            }
            dir = dir.deletingLastPathComponent()
        }
        return "/usr/share/drwatch/policies"
    }

    // MARK: Loading

    /// Reads and validates the config file, and checks that the files it names exist
    /// (policies, holidays file, CA file; secrets are only read at use time).
    ///
    /// - Parameters:
    ///   - path: the config file; `nil` for `$DRWATCH_CONFIG` or /etc/drwatch/drwatch.toml.
    ///   - environment: the process environment (`DRWATCH_CONFIG`, `CREDENTIALS_DIRECTORY`).
    /// - Throws: `ConfigFileMissing` when the file does not exist; `ConfigFileError` for
    ///   anything wrong in it.
    public static func load(path: String? = nil,
                            environment: [String: String] = ProcessInfo.processInfo.environment) throws -> DrwatchConfig {
        let path = path ?? Self.path(environment: environment)
        let fm = FileManager.default
        var isDir: ObjCBool = false
        guard fm.fileExists(atPath: path, isDirectory: &isDir) else { throw ConfigFileMissing(path: path) }
        if isDir.boolValue {
            throw ConfigFileError(file: path, line: 0, message: "is a folder, not a config file; name the .toml file itself")
        }
        guard let data = fm.contents(atPath: path) else {
            throw ConfigFileError(file: path, line: 0, message: "cannot be read; check its permissions (the drwatch user needs read access)")
        }
        guard let text = String(data: data, encoding: .utf8) else {
            throw ConfigFileError(file: path, line: 0, message: "is not UTF-8 text; save it as UTF-8")
        }
        let absolute = URL(fileURLWithPath: path, relativeTo: URL(fileURLWithPath: fm.currentDirectoryPath, isDirectory: true))
        let config = try parse(text: text, path: path, directory: absolute.deletingLastPathComponent().standardizedFileURL.path,
                               environment: environment)
        try config.checkFilesExist()
        return config
    }

    /// Parses and validates a config text (pure: reads no file).
    ///
    /// - Parameters:
    ///   - text: the file's contents.
    ///   - path: the file's path, shown in errors; its folder resolves relative paths.
    ///   - directory: overrides that folder (e.g. made absolute by `load`).
    ///   - environment: supplies `CREDENTIALS_DIRECTORY`.
    /// - Throws: `ConfigFileError` for the first problem, with its line.
    public static func parse(text: String, path: String, directory: String? = nil,
                             environment: [String: String] = [:]) throws(ConfigFileError) -> DrwatchConfig {
        let folder = directory ?? (path.contains("/") ? URL(fileURLWithPath: path).deletingLastPathComponent().path : ".")
        let root = TOMLReader(try parseTOML(text, file: path), file: path)
        func resolve(_ p: String) -> String {
            if p.hasPrefix("/") { return p }
            return URL(fileURLWithPath: folder, isDirectory: true).appendingPathComponent(p).standardizedFileURL.path
        }
        func nonEmptyPath(_ r: TOMLReader, _ key: String) throws(ConfigFileError) -> String? {
            guard let p = try r.optionalString(key) else { return nil }
            if p.isEmpty || p.contains("\0") {
                throw r.error("\(r.name(key)) is empty; give a file path, or remove the key", at: key)
            }
            return p
        }

        let database = resolve(try nonEmptyPath(root, "database") ?? defaultDatabase)
        let division = try root.optionalEnum("division", Division.self) ?? .englandAndWales
        let holidaysFile = try nonEmptyPath(root, "holidays_file").map(resolve)

        var closures: [LocalDate] = []
        for (text, line) in try root.optionalDateTextList("closures") ?? [] {
            guard let date = LocalDate(iso: text), date.iso == text else {
                throw root.error("closure \"\(text)\" is not a date; write it as YYYY-MM-DD, e.g. \"2026-12-29\"", line: line)
            }
            closures.append(date)
        }
        closures = Array(Set(closures)).sorted()

        let closeOfBusiness = try time(root, "close_of_business") ?? LocalTime(hour: 17, minute: 0)!
        let sendTime = try time(root, "send_time") ?? LocalTime(hour: 8, minute: 30)!
        let poll = try root.optionalInt("poll_interval_seconds", in: 1...3600) ?? 60

        guard let policyList = try root.optionalStringList("policies") else {
            throw root.error("missing required key \"policies\"; add e.g. policies = [\"policies/four-stage.toml\"] (the shipped presets are in /usr/share/drwatch/policies)")
        }
        if policyList.isEmpty {
            throw root.error("\"policies\" is empty; list at least one policy file, e.g. \"policies/four-stage.toml\"", at: "policies")
        }
        var seenPolicies: Set<String> = []
        for (p, line) in policyList {
            if p.isEmpty { throw root.error("a policy file name is empty; give its path", line: line) }
            if !seenPolicies.insert(resolve(p)).inserted {
                throw root.error("policy file \"\(p)\" is listed twice; remove one", line: line)
            }
        }

        var roles: [String: [String]] = [:]
        if let r = try root.optionalTable("roles") {
            for role in r.keys {
                let line = r.line(of: role)
                guard !role.isEmpty, role.unicodeScalars.allSatisfy({ isRoleNameScalar($0) }) else {
                    throw r.error("role name \"\(role)\" may use only letters, digits, - and _; rename it", line: line)
                }
                guard let list = try r.optionalStringList(role) else { continue }
                if list.isEmpty {
                    throw r.error("role \"\(role)\" has no addresses; add at least one, e.g. \(role) = [\"name@council.example\"]", line: line)
                }
                var addresses: [String] = []
                for (address, itemLine) in list {
                    guard isPlausibleEmail(address) else {
                        throw r.error("\"\(address)\" in role \"\(role)\" is not a plausible email address; write it as name@council.example", line: itemLine)
                    }
                    if !addresses.contains(address) { addresses.append(address) }
                }
                roles[role] = addresses
            }
        }

        let email = try EmailConfig.read(root, resolve: resolve)
        var webhooks: [WebhookConfig] = []
        for hook in try root.arrayOfTables("webhook") {
            let w = try WebhookConfig.read(hook)
            if let first = webhooks.first(where: { $0.name == w.name }) {
                throw hook.error("webhook name \"\(w.name)\" is used twice (first at line \(first.line)); give each [[webhook]] its own name", at: "name")
            }
            webhooks.append(w)
        }

        var files: FilesConfig? = nil
        if let f = try root.optionalTable("files") {
            files = FilesConfig(directory: try nonEmptyPath(f, "directory").map(resolve), line: f.line)
        } else if email == nil && webhooks.isEmpty {
            files = FilesConfig(directory: nil, line: 0)
        }

        var delivery = DeliveryConfig()
        if let d = try root.optionalTable("delivery") {
            delivery.maxAttempts = try d.optionalInt("max_attempts", in: 1...100) ?? delivery.maxAttempts
            delivery.backoffSeconds = try d.optionalInt("backoff_seconds", in: 1...86_400) ?? delivery.backoffSeconds
        }

        let templatesDir = try nonEmptyPath(root, "templates_dir").map(resolve)
        try root.finish()

        let credentials = environment["CREDENTIALS_DIRECTORY"].flatMap { $0.isEmpty ? nil : $0 }
        var config = DrwatchConfig(
            file: path, directory: folder, database: database, division: division, holidaysFile: holidaysFile,
            closures: closures, closeOfBusiness: closeOfBusiness, sendTime: sendTime, pollIntervalSeconds: poll,
            policies: policyList.map { resolve($0.value) }, policyLines: policyList.map(\.line),
            roles: roles, email: email, webhooks: webhooks, files: files, delivery: delivery,
            credentialsDirectory: credentials,
            keyLines: Dictionary(uniqueKeysWithValues: root.keys.map { ($0, root.line(of: $0)) }))
        config.templatesDir = templatesDir
        return config
    }

    /// `HH:MM` as a string (or a bare TOML time with zero seconds).
    private static func time(_ r: TOMLReader, _ key: String) throws(ConfigFileError) -> LocalTime? {
        guard let node = r.node(key) else { return nil }
        let text: String
        switch node.value {
        case .string(let s): text = s
        case .datetime(let s) where s.count == 5 || (s.count == 8 && s.hasSuffix(":00")): text = String(s.prefix(5))
        default:
            throw r.error("\(r.name(key)) must be a time as a string, not \(node.value.typeDescription); write \(key) = \"17:00\"", line: node.line)
        }
        guard let t = LocalTime(text) else {
            throw r.error("\(r.name(key)) is \"\(text)\", not a valid time; write HH:MM from 00:00 to 23:59, e.g. \"17:00\"", line: node.line)
        }
        return t
    }

    /// Checks that the policy files, the holidays file and the CA file exist.
    public func checkFilesExist(fileExists: (String) -> Bool = { FileManager.default.fileExists(atPath: $0) }) throws(ConfigFileError) {
        for (p, line) in zip(policies, policyLines) where !fileExists(p) {
            throw ConfigFileError(file: file, line: line,
                                  message: "policy file \(p) not found; check the path (relative paths are relative to the config's folder), or use a shipped preset")
        }
        if let h = holidaysFile, !fileExists(h) {
            throw ConfigFileError(file: file, line: keyLines["holidays_file"] ?? 0,
                                  message: "holidays_file \(h) not found; download https://www.gov.uk/bank-holidays.json there, or remove the key")
        }
        if let t = templatesDir, !fileExists(t) {
            throw ConfigFileError(file: file, line: keyLines["templates_dir"] ?? 0,
                                  message: "templates_dir \(t) not found; create the folder (copy files from the shipped templates to change them), or remove the key")
        }
        if let ca = email?.caFile, !fileExists(ca) {
            throw ConfigFileError(file: file, line: email?.line ?? 0,
                                  message: "[email] ca_file \(ca) not found; give the PEM file of the CA that signed the mail server's certificate")
        }
    }

    // MARK: Secrets

    /// Where a secret file is: an absolute name as is; a relative name next to the config
    /// if it exists there, else in `$CREDENTIALS_DIRECTORY`; `nil` when found nowhere.
    public func locateSecret(_ secret: SecretFile,
                             fileExists: (String) -> Bool = { FileManager.default.fileExists(atPath: $0) }) -> String? {
        if secret.name.hasPrefix("/") { return fileExists(secret.name) ? secret.name : nil }
        let local = URL(fileURLWithPath: directory, isDirectory: true).appendingPathComponent(secret.name).path
        if fileExists(local) { return local }
        if let credentialsDirectory {
            let credential = URL(fileURLWithPath: credentialsDirectory, isDirectory: true).appendingPathComponent(secret.name).path
            if fileExists(credential) { return credential }
        }
        return nil
    }

    /// Reads a secret at use time, without its trailing newline.
    ///
    /// - Throws: `ConfigFileError` at the line naming the secret when it cannot be found,
    ///   read, or is empty. The error never contains the secret.
    public func readSecret(_ secret: SecretFile) throws(ConfigFileError) -> String {
        func fail(_ message: String) -> ConfigFileError {
            ConfigFileError(file: secret.file, line: secret.line, message: message)
        }
        guard let path = locateSecret(secret) else {
            let places = secret.name.hasPrefix("/") ? secret.name
                : "\(URL(fileURLWithPath: directory).appendingPathComponent(secret.name).path) or \(credentialsDirectory.map { "\($0)/\(secret.name)" } ?? "$CREDENTIALS_DIRECTORY (not set)")"
            throw fail("\(secret.key) \"\(secret.name)\" not found (looked in \(places)); create the file (mode 0600) or pass it with systemd LoadCredential=\(secret.name):PATH")
        }
        guard let data = FileManager.default.contents(atPath: path) else {
            throw fail("\(secret.key) \(path) cannot be read; let the drwatch user read it (mode 0600, owned by drwatch)")
        }
        var value = String(decoding: data, as: UTF8.self)
        while value.hasSuffix("\n") || value.hasSuffix("\r") || value.hasSuffix("\r\n") { value.removeLast() }
        if value.isEmpty { throw fail("\(secret.key) \(path) is empty; write the secret into it") }
        return value
    }

    /// Every secret file the config names.
    public var secretFiles: [SecretFile] {
        [email?.passwordFile, email?.oauth2TokenFile].compactMap { $0 } + webhooks.compactMap(\.secretFile)
    }

    /// A summary for `--help`-style output and logs; paths only, never secrets or full webhook URLs.
    public var description: String {
        var lines = [
            "config \(file)",
            "database \(database)",
            "division \(division.rawValue), close of business \(closeOfBusiness), send time \(sendTime), poll every \(pollIntervalSeconds) s",
            "closures \(closures.map(\.iso).joined(separator: ", "))",
            "policies \(policies.joined(separator: ", "))",
            "roles \(roles.keys.sorted().joined(separator: ", "))",
        ]
        if let holidaysFile { lines.append("holidays file \(holidaysFile)") }
        if let email { lines.append(email.description) }
        for w in webhooks { lines.append(w.description) }
        if let dir = outboxDirectory() { lines.append("files \(dir)") }
        if let templatesDir { lines.append("templates \(templatesDir)") }
        lines.append("delivery up to \(delivery.maxAttempts) attempts, first retry after \(delivery.backoffSeconds) s")
        return lines.joined(separator: "\n")
    }
}

private func isRoleNameScalar(_ c: Unicode.Scalar) -> Bool {
    switch c {
    case "A"..."Z", "a"..."z", "0"..."9", "-", "_": true
    default: false
    }
}

/// True for 127.0.0.0/8, ::1 and localhost.
func isLoopbackHost(_ host: String) -> Bool {
    let h = host.lowercased().trimmingCharacters(in: CharacterSet(charactersIn: "[]"))
    if h == "localhost" || h == "::1" || h == "0:0:0:0:0:0:0:1" { return true }
    let parts = h.split(separator: ".", omittingEmptySubsequences: false)
    return parts.count == 4 && parts[0] == "127" && parts.allSatisfy { UInt8($0) != nil }
}

/// A URL shown without path, query or credentials (which may be secrets).
func redactedURL(_ url: URLComponents) -> String {
    var s = "\(url.scheme ?? "?")://\(url.host ?? "?")"
    if let port = url.port { s += ":\(port)" }
    if !(url.path.isEmpty || url.path == "/") || url.query != nil { s += "/…" }
    return s
}

// MARK: - Sections

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

/// `[files]`: the file transport, one .eml (or .json) per message.
public struct FilesConfig: Equatable, Sendable {
    /// The outbox folder, resolved; `nil` for `outbox/` next to the database.
    public var directory: String?
    /// The line of `[files]` (0 when implied).
    public var line: Int
    public init(directory: String?, line: Int) {
        self.directory = directory
        self.line = line
    }
}

/// `[delivery]`: retries.
public struct DeliveryConfig: Equatable, Sendable {
    /// Attempts per notification before it is parked and the admin role is told.
    public var maxAttempts = 8
    /// Delay before the first retry; doubles after each failed attempt.
    public var backoffSeconds = 60
    public init() {}
}
