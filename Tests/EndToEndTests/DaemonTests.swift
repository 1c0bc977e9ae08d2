#if canImport(Glibc)
import Glibc
#endif
import Foundation
import Testing

/// `drwatch run` through the built binary, with a fake systemd notification socket.
@Suite("Daemon", .serialized)
struct DaemonTests {
    /// A workspace whose config polls every `poll` seconds and writes messages to `outbox/`.
    static func workspace(poll: Int = 1) throws -> Workspace {
        let ws = try Workspace()
        try writeConfig(ws, poll: poll)
        return ws
    }

    static func writeConfig(_ ws: Workspace, poll: Int = 1, policies: [String] = [Workspace.fourStage], extra: String = "") throws {
        let list = policies.map { "\"\($0)\"" }.joined(separator: ", ")
        try """
            database = "\(ws.database.path)"
            division = "england-and-wales"
            poll_interval_seconds = \(poll)
            policies = [\(list)]
            \(extra)
            [files]
            directory = "\(ws.dir.appendingPathComponent("outbox").path)"
            """.write(to: ws.config, atomically: true, encoding: .utf8)
    }

    static func start(_ ws: Workspace, notify: NotifySocket? = nil, env: [String: String] = [:], name: String = "daemon") throws -> DaemonProcess {
        var e = env
        if let notify { e["NOTIFY_SOCKET"] = notify.path }
        return try DaemonProcess(args: ["--config", ws.config.path], env: e, logURL: ws.dir.appendingPathComponent("\(name).log"))
    }

    @Test func readyStatusAndWatchdogPingsThenSIGTERMExitsZero() throws {
        let ws = try Self.workspace()
        try ws.openFormal("DR-1")
        let notify = try NotifySocket(path: ws.dir.appendingPathComponent("notify").path)
        let daemon = try Self.start(ws, notify: notify, env: ["WATCHDOG_USEC": "400000"])
        defer { daemon.kill9() }

        // Given a daemon under a fake systemd: READY=1 comes first, with a STATUS.
        let ready = notify.wait(for: "READY") { $0.contains("READY=1") }
        #expect(ready?.contains("STATUS=") == true)
        // Then a STATUS from a poll, with the open disputes.
        let status = notify.wait(for: "STATUS") { $0.hasPrefix("STATUS=") && $0.contains("open dispute") }
        #expect(status?.contains("1 open dispute") == true, "got \(notify.messages)")
        // And watchdog pings keep coming (200 ms apart with WATCHDOG_USEC=400 ms).
        var pings = 0
        let end = Date().addingTimeInterval(60)
        while pings < 5 && Date() < end { if notify.receive(timeout: 1)?.contains("WATCHDOG=1") == true { pings += 1 } }
        #expect(pings >= 5)

        // When SIGTERM arrives, it says STOPPING=1 and exits 0 within 10 s.
        daemon.signal(SIGTERM)
        #expect(daemon.waitForExit(timeout: 60) == 0, "log: \(daemon.log)")
        #expect(notify.wait(for: "STOPPING", timeout: 60) { $0.contains("STOPPING=1") } != nil)
        #expect(daemon.log.contains("<6>drwatch stopped"))
    }

    @Test func sigintAlsoStopsCleanly() throws {
        let ws = try Self.workspace()
        let notify = try NotifySocket(path: ws.dir.appendingPathComponent("notify").path)
        let daemon = try Self.start(ws, notify: notify)
        defer { daemon.kill9() }
        #expect(notify.wait(for: "READY") { $0.contains("READY=1") } != nil)
        daemon.signal(SIGINT)
        #expect(daemon.waitForExit(timeout: 60) == 0)
    }

    @Test func sighupWithABrokenConfigKeepsTheRunningOneAndSaysWhy() throws {
        let ws = try Self.workspace()
        try ws.openFormal("DR-1")
        let notify = try NotifySocket(path: ws.dir.appendingPathComponent("notify").path)
        let daemon = try Self.start(ws, notify: notify)
        defer { daemon.kill9() }
        #expect(notify.wait(for: "READY") { $0.contains("READY=1") } != nil)

        // Given a config broken on disk (a policy file that does not exist).
        try Self.writeConfig(ws, policies: [Workspace.fourStage, ws.dir.appendingPathComponent("gone.toml").path])
        // When SIGHUP arrives: RELOADING=1, then READY=1 again, and the log says why it refused.
        daemon.signal(SIGHUP)
        #expect(notify.wait(for: "RELOADING") { $0.contains("RELOADING=1") && $0.contains("MONOTONIC_USEC=") } != nil)
        #expect(notify.wait(for: "READY after reload") { $0.contains("READY=1") } != nil)
        #expect(daemon.waitForLog("Reload refused"))
        #expect(daemon.log.contains("gone.toml"))
        // Then it is still running and still polling with the old config.
        #expect(notify.wait(for: "STATUS") { $0.contains("1 open dispute") } != nil)
        #expect(daemon.process.isRunning)

        // A policy file that does not parse is refused the same way, with its file and line.
        let bad = ws.dir.appendingPathComponent("bad.toml")
        try "name = \"bad\"\nthis is not toml\n".write(to: bad, atomically: true, encoding: .utf8)
        try Self.writeConfig(ws, policies: [Workspace.fourStage, bad.path])
        daemon.signal(SIGHUP)
        #expect(daemon.waitForLog("bad.toml:"))
        #expect(daemon.process.isRunning)

        // When the config is fixed, the next SIGHUP loads it.
        try Self.writeConfig(ws)
        daemon.signal(SIGHUP)
        #expect(daemon.waitForLog("Reloaded the config and policies"))
        daemon.signal(SIGTERM)
        #expect(daemon.waitForExit(timeout: 60) == 0)
    }

