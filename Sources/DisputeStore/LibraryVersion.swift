import CSQLite

extension SQLiteStore {
    /// `sqlite3_libversion()`: the SQLite library loaded at run time, e.g. "3.40.1".
    public static var libraryVersion: String { String(cString: sqlite3_libversion()) }
}
