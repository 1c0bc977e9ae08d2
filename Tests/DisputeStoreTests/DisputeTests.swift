import DisputeCore
import Foundation
import Testing
@testable import DisputeStore

@Suite("Disputes in the store")
struct DisputeTests {
    @Test(arguments: Backend.all) func everyEventKindSurvivesARoundTrip(_ backend: Backend) throws {
        // Given a dispute whose history holds every kind of change
        let db = try StoreFixture(backend)
        let original = disputeWithEveryEvent()
        #expect(Set(original.events.map(\.change.name)) == [
            "opened", "escalated", "paused", "resumed", "extended", "note", "cafcass-referral", "resolved",
        ])
        let withdrawn = Dispute(ref: "CASE-0002", policy: "six-stage", kind: .qopAlert, category: .provisionOfServices,
                                type: .resources, division: .northernIreland, raisedBy: hos,
                                events: [DisputeEvent(at: instant(), change: .opened(stage: 2)),
                                         DisputeEvent(at: instant(5), by: hos, change: .withdrawn(reason: "raised in error"))])
        // When it is stored and read back, from the same store and from a fresh connection
        try db.store().insert(original)
        try db.store().insert(withdrawn)
        let store = try db.store()
        // Then it is the same dispute, history in order, people included
        #expect(try store.dispute(ref: "CASE-0001") == original)
        #expect(try store.dispute(ref: "CASE-0002") == withdrawn)
        #expect(try store.disputes(openOnly: false) == [original, withdrawn])
        #expect(try store.dispute(ref: "CASE-9999") == nil)
    }

    @Test(arguments: Backend.all) func subjectConcernAboutTheOwnerAndOpeningReasonSurvive(_ backend: Backend) throws {
        // Given a record that names a timescale row, concerns its owner, and was raised above stage 1
        let db = try StoreFixture(backend)
        var d = disputeWithEveryEvent(ref: "CASE-0003")
        d.subject = "placement-breakdown"
        d.concernsOwner = true
        d.openingReason = "risk of harm"
        // When stored and read back
        try db.store().insert(d)
        // Then the three fields (migration 002) are kept; pending migrations are none, the ref is known
        let store = try db.store()
        #expect(try store.dispute(ref: "CASE-0003") == d)
        #expect(try store.pendingMigrations() == [])
        #expect(try store.existingRefs(among: ["CASE-0003", "CASE-4"]) == ["CASE-0003"])
    }

    @Test(arguments: Backend.all) func appendedEventsUpdateTheDerivedStateAndTheOpenList(_ backend: Backend) throws {
        let db = try StoreFixture(backend)
        let store = try db.store()
        try store.insertAll([openDispute(ref: "A"), openDispute(ref: "B")])
        try store.append(DisputeEvent(at: instant(10), by: iro, change: .escalated(toStage: 3, reason: "no reply")), toRef: "A")
        try store.append(DisputeEvent(at: instant(20), by: iro, change: .resolved(outcome: "agreed")), toRef: "B")

        #expect(try store.disputes(openOnly: true).map(\.ref) == ["A"])
        #expect(try store.disputes(openOnly: false).map(\.ref) == ["A", "B"])
        #expect(try store.dispute(ref: "A")?.events.map(\.change.name) == ["opened", "escalated"])
        #expect(try db.ints("SELECT current_stage, is_closed FROM disputes WHERE ref = 'A'") == [3, 0])
    }

    @Test(arguments: Backend.all) func aDuplicateReferenceIsRefusedAndNothingIsWritten(_ backend: Backend) throws {
        let db = try StoreFixture(backend)
        let store = try db.store()
        try store.insert(openDispute(ref: "CASE-1"))
        var second = disputeWithEveryEvent(ref: "CASE-1")
        second.policy = "other-policy"

        let error = try #require(throws: StoreError.self) { try store.insert(second) }
        #expect(error.code == .duplicate)
        #expect(!error.isRetryable)
        #expect(error.description.contains("already recorded"))
        #expect(try store.dispute(ref: "CASE-1") == openDispute(ref: "CASE-1"))
        #expect(try db.ints("SELECT (SELECT COUNT(*) FROM events), (SELECT COUNT(*) FROM people)") == [1, 0])
    }

    @Test(arguments: Backend.all) func appendingToAnUnknownReferenceIsRefused(_ backend: Backend) throws {
        let store = try StoreFixture(backend).store()
        let error = try #require(throws: StoreError.self) {
            try store.append(DisputeEvent(at: instant(), change: .resumed), toRef: "NOPE")
        }
        #expect(error.code == .notFound)
    }

    @Test(arguments: Backend.all) func aTransactionThatThrowsLeavesNothingBehind(_ backend: Backend) throws {
        // Given a write transaction that records a dispute, an event and a notification, then fails
        let store = try StoreFixture(backend).store()
        try store.insert(openDispute(ref: "KEEP"))
        #expect(throws: Boom.self) {
            try store.write { tx in
                try tx.insert(openDispute(ref: "GONE"))
                try tx.append(DisputeEvent(at: instant(1), change: .note("x")), toRef: "KEEP")
                try tx.enqueue([outboxItem("n1")])
                #expect(try tx.dispute(ref: "GONE") != nil)   // reads inside see the writes so far
                throw Boom()
            }
        }
        // Then none of it is there, and the store still works
        #expect(try store.dispute(ref: "GONE") == nil)
        #expect(try store.dispute(ref: "KEEP")?.events.count == 1)
        #expect(try store.outboxCounts() == OutboxCounts())
        try store.insert(openDispute(ref: "AFTER"))
        #expect(try store.disputes(openOnly: true).map(\.ref) == ["KEEP", "AFTER"])
    }

    @Test(arguments: Backend.all) func aNestedWriteIsRefusedAndTheOuterOneRollsBack(_ backend: Backend) throws {
        let store = try StoreFixture(backend).store()
        let error = try #require(throws: StoreError.self) {
            try store.write { tx in
                try tx.insert(openDispute(ref: "OUTER"))
                try store.insert(openDispute(ref: "INNER"))   // wrong: use `tx`
            }
        }
        #expect(error.code == .misuse)
        #expect(try store.disputes(openOnly: false).isEmpty)
    }

    @Test(arguments: Backend.all) func insertAllIsAllOrNothingAndNamesTheFailingItem(_ backend: Backend) throws {
        let store = try StoreFixture(backend).store()
        let batch = [openDispute(ref: "R1"), disputeWithEveryEvent(ref: "R2"), openDispute(ref: "R3"), openDispute(ref: "R2")]
        let error = try #require(throws: StoreError.self) { try store.insertAll(batch) }
        #expect(error.code == .duplicate)
        #expect(error.index == 3)
        #expect(error.description.contains("item 4 of the batch"))
        #expect(try store.disputes(openOnly: false).isEmpty)

        try store.insertAll(Array(batch.prefix(3)))
        #expect(try store.disputes(openOnly: false).map(\.ref) == ["R1", "R2", "R3"])
    }

    @Test(arguments: Backend.all) func eventsAreAppendOnly(_ backend: Backend) throws {
        let db = try StoreFixture(backend)
        let store = try db.store()
        try store.insert(openDispute(ref: "A"))
        for sql in ["UPDATE events SET at = 0", "DELETE FROM events"] {
            let error = try #require(throws: StoreError.self) {
                try db.execute(sql)
            }
            #expect(error.code == .constraint)
            #expect(error.message.contains("append-only"))
        }
    }
}

