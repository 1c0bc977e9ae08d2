import DisputeCore
import Foundation
import Testing
@testable import DisputeStore

@Suite("The SQLite file and connection")
struct DatabaseTests {
    @Test func theFileAndItsWriteAheadLogAreReadableByTheOwnerOnly() throws {
        let db = try TempDatabase()
        let store = try db.store()
        try store.insert(openDispute(ref: "A"))
        for path in [db.path, db.path + "-wal", db.path + "-shm"] {
            let attributes = try FileManager.default.attributesOfItem(atPath: path)
            #expect((attributes[.posixPermissions] as? Int) == 0o600, "\(path)")
        }
    }

    @Test func theConnectionUsesWALAndForeignKeys() throws {
        let store = try TempDatabase().store()
        let settings = try store.withDatabase { db in
            [try db.first("PRAGMA journal_mode", operation: "test") { $0.string(0) },
             try db.first("PRAGMA foreign_keys", operation: "test") { $0.string(0) }]
        }
        #expect(settings == ["wal", "1"])
        let error = try #require(throws: StoreError.self) {
            try store.withDatabase { try $0.execute("INSERT INTO people VALUES (42, 'iro', 0, 'a@b.example')", operation: "insert orphan") }
        }
        #expect(error.code == .constraint)
    }

    @Test func migratingTwiceChangesNothing() throws {
        let db = try TempDatabase()
        let store = try SQLiteStore(path: db.path)
        #expect(try store.migrate() == Migrations.all.map(\.name))
        #expect(try store.migrate() == [])
        #expect(try SQLiteStore(path: db.path).migrate() == [])
        let version = try store.withDatabase { try $0.first("PRAGMA user_version", operation: "test") { $0.int(0) } }
        #expect(version == Migrations.all.count)
    }

    static let newerSchemas = [
        "PRAGMA user_version = 99",
        "INSERT INTO schema_migrations (name, applied_at) VALUES ('999-from-the-future', 0)",
    ]

    @Test(arguments: newerSchemas)
    func aDatabaseFromANewerDrwatchIsRefusedAndLeftUntouched(_ tamper: String) throws {
        // Given a database that a newer drwatch has migrated further
        let db = try TempDatabase()
        try db.store().withDatabase { try $0.executeScript(tamper, operation: "tamper") }
        let before = try Data(contentsOf: URL(fileURLWithPath: db.path))
        // When this binary opens it, Then it refuses with a clear message
        let error = try #require(throws: StoreError.self) { try SQLiteStore(path: db.path) }
        #expect(error.code == .schemaTooNew)
        #expect(!error.isRetryable)
        #expect(error.description.contains("newer than this drwatch knows"))
        #expect(error.description.contains("upgrade drwatch"))
        #expect(try Data(contentsOf: URL(fileURLWithPath: db.path)) == before)
    }

    @Test func aFileThatIsNotADatabaseIsReportedAsCorrupt() throws {
        let db = try TempDatabase()
        try Data(repeating: 0x41, count: 4096).write(to: URL(fileURLWithPath: db.path))
        let error = try #require(throws: StoreError.self) { try SQLiteStore(path: db.path) }
        #expect(error.code == .corrupt)
    }

    @Test func aMissingFolderIsReportedWithThePath() throws {
        let db = try TempDatabase()
        let path = db.folder.appendingPathComponent("missing/drwatch.sqlite").path
        let error = try #require(throws: StoreError.self) { try SQLiteStore(path: path) }
        #expect(error.code == .cantOpen)
        #expect(error.description.contains(path))
    }

    @Test func aSecondProcessWritingAtTheSameTimeIsWaitedFor() throws {
        // Given another process holding the write lock for a second
        let db = try TempDatabase()
        let store = try db.store()
        try store.insert(openDispute(ref: "BEFORE"))
        let writer = try ForeignWriter(path: db.path, ref: "FROM-PYTHON", holdFor: 1.0)
        defer { writer.stop() }
        // When we read and write meanwhile
        #expect(try store.disputes(openOnly: true).map(\.ref) == ["BEFORE"])   // WAL: readers are not blocked
        try store.insert(openDispute(ref: "OURS"))                               // waits for the lock
        try store.append(DisputeEvent(at: instant(1), change: .note("after")), toRef: "BEFORE")
        try store.enqueue([outboxItem("n")])
        // Then no error reached us and both processes' writes are there
        #expect(writer.finish() == 0)
        #expect(try store.disputes(openOnly: true).map(\.ref) == ["BEFORE", "FROM-PYTHON", "OURS"])
    }

    @Test func aLockHeldPastTheBusyTimeoutIsARetryableError() throws {
        let db = try TempDatabase()
        let store = try db.store(busyTimeout: .milliseconds(100))
        let writer = try ForeignWriter(path: db.path, ref: "FROM-PYTHON", holdFor: 30)
        defer { writer.stop() }
        let error = try #require(throws: StoreError.self) { try store.insert(openDispute(ref: "OURS")) }
        #expect(error.code == .busy)
        #expect(error.isRetryable)
        #expect(error.description.contains("try again"))
    }

    @Test func noErrorTextContainsTheValuesItWasGiven() throws {
        let secret = "SECRET-REF-123"
        let store = try TempDatabase().store()
        try store.insert(openDispute(ref: secret))
        var errors: [StoreError] = []
        func collect(_ body: () throws -> Void) {
            do { try body() } catch let e as StoreError { errors.append(e) } catch { Issue.record("not a StoreError: \(error)") }
        }
        collect { try store.insert(openDispute(ref: secret)) }
        collect { try store.insertAll([openDispute(ref: "X"), openDispute(ref: secret)]) }
        collect { try store.append(DisputeEvent(at: instant(), change: .note(secret)), toRef: secret + "-MISSING") }
        collect { try store.markRecipientSent(id: 1, address: secret, at: instant()) }
        collect {
            try store.withDatabase {   // a CHECK constraint
                _ = try $0.execute("INSERT INTO outbox (identity, event, urgency, channel, subject, body, next_attempt_at, created_at) VALUES (?, ?, ?, ?, ?, ?, 0, 0)",
                               secret, secret, secret, secret, secret, secret, operation: "insert outbox row")
            }
        }
        collect {
            try store.withDatabase {   // a NOT NULL constraint
                _ = try $0.execute("INSERT INTO disputes (ref, policy) VALUES (?, ?)", secret, secret, operation: "insert dispute row")
            }
        }
        collect {
            try store.withDatabase {   // a foreign key
                _ = try $0.execute("INSERT INTO people VALUES (?, ?, 0, ?)", 4242, secret, secret, operation: "insert person")
            }
        }
        collect {
            try store.withDatabase {   // a type mismatch on the rowid
                _ = try $0.execute("INSERT INTO disputes (id) VALUES (?)", secret, operation: "insert dispute row")
            }
        }
        #expect(errors.count == 8)
        for error in errors {
            for text in [error.description, String(reflecting: error), error.localizedDescription, "\(error)"] {
                #expect(!text.contains(secret), "\(text)")
            }
        }
    }
}
