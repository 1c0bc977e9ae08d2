import CSQLite

/// An error from the store: what was being done, and what went wrong.
///
/// The text never contains SQL arguments (case references, addresses, free text are personal
/// data): only the operation ("insert dispute"), SQLite's own message (which names tables and
/// columns, never values) and advice on what to do.
public struct StoreError: Error, CustomStringConvertible, Sendable, Equatable {
    /// The kind of failure. A struct over a private enum, so that new codes break nobody.
    public struct Code: Hashable, Sendable, CustomStringConvertible {
        private enum Base: String, Hashable, Sendable {
            case busy, locked, corrupt, schemaTooNew, io, full, readOnly, cantOpen
            case constraint, duplicate, notFound, invalidState, invalidRow, misuse, other
        }
        private let base: Base
        private init(_ base: Base) { self.base = base }

        /// Another connection held the lock for longer than the busy timeout. Retry later.
        public static let busy = Code(.busy)
        /// A table was locked by another statement of the same connection. Retry later.
        public static let locked = Code(.locked)
        /// The file is not a SQLite database, or is damaged.
        public static let corrupt = Code(.corrupt)
        /// The database was written by a newer drwatch; this binary refuses to touch it.
        public static let schemaTooNew = Code(.schemaTooNew)
        /// The operating system reported an I/O error.
        public static let io = Code(.io)
        /// The disk (or the file system quota) is full.
        public static let full = Code(.full)
        /// The database file or its folder is read-only for this user.
        public static let readOnly = Code(.readOnly)
        /// The database file could not be opened (missing folder, permissions).
        public static let cantOpen = Code(.cantOpen)
        /// A schema constraint (NOT NULL, CHECK, FOREIGN KEY, UNIQUE) refused the write.
        public static let constraint = Code(.constraint)
        /// A dispute with the same reference already exists.
        public static let duplicate = Code(.duplicate)
        /// The dispute or outbox message asked for does not exist.
        public static let notFound = Code(.notFound)
        /// The record exists but is not in a state that allows the operation.
        public static let invalidState = Code(.invalidState)
        /// A stored row holds a value this binary cannot read (unknown kind, category...).
        public static let invalidRow = Code(.invalidRow)
        /// The store was used wrongly (a nested transaction, a closed connection): a bug.
        public static let misuse = Code(.misuse)
        /// Any other SQLite error.
        public static let other = Code(.other)

        public var description: String { base.rawValue }
    }

    /// The kind of failure.
    public var code: Code
    /// What the store was doing, e.g. "insert dispute" (never contains data).
    public var operation: String
    /// What went wrong, without values.
    public var message: String
    /// SQLite's extended result code, when the error came from SQLite.
    public var sqliteCode: Int32?
    /// The position of the failing item in a batch (`insertAll`), counting from 0.
    public var index: Int?

    public init(_ code: Code, operation: String, message: String, sqliteCode: Int32? = nil, index: Int? = nil) {
        self.code = code; self.operation = operation; self.message = message
        self.sqliteCode = sqliteCode; self.index = index
    }

    /// True when trying again later may succeed (the CLI exits 75, the daemon retries next poll).
    public var isRetryable: Bool { code == .busy || code == .locked }

    public var description: String {
        var text = "database: cannot \(operation)"
        if let index { text += " (item \(index + 1) of the batch)" }
        text += ": \(message)"
        if isRetryable { text += " (another process is using the database; try again)" }
        return text
    }

    /// Builds the error for a SQLite result code, with SQLite's message (which never holds
    /// bound values) when a connection is available.
    static func sqlite(_ rc: Int32, operation: String, db: OpaquePointer?) -> StoreError {
        let primary = rc & 0xff
        let code: Code
        switch primary {
        case SQLITE_BUSY: code = .busy
        case SQLITE_LOCKED: code = .locked
        case SQLITE_CORRUPT, SQLITE_NOTADB: code = .corrupt
        case SQLITE_IOERR: code = .io
        case SQLITE_FULL: code = .full
        case SQLITE_READONLY: code = .readOnly
        case SQLITE_CANTOPEN, SQLITE_PERM, SQLITE_AUTH: code = .cantOpen
        case SQLITE_CONSTRAINT: code = .constraint
        case SQLITE_MISUSE: code = .misuse
        default: code = .other
        }
        var message: String
        if let db, sqlite3_errcode(db) == rc || sqlite3_extended_errcode(db) == rc, let m = sqlite3_errmsg(db) {
            message = String(cString: m)
        } else {
            message = String(cString: sqlite3_errstr(rc))
        }
        switch code {
        case .corrupt: message += "; the file is not a drwatch database or is damaged: restore it from a backup"
        case .full: message += "; free some disk space"
        case .readOnly, .cantOpen: message += "; check that the drwatch user may read and write the database file and its folder"
        default: break
        }
        return StoreError(code, operation: operation, message: message, sqliteCode: rc)
    }
}
