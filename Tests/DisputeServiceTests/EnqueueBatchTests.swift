import DisputeCore
import Foundation
import Testing
@testable import DisputeStore
@testable import DisputeService
@testable import Notifications

/// The stores a pipeline test runs on: PostgreSQL too when its server binaries are installed
/// (the store suite's `PostgresServer`, shared through a symbolic link).
enum PipelineStore: String, Sendable, CustomTestStringConvertible {
    case sqlite, postgresql
    var testDescription: String { rawValue }
    static var all: [PipelineStore] { PostgresServer.shared == nil ? [.sqlite] : [.sqlite, .postgresql] }

    /// The `database` setting of a new, empty store (nil: the pipeline's own SQLite file).
    func database() throws -> String? {
        guard self == .postgresql else { return nil }
        guard let server = PostgresServer.shared else { throw PostgresServer.Unavailable(description: "no PostgreSQL server") }
        return try server.makeDatabase()
    }

    /// Runs statements outside drwatch's code, on the pipeline's store.
    static func execute(_ sql: String, on p: Pipeline) throws {
        switch try StoreLocation(setting: p.config.database) {
        case .sqlite(let path): try Database(path: path).executeScript(sql, operation: "test")
        case .postgresql(let url): try PGConnection(url: url, password: nil).executeScript(sql, operation: "test")
        }
    }
}

/// A poll that finds many notices due at once (the first poll after a bulk import) enqueues
/// them in bounded batches, each its own committed transaction: a real SQLite file or
/// PostgreSQL database, watched from a second connection; a failure is a real refusal by the
/// database (a trigger).
@Suite("Enqueue in batches", .serialized)
struct EnqueueBatchTests {
    static let opened = london("2026-11-23T10:05")

    /// The real store, with the outbox's size read from a second connection after every
    /// committed write transaction of the poll.
    final class CommitWatcher: DisputeRepository, @unchecked Sendable {
        let store: any StoreBackend
        let observer: any StoreBackend
        private(set) var outboxSizes: [Int] = []
        init(_ store: any StoreBackend, observer: any StoreBackend) { self.store = store; self.observer = observer }
        func migrate() throws -> [String] { try store.migrate() }
        func read<T>(_ body: (any DisputeReading) throws -> T) throws -> T { try store.read(body) }
        func write<T>(_ body: (any DisputeWriting) throws -> T) throws -> T {
            let result = try store.write(body)
            outboxSizes.append(try observer.outbox(filter: .all).count)
            return result
        }
    }

    /// `count` disputes DR-1... each due one notice (opened, to its team manager).
    func pipeline(disputes count: Int, on store: PipelineStore = .sqlite) throws -> Pipeline {
        let p = try Pipeline(standardRoles, database: try store.database())
        for i in 1...count { try p.open("DR-\(i)", people: ["team-manager": ["tm\(i)@council.example"]]) }
        return p
    }

    func poller(_ p: Pipeline, store: any DisputeRepository, batch: Int) throws -> Poller {
        let engine = p.engine
        return try Poller(config: p.config, store: store, engine: { _ in engine },
                          templates: TemplateSet.load(shipped: shippedTemplates), logger: p.logs.logger,
                          jitter: { 1 }, enqueueBatchSize: batch)
    }

    func identities(_ p: Pipeline) throws -> [String] {
        try Stores.open(setting: p.config.database).outbox(filter: .all).map(\.item.identity)
    }

    static func expected(_ range: ClosedRange<Int>) -> [String] { range.map { "DR-\($0)/s1/opened/team-manager" } }

