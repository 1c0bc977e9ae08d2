import DisputeCore
import DisputeStore
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
// - `[reports] suppression_threshold` (default 5, 1...100): `drwatch report` shows any count
//   from 1 to threshold - 1 as "<threshold" (docs/reports.md); 1 turns suppression off.
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
// Secrets: `password_file`, `oauth2_token_file`, `secret_file` and `url_file` are paths, never
// values. They are read at use time with `readSecret(_:)`; a relative name that does not exist
// next to the config is looked up in `$CREDENTIALS_DIRECTORY` (systemd `LoadCredential=`).
// A secret file must be private (mode 0600 or 0400: group and others have no access) and a
// webhook's HMAC key at least 32 bytes; `load` checks every file it finds (`checkSecretFiles`).
// No secret value is ever kept in the config, an error or a description. Webhook URLs can
// themselves be secrets (Slack, Teams): `url_file` keeps them out of the config, and
// descriptions and errors show only scheme and host.

/// The config file does not exist (the CLI exits 66, EX_NOINPUT).
public struct ConfigFileMissing: Error, CustomStringConvertible, Equatable, Sendable {
    public var path: String
    public init(path: String) { self.path = path }
    public var description: String {
        "\(path): config file not found; create it (see config/drwatch.toml), or pass --config PATH or set DRWATCH_CONFIG"
    }
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
    /// `database_password_file`: PostgreSQL's password (absolute, next to the config, or a
    /// systemd credential); without it, the credential `database-password` when present.
    public var databasePasswordFile: SecretFile? = nil
    /// `[reports]`: report settings.
    public var reports = ReportsConfig()
    /// `[web]` (WebSection.swift): the staff web app; `nil` when the section is absent.
    public var web: WebConfig? = nil
    /// `[web.oidc]` and `[web] trusted_proxy_header`: single sign-on (docs/sso.md).
    public var sso: WebSSOConfig { web?.sso ?? WebSSOConfig() }
    /// `[import]`: the drop folder and the export's column and value mapping.
    public var imports = ImportConfig()
    /// `[retention]`: how long closed disputes and sent messages are kept (docs/operations.md).
    public var retention = RetentionConfig()
    /// `[metrics]`: the node_exporter textfile and the web app's `/metrics` token.
    public var metrics = MetricsConfig()
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
    /// Without a `directory`, it is `outbox/` next to a SQLite database, or
    /// `serverStoreOutbox` for PostgreSQL (a URL has no folder).
    public func outboxDirectory(databaseOverride: String? = nil) -> String? {
        guard let files else { return nil }
        return files.directory ?? defaultOutboxDirectory(databaseOverride: databaseOverride)
    }

    /// Where the file transport writes (the admin notices' last resort even when `[files]` is
    /// off): `[files] directory`, else `outbox/` next to a SQLite database, else `serverStoreOutbox`.
    public var fileTransportDirectory: String { outboxDirectory() ?? defaultOutboxDirectory(databaseOverride: nil) }

    /// The file transport's folder when the database is a PostgreSQL URL and `[files]` names no
    /// `directory`: the folder systemd gives every drwatch unit (`StateDirectory=drwatch`).
    public static let serverStoreOutbox = "/var/lib/drwatch/outbox"

    private func defaultOutboxDirectory(databaseOverride: String?) -> String {
        let database = resolvedDatabasePath(override: databaseOverride)
        guard let location = try? StoreLocation(setting: database), let file = location.filePath else { return Self.serverStoreOutbox }
        return URL(fileURLWithPath: file).deletingLastPathComponent().appendingPathComponent("outbox").path
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
        if let oidc = sso.oidc { lines.append(oidc.summary) }
        if let p = sso.proxyHeader { lines.append("[web] trusted_proxy_header \(p.header) from \(p.proxies.joined(separator: ", "))") }
        if let dir = imports.directory { lines.append("import folder \(dir)") }
        lines.append("delivery up to \(delivery.maxAttempts) attempts, first retry after \(delivery.backoffSeconds) s")
        return lines.joined(separator: "\n")
    }
}
