import CPostgreSQL
import Foundation

extension PGRow: SQLRow {
    func columnName(_ i: Int32) -> String { PQfname(result, i).map { String(cString: $0) } ?? "column\(i)" }
    /// int2, int4, int8 (PostgreSQL's type oids 21, 23, 20).
    func isInteger(_ i: Int32) -> Bool { [20, 21, 23].contains(PQftype(result, i)) }
    /// bytea (oid 17).
    func isBlob(_ i: Int32) -> Bool { PQftype(result, i) == 17 }
    func optionalData(_ i: Int32) -> Data? {
        if isNull(i) { return nil }
        // bytea in text form: \x then two hex digits per byte.
        let text = Array(string(i).utf8.dropFirst(2))
        var out = Data(capacity: text.count / 2)
        var k = 0
        func nibble(_ c: UInt8) -> UInt8 { c <= 57 ? c - 48 : (c | 0x20) - 87 }
        while k + 1 < text.count { out.append(nibble(text[k]) << 4 | nibble(text[k + 1])); k += 2 }
        return out
    }
}

/// PostgreSQL behind the table code's `SQLDatabase`: `?`/`?N` become `$N`; a write
/// transaction takes one transaction-level advisory lock first, so writers run one at a time
/// exactly as SQLite's single write lock makes them (the code that reads then writes relies on
/// it); a read transaction is REPEATABLE READ (one snapshot). Nested transactions are refused.
///
/// A lost session (a server restart, a failover) is reconnected at the next transaction: the
/// transaction that was open when it went rolled back on the server and threw `.unavailable`
/// here; the next one opens a new session first (and, when the first statement finds the old
/// session dead, once more), so nothing is half-written and nothing is written twice. A
/// statement outside a transaction opens a new session first too when the last one is known to
/// be gone; a read (`SELECT`) that finds the session dead is run once more on a new one, a
/// write never is (it may have been done before the session went).
final class PGDatabase: SQLDatabase {
    typealias RowType = PGRow
    private(set) var connection: PGConnection
    let path: String
    private let password: String?
    private var translated: [String: String] = [:]
    private var inTransaction = false
    private(set) var lastInsertRowID: Int64 = 0

    /// The key of the write lock (`pg_advisory_xact_lock`): "drwatch" + "w".
    static let writeLockKey: Int64 = 0x6472_7761_7463_6877
    /// Tables whose `INSERT` reports the new row's id (`lastInsertRowID`).
    private static let tablesWithID: Set<String> = ["disputes", "outbox", "audit"]

    init(url: String, password: String?) throws {
        connection = try PGConnection(url: url, password: password)
        path = url
        self.password = password
    }

    /// A new session in place of a lost one.
    ///
    /// - Throws: `StoreError` `.unavailable` while the server cannot be reached.
    func reconnect() throws {
        connection.close()
        inTransaction = false
        connection = try PGConnection(url: path, password: password)
    }

    /// Opens a transaction with `begin`, on a new session when the current one is gone.
    private func begin(_ sql: String) throws {
        if !connection.isConnected { try reconnect() }
        do {
            try connection.execute(sql, operation: "begin a transaction")
        } catch let error as StoreError where !connection.isConnected {
            // The session died since its last use (the server restarted): nothing was done in
            // it, so a new one may begin the same transaction.
            _ = error
            try reconnect()
            try connection.execute(sql, operation: "begin a transaction")
        }
    }

    /// Runs a statement outside a transaction (`body`) on a live session: see the type's comment.
    private func autocommit<R>(_ sql: String, _ body: () throws -> R) throws -> R {
        if inTransaction { return try body() }
        if !connection.isConnected { try reconnect() }
        do {
            return try body()
        } catch let error as StoreError where !connection.isConnected && Self.isRead(sql) {
            _ = error
            try reconnect()
            return try body()
        }
    }

    /// True for a statement that only reads (`SELECT`, or `WITH` ... `SELECT` with no write).
    static func isRead(_ sql: String) -> Bool {
        let head = sql.drop(while: { $0 == " " || $0 == "\n" || $0 == "\t" }).prefix(7).uppercased()
        if head.hasPrefix("SELECT") { return true }
        guard head.hasPrefix("WITH") else { return false }
        let upper = sql.uppercased()
        return !["INSERT", "UPDATE", "DELETE"].contains { upper.contains($0) }
    }

    var location: StoreLocation { .postgresql(url: path) }
    /// `ALTER TABLE ... DISABLE TRIGGER` inside the transaction: it takes a SHARE ROW EXCLUSIVE
    /// lock on the three tables until the commit (other writers wait, as they do for the write
    /// lock anyway; readers do not), and only the tables' owner may. Left in place (nil) for a
    /// role that does not own them: the bulk insert is then slower, never wrong.
    func setInsertTriggersAside() throws -> (() throws -> Void)? {
        let tables = ChangeTriggers.onInsert.map { "'\($0.table)'::regclass" }.joined(separator: ", ")
        let owner = try first("SELECT bool_and(pg_has_role(relowner, 'USAGE')) FROM pg_class WHERE oid IN (\(tables))",
                              operation: "read table owners") { $0.bool(0) } ?? false
        guard owner else { return nil }
        for t in ChangeTriggers.onInsert {
            try execute("ALTER TABLE \(t.table) DISABLE TRIGGER \(t.trigger)", operation: "set change trigger aside")
        }
        return {
            for t in ChangeTriggers.onInsert {
                try self.execute("ALTER TABLE \(t.table) ENABLE TRIGGER \(t.trigger)", operation: "restore change trigger")
            }
        }
    }

