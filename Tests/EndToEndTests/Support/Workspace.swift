import Foundation
import Testing

/// A temporary folder with a config pointing at the repository's policy presets (absolute paths)
/// and a database, for tests of the commands that record disputes: a SQLite file in the folder,
/// or (`postgres: true`) a fresh database on the tests' PostgreSQL server.
struct Workspace {
    let dir: URL
    /// The PostgreSQL database's URL, when the workspace uses one.
    private(set) var postgresURL: String?
    var config: URL { dir.appendingPathComponent("drwatch.toml") }
    var database: URL { dir.appendingPathComponent("drwatch.sqlite") }
    static let fourStage = Drwatch.packageRoot.appendingPathComponent("config/policies/four-stage.toml").path

    /// - Parameter extraPolicies: further policy files (absolute) the config loads.
    /// - Parameter store: `.postgresql`: a fresh PostgreSQL database (`PostgresServer`) instead of a file.
    init(extraPolicies: [String] = [], initialise: Bool = true, store: StoreKind = .sqlite) throws {
        dir = try Drwatch.tempDir()
        if store == .postgresql {
            guard let server = PostgresServer.shared else { throw PostgresServer.Unavailable(description: "no PostgreSQL server") }
            postgresURL = try server.makeDatabase()
        }
        try writeConfig(policies: [Workspace.fourStage] + extraPolicies)
        if initialise {
            let r = try run(["init"])
            precondition(r.status == 0, "init failed: \(r.stderr)")
        }
    }

    /// Every role four-stage can notify, plus `admin`: what `check-config` requires.
    static let fourStageRoles = ["admin", "cpp-records", "director-of-childrens-services", "head-of-service",
                                 "head-of-service-safeguarding", "iro", "iro-service-manager", "service-director",
                                 "service-manager", "social-worker", "team-manager"]

    /// Rewrites the config with these policy files and, when given, a `[roles]` directory
    /// (each role gets `ROLE@council.example`).
    func writeConfig(policies: [String], roles: [String] = []) throws {
        let list = policies.map { "\"\($0)\"" }.joined(separator: ", ")
        let directory = roles.isEmpty ? "" : "\n[roles]\n" + roles.map { "\($0) = [\"\($0)@council.example\"]\n" }.joined()
        try """
            database = "\(postgresURL ?? database.path)"
            division = "england-and-wales"
            policies = [\(list)]
            """.appending(directory).write(to: config, atomically: true, encoding: .utf8)
    }

    /// Runs `drwatch ARGS --config CONFIG`.
    @discardableResult
    func run(_ args: [String], stdin: String? = nil) throws -> Drwatch.Result {
        try Drwatch.run(args + ["--config", config.path], stdin: stdin)
    }

    /// Writes a file into the workspace and returns its path.
    func file(_ name: String, _ bytes: [UInt8]) throws -> String {
        let url = dir.appendingPathComponent(name)
        try Data(bytes).write(to: url)
        return url.path
    }

    /// Runs a SQL query on the database with the system's Python (a second, independent reader)
    /// and returns the first column of the first row.
    func scalar(_ sql: String) throws -> String {
        if let postgresURL {
            let out = try PostgresServer.shared!.psql(postgresURL, sql)
            return String(out.split(separator: "\n", omittingEmptySubsequences: false).first ?? "")
        }
        let p = Process()
        p.executableURL = URL(fileURLWithPath: "/usr/bin/python3")
        p.arguments = ["-c", "import sqlite3,sys; c=sqlite3.connect(sys.argv[1]); print(c.execute(sys.argv[2]).fetchone()[0])", database.path, sql]
        let out = Pipe()
        p.standardOutput = out
        try p.run()
        let data = out.fileHandleForReading.readDataToEndOfFile()
        p.waitUntilExit()
        return String(decoding: data, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
    }

    /// The first column of every row of a query (an independent reader), in order.
    func column(_ sql: String) throws -> [String] {
        if let postgresURL {
            return try PostgresServer.shared!.psql(postgresURL, sql).split(separator: "\n").map { String($0.split(separator: "|", omittingEmptySubsequences: false)[0]) }
        }
        let r = try BackupTests.python("import sqlite3, sys\nfor row in sqlite3.connect(sys.argv[1]).execute(sys.argv[2]): print(row[0])",
                                       [database.path, sql])
        guard r.status == 0 else { throw Failed(description: r.stderr) }
        return r.stdout.split(separator: "\n").map(String.init)
    }

    /// Runs statements on the database outside drwatch (an independent writer) and commits them.
    func execute(_ sql: String) throws {
        if let postgresURL { _ = try PostgresServer.shared!.psql(postgresURL, sql); return }
        let r = try BackupTests.python("import sqlite3, sys\nc = sqlite3.connect(sys.argv[1])\nc.executescript(sys.argv[2])\nc.commit()",
                                       [database.path, sql])
        guard r.status == 0 else { throw Failed(description: r.stderr) }
    }
    struct Failed: Error, CustomStringConvertible { var description: String }

    var eventCount: Int { Int((try? scalar("SELECT COUNT(*) FROM events")) ?? "") ?? -1 }
    var disputeCount: Int { Int((try? scalar("SELECT COUNT(*) FROM disputes")) ?? "") ?? -1 }

    /// Opens a formal four-stage dispute raised by the IRO on Mon 23 Nov 2026 at 10:00.
    @discardableResult
    func openFormal(_ ref: String, policy: String = "four-stage", at: String = "2026-11-23T10:00", extra: [String] = []) throws -> Drwatch.Result {
        try run(["dispute", "open", "--ref", ref, "--policy", policy, "--kind", "formal", "--category", "general", "--type", "P",
                 "--raised-by", "iro:iro@council.example", "--at", at, "--person", "team-manager=tm@council.example"] + extra)
    }
}

/// The stores the end-to-end tests of store-neutral commands run on (`@Test(arguments: StoreKind.all)`):
/// PostgreSQL too when its server binaries are installed.
enum StoreKind: String, Sendable, CustomTestStringConvertible {
    case sqlite, postgresql
    var testDescription: String { rawValue }
    static var all: [StoreKind] { PostgresServer.shared == nil ? [.sqlite] : [.sqlite, .postgresql] }
}

/// Parses JSON output.
func json(_ text: String) throws -> Any {
    try JSONSerialization.jsonObject(with: Data(text.utf8), options: [.fragmentsAllowed])
}
