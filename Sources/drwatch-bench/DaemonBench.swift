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

/// `drwatch-bench daemon [COUNT]`: a real `drwatch run` (the release binary next to this one) on
/// COUNT open disputes (default 100,000) with the file transport. The first poll enqueues and
/// writes every dispute's "opened" notice; the polls after it have nothing new to send, and
/// their duration (the daemon's own `Poll took` debug line) is the figure (budget 250 ms).
/// Resident memory (VmRSS from /proc) after the polls (budget 100 MB), and of an idle daemon on
/// an empty database (budget 30 MB). The clock is the test-only file clock, polls every second.
/// `DRWATCH_BENCH_BINARY=PATH` runs that drwatch instead.
///
/// `drwatch-bench daemon-idle [BINARY ...]`: only the idle figure, for each binary (default: the
/// one next to drwatch-bench), e.g. the dynamic and the installed `--static-swift-stdlib` build:
/// `.build/release/drwatch-bench daemon-idle .build/release/drwatch .build-static/release/drwatch`.
enum DaemonBench {
    static var defaultBinary: String {
        if let b = ProcessInfo.processInfo.environment["DRWATCH_BENCH_BINARY"], !b.isEmpty { return b }
        return URL(fileURLWithPath: CommandLine.arguments[0]).resolvingSymlinksInPath()
            .deletingLastPathComponent().appendingPathComponent("drwatch").path
    }

    static func checked(_ binary: String) throws -> String {
        guard FileManager.default.isExecutableFile(atPath: binary) else {
            throw BenchError("no drwatch binary at \(binary): swift build -c release --product drwatch (or set DRWATCH_BENCH_BINARY)")
        }
        return URL(fileURLWithPath: binary).standardizedFileURL.path
    }

    static func runIdle() throws {
        let given = Array(CommandLine.arguments.dropFirst(2))
        for binary in try (given.isEmpty ? [defaultBinary] : given).map(checked) {
            let folder = FileManager.default.temporaryDirectory.appendingPathComponent("drwatch-bench-idle-\(UUID().uuidString)")
            try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
            defer { try? FileManager.default.removeItem(at: folder) }
            let idle = try measure(binary: binary, folder: folder, disputes: 0, polls: 3)
            print("daemon-idle: \(binary): RSS \(idle.rssMB) MB (anonymous \(idle.anonMB), file-backed \(idle.fileMB)) (budget 30)")
        }
    }

