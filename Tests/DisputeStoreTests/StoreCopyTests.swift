import DisputeCore
import Foundation
import Testing
@testable import DisputeStore

/// Which migrations a copy gives the target, and which tables it copies (pure).
@Suite("copy-store: the plan")
struct StoreCopyPlanTests {
    static let known = ["001-a", "002-b", "003-c"]

    static let accepted: [([String], [String], [String])] = [
        (["001-a", "002-b", "003-c"], [], ["001-a", "002-b", "003-c"]),
        (["001-a", "002-b"], [], ["001-a", "002-b"]),                       // an older source: the target stops there too
        (["001-a", "002-b"], ["001-a"], ["001-a", "002-b"]),                // a target part way, empty
        (["001-a", "002-b", "003-c"], ["001-a", "002-b", "003-c"], ["001-a", "002-b", "003-c"]),  // a target made by drwatch init
    ]

    @Test(arguments: accepted)
    func theTargetGetsExactlyTheSourcesMigrations(_ source: [String], _ target: [String], _ plan: [String]) throws {
        #expect(try CopyPlan.migrations(sourceApplied: source, targetKnown: Self.known, targetApplied: target, targetBackend: "PostgreSQL") == plan)
    }

    static let refused: [([String], [String], String)] = [
        (["001-a", "002-b", "003-c", "004-d"], [],
         "FROM has migration 004-d that this drwatch cannot apply to PostgreSQL yet; both stores must have the same schema: use a drwatch that has it for PostgreSQL (nothing was written)"),
        (["001-a", "003-c"], [],
         "FROM lacks migration 002-b, which comes before others it has; bring FROM up to date with drwatch init first (nothing was written)"),
        (["001-a"], ["001-a", "002-b"],
         "TO already has migration 002-b that FROM lacks; copy into a new SQLite file or a new PostgreSQL database (createdb), or bring FROM up to date with drwatch init first (nothing was written)"),
    ]

    @Test(arguments: refused)
    func migrationsThatCannotBeTheSameOnBothAreRefusedByName(_ source: [String], _ target: [String], _ message: String) {
        let error = #expect(throws: StoreCopyError.self) {
            try CopyPlan.migrations(sourceApplied: source, targetKnown: Self.known, targetApplied: target, targetBackend: "PostgreSQL")
        }
        #expect(error?.kind == .schemaDiffers)
        #expect(error?.description == message)
    }

    @Test func theTablesComeFromTheMigrationsInTheOrderTheyAreCreated() {
        let schema = CopyPlan.tables(of: Array(Migrations.all.prefix(8)))
        #expect(schema.tables == ["disputes", "events", "people", "outbox", "outbox_recipients", "store_changes",
                                  "web_sessions", "web_signin_links", "audit", "oidc_sign_ins", "pause_requests"])
        #expect(schema.seeded == ["store_changes"])
        let retention = CopyPlan.tables(of: [Migrations.retention])
        #expect(retention.tables == ["purge_grant", "purged_counts", "retention_log", "daemon_polls", "notification_counts"])
        #expect(retention.seeded == ["daemon_polls", "notification_counts"])
    }

    @Test func bothBackendsMigrationsGiveTheSameTables() throws {
        let shared = Set(PGMigrations.all.map(\.name)).intersection(Migrations.all.map(\.name))
        let schema = try CopyPlan.tables(source: Migrations.all, target: PGMigrations.all, applied: shared)
        #expect(schema == CopyPlan.tables(of: Migrations.all.filter { shared.contains($0.name) }))
    }

    @Test func aChecksumDependsOnEveryValueAndItsKindButNotOnRowOrder() {
        func sum(_ rows: [[SQLValue]]) -> String { var c = CopyChecksum(); rows.forEach { c.add($0) }; return c.hex }
        let a: [SQLValue] = [.integer(1), .text("x"), .null], b: [SQLValue] = [.integer(2), .blob(Data([0, 255])), .text("")]
        #expect(sum([a, b]) == sum([b, a]))
        #expect(sum([]) == String(repeating: "0", count: 64))
        #expect(sum([a, b]).count == 64)
        let variants: [[SQLValue]] = [[.integer(1)], [.text("1")], [.blob(Data("1".utf8))], [.real(1)], [.null], [.text("")], [.blob(Data())]]
        #expect(Set(variants.map { sum([$0]) }).count == variants.count)
        #expect(sum([[.text("ab"), .text("c")]]) != sum([[.text("a"), .text("bc")]]))
    }
}

