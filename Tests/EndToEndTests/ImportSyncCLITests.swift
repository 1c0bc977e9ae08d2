import Foundation
import Testing

/// `drwatch import FILE --sync` through the built binary: an export read again and again as the
/// history of each dispute it mentions.
@Suite("drwatch import --sync (end to end)")
struct ImportSyncCLITests {
    typealias CSV = ImportCLITests

    /// Two disputes with three events between them (six rows).
    static let first = [
        CSV.header,
        CSV.opened("SY-1"),                                                                                      // 2
        CSV.opened("SY-2", at: "2026-11-24"),                                                                    // 3
        CSV.row(["ref": "SY-1", "event": "escalated", "at": "2026-11-24T09:00", "stage": "2", "text": "no reply", "by_role": "iro", "by_email": "iro@council.example"]), // 4
        CSV.row(["ref": "SY-2", "event": "note", "at": "2026-11-25T09:00", "text": "met the team"]),             // 5
        CSV.row(["ref": "SY-1", "event": "note", "at": "2026-11-25T10:00", "text": "chased"]),                   // 6
    ]

    static func write(_ w: Workspace, _ name: String, _ lines: [String]) throws -> String {
        try w.file(name, Array((lines.joined(separator: "\n") + "\n").utf8))
    }

    @Test func theSameExportTwiceChangesNothingTheSecondTime() throws {
        let w = try Workspace()
        let file = try Self.write(w, "lcs-nightly.csv", Self.first)
        let r = try w.run(["import", file, "--sync"])
        #expect(r.status == 0, "\(r.stderr)")
        #expect(r.stdout == "\(file): opened 2 disputes, appended 3 events, skipped 0 already recorded, refused 0 rows\n")
        #expect(w.eventCount == 5)
        #expect(try w.scalar("SELECT COUNT(*) FROM events WHERE source = 'import:lcs-nightly.csv'") == "5")

        let again = try w.run(["import", file, "--sync"])
        #expect(again.status == 0, "\(again.stderr)")
        #expect(again.stdout == "\(file): opened 0 disputes, appended 0 events, skipped 5 already recorded, refused 0 rows\n")
        #expect(again.stderr == "")
        #expect(w.eventCount == 5)
        #expect(w.disputeCount == 2)
    }