    @Test("N notices commit in ceil(N / batch) transactions, each of at most batch",
          arguments: PipelineStore.all, [(10, 3, [3, 6, 9, 10]), (10, 5, [5, 10]), (7, 1, [1, 2, 3, 4, 5, 6, 7]), (4, 1_000, [4])])
    func aPollWithManyNoticesCommitsOneTransactionPerBatch(store: PipelineStore, shape: (Int, Int, [Int])) async throws {
        let (notices, batch, sizes) = shape
        let p = try pipeline(disputes: notices, on: store)
        let watcher = CommitWatcher(p.store, observer: try Stores.open(setting: p.config.database))
        let s = try await poller(p, store: watcher, batch: batch).enqueueOnly(now: Self.opened)
        #expect(s.enqueued == notices)
        #expect(s.enqueueBatches == sizes.count)
        #expect(watcher.outboxSizes == sizes)
        #expect(try identities(p) == Self.expected(1...notices))
        #expect(p.logs.all.filter { $0.contains("Enqueue batch committed") }.count == sizes.count)
    }

    @Test("A poll that fails at batch k+1 keeps k batches; the next poll enqueues the rest once",
          arguments: PipelineStore.all, [false, true])
    func aPollInterruptedMidwayKeepsItsCommittedBatches(store: PipelineStore, restarted: Bool) async throws {
        let p = try pipeline(disputes: 10, on: store)
        // The database refuses DR-7's notice: the third batch (DR-7, DR-8, DR-9) fails whole.
        try PipelineStore.execute(store == .sqlite ? """
            CREATE TRIGGER refuse_dr7 BEFORE INSERT ON outbox WHEN NEW.identity LIKE 'DR-7/%'
            BEGIN SELECT RAISE(ABORT, 'refused by the test'); END
            """ : """
            CREATE FUNCTION refuse_dr7() RETURNS trigger LANGUAGE plpgsql AS $$
            BEGIN IF NEW.identity LIKE 'DR-7/%' THEN RAISE EXCEPTION 'refused by the test'; END IF; RETURN NEW; END $$;
            CREATE TRIGGER refuse_dr7 BEFORE INSERT ON outbox FOR EACH ROW EXECUTE FUNCTION refuse_dr7()
            """, on: p)
        let watcher = CommitWatcher(p.store, observer: try Stores.open(setting: p.config.database))
        let first = try poller(p, store: watcher, batch: 3)
        await #expect(throws: StoreError.self) { _ = try await first.enqueueOnly(now: Self.opened) }
        #expect(watcher.outboxSizes == [3, 6])
        #expect(try identities(p) == Self.expected(1...6))

        try PipelineStore.execute(store == .sqlite ? "DROP TRIGGER refuse_dr7" : "DROP TRIGGER refuse_dr7 ON outbox", on: p)
        let next = restarted ? try poller(p, store: watcher, batch: 3) : first
        let s = try await next.enqueueOnly(now: Self.opened.addingTimeInterval(60))
        #expect(s.enqueued == 4)
        #expect(s.enqueueBatches == 2)
        #expect(watcher.outboxSizes == [3, 6, 9, 10])
        let all = try identities(p)
        #expect(all == Self.expected(1...10))
        #expect(Set(all).count == all.count)
        let again = try await next.enqueueOnly(now: Self.opened.addingTimeInterval(120))
        #expect(again.enqueued == 0 && again.enqueueBatches == 0)
    }

    @Test func aSummaryListsTheFirstMessagesOnlyAndCountsThemAll() async throws {
        let p = try pipeline(disputes: 5)
        let engine = p.engine
        let poller = try Poller(config: p.config, store: p.store, engine: { _ in engine },
                                templates: TemplateSet.load(shipped: shippedTemplates), logger: p.logs.logger,
                                jitter: { 1 }, enqueueBatchSize: 2, plannedKept: 3)
        let dry = try await poller.tick(now: Self.opened, dryRun: true)
        #expect(dry.enqueued == 5 && dry.planned.count == 5 && dry.enqueueBatches == 0)
        let s = try await poller.enqueueOnly(now: Self.opened)
        #expect(s.enqueued == 5 && s.enqueueBatches == 3)
        #expect(s.planned.map(\.item.identity) == Self.expected(1...3))
    }
}