/// `copy-store` on real stores: a SQLite file and the test run's PostgreSQL.
@Suite("copy-store: real stores", .enabled(if: PostgresServer.shared != nil, "needs PostgreSQL's server binaries"))
struct StoreCopyTests {
    /// The migrations both backends have (a SQLite source with one PostgreSQL cannot have yet is refused).
    static let shared = Set(PGMigrations.all.map(\.name)).intersection(Migrations.all.map(\.name))

    /// A SQLite store at the shared schema, holding every kind of row with edge values: times
    /// before 1970 and far ahead, flags, payloads with every byte value and none, text in any script.
    static func filledSQLite(_ temp: TempDatabase) throws {
        let db = try Database(path: temp.path)
        try Migrations.migrate(db, only: shared)
        let store = try SQLiteStore(path: temp.path)
        try store.insert(disputeWithEveryEvent())
        var open = openDispute(ref: "CASE-0002 / ünïcödé ✓")
        open.people = ["team-manager": ["o'brien@council.example"]]
        try store.insert(open)
        var item = outboxItem("CASE-0001/s2/stage-reminder/team-manager", recipients: ["a@council.example", "b@council.example"])
        item.payload = Data((0...255).map { UInt8($0) })
        #expect(try store.enqueue([item, outboxItem("CASE-0001/s2/x/iro", urgency: .urgent)]) == 2)
        var empty = outboxItem("CASE-0001/s3/empty/iro")
        empty.payload = Data()
        var none = outboxItem("CASE-0001/s3/none/iro")
        none.payload = nil
        _ = try store.enqueue([empty, none])
        let entries: [OutboxEntry] = try store.outbox(filter: .all)
        let entry = try #require(entries.first(where: { $0.item.identity == item.identity }))
        try store.markRecipientSent(id: entry.id, address: "a@council.example", at: Date(timeIntervalSince1970: 4_102_444_800.123))
        try store.addSession(tokenHash: "abc", email: "tm@council.example", csrf: "c", createdAt: Date(timeIntervalSince1970: -86_400.5),
                             expiresAt: Date(timeIntervalSince1970: 253_402_300_799.999), directoryRoles: ["iro", "team-manager"])
        try store.appendAudit(AuditEntry(at: instant(5), actor: nil, action: "signed-in", ref: nil, outcome: "done", detail: "line\nbreak\t\"quoted\""))
        try db.executeScript("UPDATE disputes SET is_paused = 1 WHERE ref = 'CASE-0001'", operation: "test")
    }

    /// Every row of every table, as stored, sorted: what two stores must agree on.
    static func dump(_ endpoint: any CopyEndpoint) throws -> [String: [[SQLValue]]] {
        var out: [String: [[SQLValue]]] = [:]
        let schema = CopyPlan.tables(of: endpoint.known.filter { shared.contains($0.name) })
        try endpoint.readTransaction {
            for table in schema.tables {
                let columns = try endpoint.columns(table).sorted()
                var rows: [[SQLValue]] = []
                try endpoint.read(table, columns: columns) { rows.append($0) }
                out[table] = rows.sorted { "\($0)" < "\($1)" }
            }
        }
        return out
    }

