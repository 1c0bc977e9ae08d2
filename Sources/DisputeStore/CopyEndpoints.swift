import CCrypto
import Foundation

/// One side of a `copy-store`, whatever its backend: its schema, its rows as stored values,
/// bulk inserts, and its triggers set aside while a copy fills it.
protocol CopyEndpoint: AnyObject {
    var location: StoreLocation { get }
    /// "SQLite" or "PostgreSQL", for messages.
    var backendName: String { get }
    /// Every migration this drwatch knows for this backend, in order.
    var known: [Migration] { get }
    /// The names of the migrations applied, in order (empty: no schema).
    func appliedMigrations() throws -> [String]
    func migrate(only: Set<String>) throws
    func count(_ table: String) throws -> Int
    /// The table's columns in their order in this database.
    func columns(_ table: String) throws -> [String]
    /// Every row of `table`, as stored, one call each (any order).
    func read(_ table: String, columns: [String], _ each: ([SQLValue]) throws -> Void) throws
    func insert(_ table: String, columns: [String], rows: [[SQLValue]]) throws
    func batchSize(columns: Int) -> Int
    func deleteAll(_ table: String) throws
    /// Sets every trigger of these tables aside for the rest of the transaction; returns what puts them back.
    func setTriggersAside(tables: [String]) throws -> () throws -> Void
    /// What the backend needs after rows were inserted with their own ids (PostgreSQL's identity sequences).
    func finishCopy(tables: [String]) throws
    func readTransaction<T>(_ body: () throws -> T) throws -> T
    func writeTransaction<T>(_ body: () throws -> T) throws -> T
}

/// A table name from the migrations or a column name from the catalog, as a quoted identifier.
func quoted(_ name: String) -> String { "\"" + name.replacingOccurrences(of: "\"", with: "\"\"") + "\"" }

/// A checksum of a table that does not depend on the order its rows are read in: the sum,
/// modulo 2^256, of the SHA-256 of each row's canonical rendering. A row renders each value
/// with its kind, so an integer 1, a text "1" and a blob 0x31 differ: `n;` (null), `i<decimal>;`,
/// `r<decimal>;`, `t<bytes>:<UTF-8>`, `b<bytes>:<bytes>`.
struct CopyChecksum: Equatable {
    private var limbs: [UInt64] = [0, 0, 0, 0]   // big-endian
    private var buffer: [UInt8] = []

    mutating func add(_ row: [SQLValue]) {
        buffer.removeAll(keepingCapacity: true)
        for value in row {
            switch value {
            case .null: buffer += Array("n;".utf8)
            case .integer(let v): buffer += Array("i\(v);".utf8)
            case .real(let v): buffer += Array("r\(v);".utf8)
            case .text(let s):
                let bytes = Array(s.utf8)
                buffer += Array("t\(bytes.count):".utf8); buffer += bytes
            case .blob(let d):
                buffer += Array("b\(d.count):".utf8); buffer += d
            }
        }
        var digest = [UInt8](repeating: 0, count: Int(SHA256_DIGEST_LENGTH))
        _ = buffer.withUnsafeBufferPointer { SHA256($0.baseAddress, $0.count, &digest) }
        var carry: UInt64 = 0
        for limb in stride(from: 3, through: 0, by: -1) {
            let word = digest[(limb * 8)..<(limb * 8 + 8)].reduce(UInt64(0)) { $0 << 8 | UInt64($1) }
            let (a, o1) = limbs[limb].addingReportingOverflow(word)
            let (b, o2) = a.addingReportingOverflow(carry)
            limbs[limb] = b
            carry = (o1 ? 1 : 0) + (o2 ? 1 : 0)
        }
    }

    /// 64 hex digits.
    var hex: String { limbs.map { String(format: "%016llx", $0) }.joined() }
}

// MARK: SQLite

final class SQLiteCopyEndpoint: CopyEndpoint {
    let db: Database
    init(path: String) throws {
        db = try Database(path: path)
        try db.transaction(.deferred) { try Migrations.checkNotTooNew(db) }
    }

