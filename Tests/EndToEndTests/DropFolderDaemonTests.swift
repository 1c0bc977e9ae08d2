#if canImport(Glibc)
import Glibc
#endif
import Foundation
import Testing

/// The real daemon and its drop folder (`[import] directory`).
@Suite("Daemon drop folder", .serialized)
struct DropFolderDaemonTests {
    static func config(_ ws: Workspace, inbox: URL) throws {
        let roles = DaemonCrashTests.roles.map { "\($0) = [\"\($0)@council.example\"]" }.joined(separator: "\n")
        try """
            database = "\(ws.database.path)"
            poll_interval_seconds = 60
            policies = ["\(Workspace.fourStage)"]
            [roles]
            \(roles)
            [files]
            directory = "\(ws.dir.appendingPathComponent("outbox").path)"
            [import]
            directory = "\(inbox.path)"
            """.write(to: ws.config, atomically: true, encoding: .utf8)
    }

    /// The state letter of a process in /proc (`T` when stopped).
    static func state(_ pid: Int32) -> Character? {
        guard let text = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8),
              let close = text.lastIndex(of: ")") else { return nil }
        return text[text.index(close, offsetBy: 2)...].first
    }

    /// Killed inside the sync's transaction (stopped there by a test-only switch, then SIGKILL):
    /// the file stays in the folder and the store is unchanged; the next daemon completes it.
    @Test func aKillInTheMiddleOfASyncLeavesTheFileAndTheStoreAsTheyWereAndTheNextPollCompletesIt() throws {
        let ws = try Workspace()
        let inbox = ws.dir.appendingPathComponent("inbox")
        try FileManager.default.createDirectory(at: inbox, withIntermediateDirectories: true)
        try Self.config(ws, inbox: inbox)
        let rows = [ImportCLITests.header] + (1...50).map { ImportCLITests.opened("DROP-\($0)") }
        try Data((rows.joined(separator: "\n") + "\n").utf8).write(to: inbox.appendingPathComponent("night.csv"))
        let nowFile = ws.dir.appendingPathComponent("now")
        try "2026-11-25T10:00:00Z".write(to: nowFile, atomically: true, encoding: .utf8)
        let clock = ["DRWATCH_FAKE_NOW": nowFile.path, "DRWATCH_FAKE_SPEED": "300"]

        let first = try DaemonProcess(args: ["--config", ws.config.path], env: clock.merging(["DRWATCH_TEST_STOP_IN_IMPORT": "1"]) { $1 },
                                      logURL: ws.dir.appendingPathComponent("first.log"))
        defer { first.kill9() }
        let end = Date().addingTimeInterval(60)
        while Date() < end, Self.state(first.pid) != "T", first.process.isRunning { usleep(20_000) }
        #expect(Self.state(first.pid) == "T", "\(first.log.suffix(2000))")
        #expect(first.log.contains("Importing a file from the import folder"))
        first.signal(SIGKILL)
        #expect(first.waitForExit() == 128 + SIGKILL)
        #expect(FileManager.default.fileExists(atPath: inbox.appendingPathComponent("night.csv").path))
        #expect(ws.disputeCount == 0)
        #expect(ws.eventCount == 0)

        let second = try DaemonProcess(args: ["--config", ws.config.path], env: clock, logURL: ws.dir.appendingPathComponent("second.log"))
        defer { second.kill9() }
        #expect(second.waitForLog("Imported a file", timeout: 60), "\(second.log.suffix(2000))")
        second.signal(SIGTERM)
        #expect(second.waitForExit() == 0)
        #expect(ws.disputeCount == 50)
        #expect(ws.eventCount == 50)
        #expect(!FileManager.default.fileExists(atPath: inbox.appendingPathComponent("night.csv").path))
        let done = (try? FileManager.default.contentsOfDirectory(atPath: inbox.appendingPathComponent("done").path)) ?? []
        #expect(done.count == 2 && done.allSatisfy { $0.hasPrefix("night-2026") }, "\(done)")
        // What the file recorded was acted on in the same poll: each new dispute's opening notice.
        #expect(try ws.scalar("SELECT COUNT(DISTINCT dispute_ref) FROM outbox WHERE event = 'opened'") == "50")
    }

    /// `drwatch tick` does what one poll of the daemon does, the drop folder first: it takes the
    /// files unchanged for a poll interval, leaves a fresh one, and acts on what it recorded.
    @Test func tickSyncsTheDropFolderFilesThatHaveSettled() throws {
        let ws = try Workspace()
        let inbox = ws.dir.appendingPathComponent("inbox")
        try FileManager.default.createDirectory(at: inbox, withIntermediateDirectories: true)
        try Self.config(ws, inbox: inbox)
        let settled = inbox.appendingPathComponent("night.csv")
        try Data(([ImportCLITests.header, ImportCLITests.opened("TICK-1")].joined(separator: "\n") + "\n").utf8).write(to: settled)
        try FileManager.default.setAttributes([.modificationDate: Date().addingTimeInterval(-3600)], ofItemAtPath: settled.path)
        try Data(([ImportCLITests.header, ImportCLITests.opened("TICK-2")].joined(separator: "\n") + "\n").utf8)
            .write(to: inbox.appendingPathComponent("fresh.csv"))

        let dry = try ws.run(["tick", "--at", "2026-11-25T10:00", "--dry-run"])
        #expect(dry.status == 0, "\(dry.stderr)")
        #expect(dry.stdout.hasPrefix("night.csv: would be imported\n"), "\(dry.stdout)")
        #expect(ws.disputeCount == 0)

        let r = try ws.run(["tick", "--at", "2026-11-25T10:00"])
        #expect(r.status == 0, "\(r.stderr)")
        #expect(r.stdout.hasPrefix("imported night.csv (moved to done/): night.csv: opened 1 dispute, appended 0 events, skipped 0 already recorded, refused 0 rows\n"),
                "\(r.stdout)")
        #expect(ws.disputeCount == 1)
        #expect(try ws.scalar("SELECT COUNT(*) FROM outbox WHERE dispute_ref = 'TICK-1' AND event = 'opened'") == "1")
        let left = try FileManager.default.contentsOfDirectory(atPath: inbox.path).filter { $0.hasSuffix(".csv") }
        #expect(left == ["fresh.csv"])
    }
}
