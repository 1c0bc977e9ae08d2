import DisputeCore
import Foundation
import Testing
@testable import DisputeStore

@Suite("The notification outbox")
struct OutboxTests {
    @Test(arguments: Backend.all) func enqueueingTheSameIdentityTwiceAddsItOnce(_ backend: Backend) throws {
        let store = try StoreFixture(backend).store()
        #expect(try store.enqueue([outboxItem("a"), outboxItem("b"), outboxItem("a")]) == 2)
        var changed = outboxItem("b"); changed.subject = "different"
        #expect(try store.enqueue([changed, outboxItem("c")]) == 1)
        #expect(try store.outboxCounts() == OutboxCounts(pending: 3))
        #expect(try store.outbox(filter: .all).map(\.item.subject) == ["Stage 2 due", "Stage 2 due", "Stage 2 due"])
    }

    @Test(arguments: Backend.all) func aLargeEnqueueSpansSeveralStatementsAndKeepsEachItemWhole(_ backend: Backend) throws {
        // More rows than one INSERT carries (50), a repeat inside the call, one already stored.
        let store = try StoreFixture(backend).store()
        try store.enqueue([outboxItem("m-7", recipients: ["old@council.example"])])
        let items = (0..<120).map { i in
            outboxItem("m-\(i)", recipients: (0..<(i % 4)).map { "r\($0)-\(i)@council.example" }, urgency: i % 5 == 0 ? .urgent : .normal)
        }
        let repeated = outboxItem("m-3", recipients: ["other@council.example"])
        #expect(try store.enqueue(items + [repeated]) == 119)
        let stored = try store.outbox(filter: .all)
        #expect(stored.count == 120)
        #expect(Set(stored.map(\.item.identity)).count == 120)
        let byIdentity = Dictionary(uniqueKeysWithValues: stored.map { ($0.item.identity, $0) })
        for item in items where item.identity != "m-7" {
            #expect(byIdentity[item.identity]?.item == item)
            #expect(byIdentity[item.identity]?.pendingRecipients == item.recipients)
        }
        #expect(byIdentity["m-7"]?.item.recipients == ["old@council.example"])
        #expect(byIdentity["m-3"]?.item.recipients == ["r0-3@council.example", "r1-3@council.example", "r2-3@council.example"])
        #expect(try store.outboxCounts() == OutboxCounts(pending: 120))
    }

    @Test(arguments: Backend.all) func aStoredItemComesBackWhole(_ backend: Backend) throws {
        let store = try StoreFixture(backend).store()
        let item = outboxItem("a", recipients: ["x@council.example", "y@council.example"], urgency: .urgent)
        try store.enqueue([item])
        let entry = try #require(try store.outbox(filter: .all).first)
        #expect(entry.item == item)
        #expect(entry.state == .pending)
        #expect(entry.attempts == 0)
        #expect(entry.nextAttemptAt == item.createdAt)
        #expect(entry.pendingRecipients == ["x@council.example", "y@council.example"])
    }

    @Test(arguments: Backend.all) func aRetryOnlyGoesToRecipientsWhoHaveNotReceivedIt(_ backend: Backend) throws {
        // Given a message to three recipients, delivered to one before the connection failed
        let store = try StoreFixture(backend).store()
        try store.enqueue([outboxItem("m", recipients: ["a@x.example", "b@x.example", "c@x.example"])])
        let id = try #require(try store.duePending(now: instant(), limit: 10).first?.id)
        try store.markRecipientSent(id: id, address: "a@x.example", at: instant(1))
        #expect(try store.markAttemptFailed(id: id, error: "connection refused", nextAttemptAt: instant(60)) == 1)

        // Then it is not due before the next attempt time
        #expect(try store.duePending(now: instant(59), limit: 10).isEmpty)
        // And when due, only the two others are left to send
        let due = try #require(try store.duePending(now: instant(60), limit: 10).first)
        #expect(due.state == .failed)
        #expect(due.lastError == "connection refused")
        #expect(due.pendingRecipients == ["b@x.example", "c@x.example"])

        // When both are delivered, the message is sent
        try store.markRecipientSent(id: id, address: "b@x.example", at: instant(61))
        #expect(try store.outboxCounts() == OutboxCounts(failed: 1))
        try store.markRecipientSent(id: id, address: "c@x.example", at: instant(62))
        try store.markRecipientSent(id: id, address: "c@x.example", at: instant(63))   // a repeat is harmless
        let sent = try #require(try store.outbox(filter: .all).first)
        #expect(sent.state == .sent)
        #expect(sent.sentAt == instant(62))
        #expect(sent.recipients.map(\.sentAt) == [instant(1), instant(61), instant(62)])
        #expect(try store.duePending(now: instant(1000), limit: 10).isEmpty)
        #expect(try store.outboxCounts() == OutboxCounts(sent: 1))
    }

