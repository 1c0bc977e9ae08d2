import DisputeCore
import DisputeStore
import Foundation
import Testing
@testable import DisputeService
@testable import Notifications
@testable import Recording
@testable import ServiceConfig

/// The drop folder on a real folder and a real SQLite file, poll by poll (the daemon calls
/// `poll(now:)` once per poll).
@Suite("Drop folder sync")
struct DropFolderSyncTests {
    static let header = ImportColumn.allCases.map(\.rawValue).joined(separator: ",")
    static func row(_ cells: [String: String]) -> String {
        ImportColumn.allCases.map { cells[$0.rawValue] ?? "" }.joined(separator: ",")
    }
    static func opened(_ ref: String) -> String {
        row(["ref": ref, "event": "opened", "at": "2026-11-23T10:00", "by_role": "iro", "by_email": "iro@council.example",
             "policy": "four-stage", "kind": "formal", "category": "general", "type": "P"])
    }

    struct Folder {
        let pipeline: Pipeline
        let inbox: URL
        let sync: DropFolderSync
        init(strict: Bool = false) throws {
            let dir = try tempFolder("drop")
            pipeline = try Pipeline("""
                [roles]
                admin = ["admin@council.example"]
                [import]
                directory = "\(dir.path)"
                strict = \(strict)
                """)
            inbox = dir
            let runtime = try Runtime.load(config: pipeline.config)
            sync = DropFolderSync(runtime: runtime, store: pipeline.store,
                                  templates: try TemplateSet.load(shipped: shippedTemplates), logger: pipeline.logs.logger, environment: [:])
        }
        func put(_ name: String, _ text: String) throws { try Data(text.utf8).write(to: inbox.appendingPathComponent(name)) }
        func names(_ sub: String = "") -> [String] {
            ((try? FileManager.default.contentsOfDirectory(atPath: inbox.appendingPathComponent(sub).path)) ?? [])
                .filter { !["done", "failed"].contains($0) }.sorted()
        }
        var events: Int { (try? pipeline.store.read { try $0.eventCount() }) ?? -1 }
    }

    static let now = london("2026-12-03T02:00")

