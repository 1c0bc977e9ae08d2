import Delivery
import Logging
import Foundation
import Testing
import TOML
import WorkingDays
@testable import DisputeService
@testable import Notifications
@testable import Recording
@testable import ServiceConfig

/// The smallest valid config, as lines, so that cases can append to it.
private let minimal = """
    policies = ["policies/four-stage.toml"]
    """

private func parse(_ text: String, path: String = "/etc/drwatch/drwatch.toml",
                   environment: [String: String] = [:]) throws(ConfigFileError) -> DrwatchConfig {
    try DrwatchConfig.parse(text: text, path: path, environment: environment)
}

/// A fresh temporary folder.
private func tempDir() throws -> URL {
    let dir = FileManager.default.temporaryDirectory.appendingPathComponent("drwatch-config-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
    return dir
}

private func write(_ text: String, to url: URL) throws {
    try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
    try Data(text.utf8).write(to: url)
    chmod(url.path, 0o600)   // secrets must be private (checkSecretFiles)
}

@Suite("Config")
struct ConfigTests {
    static let exampleURL = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("config/drwatch.toml")

    @Test func theShippedExampleConfigParsesWithEveryKey() throws {
        // holidays_file and ca_file ship commented out (a fresh install has neither file): uncomment them.
        let text = try String(contentsOf: Self.exampleURL, encoding: .utf8)
            .replacingOccurrences(of: "\n# holidays_file = ", with: "\nholidays_file = ")
            .replacingOccurrences(of: "\n# ca_file = ", with: "\nca_file = ")
        let folder = Self.exampleURL.deletingLastPathComponent().path
        let c = try DrwatchConfig.parse(text: text, path: Self.exampleURL.path, environment: ["CREDENTIALS_DIRECTORY": "/run/credentials/drwatch.service"])
        #expect(c.database == "/var/lib/drwatch/drwatch.sqlite")
        #expect(c.division == .englandAndWales)
        #expect(c.holidaysFile == folder + "/bank-holidays.json")
        #expect(c.closures.map(\.iso) == ["2026-12-29", "2026-12-30", "2026-12-31"])
        #expect(c.closeOfBusiness == LocalTime(hour: 17, minute: 0))
        #expect(c.sendTime == LocalTime(hour: 8, minute: 30))
        #expect(c.pollIntervalSeconds == 60)
        #expect(c.policies == DrwatchConfig.presetFiles.map { "\(folder)/policies/\($0)" })
        #expect(c.policyLines.count == 5 && c.policyLines[0] == 39)
        #expect(c.roles["admin"] == ["drwatch-admin@council.example"])
        #expect(c.roles.count == 18)   // with the Emergency Duty Team (by-dispute-type [out_of_hours])
        let email = try #require(c.email)
        #expect(email.url == "smtp://mail.council.example:587")
        #expect(email.host == "mail.council.example")
        #expect(email.fromAddress == "drwatch@council.example")
        #expect(email.tls == .required)
        #expect(email.caFile == folder + "/ca.pem")
        #expect(email.username == "drwatch")
        #expect(email.passwordFile?.name == "smtp-password")
        #expect(email.oauth2TokenFile == nil)
        #expect(c.webhooks.map(\.name) == ["safeguarding-channel", "iro-team"])
        #expect(c.webhooks.map(\.format) == [.generic, .teams])
        #expect(c.webhooks[0].secretFile?.name == "webhook-secret")
        #expect(c.webhooks[0].roles == ["head-of-service-safeguarding"])
        #expect(c.outboxDirectory() == "/var/lib/drwatch/outbox")
        #expect(c.delivery == DeliveryConfig())
        #expect(c.reports.suppressionThreshold == 5)
        #expect(c.credentialsDirectory == "/run/credentials/drwatch.service")
        #expect(c.secretFiles.map(\.name) == ["smtp-password", "webhook-secret"])
    }

    @Test func leftOutKeysTakeTheirDefaults() throws {
        let c = try parse(minimal)
        #expect(c.database == "/var/lib/drwatch/drwatch.sqlite")
        #expect(c.division == .englandAndWales)
        #expect(c.holidaysFile == nil && c.closures.isEmpty)
        #expect(c.closeOfBusiness.description == "17:00" && c.sendTime.description == "08:30")
        #expect(c.pollIntervalSeconds == 60)
        #expect(c.roles.isEmpty && c.email == nil && c.webhooks.isEmpty)
        #expect(c.outboxDirectory() == "/var/lib/drwatch/outbox")
        #expect(c.outboxDirectory(databaseOverride: "/tmp/x/db.sqlite") == "/tmp/x/outbox")
        #expect(c.delivery.maxAttempts == 8 && c.delivery.backoffSeconds == 60)
        #expect(c.reports.suppressionThreshold == 5)
    }

    /// A PostgreSQL URL has no folder to put `outbox/` in: the file transport (and the admin
    /// notices' last resort) writes to systemd's state folder unless `[files] directory` says where.
    static let outboxFolders: [(config: String, override: String?, outbox: String?, fileTransport: String)] = [
        ("database = \"postgresql://db.council.example/drwatch\"\n" + minimal, nil, "/var/lib/drwatch/outbox", "/var/lib/drwatch/outbox"),
        ("database = \"postgresql://db.council.example/drwatch\"\n" + minimal + "\n[files]\ndirectory = \"/srv/out\"", nil, "/srv/out", "/srv/out"),
        ("database = \"postgresql://db.council.example/drwatch\"\n" + minimal + "\n[email]\nurl = \"smtps://mail.example:465\"\nfrom = \"a@b.example\"",
         nil, nil, "/var/lib/drwatch/outbox"),
        ("database = \"/srv/db/drwatch.sqlite\"\n" + minimal + "\n[email]\nurl = \"smtps://mail.example:465\"\nfrom = \"a@b.example\"",
         nil, nil, "/srv/db/outbox"),
        ("database = \"/srv/db/drwatch.sqlite\"\n" + minimal, "postgresql://127.0.0.1/drwatch", "/var/lib/drwatch/outbox", "/srv/db/outbox"),
    ]

    @Test(arguments: outboxFolders)
    func theOutboxOfAPostgreSQLStoreIsTheStateFolderUnlessFilesDirectorySaysWhere(_ text: String, _ override: String?, _ outbox: String?, _ fileTransport: String) throws {
        let c = try parse(text)
        #expect(c.outboxDirectory(databaseOverride: override) == outbox)
        #expect(c.fileTransportDirectory == fileTransport)
        var overridden = c
        if let override { overridden.database = override }
        #expect(overridden.fileTransportDirectory == (override == nil ? fileTransport : "/var/lib/drwatch/outbox"))
        #expect(try DeliveryChannels(config: overridden, logger: Logger(label: "test")).files.directory.path == overridden.fileTransportDirectory)
    }

    @Test func theReportsSuppressionThresholdIsRead() throws {
        #expect(try parse(minimal + "\n[reports]\nsuppression_threshold = 10").reports.suppressionThreshold == 10)
    }

    @Test func relativePathsAreRelativeToTheConfigFolder() throws {
        let c = try parse("""
            database = "data/drwatch.sqlite"
            holidays_file = "../shared/bank-holidays.json"
            policies = ["policies/a.toml", "/opt/p/b.toml"]
            [files]
            directory = "out"
            """, path: "/srv/drwatch/etc/drwatch.toml")
        #expect(c.database == "/srv/drwatch/etc/data/drwatch.sqlite")
        #expect(c.holidaysFile == "/srv/drwatch/shared/bank-holidays.json")
        #expect(c.policies == ["/srv/drwatch/etc/policies/a.toml", "/opt/p/b.toml"])
        #expect(c.outboxDirectory() == "/srv/drwatch/etc/out")
    }

    @Test func emailOrWebhookAloneTurnsTheFileTransportOff() throws {
        let c = try parse(minimal + "\n[email]\nurl = \"smtps://mail.example:465\"\nfrom = \"a@b.example\"")
        #expect(c.files == nil && c.outboxDirectory() == nil)
        let local = try parse(minimal + "\n[email]\nurl = \"smtp://127.0.0.1:2525\"\nfrom = \"a@b.example\"\ntls = \"none\"")
        #expect(local.email?.tls == EmailConfig.TLS.none)
        let hook = try parse(minimal + "\n[[webhook]]\nname = \"h\"\nurl = \"http://localhost:8080/x\"\nformat = \"slack\"\nroles = [\"admin\"]")
        #expect(hook.webhooks[0].format == .slack && hook.webhooks[0].secretFile == nil)
    }

    @Test func aPostgreSQLURLIsKeptAsWrittenNotMadeAPath() throws {
        let c = try parse("database = \"postgresql://db.council.example/drwatch?sslmode=verify-full\"\npolicies = [\"p.toml\"]",
                          path: "/srv/drwatch/etc/drwatch.toml")
        #expect(c.database == "postgresql://db.council.example/drwatch?sslmode=verify-full")
    }

    @Test func timesMayBeBareTOMLTimes() throws {
        let c = try parse(minimal + "\nclose_of_business = 16:30\nsend_time = 09:00:00\nclosures = [2026-12-29]")
        #expect(c.closeOfBusiness.description == "16:30" && c.sendTime.description == "09:00")
        #expect(c.closures.map(\.iso) == ["2026-12-29"])
    }

    @Test func theDatabaseOverrideWins() throws {
        let c = try parse(minimal)
        #expect(c.resolvedDatabasePath(override: "/tmp/d.sqlite") == "/tmp/d.sqlite")
        #expect(c.resolvedDatabasePath(override: nil) == "/var/lib/drwatch/drwatch.sqlite")
        #expect(c.resolvedDatabasePath(override: "") == "/var/lib/drwatch/drwatch.sqlite")
    }

    static let invalid: [(text: String, line: Int, contains: String)] = [
        ("policies = [\"p.toml\"]\ndatabse = \"x\"", 2, "unknown key \"databse\" at line 2; remove it or fix its spelling (did you mean \"database\"?)"),
        ("policies = [\"p.toml\"]\n[email]\nurl = \"smtp://m.example\"\nfrom = \"a@b.example\"\nport = 25", 5, "unknown key \"port\" in [email]"),
        ("policies = [\"p.toml\"]\n[files]\ndir = \"x\"", 3, "unknown key \"dir\" in [files]"),
        ("policies = [\"p.toml\"]\n[delivery]\nretries = 3", 3, "unknown key \"retries\" in [delivery]"),
        ("policies = [\"p.toml\"]\n[[webhook]]\nname = \"h\"\nurl = \"https://h.example\"\nsecret_file = \"s\"\nroles = [\"admin\"]\nsecret = \"x\"", 7, "unknown key \"secret\" in [[webhook]] (line 2)"),
        ("policies = [\"p.toml\"]\nmystery = 1", 2, "unknown key \"mystery\""),
        ("database = \"x\"", 1, "missing required key \"policies\""),
        ("policies = []", 1, "\"policies\" is empty"),
        ("policies = [\"a.toml\",\n  \"a.toml\"]", 2, "listed twice"),
        ("policies = \"a.toml\"", 1, "\"policies\" must be an array of strings, not a string"),
        ("policies = [\"p.toml\"]\n\npoll_interval_seconds = \"60\"", 3, "\"poll_interval_seconds\" must be an integer, not a string"),
        ("policies = [\"p.toml\"]\npoll_interval_seconds = 0", 2, "out of range; use a value from 1 to 3600"),
        ("policies = [\"p.toml\"]\ndatabase = 5", 2, "\"database\" must be a string"),
        ("policies = [\"p.toml\"]\ndatabase = \"\"", 2, "\"database\" is empty"),
        ("policies = [\"p.toml\"]\ndatabase = \"postgresql://drwatch:pw@db.example/drwatch\"", 2, "database URL contains a password; remove it and put the password in a file named by database_password_file"),
        ("policies = [\"p.toml\"]\nsend_time = \"25:00\"", 2, "\"send_time\" is \"25:00\", not a valid time; write HH:MM from 00:00 to 23:59"),
        ("policies = [\"p.toml\"]\nclose_of_business = \"5pm\"", 2, "\"close_of_business\" is \"5pm\", not a valid time"),
        ("policies = [\"p.toml\"]\nclose_of_business = 17", 2, "\"close_of_business\" must be a time as a string, not an integer"),
        ("policies = [\"p.toml\"]\nsend_time = 08:30:15", 2, "must be a time as a string, not a date/time"),
        ("policies = [\"p.toml\"]\ndivision = \"wales\"", 2, "\"division\" is \"wales\", which is not known; use one of \"england-and-wales\", \"scotland\", \"northern-ireland\""),
        ("policies = [\"p.toml\"]\nclosures = [\"2026-12-29\",\n  \"29/12/2026\"]", 3, "closure \"29/12/2026\" is not a date; write it as YYYY-MM-DD"),
        ("policies = [\"p.toml\"]\nclosures = [\"2026-02-30\"]", 2, "is not a date"),
        ("policies = [\"p.toml\"]\nclosures = [2026]", 2, "item 1 of \"closures\" is an integer, but must be a date"),
        ("policies = [\"p.toml\"]\nclosures = \"2026-12-29\"", 2, "\"closures\" must be an array of dates"),
        ("policies = [\"p.toml\"]\n[roles]\nadmin = [\"a@b.example\",\n  \"not-an-address\"]", 4, "\"not-an-address\" in role \"admin\" is not a plausible email address"),
        ("policies = [\"p.toml\"]\n[roles]\nadmin = \"a@b.example\"", 3, "\"admin\" in [roles] must be an array of strings, not a string"),
        ("policies = [\"p.toml\"]\n[roles]\nadmin = []", 3, "role \"admin\" has no addresses"),
        ("policies = [\"p.toml\"]\n[roles]\n\"a b\" = [\"a@b.example\"]", 3, "role name \"a b\" may use only letters"),
        ("policies = [\"p.toml\"]\nroles = 1", 2, "\"roles\" must be a table"),
        ("policies = [\"p.toml\"]\n[email]\nfrom = \"a@b.example\"", 2, "missing required key \"url\" in [email]"),
        ("policies = [\"p.toml\"]\n[email]\nurl = \"smtp://m.example\"", 2, "missing required key \"from\" in [email]"),
        ("policies = [\"p.toml\"]\n[email]\nurl = \"http://m.example\"\nfrom = \"a@b.example\"", 3, "has the scheme \"http\"; use smtp:// (STARTTLS) or smtps://"),
        ("policies = [\"p.toml\"]\n[email]\nurl = \"mail.example\"\nfrom = \"a@b.example\"", 3, "\"url\" in [email] is not a URL"),
        ("policies = [\"p.toml\"]\n[email]\nurl = \"smtp://m.example\"\nfrom = \"drwatch\"", 4, "\"from\" in [email] is not a plausible address"),
        ("policies = [\"p.toml\"]\n[email]\nurl = \"smtp://m.example\"\nfrom = \"x <a@b.example\"", 4, "not a plausible address"),
        ("policies = [\"p.toml\"]\n[email]\nurl = \"smtp://m.example\"\nfrom = \"a@b.example\"\ntls = \"none\"", 5, "tls = \"none\" is only allowed for a mail server on 127.0.0.1 or localhost, not m.example"),
        ("policies = [\"p.toml\"]\n[email]\nurl = \"smtps://127.0.0.1\"\nfrom = \"a@b.example\"\ntls = \"none\"", 5, "contradicts smtps://"),
        ("policies = [\"p.toml\"]\n[email]\nurl = \"smtp://m.example\"\nfrom = \"a@b.example\"\ntls = \"optional\"", 5, "use one of \"required\", \"none\""),
        ("policies = [\"p.toml\"]\n[email]\nurl = \"smtp://m.example\"\nfrom = \"a@b.example\"\npassword_file = \"p\"", 5, "password_file needs a username"),
        ("policies = [\"p.toml\"]\n[email]\nurl = \"smtp://m.example\"\nfrom = \"a@b.example\"\nusername = \"u\"", 5, "username is set without password_file"),
        ("policies = [\"p.toml\"]\n[email]\nurl = \"smtp://m.example\"\nfrom = \"a@b.example\"\nusername = \"u\"\npassword_file = \"p\"\noauth2_token_file = \"t\"", 7, "both password_file and oauth2_token_file"),
        ("policies = [\"p.toml\"]\n[email]\nurl = \"smtp://m.example\"\nfrom = \"a@b.example\"\nca_file = 1", 5, "\"ca_file\" in [email] must be a string"),
        ("policies = [\"p.toml\"]\n[[webhook]]\nname = \"h\"\nurl = \"ftp://h.example\"\nroles = [\"admin\"]", 4, "has the scheme \"ftp\"; use https://"),
        ("policies = [\"p.toml\"]\n[[webhook]]\nname = \"h\"\nurl = \"http://h.example/x\"\nroles = [\"admin\"]", 4, "uses http:// to h.example; use https://"),
        ("policies = [\"p.toml\"]\n[[webhook]]\nname = \"h\"\nurl = \"https://h.example\"\nformat = \"discord\"\nroles = [\"admin\"]", 5, "\"format\" in [[webhook]] (line 2) is \"discord\", which is not known; use one of \"generic\", \"teams\", \"slack\""),
        ("policies = [\"p.toml\"]\n[[webhook]]\nname = \"h\"\nurl = \"https://h.example\"\nroles = [\"admin\"]", 2, "(format generic) has no secret_file"),
        ("policies = [\"p.toml\"]\n[[webhook]]\nname = \"h\"\nurl = \"https://h.example\"\nformat = \"teams\"", 2, "webhook \"h\" has no roles"),
        ("policies = [\"p.toml\"]\n[[webhook]]\nname = \"h\"\nurl = \"https://h.example\"\nformat = \"teams\"\nroles = []", 6, "empty roles list"),
        ("policies = [\"p.toml\"]\n[[webhook]]\nurl = \"https://h.example\"", 2, "missing required key \"name\" in [[webhook]] (line 2)"),
        ("policies = [\"p.toml\"]\n[[webhook]]\nname = \"h\"\nurl = \"https://a.example\"\nformat = \"teams\"\nroles = [\"admin\"]\n[[webhook]]\nname = \"h\"\nurl = \"https://b.example\"\nformat = \"teams\"\nroles = [\"admin\"]", 8, "webhook name \"h\" is used twice (first at line 2)"),
        ("policies = [\"p.toml\"]\nwebhook = \"x\"", 2, "\"webhook\" must be an array of tables"),
        ("policies = [\"p.toml\"]\n[delivery]\nmax_attempts = 0", 3, "out of range; use a value from 1 to 100"),
        ("policies = [\"p.toml\"]\n[reports]\nsuppression_threshold = 0", 3, "out of range; use a value from 1 to 100"),
        ("policies = [\"p.toml\"]\n[reports]\nthreshold = 5", 3, "unknown key \"threshold\" in [reports]"),
        ("policies = [\"p.toml\"]\ndivision = england-and-wales", 2, "put text in double quotes: division = \"england-and-wales\""),
        ("policies = [\"p.toml\"]\n[email]\nurl = \"smtp://m.example\"\n[email]", 4, "table [email] is defined twice (first at line 2)"),
    ]

    @Test("each invalid config is a ConfigFileError naming file and line", arguments: invalid)
    func rejects(text: String, line: Int, contains: String) {
        do {
            let c = try parse(text)
            Issue.record("accepted: \(c)")
        } catch {
            #expect(error.file == "/etc/drwatch/drwatch.toml")
            #expect(error.line == line, "\(error)")
            #expect(error.message.contains(contains), "\(error)")
            #expect(error.description.hasPrefix("/etc/drwatch/drwatch.toml:\(line): "))
            #expect(error.message.contains(";"), "no 'how to fix' part: \(error)")
        }
    }

    // MARK: Loading

    @Test func aMissingFileIsADistinctError() {
        #expect(throws: ConfigFileMissing(path: "/nonexistent/drwatch.toml")) {
            try DrwatchConfig.load(path: "/nonexistent/drwatch.toml", environment: [:])
        }
    }

    @Test func thePathComesFromDRWATCH_CONFIGOrTheDefault() throws {
        #expect(DrwatchConfig.path(environment: [:]) == "/etc/drwatch/drwatch.toml")
        #expect(DrwatchConfig.path(environment: ["DRWATCH_CONFIG": ""]) == "/etc/drwatch/drwatch.toml")
        #expect(DrwatchConfig.path(environment: ["DRWATCH_CONFIG": "/x/y.toml"]) == "/x/y.toml")
        let dir = try tempDir()
        defer { try? FileManager.default.removeItem(at: dir) }
        try write("policies = [\"p.toml\"]\n", to: dir.appendingPathComponent("p.toml"))
        try write("policies = [\"p.toml\"]\n", to: dir.appendingPathComponent("c.toml"))
        let c = try DrwatchConfig.load(environment: ["DRWATCH_CONFIG": dir.appendingPathComponent("c.toml").path])
        #expect(c.policies == [dir.appendingPathComponent("p.toml").standardizedFileURL.path])
    }

    @Test func loadChecksThatNamedFilesExist() throws {
        let dir = try tempDir()
        defer { try? FileManager.default.removeItem(at: dir) }
        let config = dir.appendingPathComponent("drwatch.toml")
        try write("policies = [\"one.toml\",\n  \"two.toml\"]\n", to: config)
        try write("", to: dir.appendingPathComponent("one.toml"))
        do {
            _ = try DrwatchConfig.load(path: config.path, environment: [:])
            Issue.record("loaded with a missing policy file")
        } catch let error as ConfigFileError {
            #expect(error.line == 2)
            #expect(error.description.contains("two.toml not found"))
        }
        try write("", to: dir.appendingPathComponent("two.toml"))
        try write("policies = [\"one.toml\"]\nholidays_file = \"h.json\"\n", to: config)
        #expect(throws: ConfigFileError.self) { try DrwatchConfig.load(path: config.path, environment: [:]) }
        try write("{}", to: dir.appendingPathComponent("h.json"))
        let c = try DrwatchConfig.load(path: config.path, environment: [:])
        #expect(c.holidaysFile == dir.appendingPathComponent("h.json").standardizedFileURL.path)
    }

    @Test func aSyntaxErrorNamesTheFileAsGiven() throws {
        let dir = try tempDir()
        defer { try? FileManager.default.removeItem(at: dir) }
        let config = dir.appendingPathComponent("drwatch.toml")
        try write("policies = [\"p.toml\"]\n\n[email\n", to: config)
        #expect(throws: ConfigFileError(file: config.path, line: 3, message: "expected ']' to close the header [email; write it as [email] on one line")) {
            try DrwatchConfig.load(path: config.path, environment: [:])
        }
    }

    @Test func defaultsUseTheShippedPresetsAndAnOutboxNextToTheDatabase() {
        let c = DrwatchConfig.defaults(database: "/tmp/demo/drwatch.sqlite", presetsDirectory: "/usr/share/drwatch/policies")
        #expect(c.policies.count == 5)
        #expect(c.policies[0] == "/usr/share/drwatch/policies/four-stage.toml")
        #expect(c.outboxDirectory() == "/tmp/demo/outbox")
        #expect(c.division == .englandAndWales && c.closeOfBusiness.description == "17:00" && c.sendTime.description == "08:30")
    }

    // MARK: Secrets

    private static let secretValue = "s3cr3t-Pa55-do-not-print"

    private func secretsSetup() throws -> (dir: URL, creds: URL, config: DrwatchConfig) {
        let dir = try tempDir()
        let creds = dir.appendingPathComponent("credentials")
        let text = """
            policies = ["p.toml"]
            [email]
            url = "smtp://mail.example:587"
            from = "a@b.example"
            username = "drwatch"
            password_file = "smtp-password"
            [[webhook]]
            name = "hook"
            url = "https://hooks.example/services/T000/B000/XXXXSECRETTOKEN"
            secret_file = "webhook-secret"
            roles = ["admin"]
            """
        let config = try DrwatchConfig.parse(text: text, path: dir.appendingPathComponent("drwatch.toml").path,
                                             environment: ["CREDENTIALS_DIRECTORY": creds.path])
        return (dir, creds, config)
    }

    @Test func secretsAreReadNextToTheConfigThenFromTheCredentialsDirectory() throws {
        let (dir, creds, c) = try secretsSetup()
        defer { try? FileManager.default.removeItem(at: dir) }
        let password = try #require(c.email?.passwordFile)
        try write(Self.secretValue + "\n", to: creds.appendingPathComponent("smtp-password"))
        #expect(try c.readSecret(password) == Self.secretValue)
        #expect(c.locateSecret(password) == creds.appendingPathComponent("smtp-password").path)
        // A file next to the config wins.
        try write("local-one\r\n", to: dir.appendingPathComponent("smtp-password"))
        #expect(try c.readSecret(password) == "local-one")
        // An absolute name is used as is.
        let absolute = SecretFile(name: creds.appendingPathComponent("smtp-password").path, key: "[email] password_file", file: c.file, line: 6)
        #expect(try c.readSecret(absolute) == Self.secretValue)
    }

    @Test func aMissingOrEmptySecretNamesTheLineButNotTheValue() throws {
        let (dir, creds, c) = try secretsSetup()
        defer { try? FileManager.default.removeItem(at: dir) }
        let hookSecret = try #require(c.webhooks.first?.secretFile)
        do {
            _ = try c.readSecret(hookSecret)
            Issue.record("read a missing secret")
        } catch {
            #expect(error.line == 10)
            #expect(error.message.contains("not found"))
            #expect(error.message.contains(creds.path + "/webhook-secret"))
        }
        try write("\n", to: creds.appendingPathComponent("webhook-secret"))
        #expect(throws: ConfigFileError.self) { try c.readSecret(hookSecret) }
        var noCredentials = c
        noCredentials.credentialsDirectory = nil
        do { _ = try noCredentials.readSecret(hookSecret) } catch {
            #expect(error.message.contains("$CREDENTIALS_DIRECTORY (not set)"))
        }
    }

    @Test func noSecretEverAppearsInDescriptionsOrErrors() throws {
        let (dir, creds, c) = try secretsSetup()
        defer { try? FileManager.default.removeItem(at: dir) }
        try write(Self.secretValue, to: creds.appendingPathComponent("smtp-password"))
        try write(Self.secretValue, to: creds.appendingPathComponent("webhook-secret"))
        for secret in c.secretFiles { #expect(try c.readSecret(secret) == Self.secretValue) }
        var texts = [c.description, String(describing: c.email!), String(describing: c.webhooks)]
        texts += c.secretFiles.map(\.description)
        // Unreadable secret: the error names the path only.
        try FileManager.default.setAttributes([.posixPermissions: 0o000], ofItemAtPath: creds.appendingPathComponent("smtp-password").path)
        if getuid() != 0, let password = c.email?.passwordFile {
            do { _ = try c.readSecret(password) } catch { texts.append(error.description) }
        }
        for text in texts {
            #expect(!text.contains(Self.secretValue), "secret in: \(text)")
            #expect(!text.contains("XXXXSECRETTOKEN"), "webhook token in: \(text)")
        }
        #expect(c.description.contains("https://hooks.example/…"))
        #expect(c.description.contains("secret file \"smtp-password\""))
    }

    @Test func credentialsInAURLAreRejectedWithoutEchoingThem() {
        let text = minimal + "\n[email]\nurl = \"smtp://user:hunter2@m.example\"\nfrom = \"a@b.example\""
        do {
            _ = try parse(text)
            Issue.record("accepted credentials in the URL")
        } catch {
            #expect(error.line == 3)
            #expect(error.message.contains("contains credentials"))
            #expect(!error.description.contains("hunter2"))
        }
    }

    @Test(arguments: [("127.0.0.1", true), ("127.1.2.3", true), ("localhost", true), ("::1", true), ("[::1]", true),
                      ("10.0.0.1", false), ("mail.example", false), ("127.0.0.1.evil.example", false)])
    func loopbackHosts(host: String, loopback: Bool) {
        #expect(isLoopbackHost(host) == loopback)
    }
}