    @Test(arguments: Backend.all) func aParkedMessageWaitsForAnAdminRetry(_ backend: Backend) throws {
        let store = try StoreFixture(backend).store()
        try store.enqueue([outboxItem("m", recipients: ["a@x.example", "b@x.example"])])
        let id = try #require(try store.outbox(filter: .pending).first?.id)
        try store.markRecipientSent(id: id, address: "a@x.example", at: instant(1))
        try store.markAttemptFailed(id: id, error: "timeout", nextAttemptAt: instant(10))
        #expect(try store.markAttemptFailed(id: id, error: "timeout", nextAttemptAt: instant(20)) == 2)
        try store.park(id: id, error: "550 mailbox unavailable")

        #expect(try store.duePending(now: instant(10_000), limit: 10).isEmpty)
        #expect(try store.outbox(filter: .parked).map(\.id) == [id])
        #expect(try store.outbox(filter: .failed).map(\.id) == [id])
        #expect(try store.outbox(filter: .pending).isEmpty)
        #expect(try store.outboxCounts() == OutboxCounts(parked: 1))

        try store.retry(id: id, now: instant(500))
        let due = try #require(try store.duePending(now: instant(500), limit: 10).first)
        #expect(due.attempts == 0)
        #expect(due.pendingRecipients == ["b@x.example"])

        try store.markSent(id: id, at: instant(501))
        let error = try #require(throws: StoreError.self) { try store.retry(id: id, now: instant(502)) }
        #expect(error.code == .invalidState)
        #expect(try #require(throws: StoreError.self) { try store.retry(id: 999, now: instant()) }.code == .notFound)
        #expect(try #require(throws: StoreError.self) { try store.park(id: id, error: "x") }.code == .invalidState)
    }

    @Test(arguments: Backend.all) func urgentMessagesComeFirstAndTheLimitHolds(_ backend: Backend) throws {
        let store = try StoreFixture(backend).store()
        try store.enqueue([outboxItem("old", at: instant(0)), outboxItem("new", at: instant(5)),
                           outboxItem("urgent", urgency: .urgent, at: instant(9)), outboxItem("future", at: instant(100))])
        #expect(try store.duePending(now: instant(10), limit: 10).map(\.item.identity) == ["urgent", "old", "new"])
        #expect(try store.duePending(now: instant(10), limit: 2).map(\.item.identity) == ["urgent", "old"])
    }

    @Test(arguments: Backend.all) func aMessageWithoutAddressesIsMarkedSentWhole(_ backend: Backend) throws {
        let store = try StoreFixture(backend).store()
        var hook = outboxItem("hook", recipients: [])
        hook.channel = "safeguarding-channel"
        try store.enqueue([hook])
        let id = try #require(try store.duePending(now: instant(), limit: 1).first?.id)
        try store.markSent(id: id, at: instant(3))
        #expect(try store.outboxCounts() == OutboxCounts(sent: 1))
    }

    @Test(arguments: Backend.all) func enqueueJoinsTheCallersTransaction(_ backend: Backend) throws {
        // Given a poll that records an event and enqueues its notifications together
        let store = try StoreFixture(backend).store()
        try store.insert(openDispute(ref: "CASE-0001"))
        let added = try store.write { tx in
            try tx.append(DisputeEvent(at: instant(5), change: .note("reminder planned")), toRef: "CASE-0001")
            return try tx.enqueue([outboxItem("r1"), outboxItem("r2")])
        }
        #expect(added == 2)
        #expect(try store.dispute(ref: "CASE-0001")?.events.count == 2)
        #expect(try store.outboxCounts().pending == 2)
    }
}
