import Foundation
import Testing

/// `drwatch tick`, `drwatch outbox`, `drwatch render` through the built binary, on the file
/// transport (no server needed).
@Suite("Notification commands", .serialized)
struct NotificationCLITests {
    /// A workspace with one formal dispute and a config with roles and the file transport.
    static func workspace() throws -> Workspace {
        let ws = try Workspace()
        try ws.openFormal("DR-1")
        try """
            database = "\(ws.database.path)"
            policies = ["\(Workspace.fourStage)"]
            [roles]
            admin = ["admin@council.example"]
            iro = ["iro@council.example"]
            [files]
            directory = "out"
            """.write(to: ws.config, atomically: true, encoding: .utf8)
        return ws
    }

    @Test func tickDryRunSaysWhatAndWhyAndWritesNothing() throws {
        let ws = try Self.workspace()
        let r = try ws.run(["tick", "--at", "2026-11-23T10:05", "--dry-run"])
        #expect(r.status == 0, "\(r.stderr)")
        #expect(r.stdout.contains("would enqueue DR-1/s1/opened/team-manager via files to 2 recipient(s): Stage 1 due Mon 30 Nov 2026"))
        #expect(r.stdout.contains("nothing written"))
        #expect(try ws.scalar("SELECT COUNT(*) FROM outbox") == "0")
    }

    @Test func tickDeliversOnceAndOutboxListsIt() throws {
        let ws = try Self.workspace()
        let first = try ws.run(["tick", "--at", "2026-11-23T10:05"])
        #expect(first.status == 0, "\(first.stderr)")
        #expect(first.stdout.contains("1 enqueued, 1 sent, 0 failed, 0 parked"))
        #expect(first.stdout.contains("1 open dispute, 0 overdue, 0 pending"))
        #expect(first.stderr.contains("Notification delivered") && first.stderr.contains("dispute.ref=DR-1"))
        let second = try ws.run(["tick", "--at", "2026-11-23T10:06"])
        #expect(second.stdout.contains("0 enqueued, 0 sent"))
        let files = try FileManager.default.contentsOfDirectory(atPath: ws.dir.appendingPathComponent("out").path)
        #expect(files.filter { $0.hasSuffix(".eml") }.count == 1)

        let pending = try ws.run(["outbox"])
        #expect(pending.status == 0 && pending.stdout == "no pending messages in the outbox\n")
        let all = try ws.run(["outbox", "--all", "--json"])
        let rows = try #require(try json(all.stdout) as? [[String: Any]])
        #expect(rows.count == 1)
        #expect(rows[0]["identity"] as? String == "DR-1/s1/opened/team-manager")
        #expect(rows[0]["state"] as? String == "sent")
        let retry = try ws.run(["outbox", "retry", "1"])
        #expect(retry.status == 65)   // a sent message cannot be requeued
        #expect(try ws.run(["outbox", "retry", "x"]).status == 64)
    }

    @Test func renderPrintsTheMessageWithoutSending() throws {
        let ws = try Self.workspace()
        let r = try ws.run(["render", "DR-1", "--event", "reminder-2wd", "--at", "2026-11-26T09:00"])
        #expect(r.status == 0, "\(r.stderr)")
        #expect(r.stdout.contains("To: tm@council.example"))
        #expect(r.stdout.contains("Subject: Reminder: DR-1 Stage 1 due Mon 30 Nov 2026, 17:00 (2 working days left)"))
        #expect(r.stdout.contains("it escalates to Stage 2"))
        #expect(try ws.scalar("SELECT COUNT(*) FROM outbox") == "0")
        let none = try ws.run(["render", "DR-1", "--event", "breach", "--at", "2026-11-26T09:00"])
        #expect(none.status == 65 && none.stderr.contains("no breach notification is due for DR-1"))
        #expect(try ws.run(["render", "NOPE", "--event", "opened"]).status == 65)
    }
}
