import Foundation
import Testing

/// What the daemon does after its polls, inline on its loop: records them (for `drwatch check`
/// and the metrics) and, with `[retention] daily = true`, applies the retention schedule.
@Suite("Daemon housekeeping")
struct DaemonHousekeepingTests {
    @Test func theDaemonRecordsItsPollsAndPurgesOnceADayWhenAsked() throws {
        let ws = try PurgeTests.workspace()
        let text = try String(contentsOf: ws.config, encoding: .utf8) + "daily = true\n"   // [retention] is the last section
        try text.write(to: ws.config, atomically: true, encoding: .utf8)
        let daemon = try DaemonStoreTests.run(ws, at: "2026-12-03T12:00:00Z", polls: 3, name: "housekeeping")
        #expect(daemon.log.contains("Retention applied"), "\(daemon.log)")
        #expect(try ws.scalar("SELECT group_concat(ref, ',') FROM (SELECT ref FROM disputes ORDER BY ref)") == "DR-EDGE,DR-NEW,DR-OPEN")
        // Once a day: three polls, one purge (and one pruning of sent messages), by the daemon.
        #expect(try ws.scalar("SELECT group_concat(what || ' by ' || by, ', ') FROM (SELECT * FROM retention_log ORDER BY id)")
                == "closed-disputes by daemon, sent-messages by daemon")
        let polls = try PurgeTests.count(ws, "SELECT polls FROM daemon_polls")
        #expect(polls == daemon.log.components(separatedBy: "Poll done").count - 1)
        #expect(try ws.scalar("SELECT last_completed_at >= \(CheckTests.ms("2026-12-03T12:00:00Z")) FROM daemon_polls") == "1")
        #expect(try ws.scalar("SELECT last_purge_at FROM daemon_polls") == "\(CheckTests.ms("2026-12-03T12:00:00Z"))")
    }

    @Test func withoutDailyTheDaemonRecordsPollsAndRemovesNothing() throws {
        let ws = try PurgeTests.workspace()
        let daemon = try DaemonStoreTests.run(ws, at: "2026-12-03T12:00:00Z", polls: 2, name: "no-housekeeping")
        #expect(!daemon.log.contains("Retention applied"))
        #expect(ws.disputeCount == 5)
        #expect(try ws.scalar("SELECT COUNT(*) FROM retention_log") == "0")
        #expect(try PurgeTests.count(ws, "SELECT polls FROM daemon_polls") >= 2)
    }

    @Test func theDaemonWarnsWhenTheSystemsTzdataDisagreesWithTheBuiltInRule() throws {
        let ws = try Workspace()
        let zoneinfo = ws.dir.appendingPathComponent("zoneinfo/Europe")
        try FileManager.default.createDirectory(at: zoneinfo, withIntermediateDirectories: true)
        try FileManager.default.copyItem(atPath: "/usr/share/zoneinfo/Europe/Paris", toPath: zoneinfo.appendingPathComponent("London").path)
        let nowFile = ws.dir.appendingPathComponent("now")
        try "2026-12-03T12:00:00Z".write(to: nowFile, atomically: true, encoding: .utf8)
        let daemon = try DaemonProcess(args: ["--config", ws.config.path],
                                       env: ["DRWATCH_FAKE_NOW": nowFile.path, "DRWATCH_FAKE_SPEED": "300",
                                             "TZDIR": ws.dir.appendingPathComponent("zoneinfo").path],
                                       logURL: ws.dir.appendingPathComponent("tz.log"))
        defer { daemon.kill9() }
        #expect(daemon.waitForLog("Poll done", timeout: 60))
        let warnings = daemon.log.components(separatedBy: "\n").filter { $0.hasPrefix("<4>Time zone:") }
        #expect(warnings.first == "<4>Time zone: the system's tzdata (\(zoneinfo.path)/London) disagrees with drwatch's built-in Europe/London rule: tzdata changes the offset to +2 h at 1990-03-25T01:00Z, the built-in rule does not. Deadlines use the built-in rule; if the UK has changed its clocks, upgrade drwatch")
        daemon.signal(SIGTERM)
        #expect(daemon.waitForExit(timeout: 60) == 0)
        // At start only (the clock stays on one day): each line once.
        #expect(Set(warnings).count == warnings.count)
    }

    @Test func withTheSystemsTzdataTheDaemonSaysNothingAboutTheTimeZone() throws {
        let ws = try Workspace()
        let daemon = try DaemonStoreTests.run(ws, at: "2026-12-03T12:00:00Z", polls: 1, name: "tz-ok")
        #expect(!daemon.log.contains("Time zone"))
    }
}
