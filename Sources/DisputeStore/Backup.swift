import CSQLite
import Foundation

/// What `SQLiteStore.backup(to:)` wrote.
public struct BackupSummary: Sendable, Equatable {
    /// The backup file.
    public var path: String
    /// Its size in bytes.
    public var bytes: Int
    /// How many disputes it holds.
    public var disputes: Int
    /// `PRAGMA integrity_check` of the copy: "ok" or SQLite's first complaint.
    public var integrity: String
}

extension SQLiteStore {
    /// Copies the database to `destination` with SQLite's online backup API: a consistent
    /// snapshot (one read transaction, so the daemon and the command line go on writing, and
    /// nothing they commit later is in the copy), as a single self-contained file (rollback
    /// journal, no -wal file to carry along), mode 0600, then checked with `PRAGMA integrity_check`.
    ///
    /// - Parameter destination: a file that must not exist yet; its folder must.
    /// - Returns: what was written.
    /// - Throws: `StoreError.duplicate` when `destination` exists (never overwritten),
    ///   `.cantOpen`/`.readOnly` for the folder, other `StoreError`s from SQLite. A failed
    ///   backup removes its partial file.
    func fileBackup(to destination: String) throws -> BackupSummary {
        let operation = "back up the database to \(destination)"
        let fd = open(destination, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o600)
        if fd < 0 {
            let err = errno
            if err == EEXIST {
                throw StoreError(.duplicate, operation: operation,
                                 message: "the file exists and is never overwritten; name a new file (e.g. with the date in its name)")
            }
            throw StoreError(err == EACCES || err == EROFS ? .readOnly : .cantOpen, operation: operation,
                             message: "\(String(cString: strerror(err))); check that the folder exists and this user may write to it")
        }
        fchmod(fd, 0o600)   // whatever the umask
        _ = close(fd)
        do {
            let summary = try withDatabase { source in try Self.copy(from: source, to: destination, operation: operation) }
            return summary
        } catch {
            unlink(destination)
            unlink(destination + "-journal")
            throw error
        }
    }

    private static func copy(from source: Database, to destination: String, operation: String) throws -> BackupSummary {
        guard let src = source.handle else { throw StoreError(.misuse, operation: operation, message: "the database is closed") }
        var dest: OpaquePointer?
        let rc = sqlite3_open_v2(destination, &dest, SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX | SQLITE_OPEN_EXRESCODE, nil)
        defer { sqlite3_close_v2(dest) }
        guard rc == SQLITE_OK, let dest else { throw StoreError.sqlite(rc, operation: operation, db: dest) }
        guard let backup = sqlite3_backup_init(dest, "main", src, "main") else {
            throw StoreError.sqlite(sqlite3_errcode(dest), operation: operation, db: dest)
        }
        // -1: every page in one step, inside one read transaction on the source (WAL: writers go on).
        var step = sqlite3_backup_step(backup, -1)
        while step == SQLITE_BUSY || step == SQLITE_LOCKED {
            sqlite3_sleep(50)
            step = sqlite3_backup_step(backup, -1)
        }
        let finish = sqlite3_backup_finish(backup)
        guard step == SQLITE_DONE else { throw StoreError.sqlite(step, operation: operation, db: dest) }
        guard finish == SQLITE_OK else { throw StoreError.sqlite(finish, operation: operation, db: dest) }

        let copy = Connection(dest, operation: operation)
        // A single file: the copy leaves WAL mode (a restore needs no -wal file beside it).
        try copy.exec("PRAGMA journal_mode = DELETE")
        let integrity = try copy.text("PRAGMA integrity_check") ?? "no answer"
        let disputes = Int(try copy.text("SELECT COUNT(*) FROM disputes") ?? "") ?? 0
        let bytes = (try? FileManager.default.attributesOfItem(atPath: destination)[.size] as? Int) ?? 0
        let fd = open(destination, O_RDONLY | O_CLOEXEC)
        if fd >= 0 { fsync(fd); _ = close(fd) }
        return BackupSummary(path: destination, bytes: bytes, disputes: disputes, integrity: integrity)
    }

    /// A bare connection for the few statements run on a copy.
    private struct Connection {
        let db: OpaquePointer
        let operation: String
        init(_ db: OpaquePointer, operation: String) { self.db = db; self.operation = operation }

        func exec(_ sql: String) throws {
            let rc = sqlite3_exec(db, sql, nil, nil, nil)
            guard rc == SQLITE_OK else { throw StoreError.sqlite(rc, operation: operation, db: db) }
        }

        /// The first column of the first row, as text.
        func text(_ sql: String) throws -> String? {
            var s: OpaquePointer?
            var rc = sqlite3_prepare_v2(db, sql, -1, &s, nil)
            guard rc == SQLITE_OK, let s else { throw StoreError.sqlite(rc, operation: operation, db: db) }
            defer { sqlite3_finalize(s) }
            rc = sqlite3_step(s)
            if rc == SQLITE_DONE { return nil }
            guard rc == SQLITE_ROW else { throw StoreError.sqlite(rc, operation: operation, db: db) }
            return sqlite3_column_text(s, 0).map { String(cString: $0) }
        }
    }
}