    var location: StoreLocation { db.location }
    var backendName: String { "SQLite" }
    var known: [Migration] { Migrations.all }

    func appliedMigrations() throws -> [String] {
        guard try db.hasTable("schema_migrations") else { return [] }
        var names = Set<String>()
        try db.query("SELECT name FROM schema_migrations", operation: "read applied migrations") { names.insert($0.string(0)) }
        return known.map(\.name).filter { names.contains($0) }
    }

    func migrate(only: Set<String>) throws { try Migrations.migrate(db, only: only) }

    func count(_ table: String) throws -> Int {
        try db.first("SELECT COUNT(*) FROM \(quoted(table))", operation: "count the rows of \(table)") { $0.int(0) } ?? 0
    }

    func columns(_ table: String) throws -> [String] {
        var names: [String] = []
        try db.query("SELECT name FROM pragma_table_info(?) ORDER BY cid", table, operation: "read the columns of \(table)") { names.append($0.string(0)) }
        return names
    }

    func read(_ table: String, columns: [String], _ each: ([SQLValue]) throws -> Void) throws {
        let sql = "SELECT \(columns.map(quoted).joined(separator: ", ")) FROM \(quoted(table))"
        try db.query(sql, operation: "read \(table)") { row in
            try each((0..<Int32(columns.count)).map { row.value($0) })
        }
    }

    func insert(_ table: String, columns: [String], rows: [[SQLValue]]) throws {
        let sql = "INSERT INTO \(quoted(table)) (\(columns.map(quoted).joined(separator: ", "))) VALUES (\(columns.map { _ in "?" }.joined(separator: ", ")))"
        for row in rows { try db.query(sql, arguments: row, operation: "copy rows into \(table)") { _ in } }
    }

    func batchSize(columns: Int) -> Int { 256 }
    func deleteAll(_ table: String) throws { try db.execute("DELETE FROM \(quoted(table))", operation: "empty \(table)") }

    /// SQLite cannot switch a trigger off: it is dropped and created again from its own SQL as
    /// stored in the schema, inside the one transaction (no other connection sees it missing).
    func setTriggersAside(tables: [String]) throws -> () throws -> Void {
        var triggers: [(name: String, sql: String)] = []
        try db.query("SELECT name, sql FROM sqlite_master WHERE type = 'trigger' ORDER BY name", operation: "read the triggers") { row in
            triggers.append((row.string(0), row.string(1)))
        }
        for t in triggers { try db.execute("DROP TRIGGER \(quoted(t.name))", operation: "set a trigger aside") }
        return { [db] in for t in triggers { try db.executeScript(t.sql, operation: "restore a trigger") } }
    }

    func finishCopy(tables: [String]) throws {}
    func readTransaction<T>(_ body: () throws -> T) throws -> T { try db.transaction(.deferred, body) }
    func writeTransaction<T>(_ body: () throws -> T) throws -> T { try db.transaction(.immediate, body) }
}

// MARK: PostgreSQL

final class PGCopyEndpoint: CopyEndpoint {
    let db: PGDatabase
    private var connection: PGConnection { db.connection }

    init(url: String, password: String?) throws {
        db = try PGDatabase(url: url, password: password)
        try PGMigrations.checkNotTooNew(db.connection)
    }

    var location: StoreLocation { db.location }
    var backendName: String { "PostgreSQL" }
    var known: [Migration] { PGMigrations.all }

    func appliedMigrations() throws -> [String] {
        let names = Set(try PGMigrations.applied(connection))
        return known.map(\.name).filter { names.contains($0) }
    }

    func migrate(only: Set<String>) throws { _ = try PGMigrations.migrate(connection, only: only) }

    func count(_ table: String) throws -> Int {
        try connection.first("SELECT COUNT(*) FROM \(quoted(table))", operation: "count the rows of \(table)") { $0.int(0) } ?? 0
    }

    func columns(_ table: String) throws -> [String] {
        var names: [String] = []
        try connection.execute("""
            SELECT column_name FROM information_schema.columns
            WHERE table_schema = current_schema() AND table_name = $1 ORDER BY ordinal_position
            """, [.text(table)], operation: "read the columns of \(table)") { names.append($0.string(0)) }
        return names
    }