    @Test func aSecondDaemonOnTheSameDatabaseIsRefusedWith75() throws {
        let ws = try Self.workspace()
        let notify = try NotifySocket(path: ws.dir.appendingPathComponent("notify").path)
        let first = try Self.start(ws, notify: notify)
        defer { first.kill9() }
        #expect(notify.wait(for: "READY") { $0.contains("READY=1") } != nil)

        let second = try ws.run(["run"])
        #expect(second.status == 75)
        #expect(second.stderr.contains("another drwatch daemon is already running on \(ws.database.path)"))
        #expect(second.stderr.split(separator: "\n").count == 1)
        first.signal(SIGTERM)
        #expect(first.waitForExit() == 0)
    }

    /// A tick delivers as the daemon does: beside a running daemon it could send a message the
    /// daemon is sending too, so it is refused (75, nothing sent); a dry run sends nothing and runs.
    @Test func aTickBesideARunningDaemonIsRefusedWith75AndADryRunIsNot() throws {
        let ws = try Self.workspace()
        let notify = try NotifySocket(path: ws.dir.appendingPathComponent("notify").path)
        let daemon = try Self.start(ws, notify: notify)
        defer { daemon.kill9() }
        #expect(notify.wait(for: "READY") { $0.contains("READY=1") } != nil)

        let tick = try ws.run(["tick"])
        #expect(tick.status == 75)
        #expect(tick.stdout.isEmpty)
        #expect(tick.stderr.contains("another drwatch daemon is already running on \(ws.database.path)"))
        #expect(tick.stderr.contains("run drwatch tick --dry-run to see what it would do"))
        let dry = try ws.run(["tick", "--dry-run"])
        #expect(dry.status == 0)
        #expect(dry.stdout.contains("nothing written"))

        daemon.signal(SIGTERM)
        #expect(daemon.waitForExit() == 0)
        // With the daemon stopped, the tick runs.
        #expect(try ws.run(["tick"]).status == 0)
    }

    @Test(arguments: [
        ("policies = [", "unterminated"),
        ("database = \"x.sqlite\"\n", "policies"),
    ])
    func anInvalidConfigExits78WithOneLine(config: String, mentions: String) throws {
        let ws = try Workspace(initialise: false)
        try config.write(to: ws.config, atomically: true, encoding: .utf8)
        let r = try ws.run(["run"])
        #expect(r.status == 78)
        #expect(r.stderr.contains(mentions))
        #expect(r.stderr.split(separator: "\n").count == 1)
    }

    @Test func aMissingConfigExits78() throws {
        let dir = try Drwatch.tempDir()
        let r = try Drwatch.run(["run", "--config", dir.appendingPathComponent("none.toml").path])
        #expect(r.status == 78)
        #expect(r.stderr.contains("config file not found"))
    }

    @Test func aClockThatJumpsBackwardsIsLoggedAndHarmless() throws {
        let ws = try Self.workspace(poll: 60)
        let nowFile = ws.dir.appendingPathComponent("now")
        try "2026-11-30T09:00:00Z".write(to: nowFile, atomically: true, encoding: .utf8)
        let notify = try NotifySocket(path: ws.dir.appendingPathComponent("notify").path)
        // 60 s polls at 600x: one poll every 100 ms of real time.
        let daemon = try Self.start(ws, notify: notify, env: ["DRWATCH_FAKE_NOW": nowFile.path, "DRWATCH_FAKE_SPEED": "600"])
        defer { daemon.kill9() }
        #expect(notify.wait(for: "STATUS") { $0.contains("open dispute") } != nil)
        try "2026-11-30T07:00:00Z".write(to: nowFile, atomically: true, encoding: .utf8)
        #expect(daemon.waitForLog("The clock went backwards"))
        #expect(daemon.log.contains("from=2026-11-30T09:00:00Z"))
        #expect(notify.wait(for: "STATUS") { $0.contains("open dispute") } != nil)
        daemon.signal(SIGTERM)
        #expect(daemon.waitForExit() == 0)
    }

    @Test func runIsInHelpButTheFakeClockIsNot() throws {
        let r = try Drwatch.run(["run", "--help"])
        #expect(r.status == 0)
        #expect(r.stdout.contains("SIGHUP"))
        #expect(!r.stdout.contains("FAKE"))
    }
}
