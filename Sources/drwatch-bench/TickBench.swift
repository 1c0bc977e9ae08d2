import DisputeCore
import DisputeService
import Notifications
import Recording
import ServiceConfig
import DisputeStore
import Foundation
import Logging
import WorkingDays

/// `drwatch-bench tick [COUNT]`: one poll (`Poller.tick`) over COUNT open disputes (default
/// 100,000) with nothing new to send: a first poll enqueued every notice they are due, and those
/// are marked sent. Measures the Poller's real path only (load, repeat contexts from the store's
/// `earlierRecordCounts`, evaluate, dedup against the outbox, deliver nothing), then the first
/// poll of a new Poller (a restarted daemon). Target: < 250 ms (issue 6).
enum TickBench: PollBenchmark {
    static func run() throws {
        let count = CommandLine.arguments.count > 2 ? Int(CommandLine.arguments[2]) ?? 100_000 : 100_000
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("drwatch-bench-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        let policyPath = root.appendingPathComponent("config/policies/four-stage.toml").path
        let configPath = folder.appendingPathComponent("drwatch.toml").path
        try """
            database = "\(folder.appendingPathComponent("bench.sqlite").path)"
            policies = ["\(policyPath)"]
            [roles]
            admin = ["admin@council.example"]
            iro = ["iro@council.example"]
            [files]
            directory = "out"
            """.write(toFile: configPath, atomically: true, encoding: .utf8)
        let config = try DrwatchConfig.load(path: configPath, environment: [:])
        let runtime = try Runtime.load(config: config)
        let store = try Stores.open(setting: config.database)
        try store.migrate()

        let start = CivilTime.london.parse("2026-11-23T10:00")!
        let iro = Actor(role: "iro", email: "iro@council.example")
        try store.insertAll((0..<count).map { i in
            Dispute(ref: "CASE-\(i)", policy: "four-stage", kind: .formal, category: .general, type: .practice,
                    division: .englandAndWales, childRef: "CHILD-\(i)", raisedBy: iro,
                    people: ["team-manager": ["tm\(i % 300)@council.example"]],
                    events: [DisputeEvent(at: start.addingTimeInterval(Double(i % 3600)), by: iro, change: .opened(stage: 1))])
        })
        let logger = Logger(label: "bench") { _ in SwiftLogNoOpLogHandler() }
        let poller = try Poller(runtime: runtime, store: store, logger: logger,
                                templates: TemplateSet.load(shipped: root.appendingPathComponent("config/templates").path))
        let now = CivilTime.london.parse("2026-11-23T12:00")!
        var seeded = 0
        let seed = try time { seeded = try syncTick { try await poller.enqueueOnly(now: now) }.enqueued }
        // Pretend they were delivered, so the measured poll has nothing new to send.
        let pending = try store.outbox(filter: .pending)
        try store.write { tx in for e in pending { try tx.markSent(id: e.id, at: now) } }

        let later = now.addingTimeInterval(60)
        var summary: TickSummary?
        var runs: [Double] = []
        for _ in 0..<3 { runs.append(try time { summary = try syncTick { try await poller.tick(now: later) } }) }
        // A restarted daemon: its first poll reads every open dispute and the outbox identities.
        let fresh = try Poller(runtime: runtime, store: store, logger: logger,
                               templates: TemplateSet.load(shipped: root.appendingPathComponent("config/templates").path))
        let firstOfNew = try time { _ = try syncTick { try await fresh.tick(now: later) } }
        let s = summary!
        print("tick: \(count) open disputes, nothing new to send: Poller.tick \(runs.map { "\(ms($0))" }.joined(separator: "/")) ms (best \(ms(runs.min()!)) ms, target 250); enqueued \(s.enqueued), sent \(s.sent)")
        print("tick: first poll of a new Poller (reads every open dispute and their outbox identities): \(ms(firstOfNew)) ms")
        print("tick: seeding poll (render and enqueue \(seeded) notices in one transaction): \(ms(seed)) ms")
    }
}
