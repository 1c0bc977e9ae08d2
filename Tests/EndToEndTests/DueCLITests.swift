import Foundation
import Testing

/// `drwatch due` through the built binary.
@Suite("drwatch due (end to end)")
struct DueCLITests {
    @Test func dueJSONListsOpenDisputesMostUrgentFirstWithTheContractFields() throws {
        let w = try Workspace()
        try w.openFormal("LATER", at: "2026-11-25T10:00")
        try w.openFormal("SOONER", at: "2026-11-23T10:00")
        try w.openFormal("CLOSED", at: "2026-11-23T09:00")
        #expect(try w.run(["dispute", "resolve", "CLOSED", "--outcome", "agreed", "--at", "2026-11-23T09:30"]).status == 0)

        let r = try w.run(["due", "--at", "2026-12-01T12:00", "--json"])
        #expect(r.status == 0, "\(r.stderr)")
        let rows = try json(r.stdout) as! [[String: Any]]
        // LATER's stage 1 is due Wed 2 Dec; SOONER has moved on to stage 2, due Mon 7 Dec.
        #expect(rows.map { $0["ref"] as! String } == ["LATER", "SOONER"])
        let first = rows[1]
        for key in ["ref", "kind", "policy", "stage", "owner_role", "stage_due", "working_days_left", "statutory_due", "state"] {
            #expect(first.keys.contains(key), "missing \(key)")
        }
        // SOONER: stage 1 was due Mon 30 Nov and escalated on breach; stage 2 runs to Mon 7 Dec.
        #expect(first["kind"] as? String == "formal")
        #expect(first["policy"] as? String == "four-stage")
        #expect(first["stage"] as? Int == 2)
        #expect(first["owner_role"] as? String == "service-manager")
        #expect(first["stage_due"] as? String == "2026-12-07T17:00:00+00:00")
        #expect(first["working_days_left"] as? Int == 4)
        #expect(first["statutory_due"] as? String == "2026-12-21T17:00:00+00:00")
        #expect(first["state"] as? String == "on-track")
        // LATER: stage 1 due Wed 2 Dec, 1 working day left.
        #expect(rows[0]["stage_due"] as? String == "2026-12-02T17:00:00+00:00")
        #expect(rows[0]["working_days_left"] as? Int == 1)
        #expect(rows[0]["state"] as? String == "due-soon")

        // `dispute show --json` has the same fields plus the events.
        let shown = try json(try w.run(["dispute", "show", "SOONER", "--at", "2026-12-01T12:00", "--json"]).stdout) as! [String: Any]
        for (key, value) in first { #expect("\(shown[key]!)" == "\(value)", "\(key)") }
        #expect((shown["events"] as? [Any])?.count == 1)
    }

    @Test func anEventWithAnImpossibleDateIsNamedAndSkippedAndTheOthersAreListed() throws {
        let w = try Workspace()
        try w.openFormal("DR-GOOD")
        try w.openFormal("DR-FAR")
        // An event dated Int64.max ms, written behind drwatch's back (a new row: events are append-only).
        try DaemonStoreTests.execute(w, """
            INSERT INTO events (dispute_id, seq, kind, at, note) SELECT id, 2, 'note', 9223372036854775807, 'x'
            FROM disputes WHERE ref = 'DR-FAR';
            """)
        #expect(try w.scalar("SELECT COUNT(*) FROM events WHERE at = 9223372036854775807") == "1")
        let r = try w.run(["due", "--at", "2026-11-24T10:00"])
        #expect(r.status == 0, "\(r.stderr)")
        #expect(r.stderr.contains("DR-FAR skipped") && r.stderr.contains("impossible date"), "\(r.stderr)")
        #expect(r.stdout.contains("DR-GOOD") && !r.stdout.contains("DR-FAR"))
    }

    @Test func overdueIsNegativeAndAStageWithoutEscalationStaysOverdue() throws {
        let w = try Workspace()
        #expect(try w.run(["dispute", "open", "--ref", "QA-1", "--policy", "four-stage", "--kind", "qop-alert", "--category", "general",
                           "--type", "D", "--raised-by", "iro:iro@council.example", "--at", "2026-11-23T10:00"]).status == 0)
        let r = try w.run(["due", "--at", "2026-12-02T12:00", "--json"])
        let row = (try json(r.stdout) as! [[String: Any]])[0]
        #expect(row["state"] as? String == "overdue")
        #expect(row["working_days_left"] as? Int == -2)
        #expect(row["statutory_due"] is NSNull)
    }

    @Test func theTableIsForPeople() throws {
        let w = try Workspace()
        try w.openFormal("DR-1")
        let r = try w.run(["due", "--at", "2026-11-24T12:00"])
        #expect(r.status == 0, "\(r.stderr)")
        #expect(r.stdout == """
            REF   KIND    POLICY      STAGE  OWNER         STAGE DUE         LEFT  STATUTORY DUE     STATE
            DR-1  formal  four-stage  1      team-manager  2026-11-30 17:00  4     2026-12-21 17:00  on-track

            """)
    }

    /// A dispute whose policy the config no longer loads is named on stderr and skipped; the others are shown.
    @Test func aDisputeThatCannotBeEvaluatedIsReportedAndSkipped() throws {
        let w = try Workspace()
        let copy = try String(contentsOfFile: Workspace.fourStage, encoding: .utf8)
            .replacingOccurrences(of: "name = \"four-stage\"", with: "name = \"four-stage-local\"")
        let local = try w.file("four-stage-local.toml", Array(copy.utf8))
        try w.writeConfig(policies: [Workspace.fourStage, local])
        #expect(try w.openFormal("GONE", policy: "four-stage-local").status == 0)
        #expect(try w.openFormal("KEPT").status == 0)
        try w.writeConfig(policies: [Workspace.fourStage])

        let r = try w.run(["due", "--at", "2026-11-24", "--json"])
        #expect(r.status == 0)
        #expect((try json(r.stdout) as! [[String: Any]]).map { $0["ref"] as! String } == ["KEPT"])
        #expect(r.stderr.hasPrefix("drwatch: GONE skipped: GONE follows policy four-stage-local, which the config"))
    }

    @Test func noOpenDisputesIsAnEmptyArray() throws {
        let w = try Workspace()
        let r = try w.run(["due", "--json"])
        #expect(r.status == 0)
        #expect(r.stdout == "[]\n")
    }
}
