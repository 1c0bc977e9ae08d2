import Foundation
import Testing
@testable import DisputeStore

/// The `database` setting, read in one place.
@Suite("Store locations")
struct StoreLocationTests {
    static let accepted: [(String, StoreLocation)] = [
        ("/var/lib/drwatch/drwatch.sqlite", .sqlite(path: "/var/lib/drwatch/drwatch.sqlite")),
        ("drwatch.sqlite", .sqlite(path: "drwatch.sqlite")),
        ("postgresql://db.council.example/drwatch?sslmode=verify-full",
         .postgresql(url: "postgresql://db.council.example/drwatch?sslmode=verify-full")),
        ("postgres://drwatch@127.0.0.1:5433/drwatch", .postgresql(url: "postgres://drwatch@127.0.0.1:5433/drwatch")),
    ]

    @Test(arguments: accepted)
    func aPathSelectsSQLiteAndAURLSelectsPostgreSQL(_ setting: String, _ expected: StoreLocation) throws {
        #expect(try StoreLocation(setting: setting) == expected)
        #expect(try StoreLocation(setting: setting).description == setting)
    }

    static let refused: [(String, String)] = [
        ("", "database is empty; give a file path or a postgresql:// URL"),
        ("postgresql://drwatch:hunter2@db.example/drwatch",
         "database URL contains a password; remove it and put the password in a file named by database_password_file (or the systemd credential database-password)"),
        ("postgresql://db.example/drwatch?sslmode=require&password=hunter2",
         "database URL contains a password; remove it and put the password in a file named by database_password_file (or the systemd credential database-password)"),
        ("postgresql://db.example/drwatch?sslpassword=hunter2",
         "database URL contains a password; remove it and put the password in a file named by database_password_file (or the systemd credential database-password)"),
        ("postgresql://db.example", "database URL names no database; write it as postgresql://HOST[:PORT]/DBNAME"),
        ("postgresql://db.example/\u{1}x", "database contains a control character; give a plain file path or URL"),
        (String(repeating: "a", count: 2_001), "database is longer than 2000 bytes; give a shorter path or URL"),
    ]

    @Test(arguments: refused)
    func aBadSettingIsRefusedSayingHowToFixIt(_ setting: String, _ message: String) {
        #expect(throws: StoreLocation.Invalid(description: message)) { try StoreLocation(setting: setting) }
    }

    @Test func aRefusedURLNeverEchoesItsPassword() {
        let error = #expect(throws: StoreLocation.Invalid.self) { try StoreLocation(setting: "postgresql://u:s3cr3t-pw@h/db") }
        #expect(error?.description.contains("s3cr3t-pw") == false)
    }
}

/// Who may send, behind the store protocol.
@Suite("The sender lease")
struct SenderLeaseTests {
    @Test(arguments: Backend.all)
    func oneInstanceHoldsTheRightToSendUntilItGivesItUp(_ backend: Backend) throws {
        let db = try StoreFixture(backend)
        let first = try db.store(), second = try db.store()
        let lease = try first.claimSender(instance: "host-a:1")
        #expect(lease.isHeld)
        let refused = try #require(throws: StoreError.self) { try second.claimSender(instance: "host-b:2") }
        #expect(refused.code == .heldByAnother)
        #expect(refused.description.contains("another drwatch"))
        lease.release()
        #expect(!lease.isHeld)
        lease.release()   // idempotent
        let next = try second.claimSender(instance: "host-b:2")
        #expect(next.isHeld)
        next.release()
    }
}

@Suite("PostgreSQL connections")
struct PostgreSQLConnectionTests {
    @Test func aServerThatIsNotThereIsUnavailableAndTheErrorHoldsNoPassword() throws {
        let error = try #require(throws: StoreError.self) {
            try Stores.open(.postgresql(url: "postgresql://drwatch@127.0.0.1:1/drwatch"), password: "pw-NEVER-SHOWN")
        }
        #expect(error.code == .unavailable)
        #expect(error.isRetryable)
        #expect(error.description.hasPrefix("database: cannot connect to postgresql://drwatch@127.0.0.1:1/drwatch: "))
        #expect(!"\(error)".contains("pw-NEVER-SHOWN"))
    }

    /// PostgreSQL has every SQLite migration, in order, under the same name.
    @Test func theMigrationNamesAreTheSameOnBothBackends() {
        #expect(PGMigrations.all.map(\.name) == Migrations.all.map(\.name))
    }
}
