import Foundation
import Testing

/// `drwatch purge`: the retention schedule applied, exactly.
@Suite("Purge")
struct PurgeTests {
    /// A workspace with `[retention]` (7 years, 30 days) and a roles directory (so ticks route every notice), and
    /// disputes either side of the 7-year cut-off of Thu 3 Dec 2026 (00:00 on 3 Dec 2019):
    /// - DR-OLD   opened 10 Jan 2018, resolved 10 Jan 2019: past retention
    /// - DR-EDGE2 opened 2 Dec 2019, withdrawn 2 Dec 2019 23:30: past retention (just)
    /// - DR-EDGE  opened 2 Dec 2019, resolved 3 Dec 2019 00:30: kept (closed after the cut-off)
    /// - DR-OPEN  opened 10 Jan 2018, still open: kept, whatever its age
    /// - DR-NEW   opened 5 Jan 2026, resolved 1 Feb 2026: kept; its sent messages are older than 30 days
    static func workspace(_ store: StoreKind = .sqlite) throws -> Workspace {
        let ws = try Workspace(store: store)
        try ws.writeConfig(policies: [Workspace.fourStage], roles: Workspace.fourStageRoles)
        let text = try String(contentsOf: ws.config, encoding: .utf8) + "\n[retention]\nclosed_years = 7\nsent_messages_days = 30\n"
        try text.write(to: ws.config, atomically: true, encoding: .utf8)
        func ok(_ r: Drwatch.Result) { #expect(r.status == 0, "\(r.stderr)") }
        let child = ["--child", "C-1"]
        ok(try ws.openFormal("DR-OLD", at: "2018-01-10T10:00", extra: child))
        ok(try ws.openFormal("DR-OPEN", at: "2018-01-10T10:00", extra: ["--child", "C-2"]))
        ok(try ws.run(["tick", "--at", "2018-01-10T12:00"]))
        ok(try ws.run(["dispute", "resolve", "DR-OLD", "--outcome", "plan amended", "--at", "2019-01-10T10:00"]))
        ok(try ws.openFormal("DR-EDGE", at: "2019-12-02T10:00", extra: ["--child", "C-3"]))
        ok(try ws.openFormal("DR-EDGE2", at: "2019-12-02T10:00", extra: ["--child", "C-4"]))
        ok(try ws.run(["dispute", "withdraw", "DR-EDGE2", "--reason", "raised in error", "--at", "2019-12-02T23:30"]))
        ok(try ws.run(["dispute", "resolve", "DR-EDGE", "--outcome", "agreed", "--at", "2019-12-03T00:30"]))
        ok(try ws.openFormal("DR-NEW", at: "2026-01-05T10:00", extra: child))
        ok(try ws.run(["tick", "--at", "2026-01-05T12:00"]))
        ok(try ws.run(["dispute", "resolve", "DR-NEW", "--outcome", "plan amended", "--at", "2026-02-01T10:00"]))
        return ws
    }

    static func count(_ ws: Workspace, _ sql: String) throws -> Int { Int(try ws.scalar(sql)) ?? -1 }

    /// Periods that hold the purged disputes (raised 2018Q1 and 2019Q4, closed 2019Q1 and 2019Q4).
    static let purgedPeriods = [["--year", "2018"], ["--year", "2019"], ["--quarter", "2018Q4"], ["--quarter", "2019Q1"],
                                ["--quarter", "2019Q4"], ["--from", "2018-01-01", "--to", "2019-12-31"]]

    /// The activity lines of a report's CSV, unsuppressed: raised, resolved, withdrawn, open at
    /// end and Good Practice, and the breakdowns by kind, theme, type, team and highest stage.
    static func activity(_ ws: Workspace, _ period: [String]) throws -> [String] {
        let r = try ws.run(["report"] + period + ["--format", "csv", "--no-suppression"])
        #expect(r.status == 0, "\(r.stderr)")
        let summary = ["opened", "resolved", "withdrawn", "open_at_end", "good_practice"].map { "summary,all,\($0)," }
        return r.stdout.components(separatedBy: "\r\n").filter { line in
            line.hasPrefix("by-") || summary.contains { line.hasPrefix($0) }
        }
    }

    @Test(arguments: StoreKind.all)
    func purgeRemovesExactlyTheClosedDisputesPastRetentionAndLogsIt(_ store: StoreKind) throws {
        let ws = try Self.workspace(store)
        let gone = "('DR-OLD', 'DR-EDGE2')"
        let ids = "(SELECT id FROM disputes WHERE ref IN \(gone))"
        let events = try Self.count(ws, "SELECT COUNT(*) FROM events WHERE dispute_id IN \(ids)")
        let people = try Self.count(ws, "SELECT COUNT(*) FROM people WHERE dispute_id IN \(ids)")
        let messages = try Self.count(ws, "SELECT COUNT(*) FROM outbox WHERE dispute_ref IN \(gone)")
        let sentNew = try Self.count(ws, "SELECT COUNT(*) FROM outbox WHERE dispute_ref = 'DR-NEW' AND state = 'sent'")
        let openMessages = try Self.count(ws, "SELECT COUNT(*) FROM outbox WHERE dispute_ref = 'DR-OPEN'")
        let totalEvents = ws.eventCount
        #expect(events == 4)          // opened + resolved, opened + withdrawn
        #expect(people == 2)          // a team manager each
        #expect(messages == 1)        // DR-OLD's "opened" notice
        #expect(sentNew == 1)         // DR-NEW's
        #expect(openMessages == 19)   // its notices up to the 2026 tick
        let report = try ws.run(["report", "--year", "2026", "--format", "csv"])
        #expect(report.status == 0)
        let purgedYears = try Self.purgedPeriods.map { try Self.activity(ws, $0) }
        #expect(purgedYears[1].contains { $0.hasPrefix("summary,all,resolved,2019,2,2018,0,") }, "\(purgedYears[1])")

        // The dry run says what would go and writes nothing.
        let dry = try ws.run(["purge", "--at", "2026-12-03T12:00"])
        #expect(dry.status == 0, "\(dry.stderr)")
        #expect(dry.stdout == """
            would remove 2 closed disputes closed before 2019-12-03T00:00:00+00:00 ([retention] closed_years = 7): 4 events, 2 people, 1 message, 0 audit rows; the latest closed 2019-12-02T23:30:00+00:00
            would remove 1 sent message and 0 files sent before 2026-11-03T12:00:00+00:00 ([retention] sent_messages_days = 30)
            dry run: nothing was removed; run drwatch purge --yes to remove it

            """)
        #expect(ws.disputeCount == 5)
        #expect(try Self.count(ws, "SELECT COUNT(*) FROM retention_log") == 0)

        // A web pause request on a dispute past retention goes with it (it names the dispute by id).
        try ws.execute("""
            INSERT INTO pause_requests (dispute_id, requested_at, requested_by, requested_role, reason)
            SELECT id, 0, 'sw@council.example', 'social-worker', 'court hearing' FROM disputes WHERE ref = 'DR-OLD'
            """)
        let real = try ws.run(["purge", "--yes", "--at", "2026-12-03T12:00"])
        #expect(real.status == 0, "\(real.stderr)")
        #expect(real.stdout.hasPrefix("removed 2 closed disputes closed before 2019-12-03T00:00:00+00:00"))
        #expect(try ws.column("SELECT ref FROM disputes ORDER BY ref") == ["DR-EDGE", "DR-NEW", "DR-OPEN"])
        #expect(ws.eventCount == totalEvents - events)
        #expect(try Self.count(ws, "SELECT COUNT(*) FROM outbox WHERE dispute_ref IN \(gone)") == 0)
        #expect(try Self.count(ws, "SELECT COUNT(*) FROM outbox WHERE dispute_ref = 'DR-NEW'") == 0)
        #expect(try Self.count(ws, "SELECT COUNT(*) FROM outbox WHERE dispute_ref = 'DR-OPEN'") == openMessages)
        #expect(try Self.count(ws, "SELECT COUNT(*) FROM outbox_recipients WHERE outbox_id NOT IN (SELECT id FROM outbox)") == 0)
        #expect(try Self.count(ws, "SELECT COUNT(*) FROM purge_grant") == 0)
        #expect(try Self.count(ws, "SELECT COUNT(*) FROM pause_requests") == 0)
        // The counts kept, without references.
        let kept = try ws.column("SELECT raised_quarter || ' ' || closed_quarter || ' ' || kind || ' ' || highest_stage || ' ' || outcome || ' ' || disputes FROM purged_counts ORDER BY raised_quarter")
        // DR-OLD stayed open a year: the engine escalated it on each breach, to the last stage (5).
        #expect(kept == ["2018Q1 2019Q1 formal 5 resolved 1", "2019Q4 2019Q4 formal 1 withdrawn 1"])
        // The log: what, up to when, how many, by whom.
        let log = try ws.run(["purge", "--log"])
        #expect(log.stdout == """
            2026-12-03T12:00:00+00:00\tclosed-disputes\tbefore 2019-12-03T00:00:00+00:00\t2 disputes\t\(events) events\t\(people) people\t\(messages) messages\t0 audit rows\t0 files\tnewest 2019-12-02T23:30:00+00:00\tby drwatch purge
            2026-12-03T12:00:00+00:00\tsent-messages\tbefore 2026-11-03T12:00:00+00:00\t0 disputes\t0 events\t0 people\t\(sentNew) messages\t0 audit rows\t0 files\tnewest 2026-01-05T12:00:00+00:00\tby drwatch purge

            """)
        // Reports of the kept years are unchanged.
        let after = try ws.run(["report", "--year", "2026", "--format", "csv"])
        #expect(after.stdout == report.stdout)
        // Reports of the purged years keep their activity figures, exactly, from the counts kept.
        #expect(try Self.purgedPeriods.map { try Self.activity(ws, $0) } == purgedYears)
        let note = try ws.run(["report", "--year", "2019", "--format", "md"])
        #expect(note.stdout.contains("> Includes records removed past retention "))
        #expect(!note.stdout.contains("DR-OLD") && !note.stdout.contains("DR-EDGE2"))
        // A second run finds nothing more.
        let again = try ws.run(["purge", "--at", "2026-12-03T12:00"])
        #expect(again.stdout.hasPrefix("would remove 0 closed disputes"))
    }

    @Test func eventsStayAppendOnlyOutsideAPurge() throws {
        let ws = try Self.workspace()
        let r = try BackupTests.python("""
            import sqlite3, sys
            c = sqlite3.connect(sys.argv[1])
            for sql in ["DELETE FROM events WHERE dispute_id = (SELECT id FROM disputes WHERE ref = 'DR-OLD')",
                        "INSERT INTO purge_grant (dispute_id) SELECT id FROM disputes WHERE ref = 'DR-OPEN'"]:
                try:
                    c.execute(sql); print("allowed")
                except sqlite3.DatabaseError as e:
                    print(e)
            """, [ws.database.path])
        #expect(r.stdout == "events are append-only (only drwatch purge removes a closed dispute past retention)\nonly a closed dispute can be purged\n")
        #expect(ws.eventCount == 9)
    }

    @Test func oldFilesOfTheFileTransportArePrunedAndNewOnesKept() throws {
        let ws = try Self.workspace()
        let outbox = ws.dir.appendingPathComponent("outbox")
        let files = try FileManager.default.contentsOfDirectory(atPath: outbox.path).filter { $0.hasSuffix(".eml") }.sorted()
        #expect(files.count >= 2)
        // Age every file but the first to before the 30-day cut-off.
        for name in files.dropFirst() {
            try FileManager.default.setAttributes([.modificationDate: Date(timeIntervalSince1970: 1_700_000_000)],
                                                  ofItemAtPath: outbox.appendingPathComponent(name).path)
        }
        try Data("not a message".utf8).write(to: outbox.appendingPathComponent("notes.txt"))
        try FileManager.default.setAttributes([.modificationDate: Date(timeIntervalSince1970: 1_700_000_000)],
                                              ofItemAtPath: outbox.appendingPathComponent("notes.txt").path)
        let r = try ws.run(["purge", "--yes"])
        #expect(r.status == 0, "\(r.stderr)")
        #expect(r.stdout.contains(" and \(files.count - 1) files sent before "))
        #expect(try FileManager.default.contentsOfDirectory(atPath: outbox.path).sorted() == [files[0], "notes.txt"])
    }

    @Test(arguments: [
        ("closed_years = 0", "\"closed_years\" in [retention]"),
        ("sent_messages_days = \"a year\"", "\"sent_messages_days\" in [retention]"),
        ("dayly = true", "unknown key \"dayly\" in [retention]"),
    ])
    func badRetentionKeysAreConfigErrors(line: String, message: String) throws {
        let ws = try Workspace()
        let text = try String(contentsOf: ws.config, encoding: .utf8) + "\n[retention]\n\(line)\n"
        try text.write(to: ws.config, atomically: true, encoding: .utf8)
        let r = try ws.run(["check-config"])
        #expect(r.status == 78)
        #expect(r.stderr.contains(message), "\(r.stderr)")
    }
}
