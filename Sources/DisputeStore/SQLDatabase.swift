import Foundation

/// One result row, whatever the backend; valid only inside the closure that received it.
protocol SQLRow {
    func isNull(_ i: Int32) -> Bool
    func int64(_ i: Int32) -> Int64
    func string(_ i: Int32) -> String
    func optionalData(_ i: Int32) -> Data?
    var columnCount: Int32 { get }
    /// The name of a column (whole-row dumps: subject access).
    func columnName(_ i: Int32) -> String
    /// The column holds an integer (times are ms since 1970 in integer columns on every backend).
    func isInteger(_ i: Int32) -> Bool
    /// The column holds bytes (BLOB, bytea): read them with `optionalData`.
    func isBlob(_ i: Int32) -> Bool
}

extension SQLRow {
    func int(_ i: Int32) -> Int { Int(int64(i)) }
    func optionalInt(_ i: Int32) -> Int? { isNull(i) ? nil : int(i) }
    func bool(_ i: Int32) -> Bool { int64(i) != 0 }
    func optionalString(_ i: Int32) -> String? { isNull(i) ? nil : string(i) }
    /// Instants are integer milliseconds since 1970 UTC on every backend.
    func date(_ i: Int32) -> Date { Date(timeIntervalSince1970: Double(int64(i)) / 1000) }
    func optionalDate(_ i: Int32) -> Date? { isNull(i) ? nil : date(i) }
}

/// One connection to a SQL backend, as the table code uses it: the SQL is written once with `?`
/// (or `?1`, `?2`) parameters in the dialect both SQLite and PostgreSQL accept; a backend
/// translates what it must. Not thread-safe by itself: its store serialises access.
protocol SQLDatabase: AnyObject {
    associatedtype RowType: SQLRow
    /// Where it is, for messages (a path, or a URL without a password).
    var path: String { get }
    @discardableResult
    func execute(_ sql: String, _ args: any SQLBindable..., operation: String) throws -> Int
    @discardableResult
    func execute(_ sql: String, arguments: [any SQLBindable], operation: String) throws -> Int
    func executeScript(_ sql: String, operation: String) throws
    func query(_ sql: String, _ args: any SQLBindable..., operation: String, row: (RowType) throws -> Void) throws
    func query(_ sql: String, arguments: [any SQLBindable], operation: String, row: (RowType) throws -> Void) throws
    func first<T>(_ sql: String, _ args: any SQLBindable..., operation: String, map: (RowType) throws -> T) throws -> T?
    /// The id of the row the last `INSERT` into a table with an `id` column made.
    var lastInsertRowID: Int64 { get }
    /// Runs `body` in a transaction: `.immediate` for writes (one writer at a time, as SQLite),
    /// `.deferred` for a consistent read. Refuses a nested transaction (`.misuse`).
    func transaction<T>(_ kind: TransactionKind, _ body: () throws -> T) throws -> T
    /// True when the table exists.
    func hasTable(_ name: String) throws -> Bool

    // The backend's own parts of a store.
    func checkNotTooNew() throws
    func pendingMigrations() throws -> [String]
    func migrate() throws -> [String]
    /// Sets the per-row change-tracking triggers on INSERT (migration 003: `disputes`, `events`,
    /// `people`) aside for the rest of the open write transaction, for a bulk insert that stamps
    /// its rows itself; rolling the transaction back puts them back too.
    ///
    /// - Returns: what puts them back (call it before the commit), or nil when this connection
    ///   may not set them aside (PostgreSQL: a role that does not own the tables).
    func setInsertTriggersAside() throws -> (() throws -> Void)?
    var location: StoreLocation { get }
}
