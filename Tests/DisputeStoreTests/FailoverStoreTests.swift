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

    /// Ends every session of the fixture's database but the caller's own (a restart, a failover).
    private func cutSessions(_ db: StoreFixture) throws {
        try db.execute("SELECT pg_terminate_backend(pid, 60000) FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid() AND backend_type = 'client backend'")
    }

    @Test func aReadOutsideATransactionOnACutSessionIsRunAgainOnANewOne() throws {
        // Given a web session recorded, and the store's session cut
        let db = try StoreFixture(.postgresql)
        let store = try db.store()
        try store.addSession(tokenHash: "h1", email: "tm@council.example", csrf: "c1", createdAt: instant(), expiresAt: instant(3600), directoryRoles: [])
        try cutSessions(db)
        // Then the web app's session read (no transaction) is served on a new session
        #expect(try store.session(tokenHash: "h1", now: instant(60))?.email == "tm@council.example")
    }

    @Test func aWriteOutsideATransactionOnACutSessionIsUnavailableNotRunAndTheNextOneWorks() throws {
        let db = try StoreFixture(.postgresql)
        let store = try db.store()
        let entry = AuditEntry(at: instant(), actor: "tm@council.example", action: "signed-out", ref: nil, outcome: "done", detail: nil)
        _ = try store.audit(ref: nil, limit: 1)
        try cutSessions(db)
        // Then the write is refused as an outage (a retry is the caller's: it may have been done), and not written
        let refused = try #require(throws: StoreError.self) { try store.appendAudit(entry) }
        #expect(refused.code == .unavailable)
        #expect(try db.ints("SELECT COUNT(*) FROM audit") == [0])
        // And the next write opens a new session and is written once
        try store.appendAudit(entry)
        #expect(try db.ints("SELECT COUNT(*) FROM audit") == [1])
    }

    @Test(arguments: [
        ("SELECT 1", true), ("  \n select x FROM t", true), ("WITH a AS (SELECT 1) SELECT * FROM a", true),
        ("WITH a AS (DELETE FROM t RETURNING id) SELECT * FROM a", false), ("INSERT INTO audit VALUES (1)", false),
        ("UPDATE web_sessions SET ended_at = $1", false), ("DELETE FROM t", false), ("BEGIN", false), ("", false),
    ])
    func onlyAReadIsRunAgainOnANewSession(_ sql: String, _ read: Bool) {
        #expect(PGDatabase.isRead(sql) == read)
    }
}
