import CSQLite
import Foundation

/// A value bound to a `?` parameter or read from a column.
enum SQLValue: Sendable, Equatable {
    case null
    case integer(Int64)
    case real(Double)
    case text(String)
    case blob(Data)
}

/// A Swift value that can be bound as a SQL argument.
protocol SQLBindable { var sqlValue: SQLValue { get } }

extension SQLValue: SQLBindable { var sqlValue: SQLValue { self } }
extension Int64: SQLBindable { var sqlValue: SQLValue { .integer(self) } }
extension Int: SQLBindable { var sqlValue: SQLValue { .integer(Int64(self)) } }
extension Bool: SQLBindable { var sqlValue: SQLValue { .integer(self ? 1 : 0) } }
extension Double: SQLBindable { var sqlValue: SQLValue { .real(self) } }
extension String: SQLBindable { var sqlValue: SQLValue { .text(self) } }
extension Data: SQLBindable { var sqlValue: SQLValue { .blob(self) } }
/// Instants are stored as integer milliseconds since 1970-01-01T00:00:00Z (UTC).
extension Date: SQLBindable { var sqlValue: SQLValue { .integer(Int64((timeIntervalSince1970 * 1000).rounded())) } }
extension Optional: SQLBindable where Wrapped: SQLBindable { var sqlValue: SQLValue { self?.sqlValue ?? .null } }

/// One row of a result, valid only inside the `query` closure that received it.
struct Row: SQLRow {
    fileprivate let handle: OpaquePointer

    func isNull(_ i: Int32) -> Bool { sqlite3_column_type(handle, i) == SQLITE_NULL }
    func int64(_ i: Int32) -> Int64 { sqlite3_column_int64(handle, i) }
    func int(_ i: Int32) -> Int { Int(sqlite3_column_int64(handle, i)) }
    var columnCount: Int32 { sqlite3_column_count(handle) }
    func optionalInt(_ i: Int32) -> Int? { isNull(i) ? nil : int(i) }
    func bool(_ i: Int32) -> Bool { sqlite3_column_int64(handle, i) != 0 }
    func string(_ i: Int32) -> String {
        guard let p = sqlite3_column_text(handle, i) else { return "" }
        let n = Int(sqlite3_column_bytes(handle, i))
        return String(decoding: UnsafeBufferPointer(start: p, count: n), as: UTF8.self)
    }
    func optionalString(_ i: Int32) -> String? { isNull(i) ? nil : string(i) }
    func date(_ i: Int32) -> Date { Date(timeIntervalSince1970: Double(sqlite3_column_int64(handle, i)) / 1000) }
    func optionalDate(_ i: Int32) -> Date? { isNull(i) ? nil : date(i) }
    /// The name of a column (for whole-row dumps: subject access).
    func columnName(_ i: Int32) -> String { sqlite3_column_name(handle, i).map { String(cString: $0) } ?? "column\(i)" }
    /// Whether the column holds an integer (times are ms since 1970 in INTEGER columns).
    func isInteger(_ i: Int32) -> Bool { sqlite3_column_type(handle, i) == SQLITE_INTEGER }
    func isBlob(_ i: Int32) -> Bool { sqlite3_column_type(handle, i) == SQLITE_BLOB }
    func optionalData(_ i: Int32) -> Data? {
        if isNull(i) { return nil }
        let n = Int(sqlite3_column_bytes(handle, i))
        guard n > 0, let p = sqlite3_column_blob(handle, i) else { return Data() }
        return Data(bytes: p, count: n)
    }
    /// The column as stored, with its storage class (`copy-store` copies values as they are).
    func value(_ i: Int32) -> SQLValue {
        switch sqlite3_column_type(handle, i) {
        case SQLITE_NULL: .null
        case SQLITE_INTEGER: .integer(int64(i))
        case SQLITE_FLOAT: .real(sqlite3_column_double(handle, i))
        case SQLITE_BLOB: .blob(optionalData(i) ?? Data())
        default: .text(string(i))
        }
    }
}

/// How a write transaction takes its lock.
enum TransactionKind: String {
    /// Takes the write lock at once (waiting up to the busy timeout): the kind for every write,
    /// because a deferred read-then-write cannot wait for another writer in WAL mode.
    case immediate = "IMMEDIATE"
    /// Takes locks as statements need them: the kind for consistent multi-query reads.
    case deferred = "DEFERRED"
}

/// A thin wrapper over one SQLite connection: configuration, a prepared-statement cache,
/// typed binding and transactions. Not thread-safe by itself: `SQLiteStore` serialises access.
final class Database: SQLDatabase {
    let path: String
    private(set) var handle: OpaquePointer?
    private var statements: [String: OpaquePointer] = [:]
    private let transient = drw_sqlite_transient()

