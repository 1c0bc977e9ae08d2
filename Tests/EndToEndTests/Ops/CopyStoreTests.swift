import Foundation
import Testing
@testable import DisputeStore

/// `drwatch copy-store FROM TO` as an admin runs it: a real SQLite file and the test run's PostgreSQL.
@Suite("copy-store", .enabled(if: PostgresServer.shared != nil, "needs PostgreSQL's server binaries"))
struct CopyStoreCLITests {
    /// The per-table lines of the summary: name -> (FROM rows, TO rows, FROM checksum, TO checksum, verdict).
    static func tableLines(_ stdout: String) -> [String: [String]] {
        var out: [String: [String]] = [:]
        for line in stdout.split(separator: "\n").dropFirst(2) {
            let words = line.split(separator: " ").map(String.init)
            if words.count == 6 { out[words[0]] = Array(words.dropFirst()) }
        }
        return out
    }

    @Test func aStoreMovesFromPostgreSQLToSQLiteAndBackVerifiedTableByTable() throws {
        let server = try #require(PostgresServer.shared)
        let ws = try Workspace(initialise: false)
        let pg = try server.makeDatabase()
        #expect(try ws.run(["init", "--database", pg]).status == 0)
        for ref in ["DR-1", "DR-2"] { #expect(try ws.openFormal(ref, extra: ["--database", pg]).status == 0) }
        #expect(try ws.run(["dispute", "escalate", "DR-1", "--by", "iro:iro@council.example", "--at", "2026-11-30T10:00", "--database", pg]).status == 0)

        // PostgreSQL -> a new SQLite file.
        let down = try ws.run(["copy-store", pg, ws.database.path])
        #expect(down.status == 0, "\(down.stderr)")
        #expect(down.stderr == "")
        let lines = down.stdout.split(separator: "\n").map(String.init)
        #expect(lines.first == "copied \(pg) to \(ws.database.path): \(PGMigrations.all.count) migrations (\(PGMigrations.all.last!.name))")
        let tables = Self.tableLines(down.stdout)
        #expect(tables["disputes"].map { Array($0[0...1]) + [$0[4]] } == ["2", "2", "ok"])
        #expect(tables["events"].map { Array($0[0...1]) + [$0[4]] } == ["3", "3", "ok"])
        #expect(tables["people"].map { Array($0[0...1]) } == ["2", "2"])
        #expect(tables.values.allSatisfy { $0[2] == $0[3] && $0[4] == "ok" })
        #expect(tables.count == CopyPlan.tables(of: PGMigrations.all).tables.count)
        let later = Migrations.all.map(\.name).filter { name in !PGMigrations.all.contains { $0.name == name } }
        #expect(lines.contains("all \(tables.count) tables match: TO is a verified copy of FROM"))
        #expect(lines.contains("TO can take later migrations (\(later.joined(separator: ", "))): run drwatch init with database = TO") == !later.isEmpty)
        let mode = try FileManager.default.attributesOfItem(atPath: ws.database.path)[.posixPermissions] as? Int
        #expect(mode == 0o600)

        // ...and that file to a new PostgreSQL database, its password read from a file and never shown.
        let secret = ws.dir.appendingPathComponent("pg-password")
        try "pw-s3cret-copy\n".write(to: secret, atomically: true, encoding: .utf8)
        chmod(secret.path, 0o600)
        let pg2 = try server.makeDatabase()
        let up = try ws.run(["copy-store", ws.database.path, pg2, "--to-password-file", secret.path])
        #expect(up.status == 0, "\(up.stderr)")
        #expect(!(up.stdout + up.stderr).contains("pw-s3cret-copy"))
        #expect(Self.tableLines(up.stdout).mapValues { $0[2] } == tables.mapValues { $0[2] })

        // The same disputes, the same deadlines, on all three.
        #expect(try ws.run(["init"]).status == 0)
        let due = try ws.run(["due", "--json", "--at", "2026-12-01T09:00"])
        #expect(due.status == 0, "\(due.stderr)")
        #expect(try (json(due.stdout) as? [Any])?.count == 2)
        for url in [pg, pg2] { #expect(try ws.run(["due", "--json", "--at", "2026-12-01T09:00", "--database", url]).stdout == due.stdout) }

        // A target with rows is refused (73) and left as it was.
        let again = try ws.run(["copy-store", pg, ws.database.path])
        #expect(again.status == 73)
        #expect(again.stdout == "")
        #expect(again.stderr.hasPrefix("drwatch: TO (\(ws.database.path)) already holds data (rows: disputes 2, events 3, people 2"))
        #expect(again.stderr.hasSuffix("copy-store fills only an empty store and never overwrites: name a new SQLite file, or a new PostgreSQL database (createdb); nothing was written\n"))
        #expect(ws.disputeCount == 2)

        // A SQLite store with migrations PostgreSQL cannot have yet is refused (69) by name, before anything is written.
        let pg3 = try server.makeDatabase()
        let ahead = try ws.run(["copy-store", ws.database.path, pg3])
        if later.isEmpty {
            #expect(ahead.status == 0, "\(ahead.stderr)")
        } else {
            #expect(ahead.status == 69)
            #expect(ahead.stderr.hasPrefix("drwatch: FROM has migration\(later.count == 1 ? "" : "s") \(later.joined(separator: ", ")) that this drwatch cannot apply to PostgreSQL yet"))
            #expect(try ws.run(["due", "--database", pg3]).status == 69)   // still no schema: drwatch init would be needed
        }
    }
}

/// The refusals that need no server.
@Suite("copy-store usage")
struct CopyStoreUsageTests {
    static let cases: [(args: [String], status: Int32, stderr: String)] = [
        (["copy-store", "/tmp/drwatch-nope.sqlite", "/tmp/drwatch-nope.sqlite"], 64,
         "drwatch: FROM and TO are the same store (/tmp/drwatch-nope.sqlite); name two different stores\n"),
        (["copy-store", "/tmp/drwatch-nope-\(getpid()).sqlite", "/tmp/drwatch-other-\(getpid()).sqlite"], 66,
         "drwatch: FROM /tmp/drwatch-nope-\(getpid()).sqlite does not exist; check the path (nothing was written)\n"),
        (["copy-store", "postgresql://drwatch:pw-s3cret@127.0.0.1/x", "/tmp/x.sqlite"], 64,
         "drwatch: FROM: database URL contains a password; remove it and put the password in a file named by database_password_file (or the systemd credential database-password)\n"),
        (["copy-store", "/tmp/a.sqlite", "/tmp/b.sqlite", "--from-password-file", "/tmp/pw"], 64,
         "drwatch: --from-password-file is for a postgresql:// store, not a SQLite file; leave it out\n"),
        (["copy-store", "/tmp/drwatch-nope-\(getpid()).sqlite", "/tmp/drwatch-no-folder-\(getpid())/b.sqlite"], 74,
         "drwatch: the folder of TO /tmp/drwatch-no-folder-\(getpid())/b.sqlite does not exist; create /tmp/drwatch-no-folder-\(getpid()) (owned by the drwatch user)\n"),
        (["copy-store", "/tmp/a.sqlite"], 64, ""),
    ]

    @Test(arguments: cases)
    func aRefusedCopySaysWhyWithItsExitCodeAndWritesNothing(_ args: [String], _ status: Int32, _ stderr: String) throws {
        let r = try Drwatch.run(args)
        #expect(r.status == status)
        if !stderr.isEmpty { #expect(r.stderr == stderr) } else { #expect(r.stderr.contains("Missing expected argument '<to>'")) }
        #expect(r.stdout == "")
        #expect(!r.stderr.contains("pw-s3cret"))
        #expect(!FileManager.default.fileExists(atPath: "/tmp/drwatch-other-\(getpid()).sqlite"))
    }
}
