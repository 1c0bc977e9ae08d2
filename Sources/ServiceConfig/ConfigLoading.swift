import DisputeCore
import DisputeStore
import Foundation
import TOML
import WorkingDays

extension DrwatchConfig {
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
        try config.checkSecretFiles()
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
            try DrwatchConfig.nonEmptyPath(r, key)
        }

        // The `database` setting is read in one place (StoreLocation): a path (relative to the
        // config's folder) selects SQLite; a postgresql:// URL selects PostgreSQL.
        let database: String
        if let setting = try nonEmptyPath(root, "database") {
            do throws(StoreLocation.Invalid) {
                database = try StoreLocation(setting: setting).isSQLite ? resolve(setting) : setting
            } catch {
                throw root.error(error.description, at: "database")
            }
        } else {
            database = resolve(defaultDatabase)
        }
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

        let roles = try readRoles(root)

        let email = try EmailConfig.read(root, resolve: resolve)
        let webhooks = try WebhookConfig.readAll(root)

        let files = try FilesConfig.read(root, resolve: resolve, impliedByNoOtherTransport: email == nil && webhooks.isEmpty)
        let delivery = try DeliveryConfig.read(root)
        let reports = try ReportsConfig.read(root)
        let imports = try ImportConfig.read(root, resolve: resolve)
        let retention = try RetentionConfig.read(root)
        let metrics = try MetricsConfig.read(root)

        let templatesDir = try nonEmptyPath(root, "templates_dir").map(resolve)
        // PostgreSQL's password: a file (or the systemd credential of that name), never the URL.
        let databasePassword = try nonEmptyPath(root, "database_password_file").map {
            SecretFile(name: $0, key: "database_password_file", file: path, line: root.line(of: "database_password_file"))
        }
        let web = try WebConfig.read(root, resolve: resolve)
        try root.finish()

        let credentials = environment["CREDENTIALS_DIRECTORY"].flatMap { $0.isEmpty ? nil : $0 }
        var config = DrwatchConfig(
            file: path, directory: folder, database: database, division: division, holidaysFile: holidaysFile,
            closures: closures, closeOfBusiness: closeOfBusiness, sendTime: sendTime, pollIntervalSeconds: poll,
            policies: policyList.map { resolve($0.value) }, policyLines: policyList.map(\.line),
            roles: roles, email: email, webhooks: webhooks, files: files, delivery: delivery,
            credentialsDirectory: credentials,
            keyLines: Dictionary(uniqueKeysWithValues: root.keys.map { ($0, root.line(of: $0)) }))
        config.reports = reports
        config.imports = imports
        config.retention = retention
        config.metrics = metrics
        config.templatesDir = templatesDir
        config.databasePasswordFile = databasePassword
        config.web = web
        return config
    }

    /// A path-valued key: `nil` when absent; an error when empty or with a NUL.
    static func nonEmptyPath(_ r: TOMLReader, _ key: String) throws(ConfigFileError) -> String? {
        guard let p = try r.optionalString(key) else { return nil }
        if p.isEmpty || p.contains("\0") {
            throw r.error("\(r.name(key)) is empty; give a file path, or remove the key", at: key)
        }
        return p
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
        if let ca = sso.oidc?.caFile, !fileExists(ca) {
            throw ConfigFileError(file: file, line: sso.oidc?.line ?? 0,
                                  message: "[web.oidc] ca_file \(ca) not found; give the PEM file of the CA that signed the provider's certificate, or remove the key")
        }
        if let ca = email?.caFile, !fileExists(ca) {
            throw ConfigFileError(file: file, line: email?.line ?? 0,
                                  message: "[email] ca_file \(ca) not found; give the PEM file of the CA that signed the mail server's certificate")        }
    }
}
