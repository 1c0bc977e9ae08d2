import DisputeCore
import Foundation
import Testing
@testable import DisputeStore

/// Migration 003: the change counter and each dispute's `change_seq`, kept by triggers, so a
/// reader that keeps the open disputes in memory asks only for what changed.
@Suite("Change tracking")
struct ChangeTrackingTests {
    func open(_ ref: String, at seconds: Int = 0) -> Dispute {
        Dispute(ref: ref, policy: "four-stage", kind: .formal, category: .general, type: .practice, division: .englandAndWales,
                raisedBy: iro, people: ["team-manager": ["tm@council.example"]],
                events: [DisputeEvent(at: instant(seconds), by: iro, change: .opened(stage: 1))])
    }

    @Test(arguments: Backend.all) func onlyDisputesChangedAfterATokenAreReadClosedOnesIncluded(_ backend: Backend) throws {
        let db = try StoreFixture(backend)
        let store = try db.store()
        try store.insertAll([open("A"), open("B"), open("C")])
        let t0 = try #require(try store.changeToken())
        #expect(try store.read { try $0.disputeRecords(openOnly: false, changedAfter: t0.seq, people: false, shareStrings: true) }.isEmpty)

        try store.append(DisputeEvent(at: instant(60), by: iro, change: .escalated(toStage: 2, reason: nil)), toRef: "B")
        try store.append(DisputeEvent(at: instant(60), change: .resolved(outcome: "agreed")), toRef: "C")
        try store.insert(open("D"))
        let t1 = try #require(try store.changeToken())
        #expect(t1.epoch == t0.epoch && t1.seq > t0.seq)
        let changed = try store.read { try $0.disputeRecords(openOnly: false, changedAfter: t0.seq, people: false, shareStrings: true) }
        #expect(changed.map(\.dispute.ref) == ["B", "C", "D"])
        #expect(changed.map(\.isClosed) == [false, true, false])
        #expect(changed[0].dispute.events.count == 2 && changed[0].dispute.people.isEmpty)
        // Read with people, the same dispute as `dispute(ref:)` gives.
        let full = try store.read { try $0.disputeRecords(openOnly: true, changedAfter: nil, people: true, shareStrings: true) }
        #expect(full.map(\.dispute.ref) == ["A", "B", "D"])
        #expect(full[1].dispute == (try store.dispute(ref: "B")))
        #expect(try store.read { try $0.disputes(ids: [full[1].id, 999]) } == [full[1].id: try #require(try store.dispute(ref: "B"))])
    }

    @Test(arguments: Backend.all, [false, true])
    func aBulkImportIsSeenByReadersAndLeavesTheTriggersInPlace(_ backend: Backend, failsHalfWay: Bool) throws {
        // Given a store with one dispute and a reader's token
        let db = try StoreFixture(backend)
        let store = try db.store()
        try store.insert(open("FIRST"))
        let t0 = try #require(try store.changeToken())
        // When 300 disputes are imported in one go (the bulk path), or the import fails at item 250
        var batch = (0..<300).map { open("BULK-\($0)") }
        if failsHalfWay { batch[250] = open("FIRST") }
        do { try store.insertAll(batch) } catch let e as StoreError {
            #expect(failsHalfWay && e.index == 250)
        }
        // Then a reader sees every imported dispute as changed after its token (or nothing at all)
        let changed = try store.read { try $0.disputeRecords(openOnly: true, changedAfter: t0.seq, people: false, shareStrings: false) }
        #expect(changed.count == (failsHalfWay ? 0 : 300))
        // And the per-row triggers still track the next single change
        let t1 = try #require(try store.changeToken())
        try store.insert(open("AFTER"))
        let after = try store.read { try $0.disputeRecords(openOnly: true, changedAfter: t1.seq, people: false, shareStrings: false) }
        #expect(after.map(\.dispute.ref) == ["AFTER"])
        try store.append(DisputeEvent(at: instant(60), by: iro, change: .escalated(toStage: 2, reason: nil)), toRef: "FIRST")
        let t2 = try #require(try store.changeToken())
        #expect(t2.seq > t1.seq)
    }

    @Test(arguments: Backend.all) func aDeletedDisputeRowChangesTheEpochSoReadersReloadEverything(_ backend: Backend) throws {
        let db = try StoreFixture(backend)
        let store = try db.store()
        try store.insertAll([open("A"), open("B")])
        let t0 = try #require(try store.changeToken())
        try db.execute("UPDATE disputes SET team = 'North' WHERE ref = 'A'")
        let t1 = try #require(try store.changeToken())
        #expect(t1.epoch == t0.epoch && t1.seq > t0.seq)
        #expect(try store.read { try $0.disputeRecords(openOnly: false, changedAfter: t0.seq, people: false, shareStrings: false) }.map(\.dispute.ref) == ["A"])
        try db.execute("DELETE FROM people WHERE dispute_id = (SELECT id FROM disputes WHERE ref = 'B'); DELETE FROM disputes WHERE ref = 'B'", foreignKeys: false)
        #expect(try store.changeToken()?.epoch == t1.epoch + 1)
    }

    @Test(arguments: Backend.all) func outboxIdentitiesOfOpenDisputesOnly(_ backend: Backend) throws {
        let db = try StoreFixture(backend)
        let store = try db.store()
        try store.insertAll([open("A"), open("B")])
        try store.append(DisputeEvent(at: instant(60), change: .withdrawn(reason: "raised in error")), toRef: "B")
        try store.enqueue(["A", "B"].map { (r: String) in OutboxItem(identity: "\(r)/s1/opened/iro", ref: r, event: "opened", recipients: ["iro@council.example"],
                                                    channel: "email", subject: "s", body: "b", createdAt: instant()) }
                          + [OutboxItem(identity: "admin/parked/1/0", ref: nil, event: "admin-parked", recipients: [], channel: "email",
                                        subject: "s", body: "b", createdAt: instant())])
        var seen: [String] = []
        try store.read { try $0.forEachOutboxIdentityOfOpenDisputes { seen.append($0) } }
        #expect(seen == ["A/s1/opened/iro"])
    }
}
