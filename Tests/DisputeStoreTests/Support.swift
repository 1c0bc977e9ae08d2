import DisputeCore
import Foundation
import Testing
import WorkingDays
@testable import DisputeStore

/// A fresh database file in its own temporary folder, removed when the test ends.
final class TempDatabase {
    let folder: URL
    var path: String { folder.appendingPathComponent("drwatch.sqlite").path }

    init() throws {
        folder = FileManager.default.temporaryDirectory.appendingPathComponent("drwatch-store-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
    }
    deinit { try? FileManager.default.removeItem(at: folder) }

    /// Opens and migrates a store on this file.
    func store(busyTimeout: Duration = .seconds(5)) throws -> SQLiteStore {
        let store = try SQLiteStore(path: path, busyTimeout: busyTimeout)
        try store.migrate()
        return store
    }
}

/// The store backends the backend-neutral suites run against (`@Test(arguments: Backend.all)`).
enum Backend: String, Sendable, CaseIterable, CustomTestStringConvertible {
    case sqlite, postgresql
    var testDescription: String { rawValue }
    /// Every backend this machine can run: PostgreSQL when its server binaries are installed
    /// (else its tests are left out, with the reason printed once).
    static var all: [Backend] { PostgresServer.shared == nil ? [.sqlite] : [.sqlite, .postgresql] }
}

/// A fresh, empty store of one backend for one test, removed when the test ends; with raw SQL
/// for the few checks the store's protocol does not answer (the same SQL on every backend).
final class StoreFixture {
    let backend: Backend
    private let sqlite: TempDatabase
    private var url = ""

    init(_ backend: Backend) throws {
        self.backend = backend
        sqlite = try TempDatabase()
        if backend == .postgresql {
            guard let server = PostgresServer.shared else { throw PostgresServer.Unavailable(description: "no PostgreSQL server") }
            url = try server.makeDatabase()
        }
    }

    var location: StoreLocation { backend == .sqlite ? .sqlite(path: sqlite.path) : .postgresql(url: url) }

    /// Opens (a new connection each time) and migrates the store.
    func store(busyTimeout: Duration = .seconds(5)) throws -> any StoreBackend {
        let store = try Stores.open(location, busyTimeout: busyTimeout)
        try store.migrate()
        return store
    }

    /// Runs statements outside drwatch's code (a hand edit); errors are the store's `StoreError`.
    /// `foreignKeys: false`: a hand edit that leaves rows pointing at a deleted dispute.
    func execute(_ sql: String, foreignKeys: Bool = true) throws {
        switch backend {
        case .sqlite:
            let db = try Database(path: sqlite.path)
            if !foreignKeys { try db.executeScript("PRAGMA foreign_keys = OFF", operation: "test") }
            try db.executeScript(sql, operation: "test")
        case .postgresql:
            let c = try PGConnection(url: url, password: nil)
            if !foreignKeys {
                try c.executeScript("ALTER TABLE events DROP CONSTRAINT events_dispute_id_fkey; ALTER TABLE people DROP CONSTRAINT people_dispute_id_fkey",
                                    operation: "test")
            }
            try c.executeScript(sql, operation: "test")
        }
    }

    /// The first row of a query, as integers.
    func ints(_ sql: String) throws -> [Int] {
        switch backend {
        case .sqlite:
            let db = try Database(path: sqlite.path)
            return try db.first(sql, operation: "test") { row in (0..<row.columnCount).map { row.int($0) } } ?? []
        case .postgresql:
            let c = try PGConnection(url: url, password: nil)
            return try c.first(sql, operation: "test") { row in (0..<row.columnCount).map { row.int($0) } } ?? []
        }
    }