    /// Opens (creating with mode 0600 when missing) and configures the database at `path`.
    ///
    /// - Parameters:
    ///   - path: the database file.
    ///   - busyTimeout: how long to wait for another process's lock before failing with `.busy`.
    /// - Throws: `StoreError` (`.cantOpen`, `.corrupt`, `.busy`, `.io`...).
    init(path: String, busyTimeout: Duration = .seconds(5)) throws {
        self.path = path
        try Database.createPrivateFile(path)
        try Database.tightenModes(path)
        var db: OpaquePointer?
        let flags = SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX | SQLITE_OPEN_EXRESCODE
        let rc = sqlite3_open_v2(path, &db, flags, nil)
        guard rc == SQLITE_OK, let db else {
            let error = StoreError.sqlite(rc, operation: "open the database at \(path)", db: db)
            sqlite3_close_v2(db)
            throw error
        }
        handle = db
        sqlite3_extended_result_codes(db, 1)
        let ms = busyTimeout.components.seconds * 1000 + busyTimeout.components.attoseconds / 1_000_000_000_000_000
        sqlite3_busy_timeout(db, Int32(clamping: ms))
        try configure()
    }

    deinit { close() }

    /// Finalises every cached statement and closes the connection.
    func close() {
        for (_, s) in statements { sqlite3_finalize(s) }
        statements = [:]
        if let handle { sqlite3_close_v2(handle) }
        handle = nil
    }

    /// Creates `path` with mode 0600 when it does not exist, so that SQLite (which gives its
    /// -wal and -shm files the mode of the database) never creates a world-readable file.
    private static func createPrivateFile(_ path: String) throws {
        let fd = open(path, O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC, 0o600)
        if fd >= 0 { closeDescriptor(fd); return }
        let err = errno
        if err == EEXIST { return }
        let reason = String(cString: strerror(err))
        throw StoreError(err == EACCES || err == EROFS ? .readOnly : .cantOpen,
                         operation: "create the database at \(path)",
                         message: "\(reason); check that the folder exists and the drwatch user may write to it")
    }

    private func configure() throws {
        let mode = try scalarText("PRAGMA journal_mode = WAL", operation: "switch the database to WAL mode")
        guard mode?.lowercased() == "wal" else {
            throw StoreError(.io, operation: "switch the database to WAL mode",
                             message: "SQLite kept journal mode '\(mode ?? "?")'; put the database on a local file system")
        }
        // FULL: a commit survives a power cut, not only a killed process (the outbox relies on it).
        try execute("PRAGMA synchronous = FULL", operation: "configure the database")
        try execute("PRAGMA foreign_keys = ON", operation: "configure the database")
    }

    // MARK: Statements

    /// The cached prepared statement for `sql`, reset and with its bindings cleared.
    private func statement(_ sql: String, operation: String) throws -> OpaquePointer {
        guard let handle else { throw StoreError(.misuse, operation: operation, message: "the database is closed") }
        if let s = statements[sql] { return s }
        var s: OpaquePointer?
        let rc = sqlite3_prepare_v3(handle, sql, -1, UInt32(SQLITE_PREPARE_PERSISTENT), &s, nil)
        guard rc == SQLITE_OK, let s else { throw StoreError.sqlite(rc, operation: operation, db: handle) }
        statements[sql] = s
        return s
    }

    private func bind(_ s: OpaquePointer, _ args: [any SQLBindable], operation: String) throws {
        for (offset, arg) in args.enumerated() {
            let i = Int32(offset + 1)
            let rc: Int32
            switch arg.sqlValue {
            case .null: rc = sqlite3_bind_null(s, i)
            case .integer(let v): rc = sqlite3_bind_int64(s, i, v)
            case .real(let v): rc = sqlite3_bind_double(s, i, v)
            case .text(var v):
                rc = v.withUTF8 { buf in
                    buf.withMemoryRebound(to: CChar.self) { chars in
                        if let base = chars.baseAddress {
                            sqlite3_bind_text(s, i, base, Int32(chars.count), transient)
                        } else {
                            sqlite3_bind_text(s, i, "", 0, transient)
                        }
                    }
                }
            case .blob(let v):
                rc = v.withUnsafeBytes { buf in
                    sqlite3_bind_blob(s, i, buf.baseAddress ?? UnsafeRawPointer(bitPattern: 1), Int32(buf.count), transient)
                }
            }
            guard rc == SQLITE_OK else { throw StoreError.sqlite(rc, operation: operation, db: handle) }
        }
    }

    /// Runs `sql` once with `args`, stepping until done.
    ///
    /// - Returns: the number of rows changed.
    @discardableResult
    func execute(_ sql: String, _ args: any SQLBindable..., operation: String) throws -> Int {
        try execute(sql, arguments: args, operation: operation)
    }

    /// `execute` with an array of arguments.
    @discardableResult
    func execute(_ sql: String, arguments: [any SQLBindable], operation: String) throws -> Int {
        try run(sql, arguments, operation: operation) { _ in }
        return Int(sqlite3_changes64(handle))
    }