    /// `?` and `?N` outside quotes become `$N`.
    static func translate(_ sql: String) -> String {
        var out = ""
        var next = 0
        var quoted = false
        var chars = Array(sql.unicodeScalars)[...]
        while let c = chars.first {
            chars = chars.dropFirst()
            if c == "'" { quoted.toggle(); out.unicodeScalars.append(c); continue }
            guard c == "?", !quoted else { out.unicodeScalars.append(c); continue }
            var digits = ""
            while let d = chars.first, ("0"..."9").contains(d) { digits.unicodeScalars.append(d); chars = chars.dropFirst() }
            if digits.isEmpty { next += 1; out += "$\(next)" } else { out += "$" + digits }
        }
        return out
    }

    private func prepare(_ sql: String) -> String {
        if let t = translated[sql] { return t }
        var t = Self.translate(sql)
        let words = sql.split(whereSeparator: { $0 == " " || $0 == "\n" || $0 == "(" }).prefix(3).map { $0.lowercased() }
        if words.count == 3, words[0] == "insert", words[1] == "into", Self.tablesWithID.contains(words[2]), !sql.uppercased().contains("RETURNING") {
            t += " RETURNING id"
        }
        translated[sql] = t
        return t
    }

    static func values(_ args: [any SQLBindable]) -> [PGValue] {
        args.map {
            switch $0.sqlValue {
            case .null: .null
            case .integer(let v): .int(v)
            case .real(let v): .text(String(v))
            case .text(let s): .text(s)
            case .blob(let d): .bytes(d)
            }
        }
    }

    @discardableResult
    func execute(_ sql: String, _ args: any SQLBindable..., operation: String) throws -> Int {
        try execute(sql, arguments: args, operation: operation)
    }

    @discardableResult
    func execute(_ sql: String, arguments args: [any SQLBindable], operation: String) throws -> Int {
        let text = prepare(sql)
        let returnsID = text.hasSuffix(" RETURNING id")
        return try autocommit(sql) {
            try connection.execute(text, Self.values(args), operation: operation) { row in
                if returnsID { self.lastInsertRowID = row.int64(0) }
            }
        }
    }

    func executeScript(_ sql: String, operation: String) throws { try autocommit(sql) { try connection.executeScript(sql, operation: operation) } }

    func query(_ sql: String, _ args: any SQLBindable..., operation: String, row: (PGRow) throws -> Void) throws {
        try autocommit(sql) { _ = try connection.execute(prepare(sql), Self.values(args), operation: operation, row: row) }
    }

    func query(_ sql: String, arguments: [any SQLBindable], operation: String, row: (PGRow) throws -> Void) throws {
        try autocommit(sql) { _ = try connection.execute(prepare(sql), Self.values(arguments), operation: operation, row: row) }
    }

    func first<T>(_ sql: String, _ args: any SQLBindable..., operation: String, map: (PGRow) throws -> T) throws -> T? {
        try autocommit(sql) { try connection.first(prepare(sql), Self.values(args), operation: operation, map: map) }
    }

    func transaction<T>(_ kind: TransactionKind, _ body: () throws -> T) throws -> T {
        guard !inTransaction else {
            throw StoreError(.misuse, operation: "begin a transaction", message: "a transaction is already open on this connection (nested write?)")
        }
        switch kind {
        case .immediate:
            try begin("BEGIN ISOLATION LEVEL READ COMMITTED")
            inTransaction = true
            do { try connection.execute("SELECT pg_advisory_xact_lock($1)", [.int(Self.writeLockKey)], operation: "take the write lock") }
            catch { rollback(); throw error }
        case .deferred:
            try begin("BEGIN ISOLATION LEVEL REPEATABLE READ")
            inTransaction = true
        }
        let result: T
        do { result = try body() } catch { rollback(); throw error }
        do {
            try connection.execute("COMMIT", operation: "commit a transaction")
            inTransaction = false
        } catch { rollback(); throw error }
        return result
    }

    private func rollback() {
        _ = try? connection.execute("ROLLBACK", operation: "roll back a transaction")
        inTransaction = false
    }

    func hasTable(_ name: String) throws -> Bool {
        try autocommit("SELECT") {
            try connection.first("SELECT to_regclass($1) IS NOT NULL", [.text(name)], operation: "read the schema") { $0.bool(0) } ?? false
        }
    }

    func checkNotTooNew() throws { try autocommit("SELECT") { try PGMigrations.checkNotTooNew(connection) } }
    func pendingMigrations() throws -> [String] { try autocommit("SELECT") { try PGMigrations.pending(connection) } }
    func migrate() throws -> [String] {
        guard !inTransaction else { throw StoreError(.misuse, operation: "migrate", message: "a transaction is open") }
        if !connection.isConnected { try reconnect() }
        return try PGMigrations.migrate(connection)
    }
}

/// The PostgreSQL store.
typealias PGStore = SQLStore<PGDatabase>

extension SQLStore where DB == PGDatabase {
    /// Connects to `url` with `password` (read from a file by the caller; never logged).
    convenience init(url: String, password: String?) throws {
        try self.init(db: try PGDatabase(url: url, password: password),
                      lease: { instance in try PGSenderLease(url: url, password: password, instance: instance) })
    }
}