/// A bulk poll's log: one info line per notice for the poll's first 50, then debug lines, with
/// one info line per batch that counts them (100,000 info lines would bury the journal).
@Suite("Enqueue log lines", .serialized)
struct EnqueueLogTests {
    @Test("The first 50 notices of a poll at info level, the rest at debug with one info line per batch",
          arguments: [(30, 20, 30, 0, [String]()), (50, 20, 50, 0, []), (120, 50, 50, 70, ["batch=2 notifications=50 total=100", "batch=3 notifications=20 total=120"]),
                      (75, 20, 50, 25, ["batch=3 notifications=10 total=60", "batch=4 notifications=15 total=75"])])
    func aBulkPollLogsEachNoticeAtDebugLevelAndEachBatchOnce(shape: (Int, Int, Int, Int, [String])) async throws {
        let (notices, batch, info, debug, summaries) = shape
        let tests = EnqueueBatchTests()
        let p = try tests.pipeline(disputes: notices)
        let s = try await tests.poller(p, store: p.store, batch: batch).enqueueOnly(now: EnqueueBatchTests.opened)
        #expect(s.enqueued == notices)
        let lines = p.logs.all
        #expect(lines.filter { $0.hasPrefix("<6>Notification enqueued") }.count == info)
        #expect(lines.filter { $0.hasPrefix("<7>Notification enqueued") }.count == debug)
        let batchLines = lines.filter { $0.hasPrefix("<6>Notifications enqueued (one line each at debug level)") }
        #expect(batchLines.count == summaries.count)
        for (line, counts) in zip(batchLines, summaries) { #expect(line.contains(counts), "\(line)") }
    }
}

/// How a batch splits one dispute's notices (mail and each webhook) across transactions.
@Suite struct EnqueueBatchSplitTests {
    @Test func aDisputeWhoseNoticesDoNotFitIsSplitAcrossBatches() throws {
        let dir = try tempFolder("hook")
        try Data("whsec-very-secret-key-of-32-bytes-or-more".utf8).write(to: dir.appendingPathComponent("secret"))
        chmod(dir.appendingPathComponent("secret").path, 0o600)
        let p = try Pipeline(standardRoles + """

            [[webhook]]
            name = "teams"
            url = "http://127.0.0.1:9/hooks/T0KEN"
            secret_file = "\(dir.appendingPathComponent("secret").path)"
            roles = ["team-manager"]
            """)
        let iro = Actor(role: "iro", email: "iro@council.example")
        let d = Dispute(ref: "DR-1", policy: "four-stage", kind: .formal, category: .general, type: .practice,
                        division: .englandAndWales, raisedBy: iro, people: ["team-manager": ["tm@council.example"]],
                        events: [DisputeEvent(at: london("2026-11-23T10:00"), by: iro, change: .opened(stage: 1))])
        let e = Evaluated(dispute: d, evaluation: try p.engine.evaluate(d, now: london("2026-11-23T10:05")), engine: p.engine)
        let cands = candidates([e], config: p.config)
        #expect(cands.map { $0.identities.map(\.identity) } == [["DR-1/s1/opened/team-manager", "DR-1/s1/opened/team-manager@teams"]])

        var batch = EnqueueBatch(limit: 1)
        var flushed: [[String]] = []
        try batch.add(e, candidates: cands) { flushed.append($0.identities) }
        try batch.add(e, candidates: cands) { flushed.append($0.identities) }
        #expect(flushed == [["DR-1/s1/opened/team-manager"], ["DR-1/s1/opened/team-manager@teams"],
                            ["DR-1/s1/opened/team-manager"], ["DR-1/s1/opened/team-manager@teams"]])
        #expect(batch.isEmpty)

        var three = EnqueueBatch(limit: 3)
        flushed = []
        try three.add(e, candidates: cands) { flushed.append($0.identities) }
        try three.add(e, candidates: cands) { flushed.append($0.identities) }
        #expect(flushed == [["DR-1/s1/opened/team-manager", "DR-1/s1/opened/team-manager@teams", "DR-1/s1/opened/team-manager"]])
        #expect(three.identities == ["DR-1/s1/opened/team-manager@teams"])
        #expect(three.evaluated.count == 1 && three.candidates.map(\.source) == [0])
    }
}