    /// Through a cursor, 2,000 rows at a time, so a large table never sits whole in memory.
    func read(_ table: String, columns: [String], _ each: ([SQLValue]) throws -> Void) throws {
        try connection.execute("DECLARE drwatch_copy NO SCROLL CURSOR FOR SELECT \(columns.map(quoted).joined(separator: ", ")) FROM \(quoted(table))",
                               operation: "read \(table)")
        var fetched = 0
        repeat {
            fetched = 0
            try connection.execute("FETCH 2000 FROM drwatch_copy", operation: "read \(table)") { row in
                fetched += 1
                try each((0..<Int32(columns.count)).map { Self.value(row, $0) })
            }
        } while fetched > 0
        try connection.execute("CLOSE drwatch_copy", operation: "read \(table)")
    }

    /// A column in the text format, as the value SQLite would hold: integers (and booleans, as
    /// 0/1), bytea as bytes, floating point as real, anything else as text.
    static func value(_ row: PGRow, _ i: Int32) -> SQLValue {
        if row.isNull(i) { return .null }
        switch row.typeOID(i) {
        case 20, 21, 23, 26: return .integer(row.int64(i))
        case 16: return .integer(row.bool(i) ? 1 : 0)
        case 17: return .blob(row.optionalData(i) ?? Data())
        case 700, 701: return .real(Double(row.string(i)) ?? .nan)
        default: return .text(row.string(i))
        }
    }

    func insert(_ table: String, columns: [String], rows: [[SQLValue]]) throws {
        guard !rows.isEmpty else { return }
        var sql = "INSERT INTO \(quoted(table)) (\(columns.map(quoted).joined(separator: ", "))) VALUES "
        var n = 0
        sql += rows.map { row in "(" + row.map { _ in n += 1; return "$\(n)" }.joined(separator: ", ") + ")" }.joined(separator: ", ")
        try connection.execute(sql, PGDatabase.values(rows.flatMap { $0 }), operation: "copy rows into \(table)")
    }

    /// At most 500 rows, and fewer than PostgreSQL's 65,535 parameters, per statement.
    func batchSize(columns: Int) -> Int { max(1, min(500, 60_000 / max(columns, 1))) }
    func deleteAll(_ table: String) throws { try connection.execute("DELETE FROM \(quoted(table))", operation: "empty \(table)") }

    /// `DISABLE TRIGGER USER`: drwatch's own triggers only (foreign keys stay checked), undone in
    /// the same transaction.
    func setTriggersAside(tables: [String]) throws -> () throws -> Void {
        for t in tables { try connection.execute("ALTER TABLE \(quoted(t)) DISABLE TRIGGER USER", operation: "set the triggers of \(t) aside") }
        return { [connection] in
            for t in tables { try connection.execute("ALTER TABLE \(quoted(t)) ENABLE TRIGGER USER", operation: "restore the triggers of \(t)") }
        }
    }

    /// Rows came with their ids: each identity sequence continues after the highest.
    func finishCopy(tables: [String]) throws {
        for t in tables {
            guard let sequence = try connection.first("""
                SELECT pg_get_serial_sequence($1, 'id') FROM information_schema.columns
                WHERE table_schema = current_schema() AND table_name = $2 AND column_name = 'id'
                """, [.text(quoted(t)), .text(t)], operation: "read the id sequence of \(t)", map: { $0.optionalString(0) }) ?? nil else { continue }
            try connection.execute("SELECT setval($1::regclass, m) FROM (SELECT MAX(id) AS m FROM \(quoted(t))) x WHERE m IS NOT NULL",
                                   [.text(sequence)], operation: "move the id sequence of \(t) on")
        }
    }

    func readTransaction<T>(_ body: () throws -> T) throws -> T { try db.transaction(.deferred, body) }
    func writeTransaction<T>(_ body: () throws -> T) throws -> T { try db.transaction(.immediate, body) }
}
