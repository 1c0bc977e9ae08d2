#if canImport(Glibc)
import Glibc
#endif
import DisputeCore
import DisputeService
import Notifications
import Recording
import ServiceConfig
import DisputeStore
import Foundation
import Logging
import WorkingDays

/// `drwatch-bench firstpoll [COUNT] [DATABASE] [BATCH]`: the first poll after a bulk import of
/// COUNT open disputes (default 100,000), each due its "opened" notice: a new Poller's first
/// poll renders and enqueues every notice, in batches of BATCH (default: the Poller's, 1,000)
/// each committed, then delivers the first 10,000 through the file transport (a poll's bound).
/// Figures: enqueue time and notices per second (target >= 2,000/s), the delivering poll's time,
/// and the process's peak resident memory (VmHWM: the import, in transactions of 5,000, stays
/// below the poll's; target < 150 MB).
///
/// DATABASE: a SQLite file to create (default: a new temporary one) or an empty PostgreSQL
/// database's URL (`postgresql://...`; the password, if any, from `PGPASSWORD`).
enum FirstPollBench: PollBenchmark {
    static func run() throws {
        let args = Array(CommandLine.arguments.dropFirst(2))
        let count = args.first.flatMap { Int($0) } ?? 100_000
        let batch = args.count > 2 ? Int(args[2]) : nil
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("drwatch-bench-firstpoll-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        let database = args.count > 1 && !args[1].isEmpty ? args[1] : folder.appendingPathComponent("bench.sqlite").path
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        let configPath = folder.appendingPathComponent("drwatch.toml").path
        try """
            database = "\(database)"
            policies = ["\(root.appendingPathComponent("config/policies/four-stage.toml").path)"]
            [roles]
            admin = ["admin@council.example"]
            iro = ["iro@council.example"]
            [files]
            directory = "\(folder.appendingPathComponent("out").path)"
            """.write(toFile: configPath, atomically: true, encoding: .utf8)
        let config = try DrwatchConfig.load(path: configPath, environment: [:])
        let runtime = try Runtime.load(config: config)
        let location = try StoreLocation(setting: database)
        let store = try Stores.open(location, password: ProcessInfo.processInfo.environment["PGPASSWORD"])
        try store.migrate()
        guard try store.outboxCounts() == OutboxCounts(), try store.read({ try $0.eventCount() }) == 0 else {
            throw BenchError("firstpoll needs an empty store: \(location)")
        }

        // The bulk import: transactions of 5,000 disputes, built as they are written.
        let start = CivilTime.london.parse("2026-11-23T10:00")!
        let iro = Actor(role: "iro", email: "iro@council.example")
        let importTime = try time {
            var next = 0
            while next < count {
                let end = min(next + 5_000, count)
                try store.insertAll((next..<end).map { i in
                    Dispute(ref: "CASE-\(i)", policy: "four-stage", kind: .formal, category: .general, type: .practice,
                            division: .englandAndWales, childRef: "CHILD-\(i)", team: "Team \(i % 40)", raisedBy: iro,
                            people: ["team-manager": ["tm\(i % 300)@council.example"]],
                            events: [DisputeEvent(at: start.addingTimeInterval(Double(i % 3600)), by: iro, change: .opened(stage: 1))])
                })
                next = end
            }
        }
        let afterImport = memory()
        let backend = location.isSQLite ? "SQLite" : "PostgreSQL"
        say("firstpoll (\(backend)): import \(count) open disputes in transactions of 5,000: \(ms(importTime)) ms; RSS \(afterImport.rss) MB (peak \(afterImport.peak) MB)")

        let logger = Logger(label: "bench") { _ in SwiftLogNoOpLogHandler() }
        let templates = try TemplateSet.load(shipped: root.appendingPathComponent("config/templates").path)
        let poller = try Poller(config: config, store: store, engine: { try runtime.engine(for: $0) }, templates: templates,
                                logger: logger, enqueueBatchSize: batch ?? 1_000)
        let now = CivilTime.london.parse("2026-11-23T12:00")!
        var first: TickSummary?
        let cpuBefore = cpuSeconds()
        let enqueueTime = try time { first = try syncTick { try await poller.enqueueOnly(now: now) } }
        let cpu = cpuSeconds() - cpuBefore
        let enqueued = first!
        let afterEnqueue = memory()
        say("firstpoll (\(backend)): first poll renders and enqueues \(enqueued.enqueued) notices in \(enqueued.enqueueBatches) transactions: \(ms(enqueueTime)) ms, \(Int(Double(enqueued.enqueued) / enqueueTime)) notices/s (target 2000); this process's CPU \(ms(cpu)) ms (all threads); RSS \(afterEnqueue.rss) MB (peak \(afterEnqueue.peak) MB)")
        var second: TickSummary?
        let deliverTime = try time { second = try syncTick { try await poller.tick(now: now.addingTimeInterval(60)) } }
        let delivered = second!
        let afterDeliver = memory()

        say("firstpoll (\(backend)): next poll delivers \(delivered.sent) as files (a poll's bound): \(ms(deliverTime)) ms; \(delivered.pending) still pending")
        say("firstpoll (\(backend)): peak RSS of the whole run \(afterDeliver.peak) MB (target 150)")
    }

    /// One line on stdout at once (not held in a buffer until the end: a long run shows its progress).
    static func say(_ line: String) { FileHandle.standardOutput.write(Data((line + "\n").utf8)) }

    /// User and system CPU time of this process (all its threads), in seconds: beside the wall
    /// time, how much of a poll is this process's work and how much is waiting (on the database).
    static func cpuSeconds() -> Double {
        var usage = rusage()
        getrusage(RUSAGE_SELF.rawValue, &usage)
        func s(_ t: timeval) -> Double { Double(t.tv_sec) + Double(t.tv_usec) / 1e6 }
        return s(usage.ru_utime) + s(usage.ru_stime)
    }

    /// VmRSS and VmHWM of this process, in MB.
    static func memory() -> (rss: Int, peak: Int) {
        let status = (try? String(contentsOfFile: "/proc/self/status", encoding: .utf8)) ?? ""
        func kB(_ key: String) -> Int {
            status.split(separator: "\n").first { $0.hasPrefix(key) }.flatMap { $0.split(separator: " ").dropFirst().first.flatMap { Int($0) } } ?? 0
        }
        return (kB("VmRSS:") / 1024, kB("VmHWM:") / 1024)
    }
}
