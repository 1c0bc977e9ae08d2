import CSQLite

extension StoreError {
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
        return StoreError(code, operation: operation, message: message, backendCode: rc)
    }
}