    /// The first column of every row of a query, as text.
    func strings(_ sql: String) throws -> [String] {
        var out: [String] = []
        switch backend {
        case .sqlite: try Database(path: sqlite.path).query(sql, operation: "test") { out.append($0.string(0)) }
        case .postgresql: try PGConnection(url: url, password: nil).execute(sql, operation: "test") { out.append($0.string(0)) }
        }
        return out
    }
}

/// 2026-11-23 09:00 UTC plus `seconds`: whole seconds, so they survive millisecond storage.
func instant(_ seconds: Int = 0) -> Date { Date(timeIntervalSince1970: 1_795_424_400 + Double(seconds)) }

let iro = Actor(role: "iro", email: "iro@council.example")
let hos = Actor(role: "head-of-service-safeguarding", email: "hos@council.example")

/// A formal dispute whose history holds every kind of event.
func disputeWithEveryEvent(ref: String = "CASE-0001") -> Dispute {
    Dispute(ref: ref, policy: "four-stage", kind: .formal, category: .carePlanImplementation, type: .delay,
            division: .scotland, childRef: "CHILD-77", team: "North Team", raisedBy: iro,
            people: ["team-manager": ["tm1@council.example", "tm2@council.example"], "iro": ["iro@council.example"]],
            events: [
                DisputeEvent(at: instant(0), by: iro, change: .opened(stage: 1)),
                DisputeEvent(at: instant(60), by: iro, change: .escalated(toStage: 2, reason: nil)),
                DisputeEvent(at: instant(120), by: iro, change: .escalated(toStage: 4, reason: "risk of harm")),
                DisputeEvent(at: instant(180), by: iro, change: .paused(approvedBy: hos, reason: "awaiting court date")),
                DisputeEvent(at: instant(240), change: .resumed),
                DisputeEvent(at: instant(300), by: iro, change: .extended(workingDays: 3, agreedBy: iro)),
                DisputeEvent(at: instant(360), by: iro, change: .note("Spoke to the Team Manager; line two\nof the note")),
                DisputeEvent(at: instant(420), by: iro, change: .cafcassReferral),
                DisputeEvent(at: instant(480), by: hos, change: .resolved(outcome: "Plan amended")),
            ])
}

/// A simple open dispute, opened at stage 1.
func openDispute(ref: String, at: Date = instant()) -> Dispute {
    Dispute(ref: ref, policy: "four-stage", kind: .formal, category: .general, type: .practice,
            division: .englandAndWales, raisedBy: iro, events: [DisputeEvent(at: at, by: iro, change: .opened(stage: 1))])
}

func outboxItem(_ identity: String, recipients: [String] = ["tm@council.example"], urgency: OutboxUrgency = .normal,
                at: Date = instant()) -> OutboxItem {
    OutboxItem(identity: identity, ref: "CASE-0001", event: "stage-reminder", urgency: urgency, recipients: recipients,
               channel: "email", subject: "Stage 2 due", body: "Due Friday", html: "<p>Due Friday</p>",
               payload: Data(#"{"ref":"CASE-0001"}"#.utf8), createdAt: at)
}

struct Boom: Error {}

/// A child process holding SQLite's write lock on a database for a while
/// (`/usr/bin/python3` and its sqlite3 module: a writer that is not our code).
final class ForeignWriter {
    let process = Process()
    private let output = Pipe()

    /// Starts the writer and returns once it holds the write lock (it has inserted dispute
    /// `ref` in an open transaction), which it keeps for `seconds` before committing.
    init(path: String, ref: String, holdFor seconds: Double) throws {
        let script = """
            import sqlite3, sys, time
            c = sqlite3.connect(sys.argv[1], isolation_level=None, timeout=30)
            c.execute("BEGIN IMMEDIATE")
            c.execute("INSERT INTO disputes (ref, policy, kind, category, type, division, child_ref, raised_by_role, raised_by_email) "
                      "VALUES (?, 'four-stage', 'formal', 'general', 'P', 'england-and-wales', ?, 'iro', 'iro@council.example')",
                      (sys.argv[2], sys.argv[2]))
            print("locked", flush=True)
            time.sleep(float(sys.argv[3]))
            c.execute("COMMIT")
            print("committed", flush=True)
            """
        process.executableURL = URL(fileURLWithPath: "/usr/bin/python3")
        process.arguments = ["-c", script, path, ref, String(seconds)]
        process.standardOutput = output
        try process.run()
        var seen = ""
        while !seen.contains("locked\n") {
            let data = output.fileHandleForReading.availableData   // blocks until output or EOF
            if data.isEmpty { break }
            seen += String(decoding: data, as: UTF8.self)
        }
        guard seen.contains("locked\n") else { throw ForeignWriterFailed() }
    }

    /// Waits for the writer to commit and exit; its exit status.
    func finish() -> Int32 { process.waitUntilExit(); return process.terminationStatus }
    /// Kills the writer (SIGKILL: a child of the test runner may inherit a mask that blocks SIGTERM).
    func stop() { if process.isRunning { kill(process.processIdentifier, SIGKILL) }; process.waitUntilExit() }
    struct ForeignWriterFailed: Error {}
}
