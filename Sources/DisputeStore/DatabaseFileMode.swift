import Foundation

extension Database {
    /// An existing database (and its -wal and -shm files) readable or writable by the group or by
    /// others, as a copy or an older drwatch may have left it, is tightened to 0600 before SQLite
    /// opens it; SQLite then creates new -wal/-shm files with the database's mode, 0600. A file
    /// drwatch may not chmod (another owner) is refused rather than used as it is.
    ///
    /// - Throws: `StoreError(.readOnly)` naming the file and the fix.
    static func tightenModes(_ path: String) throws {
        for file in [path, path + "-wal", path + "-shm"] {
            var st = stat()
            guard lstat(file, &st) == 0 else { continue }   // -wal/-shm not there yet
            guard st.st_mode & 0o077 != 0 else { continue }
            if chmod(file, 0o600) != 0 {
                let reason = String(cString: strerror(errno))
                throw StoreError(.readOnly, operation: "make \(file) private (mode 0600)",
                                 message: "\(reason); it is readable by others: chmod 0600 it, or chown it to the drwatch user")
            }
        }
    }
}
