/// An error from the store: what was being done, and what went wrong.
///
/// The text never contains SQL arguments (case references, addresses, free text are personal
/// data): only the operation ("insert dispute"), the database's own message (which names tables
/// and columns, never values) and advice on what to do. The same for every backend: nothing in
/// it is specific to SQLite or PostgreSQL.
public struct StoreError: Error, CustomStringConvertible, Sendable, Equatable {
    /// The kind of failure. A struct over a private enum, so that new codes break nobody.
    public struct Code: Hashable, Sendable, CustomStringConvertible {
        private enum Base: String, Hashable, Sendable {
            case busy, locked, corrupt, schemaTooNew, io, full, readOnly, cantOpen
            case constraint, duplicate, notFound, invalidState, invalidRow, misuse, other
            case heldByAnother, unsupported, unavailable
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
        /// The database could not be opened (missing folder, permissions, refused login).
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
        /// Any other database error.
        public static let other = Code(.other)
        /// Another drwatch holds what was asked for (the right to send).
        public static let heldByAnother = Code(.heldByAnother)
        /// This build or this backend cannot do that (e.g. a file backup of PostgreSQL).
        public static let unsupported = Code(.unsupported)
        /// The database server cannot be reached or went away. Retry later.
        public static let unavailable = Code(.unavailable)

        public var description: String { base.rawValue }
    }

    /// The kind of failure.
    public var code: Code
    /// What the store was doing, e.g. "insert dispute" (never contains data).
    public var operation: String
    /// What went wrong, without values.
    public var message: String
    /// The backend's own result code (SQLite's extended code, PostgreSQL's SQLSTATE packed),
    /// for the store's diagnostics only; never part of the public contract.
    var backendCode: Int32?
    /// The position of the failing item in a batch (`insertAll`), counting from 0.
    public var index: Int?

    public init(_ code: Code, operation: String, message: String, index: Int? = nil) {
        self.code = code; self.operation = operation; self.message = message; self.index = index
    }

    init(_ code: Code, operation: String, message: String, backendCode: Int32?) {
        self.init(code, operation: operation, message: message)
        self.backendCode = backendCode
    }

    /// True when trying again later may succeed (the CLI exits 75, the daemon retries next poll).
    public var isRetryable: Bool { code == .busy || code == .locked || code == .unavailable }

    public var description: String {
        var text = "database: cannot \(operation)"
        if let index { text += " (item \(index + 1) of the batch)" }
        text += ": \(message)"
        if code == .unavailable {
            text += " (the database server cannot be reached; try again)"
        } else if isRetryable {
            text += " (another process is using the database; try again)"
        }
        return text
    }
}