    static func run() throws {
        let count = CommandLine.arguments.count > 2 ? Int(CommandLine.arguments[2]) ?? 100_000 : 100_000
        let binary = try checked(defaultBinary)
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("drwatch-bench-daemon-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }

        // Idle: an empty database.
        let idle = try measure(binary: binary, folder: folder.appendingPathComponent("idle"), disputes: 0, polls: 3)
        print("daemon: idle (0 disputes): RSS \(idle.rssMB) MB (anonymous \(idle.anonMB), file-backed \(idle.fileMB)) (budget 30)")

        let busyFolder = folder.appendingPathComponent("busy")
        let first = try measure(binary: binary, folder: busyFolder, disputes: count, polls: 1)
        print("daemon: \(count) open disputes: first poll (enqueue every notice, deliver the first \(first.files) as files) \(first.pollsMs.first ?? -1) ms, RSS \(first.rssMB) MB")
        // Steady state: every notification already delivered (marked sent behind the daemon's back).
        let sql = Process()
        sql.executableURL = URL(fileURLWithPath: "/usr/bin/python3")
        sql.arguments = ["-c", "import sqlite3,sys; c=sqlite3.connect(sys.argv[1]); c.execute(\"UPDATE outbox_recipients SET state='sent', sent_at=0\"); c.execute(\"UPDATE outbox SET state='sent', sent_at=0\"); c.commit()",
                         busyFolder.appendingPathComponent("drwatch.sqlite").path]
        try sql.run()
        sql.waitUntilExit()
        let busy = try measure(binary: binary, folder: busyFolder, disputes: nil, polls: 5)
        let later = busy.pollsMs
        print("daemon: \(count) open disputes, nothing new to send: polls \(later.map(String.init).joined(separator: ", ")) ms; median \(later.sorted()[later.count / 2]) ms (budget 250)")
        print("daemon: \(count) open disputes: RSS \(busy.rssMB) MB after the polls, peak \(busy.peakMB) MB (budget 100)")
    }

    struct Result { var pollsMs: [Int]; var rssMB: Int; var peakMB: Int; var files: Int; var anonMB = 0; var fileMB = 0 }

    static func measure(binary: String, folder: URL, disputes count: Int?, polls: Int) throws -> Result {
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        let db = folder.appendingPathComponent("drwatch.sqlite").path
        let start = Date(timeIntervalSince1970: 1_795_424_400)   // Wed 25 Nov 2026 09:00 UTC
        let iro = Actor(role: "iro", email: "iro@council.example")
        let store = try Stores.open(setting: db)
        try store.migrate()
        if let count, count > 0 {
            try store.insertAll((0..<count).map { i in
                Dispute(ref: "CASE-\(i)", policy: "four-stage", kind: .formal, category: .general, type: .practice,
                        division: .englandAndWales, team: "Team \(i % 40)", raisedBy: iro,
                        people: ["team-manager": ["tm\(i % 300)@council.example"]],
                        events: [DisputeEvent(at: start.addingTimeInterval(-Double(i % 3600)), by: iro, change: .opened(stage: 1))])
            })
        }
        let policies = URL(fileURLWithPath: DrwatchConfig.shippedPresetsDirectory(executablePath: binary))
            .appendingPathComponent("four-stage.toml").path
        let roles = ["team-manager", "service-manager", "head-of-service", "service-director", "director-of-childrens-services",
                     "head-of-service-safeguarding", "iro", "iro-service-manager", "records", "admin"]
            .map { "\($0) = [\"\($0)@council.example\"]" }.joined(separator: "\n")
        let config = folder.appendingPathComponent("drwatch.toml")
        try """
            database = "\(db)"
            poll_interval_seconds = 60
            policies = ["\(policies)"]
            [roles]
            \(roles)
            [files]
            directory = "\(folder.appendingPathComponent("outbox").path)"
            """.write(to: config, atomically: true, encoding: .utf8)
        let now = folder.appendingPathComponent("now")
        try "2026-11-25T10:00:00Z".write(to: now, atomically: true, encoding: .utf8)

        let log = folder.appendingPathComponent("daemon-\(UUID().uuidString).log")
        _ = FileManager.default.createFile(atPath: log.path, contents: nil)
        let p = Process()
        p.executableURL = URL(fileURLWithPath: binary)
        p.arguments = ["run", "--config", config.path, "--log-level", "debug"]
        var env = ProcessInfo.processInfo.environment
        env["DRWATCH_FAKE_NOW"] = now.path
        env["DRWATCH_FAKE_SPEED"] = "60"
        p.environment = env
        p.standardError = try FileHandle(forWritingTo: log)
        try p.run()
        defer { if p.isRunning { kill(p.processIdentifier, SIGKILL); p.waitUntilExit() } }

        var durations: [Int] = []
        var rss = 0, peak = 0, anon = 0, file = 0
        let deadline = Date().addingTimeInterval(600)
        while durations.count < polls, Date() < deadline, p.isRunning {
            usleep(100_000)
            let text = (try? String(contentsOf: log, encoding: .utf8)) ?? ""
            durations = text.split(separator: "\n").filter { $0.contains("Poll took") }.compactMap {
                $0.split(separator: "=").last.flatMap { Int($0) }
            }
            let status = (try? String(contentsOfFile: "/proc/\(p.processIdentifier)/status", encoding: .utf8)) ?? ""
            func kB(_ key: String) -> Int {
                status.split(separator: "\n").first { $0.hasPrefix(key) }.flatMap { $0.split(separator: " ").dropFirst().first.flatMap { Int($0) } } ?? 0
            }
            rss = kB("VmRSS:") / 1024
            peak = kB("VmHWM:") / 1024
            anon = kB("RssAnon:") / 1024
            file = (kB("RssFile:") + kB("RssShmem:")) / 1024
        }
        kill(p.processIdentifier, SIGTERM)
        p.waitUntilExit()
        let files = (try? FileManager.default.contentsOfDirectory(atPath: folder.appendingPathComponent("outbox").path).count) ?? 0
        guard durations.count >= polls else {
            throw BenchError("the daemon did only \(durations.count) polls: \((try? String(contentsOf: log, encoding: .utf8))?.suffix(600) ?? "")")
        }
        return Result(pollsMs: durations, rssMB: rss, peakMB: peak, files: files, anonMB: anon, fileMB: file)
    }
}