    @Test func aFileIsTakenAtTheSecondPollThatSeesItUnchangedAndMovedToDone() throws {
        let f = try Folder()
        try f.put("night.csv", [Self.header, Self.opened("DF-1"), Self.row(["ref": "DF-1", "event": "note", "at": "2026-11-24", "text": "x"])]
            .joined(separator: "\n") + "\n")
        #expect(try f.sync.poll(now: Self.now) == [])
        #expect(f.events == 0)
        let outcomes = try f.sync.poll(now: Self.now)
        #expect(outcomes == [DropFileOutcome(file: "night.csv", folder: "done",
                                             summary: "night.csv: opened 1 dispute, appended 1 event, skipped 0 already recorded, refused 0 rows")])
        #expect(f.events == 2)
        #expect(f.names() == [])
        #expect(f.names("done") == ["night-20261203T020000Z.csv", "night-20261203T020000Z.report.txt"])
        let report = try String(contentsOf: f.inbox.appendingPathComponent("done/night-20261203T020000Z.report.txt"), encoding: .utf8)
        #expect(report == "night.csv: opened 1 dispute, appended 1 event, skipped 0 already recorded, refused 0 rows\n")
        #expect(try f.pipeline.store.outbox(filter: .all).isEmpty)
    }

    /// Still being written: a name not yet renamed into place is never taken; a file that grows
    /// between two polls waits for a poll that sees it unchanged.
    @Test func aFileStillBeingWrittenIsLeftForALaterPoll() throws {
        let f = try Folder()
        let whole = [Self.header, Self.opened("DF-1"), Self.opened("DF-2")].joined(separator: "\n") + "\n"
        try f.put("night.csv.part", whole)
        try f.put("night.csv", String(whole.prefix(60)))
        #expect(try f.sync.poll(now: Self.now) == [])
        try f.put("night.csv", String(whole.prefix(200)))
        #expect(try f.sync.poll(now: Self.now) == [])
        try f.put("night.csv", whole)
        #expect(try f.sync.poll(now: Self.now) == [])
        #expect(f.events == 0)
        #expect(try f.sync.poll(now: Self.now).map(\.folder) == ["done"])
        #expect(f.events == 2)
        #expect(try f.sync.poll(now: Self.now) == [])
        #expect(f.names() == ["night.csv.part"])
    }

    /// A one-off poll (`drwatch tick`) has no earlier listing: it takes the files not modified
    /// since the cutoff, never a name still being written, and a dry run only names them.
    @Test func aOneOffPollTakesOnlyFilesSettledBeforeTheCutoff() throws {
        let f = try Folder()
        try f.put("old.csv", [Self.header, Self.opened("DF-OLD")].joined(separator: "\n") + "\n")
        try f.put("fresh.csv", [Self.header, Self.opened("DF-FRESH")].joined(separator: "\n") + "\n")
        try f.put("old.csv.part", "partial")
        let old = Date(timeIntervalSince1970: 1_700_000_000)
        for name in ["old.csv", "old.csv.part"] {
            try FileManager.default.setAttributes([.modificationDate: old], ofItemAtPath: f.inbox.appendingPathComponent(name).path)
        }
        let cutoff = old.addingTimeInterval(60)
        #expect(try f.sync.pollOnce(now: Self.now, settledBefore: cutoff, dryRun: true)
                == [DropFileOutcome(file: "old.csv", folder: "", summary: "old.csv: would be imported")])
        #expect(f.events == 0)
        #expect(try f.sync.pollOnce(now: Self.now, settledBefore: cutoff, dryRun: false).map(\.folder) == ["done"])
        #expect(f.events == 1)
        #expect(f.names() == ["fresh.csv", "old.csv.part"])
    }

    @Test(arguments: [
        (["a.csv": 10.0, "b.CSV": 50.0, "c.csv": 61.0, ".d.csv": 1.0, "e.csv.part": 1.0, "f.txt": 1.0], ["a.csv", "b.CSV"]),
        ([:], []),
        (["z.csv": 60.0, "y.csv": 0.0], ["y.csv", "z.csv"]),
    ] as [([String: Double], [String])])
    func settledFilesAreTheCandidatesModifiedByTheCutoff(_ modified: [String: Double], _ expected: [String]) {
        let listing = modified.mapValues { DropFileState(size: 1, modified: Date(timeIntervalSince1970: $0)) }
        #expect(DropFolder.settled(listing: listing, before: Date(timeIntervalSince1970: 60)) == expected)
    }

    /// A refused row: the rest is recorded, the file goes to failed/ with its report, and the
    /// admin role is told through the outbox.
    @Test func aFileWithARefusedRowGoesToFailedAndTheAdminIsTold() throws {
        let f = try Folder()
        try f.put("night.csv", [Self.header, Self.opened("DF-1"), Self.opened("DF-2"),
                                Self.row(["ref": "DF-2", "event": "resumed", "at": "2026-11-24"])].joined(separator: "\n") + "\n")
        _ = try f.sync.poll(now: Self.now)
        let outcomes = try f.sync.poll(now: Self.now)
        #expect(outcomes.map(\.folder) == ["failed"])
        #expect(f.events == 1)
        let report = try String(contentsOf: f.inbox.appendingPathComponent("failed/night-20261203T020000Z.report.txt"), encoding: .utf8)
        #expect(report.hasPrefix("night.csv: opened 1 dispute, appended 0 events, skipped 0 already recorded, refused 2 rows (1 dispute left as it is)\n"))
        #expect(report.contains("night.csv:4: DF-2 is not paused"), "\(report)")
        let notices = try f.pipeline.store.outbox(filter: .all)
        #expect(notices.map(\.item.event) == ["admin-import-failed"])
        #expect(notices.first?.item.recipients == ["admin@council.example"])
        #expect(notices.first?.item.subject == "drwatch could not import night.csv in full")
        #expect(notices.first?.item.body.contains("left 1 dispute(s) as they were") == true)
    }

    @Test func strictRefusesTheWholeFile() throws {
        let f = try Folder(strict: true)
        try f.put("night.csv", [Self.header, Self.opened("DF-1"), Self.row(["ref": "DF-1", "event": "resumed", "at": "2026-11-24"])]
            .joined(separator: "\n") + "\n")
        _ = try f.sync.poll(now: Self.now)
        #expect(try f.sync.poll(now: Self.now).map(\.summary) == ["night.csv: 2 rows refused; nothing was imported (strict = true)"])
        #expect(f.events == 0)
        #expect(f.names("failed").count == 2)
        #expect(try f.pipeline.store.outbox(filter: .all).first?.item.body.contains("refused the whole file") == true)
    }
}
