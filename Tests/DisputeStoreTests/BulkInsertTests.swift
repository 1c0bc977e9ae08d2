import DisputeCore
import Foundation
import Testing
@testable import DisputeStore

/// A bulk import (`insertMany` of more than 100 disputes) writes multi-row statements: disputes
/// by 40, events by 60, people by 200, in savepoint steps of 200 disputes. A batch larger than all
/// of these reads back exactly, and a refused dispute far into it is named as one by one.
@Suite("Bulk insert")
struct BulkInsertTests {
    /// Dispute `i`: every column and the number of events and people varied, so that a value
    /// written in the wrong row or column shows.
    static func varied(_ i: Int) -> Dispute {
        var d = disputeWithEveryEvent(ref: "BULK-\(i)")
        d.kind = RecordKind.allCases[i % RecordKind.allCases.count]
        d.childRef = "CHILD-\(i % 997)"
        d.team = i % 3 == 0 ? nil : "Team \(i % 7)"
        d.raisedBy = Actor(role: "iro", email: "iro\(i % 11)@council.example")
        d.subject = i % 2 == 0 ? "subject \(i)" : nil
        d.concernsOwner = i % 5 == 0
        d.openingReason = i % 4 == 0 ? "reason \(i)" : nil
        d.childStatus = i % 3 == 0 ? nil : ChildStatus.allCases[i % 2]
        d.people = i % 6 == 0 ? [:] : ["team-manager": ["tm\(i)@council.example", "tm-b\(i % 13)@council.example"],
                                       "iro": ["iro\(i % 9)@council.example"]]
        d.events = d.events.prefix(1 + i % d.events.count).map { e in
            var e = e
            e.at = e.at.addingTimeInterval(Double(i * 60))
            return e
        }
        return d
    }

    static func origins(_ disputes: [Dispute]) -> [[EventOrigin]] {
        disputes.indices.map { i in
            disputes[i].events.indices.map { k in k % 2 == 0 ? .import(file: "big.csv", eventID: "\(i)-\(k)") : .unknown }
        }
    }

    static func summary(_ i: Int, _ d: Dispute) -> DisputeSummary {
        DisputeSummary(stage: 1 + i % 4, paused: i % 7 == 0, closedAt: i % 10 == 0 ? d.events.last!.at : nil)
    }

    @Test(arguments: Backend.all) func aBulkImportLargerThanOneStatementReadsBackExactly(_ backend: Backend) throws {
        // Given a store with one dispute and a reader's change token
        let db = try StoreFixture(backend)
        let store = try db.store()
        try store.insert(openDispute(ref: "FIRST"))
        let t0 = try #require(try store.changeToken())
        // When 1,050 varied disputes (about 6,300 events, 2,600 people) are imported in one go
        let disputes = (0..<1_050).map(Self.varied)
        let origins = Self.origins(disputes)
        let summaries = disputes.enumerated().map { Self.summary($0.offset, $0.element) }
        try store.write { try $0.insertMany(disputes, origins: origins, summaries: summaries) }
        // Then every dispute, event and person reads back as given, in the order given
        #expect(try store.disputes(openOnly: false) == [openDispute(ref: "FIRST")] + disputes)
        let found = try store.disputesWithOrigins(refs: Set(disputes.map(\.ref)))
        #expect(disputes.map { found[$0.ref]?.origins ?? [] } == origins)
        #expect(try store.read { try $0.eventCount() } == 1 + disputes.reduce(0) { $0 + $1.events.count })
        // And each row's state columns are the summaries given
        let states = try db.strings("""
            SELECT ref || ':' || current_stage || ':' || is_paused || ':' || is_closed || ':' || COALESCE(closed_at, -1)
            FROM disputes WHERE ref <> 'FIRST' ORDER BY id
            """)
        #expect(states == summaries.indices.map { i in
            let s = summaries[i]
            let closed = s.closedAt.map { String(Int64(($0.timeIntervalSince1970 * 1000).rounded())) } ?? "-1"
            return "BULK-\(i):\(s.stage):\(s.paused ? 1 : 0):\(s.closedAt == nil ? 0 : 1):\(closed)"
        })
        // And a reader sees each imported dispute as changed after its token, and nothing else
        let changed = try store.read { try $0.disputeRecords(openOnly: false, changedAfter: t0.seq, people: true, shareStrings: false) }
        #expect(changed.map(\.dispute) == disputes)
    }

    /// Where a far dispute of 1,050 is refused: a reference twice in the batch, a reference
    /// recorded already, an event id twice in one dispute.
    enum Refusal: String, CaseIterable, CustomTestStringConvertible {
        case refTwiceInBatch, refRecorded, eventIDTwice
        var testDescription: String { rawValue }
    }

    @Test(arguments: Backend.all, Refusal.allCases)
    func aRefusedDisputeFarIntoABulkImportIsNamedAndNothingIsWritten(_ backend: Backend, refusal: Refusal) throws {
        let db = try StoreFixture(backend)
        let store = try db.store()
        try store.insert(openDispute(ref: "FIRST"))
        var disputes = (0..<1_050).map(Self.varied)
        var origins = Self.origins(disputes)
        let expected: (index: Int, code: StoreError.Code)
        switch refusal {
        case .refTwiceInBatch: disputes[1_030].ref = "BULK-3"; expected = (1_030, .duplicate)
        case .refRecorded: disputes[777].ref = "FIRST"; expected = (777, .duplicate)
        case .eventIDTwice:
            disputes[901] = Self.varied(8)   // all 9 events
            disputes[901].ref = "BULK-901"
            origins[901] = disputes[901].events.indices.map { k in .import(file: "big.csv", eventID: k == 3 || k == 7 ? "dup" : "e\(k)") }
            expected = (901, .constraint)
        }
        let error = try #require(throws: StoreError.self) {
            try store.write { try $0.insertMany(disputes, origins: origins, summaries: []) }
        }
        #expect(error.code == expected.code)
        #expect(error.index == expected.index)
        #expect(try store.disputes(openOnly: false) == [openDispute(ref: "FIRST")])
        #expect(try store.read { try $0.eventCount() } == 1)
        #expect(try db.ints("SELECT COUNT(*) FROM people") == [0])
    }
}