    @Test func anExportWithOneNewEventPerDisputeAppendsExactlyThose() throws {
        let w = try Workspace()
        #expect(try w.run(["import", try Self.write(w, "night-1.csv", Self.first), "--sync"]).status == 0)
        // Night 2: the same history in another order, plus one new event for each.
        let second = [CSV.header] + Self.first.dropFirst().reversed() + [
            CSV.row(["ref": "SY-2", "event": "resolved", "at": "2026-11-26T09:00", "text": "plan amended"]),
            CSV.row(["ref": "SY-1", "event": "escalated", "at": "2026-11-27T09:00", "stage": "3", "by_role": "iro", "by_email": "iro@council.example"]),
        ]
        let file = try Self.write(w, "night-2.csv", second)
        let dry = try w.run(["import", file, "--sync", "--dry-run"])
        #expect(dry.status == 0, "\(dry.stderr)")
        #expect(dry.stdout.contains("\(file):7: SY-2 resolved: append\n"))
        #expect(dry.stdout.contains("\(file):2: SY-1 note: skip (already recorded)\n"))
        #expect(dry.stdout.hasSuffix("\(file): opened 0 disputes, appended 2 events, skipped 5 already recorded, refused 0 rows; nothing written (--dry-run)\n"))
        #expect(w.eventCount == 5)

        let r = try w.run(["import", file, "--sync"])
        #expect(r.status == 0, "\(r.stderr)")
        #expect(r.stdout == "\(file): opened 0 disputes, appended 2 events, skipped 5 already recorded, refused 0 rows\n")
        #expect(w.eventCount == 7)
        #expect(try w.scalar("SELECT group_concat(kind || ':' || source, ' ') FROM (SELECT e.kind, e.source FROM events e JOIN disputes d ON d.id = e.dispute_id WHERE d.ref = 'SY-1' ORDER BY e.seq)")
                == "opened:import:night-1.csv escalated:import:night-1.csv note:import:night-1.csv escalated:import:night-2.csv")
        let shown = try json(try w.run(["dispute", "show", "SY-2", "--json"]).stdout) as! [String: Any]
        #expect((shown["events"] as! [[String: Any]]).count == 3)
    }

    /// A different outcome for an event already recorded: that row is named with its line and
    /// the dispute is left as it is; the other disputes proceed. `--strict` refuses the whole file.
    @Test func aContradictoryRowIsReportedWithItsLineAndLeavesOnlyThatDisputeAlone() throws {
        let w = try Workspace()
        let night1 = Self.first + [CSV.row(["ref": "SY-2", "event": "resolved", "at": "2026-11-26T09:00", "text": "plan amended"])]
        #expect(try w.run(["import", try Self.write(w, "night-1.csv", night1), "--sync"]).status == 0)
        let night2 = [
            CSV.header,
            CSV.row(["ref": "SY-2", "event": "resolved", "at": "2026-11-26T09:00", "text": "no change"]),   // 2: contradicts
            CSV.row(["ref": "SY-2", "event": "note", "at": "2026-11-26T08:00", "text": "late note"]),       // 3: not applied
            CSV.row(["ref": "SY-1", "event": "note", "at": "2026-11-27T10:00", "text": "new"]),             // 4: appended
            CSV.opened("SY-3", at: "2026-11-27"),                                                          // 5: opened
        ]
        let file = try Self.write(w, "night-2.csv", night2)

        let strict = try w.run(["import", file, "--sync", "--strict"])
        #expect(strict.status == 65)
        #expect(strict.stderr.contains("\(file):2: SY-2 is already closed by the resolved of 2026-11-26T09:00:00+00:00"), "\(strict.stderr)")
        #expect(strict.stderr.hasSuffix("drwatch: \(file): 2 rows refused; nothing was imported (--strict)\n"), "\(strict.stderr)")
        #expect(w.eventCount == 6)
        #expect(w.disputeCount == 2)

        let r = try w.run(["import", file, "--sync"])
        #expect(r.status == 65)
        let lines = r.stderr.split(separator: "\n").map(String.init)
        #expect(lines.count == 3, "\(r.stderr)")
        #expect(lines[0].hasPrefix("\(file):2: SY-2 is already closed by the resolved of 2026-11-26T09:00:00+00:00"))
        #expect(lines[1] == "\(file):3: not applied: SY-2 is left as it is because of line 2")
        #expect(lines[2] == "drwatch: \(file): 2 rows refused (listed above); the other disputes were synced")
        #expect(r.stdout == "\(file): opened 1 dispute, appended 1 event, skipped 0 already recorded, refused 2 rows (1 dispute left as it is)\n")
        #expect(w.eventCount == 8)
        #expect(try w.scalar("SELECT COUNT(*) FROM events e JOIN disputes d ON d.id = e.dispute_id WHERE d.ref = 'SY-2'") == "3")
        #expect(try w.scalar("SELECT outcome FROM events WHERE kind = 'resolved'") == "plan amended")
    }

    /// The export's own event ids: a row with a known id is the same event whatever its place;
    /// a known id with other details contradicts the store; an event the export dropped is reported.
    @Test func eventIDsIdentifyEventsAndADroppedEventIsReported() throws {
        let w = try Workspace()
        let header = CSV.header + ",event_id"
        let night1 = [
            header,
            CSV.opened("ID-1") + ",E1",
            CSV.row(["ref": "ID-1", "event": "note", "at": "2026-11-24T09:00", "text": "first"]) + ",E2",
            CSV.row(["ref": "ID-1", "event": "note", "at": "2026-11-25T09:00", "text": "second"]) + ",E3",
        ]
        #expect(try w.run(["import", try Self.write(w, "n1.csv", night1), "--sync"]).status == 0)
        #expect(try w.scalar("SELECT group_concat(event_id, ',') FROM (SELECT event_id FROM events ORDER BY seq)") == "E1,E2,E3")
        let night2 = [
            header,
            CSV.opened("ID-1") + ",E1",                                                                      // 2
            CSV.row(["ref": "ID-1", "event": "note", "at": "2026-11-24T09:00", "text": "\"first, edited\""]) + ",E2", // 3: differs
            CSV.row(["ref": "ID-1", "event": "note", "at": "2026-11-26T09:00", "text": "third"]) + ",E4",     // 4: new, not applied
        ]
        let r = try w.run(["import", try Self.write(w, "n2.csv", night2), "--sync"])
        #expect(r.status == 65)
        #expect(r.stderr.contains(":3: event_id E2 is recorded as the note of 2026-11-24T09:00:00+00:00"), "\(r.stderr)")
        #expect(r.stderr.contains(":2: the export no longer has the note of 2026-11-25T09:00:00+00:00 that an earlier import recorded for ID-1"), "\(r.stderr)")
        #expect(w.eventCount == 3)
    }

    /// A made-up "LCS-like" export: its own headers, codes and extra columns, mapped in the config.
    @Test func aMappedExportFromAnotherLayoutImportsCorrectly() throws {
        let w = try Workspace()
        try """
            database = "\(w.database.path)"
            division = "england-and-wales"
            policies = ["\(Workspace.fourStage)"]

            [import.columns]
            "Case Number" = "ref"
            "Workflow Step" = "event"
            "Step Date" = "at"
            "Worker Role" = "by_role"
            "Worker Email" = "by_email"
            "Procedure" = "policy"
            "Record Type" = "kind"
            "Stage Name" = "stage"
            "Issue Area" = "category"
            "Dispute Type" = "type"
            "Comments" = "text"
            "Step ID" = "event_id"
            "Child Name" = "ignore"
            "Worker Name" = "ignore"

            [import.values.event]
            "IRO Challenge Raised" = "opened"
            "Escalated To Next Stage" = "escalated"
            "Case Note Added" = "note"

            [import.values.kind]
            "Formal Dispute" = "formal"

            [import.values.stage]
            "Stage 2 - Service Manager" = "2"

            [import.values.category]
            "Care Plan" = "care-plan-implementation"

            [import.values.type]
            "Delay/Drift" = "D"

            [import.values.by_role]
            "Independent Reviewing Officer" = "iro"

            [import.values.policy]
            "IRO DRP" = "four-stage"
            """.write(to: w.config, atomically: true, encoding: .utf8)
        let lcs = [
            "Step ID,Case Number,Child Name,Workflow Step,Step Date,Worker Name,Worker Role,Worker Email,Procedure,Record Type,Stage Name,Issue Area,Dispute Type,Comments",
            "9001,LCS-77,Jane Example,IRO Challenge Raised,2026-11-23T10:00,Jo Bloggs,Independent Reviewing Officer,jo.iro@council.example,IRO DRP,Formal Dispute,,Care Plan,Delay/Drift,",
            "9002,LCS-77,Jane Example,Escalated To Next Stage,2026-11-24T17:30,Jo Bloggs,Independent Reviewing Officer,jo.iro@council.example,IRO DRP,Formal Dispute,Stage 2 - Service Manager,Care Plan,Delay/Drift,\"no meeting, chased twice\"",
            "9003,LCS-77,Jane Example,Case Note Added,2026-11-25T09:00,Jo Bloggs,,,,,,,,Meeting booked",
        ]
        let file = try Self.write(w, "lcs.csv", lcs)
        let dry = try w.run(["import", file, "--dry-run", "--sync"])
        #expect(dry.status == 0, "\(dry.stderr)")
        #expect(dry.stdout == """
            \(file):2: LCS-77 opened: open
            \(file):3: LCS-77 escalated: append
            \(file):4: LCS-77 note: append
            \(file): opened 1 dispute, appended 2 events, skipped 0 already recorded, refused 0 rows; nothing written (--dry-run)

            """)
        let r = try w.run(["import", file, "--sync"])
        #expect(r.status == 0, "\(r.stderr)")
        let shown = try json(try w.run(["dispute", "show", "LCS-77", "--json", "--at", "2026-11-25T10:00"]).stdout) as! [String: Any]
        #expect(shown["stage"] as? Int == 2)
        #expect(shown["kind"] as? String == "formal")
        #expect(shown["type"] as? String == "D")
        #expect(shown["category"] as? String == "care-plan-implementation")
        let events = shown["events"] as! [[String: Any]]
        #expect(events.map { $0["event"] as? String } == ["opened", "escalated", "note"])
        #expect(events[1]["reason"] as? String == "no meeting, chased twice")
        #expect(try w.scalar("SELECT group_concat(event_id, ',') FROM (SELECT event_id FROM events ORDER BY seq)") == "9001,9002,9003")
        // No column the mapping ignores is kept anywhere.
        let dump = try w.scalar("SELECT group_concat(COALESCE(note, '') || COALESCE(reason, '') || by_email, '|') FROM events")
        #expect(!dump.contains("Jane") && !dump.contains("Bloggs"))
        #expect(try w.run(["import", file, "--sync"]).stdout.contains("skipped 3 already recorded"))
    }

    /// Events typed in drwatch live beside the export's: each records where it came from, and a
    /// typed event the export does not have is never reported missing.
    @Test func eventsTypedInDrwatchLiveBesideTheExport() throws {
        let w = try Workspace()
        let file = try Self.write(w, "night.csv", Self.first)
        #expect(try w.run(["import", file, "--sync"]).status == 0)
        let typed = try w.run(["dispute", "note", "SY-1", "phoned the team manager", "--at", "2026-11-25T12:00"])
        #expect(typed.status == 0, "\(typed.stderr)")
        #expect(try w.openFormal("SY-TYPED").status == 0)
        let again = try w.run(["import", file, "--sync"])
        #expect(again.status == 0, "\(again.stderr)")
        #expect(again.stdout.contains("skipped 5 already recorded, refused 0 rows"))
        #expect(try w.scalar("SELECT group_concat(src, ',') FROM (SELECT COALESCE(e.source, 'NULL') AS src FROM events e JOIN disputes d ON d.id = e.dispute_id WHERE d.ref IN ('SY-1', 'SY-TYPED') ORDER BY d.id, e.seq)")
                == "import:night.csv,import:night.csv,import:night.csv,cli,cli")
        // `dispute show --json` says where each event came from.
        let shown = try w.run(["dispute", "show", "SY-1", "--json"])
        #expect(shown.status == 0, "\(shown.stderr)")
        let json = try JSONSerialization.jsonObject(with: Data(shown.stdout.utf8)) as? [String: Any]
        let sources = (json?["events"] as? [[String: Any]])?.map { $0["source"] as? String ?? "null" }
        #expect(sources == ["import:night.csv", "import:night.csv", "import:night.csv", "cli"])
    }

    @Test func anUnknownColumnWithoutAMappingRefusesTheFileAndStrictNeedsSync() throws {
        let w = try Workspace()
        let file = try Self.write(w, "x.csv", ["ref,event,at,colour", "A,opened,2026-11-23,red"])
        let r = try w.run(["import", file, "--sync"])
        #expect(r.status == 65)
        #expect(r.stderr.contains("\(file):1: bad header: unknown column \"colour\"; expected at least ref,event,at"), "\(r.stderr)")
        #expect(try w.run(["import", file, "--strict"]).status == 64)
    }
}