    @Test func aSQLiteStoreCopiedToPostgreSQLAndBackIsTheSameStore() throws {
        let source = try TempDatabase(), back = try TempDatabase()
        try Self.filledSQLite(source)
        let pg = try StoreFixture(.postgresql)

        let there = try StoreCopy.copy(from: .sqlite(path: source.path), to: pg.location)
        #expect(there.allMatch)
        #expect(there.migrations == PGMigrations.all.map(\.name).filter { Self.shared.contains($0) })
        #expect(there.tables.map(\.name).prefix(5) == ["disputes", "events", "people", "outbox", "outbox_recipients"])
        #expect(there.tables.filter { $0.name == "disputes" }.first?.targetRows == 2)
        #expect(there.tables.filter { $0.name == "events" }.first?.targetRows == 10)
        #expect(there.tables.filter { $0.name == "outbox" }.first?.targetRows == 4)

        // Exact values on PostgreSQL, read with its own SQL.
        #expect(try pg.strings("SELECT encode(payload, 'hex') FROM outbox WHERE identity = 'CASE-0001/s2/stage-reminder/team-manager'")
                == [(0...255).map { String(format: "%02x", $0) }.joined()])
        #expect(try pg.strings("SELECT COALESCE(encode(payload, 'hex'), 'null') FROM outbox WHERE identity LIKE 'CASE-0001/s3/%' ORDER BY identity")
                == ["", "null"])
        #expect(try pg.strings("SELECT sent_at FROM outbox_recipients WHERE address = 'a@council.example'") == ["4102444800123"])
        #expect(try pg.ints("SELECT created_at, expires_at FROM web_sessions") == [-86_400_500, 253_402_300_799_999])
        #expect(try pg.strings("SELECT detail FROM audit") == ["line\nbreak\t\"quoted\""])
        #expect(try pg.ints("SELECT is_paused, is_closed FROM disputes WHERE ref = 'CASE-0001'") == [1, 1])
        #expect(try pg.strings("SELECT ref FROM disputes ORDER BY id") == ["CASE-0001", "CASE-0002 / ünïcödé ✓"])

        // The copy is a working store: the same disputes, and new rows continue after the copied ids.
        let sqliteStore = try SQLiteStore(path: source.path), pgStore = try Stores.open(pg.location)
        #expect(try pgStore.disputes(openOnly: false) == sqliteStore.disputes(openOnly: false))
        let before = try #require(try pgStore.changeToken())
        #expect(before == (try sqliteStore.changeToken()))
        try pgStore.insert(openDispute(ref: "CASE-0003"))
        #expect(try pg.ints("SELECT id FROM disputes WHERE ref = 'CASE-0003'") == [3])
        #expect(try pgStore.changeToken().map { $0.seq > before.seq } == true)

        // ...and back to a new SQLite file: every row as the source holds it.
        let pgSource = try StoreFixture(.postgresql)
        _ = try StoreCopy.copy(from: .sqlite(path: source.path), to: pgSource.location)
        let home = try StoreCopy.copy(from: pgSource.location, to: .sqlite(path: back.path))
        #expect(home.allMatch)
        #expect(home.tables.map(\.sourceChecksum) == there.tables.map(\.sourceChecksum))
        #expect(try Self.dump(SQLiteCopyEndpoint(path: back.path)) == Self.dump(SQLiteCopyEndpoint(path: source.path)))
        #expect(try Self.dump(PGCopyEndpoint(url: pgSource.location.description, password: nil)) == Self.dump(SQLiteCopyEndpoint(path: source.path)))
    }

    @Test func aNonEmptyTargetIsRefusedAndLeftUntouched() throws {
        let source = try TempDatabase()
        try Self.filledSQLite(source)
        let pg = try StoreFixture(.postgresql)
        let store = try pg.store()
        try store.insert(openDispute(ref: "KEEP-1"))
        let error = #expect(throws: StoreCopyError.self) { try StoreCopy.copy(from: .sqlite(path: source.path), to: pg.location) }
        #expect(error?.kind == .targetNotEmpty)
        #expect(error?.description == "TO (\(pg.location)) already holds data (rows: disputes 1, events 1); copy-store fills only an empty store and never overwrites: "
                + "name a new SQLite file, or a new PostgreSQL database (createdb); nothing was written")
        #expect(try pg.strings("SELECT ref FROM disputes") == ["KEEP-1"])
        #expect(try pg.ints("SELECT COUNT(*) FROM outbox") == [0])

        // The other way: a SQLite file with rows.
        let full = try TempDatabase()
        try Self.filledSQLite(full)
        let back = #expect(throws: StoreCopyError.self) { try StoreCopy.copy(from: pg.location, to: .sqlite(path: full.path)) }
        #expect(back?.kind == .targetNotEmpty)
        #expect(try SQLiteStore(path: full.path).disputes(openOnly: false).count == 2)
    }

    @Test func aTargetMadeByDrwatchInitIsFilled() throws {
        let source = try TempDatabase()
        try Self.filledSQLite(source)
        let pg = try StoreFixture(.postgresql)
        let empty = try pg.store()   // migrated: its counter row and nothing else
        #expect(try empty.changeToken() == ChangeToken(epoch: 0, seq: 0))
        let report = try StoreCopy.copy(from: .sqlite(path: source.path), to: pg.location)
        #expect(report.allMatch)
        #expect(try empty.changeToken() == (try SQLiteStore(path: source.path).changeToken()))
    }

    @Test func aSourceWithoutAStoreIsRefusedAndTheNewFileRemoved() throws {
        let pg = try StoreFixture(.postgresql), target = try TempDatabase()
        let error = #expect(throws: StoreCopyError.self) { try StoreCopy.copy(from: pg.location, to: .sqlite(path: target.path)) }
        #expect(error?.kind == .sourceMissing)
        #expect(error?.description == "FROM (\(pg.location)) holds no drwatch store (no migrations applied); check the path or URL (nothing was written)")
        #expect(!FileManager.default.fileExists(atPath: target.path))
        let missing = #expect(throws: StoreCopyError.self) { try StoreCopy.copy(from: .sqlite(path: target.path + ".nope"), to: pg.location) }
        #expect(missing?.description == "FROM \(target.path).nope does not exist; check the path (nothing was written)")
    }

    /// A SQLite store with every migration this drwatch has: copied when PostgreSQL has them all
    /// too, else refused naming the ones it lacks, before anything is written.
    @Test func aSourceWithMigrationsTheTargetBackendLacksIsRefusedByName() throws {
        let source = try TempDatabase()
        _ = try source.store()
        let pg = try StoreFixture(.postgresql)
        let lacking = Migrations.all.map(\.name).filter { !Self.shared.contains($0) }
        if lacking.isEmpty {
            #expect(try StoreCopy.copy(from: .sqlite(path: source.path), to: pg.location).allMatch)
        } else {
            let error = #expect(throws: StoreCopyError.self) { try StoreCopy.copy(from: .sqlite(path: source.path), to: pg.location) }
            #expect(error?.kind == .schemaDiffers)
            #expect(error?.description.hasPrefix("FROM has migration\(lacking.count == 1 ? "" : "s") \(lacking.joined(separator: ", ")) that this drwatch cannot apply to PostgreSQL yet") == true)
            #expect(try pg.ints("SELECT COUNT(*) FROM pg_tables WHERE schemaname = 'public'") == [0])
        }
    }

    /// A value one backend holds and the other cannot (a blob in a text column, which SQLite
    /// allows: PostgreSQL takes its hex text): the read-back differs, the copy is rolled back and the report names the table.
    @Test func aCopyThatDoesNotReadBackTheSameIsRolledBack() throws {
        let source = try TempDatabase()
        try Self.filledSQLite(source)
        try Database(path: source.path).executeScript("UPDATE web_sessions SET csrf = X'5c78303066'", operation: "test")
        let pg = try StoreFixture(.postgresql)
        let error = #expect(throws: StoreCopyError.self) { try StoreCopy.copy(from: .sqlite(path: source.path), to: pg.location) }
        #expect(error?.kind == .copyDiffers)
        #expect(error?.report?.tables.filter { !$0.matches }.map(\.name) == ["web_sessions"])
        #expect(try pg.ints("SELECT COUNT(*) FROM disputes") == [0])
    }
}
