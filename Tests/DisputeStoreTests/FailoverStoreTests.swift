import Foundation
import Testing
@testable import DisputeStore

/// PostgreSQL with several drwatch instances: the fence on a lost sender lease, the holder's
/// name, and a store that survives its session being cut.
@Suite("PostgreSQL failover in the store", .enabled(if: PostgresServer.shared != nil))
struct FailoverStoreTests {
    /// Ends the sessions whose application_name is `name` and waits (bounded, by the server)
    /// until they are gone, as a killed process or a cut network would.
    static func cut(_ db: StoreFixture, applicationName name: String) throws {
        try db.execute("SELECT pg_terminate_backend(pid, 60000) FROM pg_stat_activity WHERE application_name = '\(name)' AND datname = current_database()")
    }

    @Test func aStoreWhoseLeaseWasLostNeitherClaimsNorMarksAnOutboxMessage() throws {
        // Given a sender that took the lease through its store, and a message due
        let db = try StoreFixture(.postgresql)
        let sender = try db.store()
        try sender.enqueue([outboxItem("m")])
        let lease = try sender.claimSender(instance: "host-a:1")
        let id = try #require(try sender.duePending(now: instant(), limit: 10).first?.id)
        #expect(try sender.currentSender() == "host-a:1")

        // When its lease's session ends (the store's own connection stays up)
        try Self.cut(db, applicationName: "drwatch-sender host-a:1")

        // Then the store refuses to claim or mark, and nothing was written
        let claim = try #require(throws: StoreError.self) { try sender.duePending(now: instant(), limit: 10) }
        #expect(claim.code == .heldByAnother)
        #expect(claim.message == "this instance no longer holds the right to send (its database session ended); nothing was written, and another instance may take over")
        let mark = try #require(throws: StoreError.self) { try sender.markSent(id: id, at: instant(1)) }
        #expect(mark.code == .heldByAnother)
        #expect(try db.strings("SELECT state FROM outbox") == ["pending"])
        #expect(!lease.isHeld)

        // And another instance takes the lease and sends
        let other = try db.store()
        #expect(try other.currentSender() == nil)
        let next = try other.claimSender(instance: "host-b:2")
        #expect(try sender.currentSender() == "host-b:2")
        try other.markSent(id: id, at: instant(2))
        #expect(try db.strings("SELECT state FROM outbox") == ["sent"])
        next.release()
    }

    @Test func aStoreThatNeverClaimedTheLeaseIsNotFenced() throws {
        // The web app and the commands write without the lease, whoever sends.
        let db = try StoreFixture(.postgresql)
        let daemon = try db.store(), web = try db.store()
        let lease = try daemon.claimSender(instance: "host-a:1")
        #expect(try web.enqueue([outboxItem("m")]) == 1)
        lease.release()
        #expect(try web.enqueue([outboxItem("n")]) == 1)
        #expect(try web.currentSender() == nil)
    }

    @Test func theSenderOfAnotherDatabaseOnTheSameServerIsNotThisOnesSender() throws {
        let one = try StoreFixture(.postgresql), two = try StoreFixture(.postgresql)
        let lease = try one.store().claimSender(instance: "host-a:1")
        let other = try two.store()
        #expect(try other.currentSender() == nil)
        let own = try other.claimSender(instance: "host-b:2")   // each database has its own right to send
        #expect(try other.currentSender() == "host-b:2")
        own.release()
        lease.release()
    }

    @Test func aCutSessionIsReconnectedAtTheNextTransaction() throws {
        // Given a store with one message, whose session the server ends (a restart, a failover)
        let db = try StoreFixture(.postgresql)
        let store = try db.store()
        try store.enqueue([outboxItem("m")])
        try db.execute("SELECT pg_terminate_backend(pid, 60000) FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid() AND backend_type = 'client backend'")

        // Then the next transaction opens a new session and works, with nothing lost
        #expect(try store.duePending(now: instant(), limit: 10).map(\.item.identity) == ["m"])
        #expect(try store.enqueue([outboxItem("n")]) == 1)
        #expect(try db.ints("SELECT COUNT(*) FROM outbox") == [2])
    }

    @Test func aServerThatCannotBeReachedIsUnavailableUntilItIsBack() throws {
        // A store whose session was cut and whose server refuses new sessions for a while.
        let db = try StoreFixture(.postgresql)
        let store = try db.store()
        let name = try #require(try db.strings("SELECT current_database()").first)
        let admin = try PGConnection(url: try #require(PostgresServer.shared).url("postgres"), password: nil)
        try admin.execute("ALTER DATABASE \(name) ALLOW_CONNECTIONS false", operation: "test")
        try admin.execute("SELECT pg_terminate_backend(pid, 60000) FROM pg_stat_activity WHERE datname = '\(name)' AND backend_type = 'client backend'", operation: "test")
        let refused = try #require(throws: StoreError.self) { try store.enqueue([outboxItem("m")]) }
        #expect(refused.code == .unavailable)   // "database ... is not currently accepting connections"
        #expect(refused.isRetryable)
        try admin.execute("ALTER DATABASE \(name) ALLOW_CONNECTIONS true", operation: "test")
        #expect(try store.enqueue([outboxItem("m")]) == 1)
    }
}
