#if canImport(Glibc)
import Glibc
#endif
import Foundation
import Testing

/// A real SMTP server (Servers/smtp_recorder.py, aiosmtpd) recording each message it accepts.
final class SMTPRecorder: @unchecked Sendable {
    let dir: URL
    private(set) var port: Int
    private var process: Process?

    init(dir: URL, port: Int = 0) throws {
        self.dir = dir
        self.port = port
        try start()
    }

    func start() throws {
        let portFile = dir.appendingPathComponent("port")
        try? FileManager.default.removeItem(at: portFile)
        let p = Process()
        p.executableURL = URL(fileURLWithPath: "/usr/bin/python3")
        p.arguments = [Drwatch.packageRoot.appendingPathComponent("Tests/EndToEndTests/Servers/smtp_recorder.py").path,
                       "--outdir", dir.path, "--port", "\(port)"]
        p.standardOutput = FileHandle.nullDevice
        p.standardError = FileHandle.nullDevice
        try p.run()
        process = p
        for _ in 0..<300 {   // bounded wait for the server to listen
            if let d = FileManager.default.contents(atPath: portFile.path), let found = Int(String(decoding: d, as: UTF8.self)) {
                port = found
                return
            }
            usleep(50_000)
        }
        throw TestFailure("the SMTP recorder did not start")
    }

    func stop() {
        if let p = process, p.isRunning { kill(p.processIdentifier, SIGKILL); p.waitUntilExit() }
        process = nil
    }

    deinit { stop() }

    /// (X-Drwatch-Id, recipient) for every recipient of every message received.
    func received() -> [String: Int] {
        var counts: [String: Int] = [:]
        let names = ((try? FileManager.default.contentsOfDirectory(atPath: dir.path)) ?? []).filter { $0.hasPrefix("msg-") }
        for n in names {
            guard let d = FileManager.default.contents(atPath: dir.appendingPathComponent(n).path),
                  let o = try? JSONSerialization.jsonObject(with: d) as? [String: Any],
                  let id = o["id"] as? String, let rcpts = o["rcpt_tos"] as? [String] else { continue }
            for r in rcpts { counts["\(id) \(r)", default: 0] += 1 }
        }
        return counts
    }
}

struct TestFailure: Error, CustomStringConvertible {
    var description: String
    init(_ d: String) { description = d }
}

/// A seeded generator (SplitMix64), so a failing run can be repeated.
struct SeededRandom: RandomNumberGenerator {
    var state: UInt64
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}

/// The daemon against a real SMTP server: killed at random moments, or with the server down.
@Suite("Daemon crash and outage", .serialized)
struct DaemonCrashTests {
    static let roles = ["team-manager", "service-manager", "head-of-service", "service-director", "director-of-childrens-services",
                        "head-of-service-safeguarding", "iro", "iro-service-manager", "records", "admin"]
    /// A Wednesday at 10:00 in London; the fake clock starts here and runs 60x.
    static let clockEnv = ["DRWATCH_FAKE_NOW": "2026-11-25T10:00:00Z", "DRWATCH_FAKE_SPEED": "60"]

    static func workspace(smtpPort: Int, disputes: Int) throws -> Workspace {
        let ws = try Workspace()
        try writeConfig(ws, database: ws.database.path, smtpPort: smtpPort)
        try openDisputes(ws, count: disputes)
        return ws
    }

    /// The daemon tests' config: `database`, a poll a second, four-stage, an address for every
    /// role, email to the SMTP server on `smtpPort`, retried every second.
    static func writeConfig(_ ws: Workspace, database: String, smtpPort: Int) throws {
        let roleLines = roles.map { "\($0) = [\"\($0)@council.example\"]" }.joined(separator: "\n")
        try """
            database = "\(database)"
            poll_interval_seconds = 1
            policies = ["\(Workspace.fourStage)"]
            [roles]
            \(roleLines)
            [email]
            url = "smtp://127.0.0.1:\(smtpPort)"
            from = "drwatch <drwatch@council.example>"
            tls = "none"
            [delivery]
            max_attempts = 100
            backoff_seconds = 1
            """.write(to: ws.config, atomically: true, encoding: .utf8)
    }

    /// Opens `count` disputes raised 1 to 40 days before the clock's start: reminders,
    /// escalations, breaches due.
    static func openDisputes(_ ws: Workspace, count: Int) throws {
        for i in 0..<count {
            let at = FakeStart.date.addingTimeInterval(-Double(1 + (i * 7) % 40) * 86_400)
            let r = try ws.openFormal(String(format: "DR-%03d", i), at: FakeStart.iso(at))
            precondition(r.status == 0, r.stderr)
        }
    }

    enum FakeStart {
        static let date = ISO8601DateFormatter().date(from: "2026-11-25T10:00:00Z")!
        static func iso(_ d: Date) -> String {
            let f = DateFormatter()
            f.locale = Locale(identifier: "en_US_POSIX")
            f.timeZone = TimeZone(identifier: "UTC")
            f.dateFormat = "yyyy-MM-dd'T'HH:mm"
            return f.string(from: d)
        }
    }

    /// (identity, recipient) of every email the outbox holds, and how many messages are not yet sent.
    static func expected(_ ws: Workspace) throws -> (pairs: Set<String>, unsent: Int) {
        let pairs = try ws.scalar("SELECT group_concat(o.identity || ' ' || r.address, char(10)) FROM outbox o JOIN outbox_recipients r ON r.outbox_id = o.id WHERE o.channel = 'email'")
        let unsent = Int(try ws.scalar("SELECT COUNT(*) FROM outbox WHERE state != 'sent'")) ?? -1
        return (Set(pairs.split(separator: "\n").map(String.init)), unsent)
    }

