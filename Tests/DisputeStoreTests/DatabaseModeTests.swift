import DisputeCore
import Foundation
import Testing
@testable import DisputeStore

/// Issue 12: an existing database with mode 0644 was kept as it was, and SQLite created its
/// -wal and -shm files 0644 too (it copies the database's mode). Now all three end up 0600.
@Suite("An existing database readable by others")
struct DatabaseModeTests {
    @Test func anExistingWorldReadableDatabaseAndItsLogsAreTightenedTo0600() throws {
        let db = try TempDatabase()
        do {
            let store = try db.store()
            try store.insert(openDispute(ref: "A"))
        }
        for path in [db.path, db.path + "-wal", db.path + "-shm"] where FileManager.default.fileExists(atPath: path) {
            #expect(chmod(path, 0o644) == 0)
        }
        let store = try db.store()
        try store.insert(openDispute(ref: "B"))
        for path in [db.path, db.path + "-wal", db.path + "-shm"] {
            let mode = try FileManager.default.attributesOfItem(atPath: path)[.posixPermissions] as? Int
            #expect(mode == 0o600, "\(path)")
        }
    }

    @Test func aWorldReadableWALLeftBesideAPrivateDatabaseIsTightenedToo() throws {
        let db = try TempDatabase()
        _ = try db.store()
        _ = FileManager.default.createFile(atPath: db.path + "-wal", contents: Data(), attributes: [.posixPermissions: 0o666])
        let store = try db.store()
        try store.insert(openDispute(ref: "A"))
        let mode = try FileManager.default.attributesOfItem(atPath: db.path + "-wal")[.posixPermissions] as? Int
        #expect(mode == 0o600)
    }
}