    /// Runs several statements with no arguments (migrations), bypassing the statement cache.
    func executeScript(_ sql: String, operation: String) throws {
        guard let handle else { throw StoreError(.misuse, operation: operation, message: "the database is closed") }
        let rc = sqlite3_exec(handle, sql, nil, nil, nil)
        guard rc == SQLITE_OK else { throw StoreError.sqlite(rc, operation: operation, db: handle) }
    }

    /// Runs a query, calling `row` for each result row.
    func query(_ sql: String, _ args: any SQLBindable..., operation: String, row: (Row) throws -> Void) throws {
        try run(sql, args, operation: operation, row: row)
    }

    /// Runs a query with an array of arguments, calling `row` for each result row.
    func query(_ sql: String, arguments: [any SQLBindable], operation: String, row: (Row) throws -> Void) throws {
        try run(sql, arguments, operation: operation, row: row)
    }

    /// The first row of a query mapped by `map`, or nil.
    func first<T>(_ sql: String, _ args: any SQLBindable..., operation: String, map: (Row) throws -> T) throws -> T? {
        var result: T?
        try run(sql, args, operation: operation, limitOne: true) { result = try map($0) }
        return result
    }

    private func scalarText(_ sql: String, operation: String) throws -> String? {
        var result: String?
        try run(sql, [], operation: operation, limitOne: true) { result = $0.optionalString(0) }
        return result
    }

    private func run(_ sql: String, _ args: [any SQLBindable], operation: String, limitOne: Bool = false,
                     row: (Row) throws -> Void) throws {
        let s = try statement(sql, operation: operation)
        defer { sqlite3_reset(s); sqlite3_clear_bindings(s) }
        try bind(s, args, operation: operation)
        while true {
            let rc = sqlite3_step(s)
            if rc == SQLITE_DONE { return }
            guard rc == SQLITE_ROW else { throw StoreError.sqlite(rc, operation: operation, db: handle) }
            try row(Row(handle: s))
            if limitOne { return }
        }
    }

    func hasTable(_ name: String) throws -> Bool {
        try first("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?", name, operation: "read the schema") { _ in true } ?? false
    }

    func checkNotTooNew() throws { try Migrations.checkNotTooNew(self) }
    func pendingMigrations() throws -> [String] { try Migrations.pending(self) }
    func migrate() throws -> [String] { try Migrations.migrate(self) }
    /// Drops the triggers inside the transaction and puts them back from their own SQL as
    /// stored in the schema (other connections see neither: SQLite's write lock is held).
    func setInsertTriggersAside() throws -> (() throws -> Void)? {
        let names = ChangeTriggers.onInsert.map(\.trigger)
        var triggers: [(name: String, sql: String)] = []
        try query("SELECT name, sql FROM sqlite_master WHERE type = 'trigger' AND name IN ('\(names.joined(separator: "','"))') ORDER BY name",
                  operation: "read change triggers") { row in triggers.append((row.string(0), row.string(1))) }
        for t in triggers { try execute("DROP TRIGGER \(t.name)", operation: "set change trigger aside") }
        return { for t in triggers { try self.execute(t.sql, operation: "restore change trigger") } }
    }
    var location: StoreLocation { .sqlite(path: path) }

    /// The rowid of the last row inserted on this connection.
    var lastInsertRowID: Int64 { sqlite3_last_insert_rowid(handle) }

    // MARK: Transactions

    /// Runs `body` in a transaction: commits when it returns, rolls back when it throws.
    ///
    /// - Parameters:
    ///   - kind: `.immediate` for writes (the lock is taken, or waited for, at the start).
    ///   - body: the work; it must not start another transaction.
    /// - Throws: what `body` throws (after rolling back), or `StoreError` from BEGIN/COMMIT.
    func transaction<T>(_ kind: TransactionKind = .immediate, _ body: () throws -> T) throws -> T {
        guard let handle else { throw StoreError(.misuse, operation: "begin a transaction", message: "the database is closed") }
        guard sqlite3_get_autocommit(handle) != 0 else {
            throw StoreError(.misuse, operation: "begin a transaction", message: "a transaction is already open on this connection (nested write?)")
        }
        try execute("BEGIN \(kind.rawValue)", operation: "begin a transaction")
        let result: T
        do {
            result = try body()
        } catch {
            rollback()
            throw error
        }
        do {
            try execute("COMMIT", operation: "commit a transaction")
        } catch {
            rollback()
            throw error
        }
        return result
    }

    private func rollback() {
        // SQLite may already have rolled back (e.g. after SQLITE_FULL); only then is autocommit on.
        if let handle, sqlite3_get_autocommit(handle) == 0 {
            _ = try? execute("ROLLBACK", operation: "roll back a transaction")
        }
    }
}

/// `close(2)`, out of reach of `Database.close()`.
private func closeDescriptor(_ fd: Int32) { _ = close(fd) }
