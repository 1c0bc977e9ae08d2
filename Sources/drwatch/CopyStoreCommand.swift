import ArgumentParser
import DisputeStore
import Foundation
import ServiceConfig

/// `drwatch copy-store FROM TO`: the whole store copied between SQLite and PostgreSQL (either
/// way) into an empty one, then verified table by table (rows and a checksum, computed the same
/// way on both). Exit 0 only when every table matches (`DisputeStore/StoreCopy.swift`).
struct CopyStoreCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "copy-store",
        abstract: "Copy a whole store between SQLite and PostgreSQL into an empty one, and verify it.",
        discussion: """
            FROM and TO are each a SQLite file or a postgresql:// URL (no password in it). Stop drwatch first. \
            TO must be empty (a new file, or a new database: createdb); it gets FROM's schema. A postgresql:// side \
            takes its password from --from-password-file/--to-password-file, else from the config's \
            database_password_file or the systemd credential database-password. Exit 0 only when every table's \
            row count and checksum match (docs/operations.md, "Moving to PostgreSQL").
            """)

    @Option(help: ArgumentHelp("The config file, for database_password_file (default: $DRWATCH_CONFIG, else /etc/drwatch/drwatch.toml when it exists).", valueName: "path"))
    var config: String?
    @Option(help: ArgumentHelp("A file holding FROM's PostgreSQL password.", valueName: "path"))
    var fromPasswordFile: String?
    @Option(help: ArgumentHelp("A file holding TO's PostgreSQL password.", valueName: "path"))
    var toPasswordFile: String?
    @Argument(help: ArgumentHelp("The store to copy: a SQLite file or a postgresql:// URL.", valueName: "from"))
    var from: String
    @Argument(help: ArgumentHelp("The empty store to fill: a new SQLite file or a postgresql:// URL.", valueName: "to"))
    var to: String

    func run() throws {
        let source = try location(from, "FROM"), target = try location(to, "TO")
        let settings = try passwordSettings()
        let sourcePassword = try password(source, file: fromPasswordFile, option: "--from-password-file", settings)
        let targetPassword = try password(target, file: toPasswordFile, option: "--to-password-file", settings)
        if let file = target.filePath {
            let folder = URL(fileURLWithPath: file).deletingLastPathComponent().path
            var isDir: ObjCBool = false
            guard FileManager.default.fileExists(atPath: folder, isDirectory: &isDir), isDir.boolValue else {
                throw CommandFailure("the folder of TO \(file) does not exist; create \(folder) (owned by the drwatch user)", code: Sysexits.ioErr)
            }
        }
        let report: StoreCopyReport
        do {
            report = try StoreCopy.copy(from: source, password: sourcePassword, to: target, password: targetPassword)
        } catch let e as StoreCopyError {
            if let report = e.report { writeOut(Self.table(report)) }
            throw e
        }
        writeOut("copied \(source) to \(target): \(report.migrations.count) migrations (\(report.migrations.last ?? "none"))\n")
        writeOut(Self.table(report))
        writeOut("all \(report.tables.count) tables match: TO is a verified copy of FROM\n")
        if !report.laterMigrations.isEmpty {
            writeOut("TO can take later migrations (\(report.laterMigrations.joined(separator: ", "))): run drwatch init with database = TO\n")
        }
    }

    /// One line per table: rows in FROM and TO, the first 16 hex digits of each checksum.
    static func table(_ report: StoreCopyReport) -> String {
        let width = max(5, report.tables.map(\.name.count).max() ?? 0)
        func pad(_ s: String, _ n: Int, right: Bool = false) -> String {
            let fill = String(repeating: " ", count: max(0, n - s.count))
            return right ? fill + s : s + fill
        }
        var out = "\(pad("table", width))  \(pad("FROM rows", 10, right: true))  \(pad("TO rows", 10, right: true))  \(pad("FROM checksum", 16))  \(pad("TO checksum", 16))\n"
        for t in report.tables {
            out += "\(pad(t.name, width))  \(pad(String(t.sourceRows), 10, right: true))  \(pad(String(t.targetRows), 10, right: true))  "
                + "\(t.sourceChecksum.prefix(16))  \(t.targetChecksum.prefix(16))  \(t.matches ? "ok" : "DIFFERS")\n"
        }
        return out
    }

    private func location(_ setting: String, _ side: String) throws -> StoreLocation {
        do { return try StoreLocation(setting: setting) } catch {
            throw CommandFailure("\(side): \(error.description)", code: Sysexits.usage)
        }
    }

    /// The config that says where PostgreSQL's password is: `--config`, `$DRWATCH_CONFIG`, or
    /// /etc/drwatch/drwatch.toml when it exists; else the built-in defaults (the systemd credential only).
    private func passwordSettings() throws -> DrwatchConfig {
        let environment = ProcessInfo.processInfo.environment
        let explicit = config ?? environment["DRWATCH_CONFIG"].flatMap { $0.isEmpty ? nil : $0 }
        if explicit != nil || FileManager.default.fileExists(atPath: DrwatchConfig.defaultPath) {
            return try DrwatchConfig.load(path: explicit ?? DrwatchConfig.defaultPath, environment: environment)
        }
        var defaults = DrwatchConfig.defaults(database: DrwatchConfig.defaultDatabase, presetsDirectory: DrwatchConfig.shippedPresetsDirectory())
        defaults.credentialsDirectory = environment["CREDENTIALS_DIRECTORY"].flatMap { $0.isEmpty ? nil : $0 }
        return defaults
    }

    /// The password of a PostgreSQL side (never printed); nil for SQLite.
    private func password(_ location: StoreLocation, file: String?, option: String, _ settings: DrwatchConfig) throws -> String? {
        guard !location.isSQLite else {
            if file != nil { throw CommandFailure("\(option) is for a postgresql:// store, not a SQLite file; leave it out", code: Sysexits.usage) }
            return nil
        }
        if let file {
            let path = file.hasPrefix("/") ? file : URL(fileURLWithPath: FileManager.default.currentDirectoryPath).appendingPathComponent(file).path
            return try settings.readSecret(SecretFile(name: path, key: option, file: "command line", line: 0))
        }
        return try settings.databasePassword()
    }
}