@Suite("Earlier records per child")
struct EarlierRecordTests {
    func record(_ ref: String, child: String, kind: RecordKind = .formal, at seconds: Int, closed: Bool = false) -> Dispute {
        var events = [DisputeEvent(at: instant(seconds), by: iro, change: .opened(stage: 1))]
        if closed { events.append(DisputeEvent(at: instant(seconds + 60), by: iro, change: .resolved(outcome: "done"))) }
        return Dispute(ref: ref, policy: "four-stage", kind: kind, category: .general, type: .practice,
                       division: .englandAndWales, childRef: child, raisedBy: iro, events: events)
    }

    @Test(arguments: Backend.all) func closedRecordsCountAndOnlyTheSameChildAndKindAreCounted(_ backend: Backend) throws {
        let db = try StoreFixture(backend)
        let store = try db.store()
        // Inserted out of opening order: the count follows the opening time, then the reference.
        try store.insert(record("B-3", child: "C-1", at: 300))
        try store.insert(record("B-1", child: "C-1", at: 100, closed: true))
        try store.insert(record("B-2", child: "C-1", at: 200, closed: true))
        try store.insert(record("B-2b", child: "C-1", at: 200))
        try store.insert(record("Q-1", child: "C-1", kind: .qopAlert, at: 50))
        try store.insert(record("O-1", child: "C-2", at: 10))
        #expect(try store.earlierRecordCounts() == ["B-2": 1, "B-2b": 2, "B-3": 3])
    }
}

@Suite("Impossible dates")
struct ImpossibleDateTests {
    @Test(arguments: Backend.all, [Int64.max, Int64.min, 0, 4_102_444_800_000])
    func anEventWithAnImpossibleDateMakesItsDisputeAnUnreadableRowAndLeavesTheOthers(_ backend: Backend, _ ms: Int64) throws {
        let db = try StoreFixture(backend)
        let store = try db.store()
        try store.insert(openDispute(ref: "DR-GOOD"))
        try store.insert(openDispute(ref: "DR-FAR"))
        // Written behind drwatch's back (events are append-only: a new row, as a hand edit would add).
        try db.execute("INSERT INTO events (dispute_id, seq, kind, at, note) SELECT id, 2, 'note', \(ms), 'x' FROM disputes WHERE ref = 'DR-FAR'")
        var unreadable: [UnreadableDispute] = []
        let open = try store.disputes(openOnly: true, unreadable: &unreadable)
        #expect(open.map(\.ref) == ["DR-GOOD"])
        #expect(unreadable.map(\.ref) == ["DR-FAR"])
        #expect(unreadable.first?.reason.contains("impossible date") == true)
        #expect(try store.disputes(openOnly: true).map(\.ref) == ["DR-GOOD"])
        #expect(throws: StoreError.self) { try store.dispute(ref: "DR-FAR") }
    }

    @Test(arguments: Backend.all) func theFirstAndLastAcceptedInstantsAreRead(_ backend: Backend) throws {
        let db = try StoreFixture(backend)
        let store = try db.store()
        try store.insert(openDispute(ref: "DR-1995", at: Date(timeIntervalSince1970: 788_918_400)))
        try store.insert(openDispute(ref: "DR-2099", at: Date(timeIntervalSince1970: 4_102_444_799)))
        var unreadable: [UnreadableDispute] = []
        #expect(try store.disputes(openOnly: false, unreadable: &unreadable).count == 2)
        #expect(unreadable.isEmpty)
    }
}
