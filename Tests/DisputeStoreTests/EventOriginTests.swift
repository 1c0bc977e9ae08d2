import DisputeCore
import Foundation
import Testing
@testable import DisputeStore

/// Migration 004: each event keeps where it came from (`cli`, `web`, `import:FILE`) and the
/// export's own id of the event, unique per dispute.
@Suite("Event origins")
struct EventOriginTests {
    @Test(arguments: Backend.all) func originsAreKeptPerEventAndReadBackInHistoryOrder(_ backend: Backend) throws {
        let db = try StoreFixture(backend)
        let store = try db.store()
        let opened = openDispute(ref: "A")
        try store.write { tx in
            try tx.insert(opened, origins: [.import(file: "lcs.csv", eventID: "E-1")])
            try tx.insert(openDispute(ref: "B"))
        }
        try store.append(DisputeEvent(at: instant(60), change: .note("typed")), toRef: "A", origin: .cli)
        try store.append(DisputeEvent(at: instant(120), change: .note("clicked")), toRef: "A", origin: .web)
        try store.append(DisputeEvent(at: instant(180), change: .note("exported")), toRef: "A",
                         origin: .import(file: "lcs.csv", eventID: "E-2"))

        let found = try store.disputesWithOrigins(refs: ["A", "B", "NOT-THERE"])
        #expect(found.keys.sorted() == ["A", "B"])
        let a = try #require(found["A"])
        #expect(a.dispute.events.count == 4)
        #expect(a.origins == [EventOrigin(source: "import:lcs.csv", eventID: "E-1"), .cli, .web,
                              EventOrigin(source: "import:lcs.csv", eventID: "E-2")])
        #expect(a.origins.map(\.isImport) == [true, false, false, true])
        #expect(found["B"]?.origins == [.unknown])
        let sources = try db.strings("SELECT COALESCE(source, 'NULL') FROM events ORDER BY dispute_id, seq")
        #expect(sources == ["import:lcs.csv", "cli", "web", "import:lcs.csv", "NULL"])
    }

    @Test(arguments: Backend.all) func anExportIDIsUniquePerDisputeOnly(_ backend: Backend) throws {
        let db = try StoreFixture(backend)
        let store = try db.store()
        try store.insertAll([openDispute(ref: "A"), openDispute(ref: "B")])
        try store.append(DisputeEvent(at: instant(60), change: .note("one")), toRef: "A", origin: .import(file: "x.csv", eventID: "7"))
        // The same id on another dispute is another event.
        try store.append(DisputeEvent(at: instant(60), change: .note("one")), toRef: "B", origin: .import(file: "x.csv", eventID: "7"))
        let error = try #require(throws: StoreError.self) {
            try store.append(DisputeEvent(at: instant(120), change: .note("two")), toRef: "A", origin: .import(file: "y.csv", eventID: "7"))
        }
        #expect(error.code == .constraint)
        #expect(try store.read { try $0.eventCount() } == 4)
    }

    /// More than 500 references are read in one pass over the store, with the same result.
    @Test(arguments: Backend.all) func manyReferencesAreReadInOnePass(_ backend: Backend) throws {
        let db = try StoreFixture(backend)
        let store = try db.store()
        let disputes = (0..<700).map { openDispute(ref: "R-\($0)") }
        try store.write { tx in
            try tx.insertMany(disputes, origins: disputes.indices.map { [.import(file: "big.csv", eventID: "open-\($0)")] })
        }
        let wanted = Set((0..<600).map { "R-\($0 * 2)" })
        let found = try store.disputesWithOrigins(refs: wanted)
        #expect(found.count == 350)
        #expect(found["R-698"]?.origins == [EventOrigin(source: "import:big.csv", eventID: "open-698")])
        #expect(found["R-1"] == nil)
    }
}