    /// Runs the daemon until the outbox is empty (bounded), then stops it with SIGTERM.
    static func runUntilAllSent(_ ws: Workspace, name: String, timeout: TimeInterval = 40) throws -> DaemonProcess {
        let daemon = try DaemonProcess(args: ["--config", ws.config.path], env: clockEnv, logURL: ws.dir.appendingPathComponent("\(name).log"))
        let end = Date().addingTimeInterval(timeout)
        while Date() < end {
            usleep(200_000)
            if daemon.log.contains("Poll done"), (try? expected(ws).unsent) == 0 { break }
        }
        daemon.signal(SIGTERM)
        #expect(daemon.waitForExit(timeout: 60) == 0)
        return daemon
    }

    @Test(.timeLimit(.minutes(5)))
    func killedTwentyTimesWithSIGKILLLosesNothingAndRepeatsAtMostOnePerKill() throws {
        let smtp = try SMTPRecorder(dir: try Drwatch.tempDir())
        let ws = try Self.workspace(smtpPort: smtp.port, disputes: 60)
        var random = SeededRandom(state: 20261125)
        let kills = 20
        var killedWhileDelivering = 0
        for i in 0..<kills {
            let daemon = try DaemonProcess(args: ["--config", ws.config.path], env: Self.clockEnv,
                                           logURL: ws.dir.appendingPathComponent("run-\(i).log"))
            // Kill while it delivers: once the server has received something from this run
            // (bounded wait), then after a random 0-150 ms, so the kill falls anywhere in a message.
            let before = smtp.received().values.reduce(0, +)
            let end = Date().addingTimeInterval(60)
            while Date() < end, smtp.received().values.reduce(0, +) == before, daemon.process.isRunning { usleep(5_000) }
            usleep(UInt32.random(in: 0...150_000, using: &random))
            kill(daemon.pid, SIGKILL)
            #expect(daemon.waitForExit(timeout: 60) == 128 + SIGKILL)
            if smtp.received().values.reduce(0, +) > before { killedWhileDelivering += 1 }
        }
        let midway = smtp.received().values.reduce(0, +)
        _ = try Self.runUntilAllSent(ws, name: "final")

        let (pairs, unsent) = try Self.expected(ws)
        let received = smtp.received()
        #expect(pairs.count >= 200, "hundreds of notifications: \(pairs.count)")
        #expect(midway > 0, "delivered before the last run: \(midway) of \(pairs.count)")
        #expect(killedWhileDelivering >= kills / 2, "kills during delivery: \(killedWhileDelivering)")
        #expect(unsent == 0)
        let missing = pairs.subtracting(received.keys)
        #expect(missing.isEmpty, "missing: \(missing.sorted().prefix(5))")
        // A kill can repeat the one message in flight: count repeats per message (by its
        // X-Drwatch-Id), not per recipient, since a message to three people arrives three times.
        var timesPerMessage: [Substring: Int] = [:]
        for (pair, n) in received {
            let id = pair.split(separator: " ")[0]
            timesPerMessage[id] = max(timesPerMessage[id] ?? 0, n)
        }
        let duplicates = timesPerMessage.values.reduce(0) { $0 + max(0, $1 - 1) }
        print("crash test: \(pairs.count) notifications, \(kills) SIGKILLs (\(killedWhileDelivering) while delivering), \(duplicates) duplicates")
        #expect(duplicates <= kills, "\(duplicates) duplicates for \(kills) kills")
        #expect(Set(received.keys).subtracting(pairs).isEmpty)
    }

    @Test(.timeLimit(.minutes(5)))
    func aMailServerDownForAWhileGetsEverythingOnceItIsBack() throws {
        // Given a port where nothing listens yet.
        let smtp = try SMTPRecorder(dir: try Drwatch.tempDir())
        let port = smtp.port
        smtp.stop()
        let ws = try Self.workspace(smtpPort: port, disputes: 5)
        let daemon = try DaemonProcess(args: ["--config", ws.config.path], env: Self.clockEnv, logURL: ws.dir.appendingPathComponent("down.log"))
        defer { daemon.kill9() }
        // When deliveries fail for a while (connection refused, retried with backoff)...
        let end = Date().addingTimeInterval(60)
        while Date() < end, (Int(try ws.scalar("SELECT COUNT(*) FROM outbox WHERE attempts >= 2")) ?? 0) == 0 { usleep(100_000) }
        #expect(Int(try ws.scalar("SELECT COUNT(*) FROM outbox WHERE state = 'failed'")) ?? 0 > 0)
        #expect(daemon.process.isRunning)
        // ...and the server comes back on the same port.
        try smtp.start()
        let end2 = Date().addingTimeInterval(60)
        while Date() < end2, (try Self.expected(ws).unsent) != 0 { usleep(100_000) }
        daemon.signal(SIGTERM)
        #expect(daemon.waitForExit(timeout: 60) == 0)
        // Then every notification arrived, once.
        let (pairs, unsent) = try Self.expected(ws)
        let received = smtp.received()
        #expect(unsent == 0)
        #expect(!pairs.isEmpty)
        #expect(Set(received.keys) == pairs)
        #expect(received.values.allSatisfy { $0 == 1 })
        #expect(try ws.scalar("SELECT COUNT(*) FROM outbox WHERE state = 'parked'") == "0")
    }
}
