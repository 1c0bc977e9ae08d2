import Foundation
import Testing

/// The manager's response and the escalation fixes of issue 11, through the built binary.
///
/// A four-stage formal dispute raised Mon 23 Nov 2026 10:00 (Workspace.openFormal): stage 1 (Team
/// Manager, 5 working days: Tue 24, Wed 25, Thu 26, Fri 27, Mon 30) is due Mon 30 Nov 17:00; the
/// statutory 20 working days end Mon 21 Dec 17:00 (Nov 24-27, 30 = 5; Dec 1-4 = 9; 7-11 = 14;
/// 14-18 = 19; 21 = 20). London is on GMT in November and December (+00:00).
@Suite("drwatch dispute respond and escalate --by (end to end)")
struct ResponseCLITests {
    static let tm = "team-manager:tm@council.example"

    @Test func theTeamManagersResponseIsShownByShowAndDue() throws {
        let w = try Workspace()
        try w.openFormal("DR-1")
        // Answered Wed 25 Nov 15:00: 2 working days into the stage (Tue 24, Wed 25).
        let r = try w.run(["dispute", "respond", "DR-1", "--by", Self.tm, "--text", "Plan revised; meeting Thursday", "--at", "2026-11-25T15:00"])
        #expect(r.status == 0, "\(r.stderr)")
        #expect(r.stdout.hasPrefix("DR-1: responded (Plan revised; meeting Thursday) at 2026-11-25T15:00:00+00:00; stage 1 (owner team-manager)"))
        // Tue 1 Dec, after the stage deadline: still stage 1, on track (the IRO decides), no escalation.
        let due = try #require(try json(try w.run(["due", "--json", "--at", "2026-12-01T09:00"]).stdout) as? [[String: Any]])
        #expect(due.count == 1)
        #expect(due[0]["stage"] as? Int == 1)
        #expect(due[0]["state"] as? String == "on-track")
        #expect(due[0]["responded_at"] as? String == "2026-11-25T15:00:00+00:00")
        #expect(due[0]["response_working_days"] as? Int == 2)
        #expect(due[0]["responded_within_timescale"] as? Bool == true)
        let shown = try w.run(["dispute", "show", "DR-1", "--at", "2026-12-01T09:00"])
        #expect(shown.stdout.contains("response: 2026-11-25T15:00:00+00:00 by team-manager:tm@council.example, 2 working days into stage 1, within its timescale\n"))
        #expect(shown.stdout.contains("  2026-11-25T15:00:00+00:00  responded (Plan revised; meeting Thursday)  by team-manager:tm@council.example\n"))
        let events = try #require((try json(try w.run(["dispute", "show", "DR-1", "--json"]).stdout) as? [String: Any])?["events"] as? [[String: Any]])
        #expect(events.last?["event"] as? String == "responded")
        #expect(events.last?["text"] as? String == "Plan revised; meeting Thursday")
    }

    @Test func theIROIsToldOfTheResponseWithItsTextAndWhatToDo() throws {
        let ws = try NotificationCLITests.workspace()
        #expect(try ws.run(["dispute", "respond", "DR-1", "--by", Self.tm, "--text", "Plan revised; meeting Thursday",
                            "--at", "2026-11-25T15:00"]).status == 0)
        let r = try ws.run(["render", "DR-1", "--event", "response", "--at", "2026-11-25T15:05"])
        #expect(r.status == 0, "\(r.stderr)")
        #expect(r.stdout.contains("To: iro@council.example"))
        #expect(r.stdout.contains("Subject: Response received: decide on case DR-1 (Stage 1: IRO meets the Team Manager)"))
        #expect(r.stdout.contains("Please read the response below and decide: resolve the dispute if it is settled, or escalate it"))
        #expect(r.stdout.contains("Plan revised; meeting Thursday"))
    }

    static let usage: [[String]] = [
        ["dispute", "respond", "DR-1", "--text", "done"],                       // no --by
        ["dispute", "respond", "DR-1", "--by", "team-manager:tm@council.example"], // no --text
        ["dispute", "escalate", "DR-1", "--at", "2026-11-24T09:00"],            // no --by
    ]

    @Test(arguments: usage)
    func aMissingByOrTextIsAUsageErrorAndWritesNothing(_ args: [String]) throws {
        let w = try Workspace()
        try w.openFormal("DR-1")
        let r = try w.run(args)
        #expect(r.status == 64, "\(r.stderr)")
        #expect(w.eventCount == 1)
    }

    @Test func aResponseBySomeoneOtherThanTheOwnerIsRefused() throws {
        let w = try Workspace()
        try w.openFormal("DR-1")
        let r = try w.run(["dispute", "respond", "DR-1", "--by", "iro:iro@council.example", "--text", "done", "--at", "2026-11-24T09:00"])
        #expect(r.status == 65)
        #expect(r.stderr == "drwatch: a response at stage 1 of DR-1 is recorded by its owner, team-manager, not iro; give --by team-manager:EMAIL\n")
        #expect(w.eventCount == 1)
    }

    @Test func theIROsLateRecordOfAnEscalationOnBreachIsAcceptedAsItsConfirmation() throws {
        let w = try Workspace()
        try w.openFormal("DR-1")
        // Stage 1 ran out Mon 30 Nov 17:00 and the engine moved it to Stage 2 (due Mon 7 Dec). The IRO
        // records that escalation on Wed 2 Dec 10:00.
        let r = try w.run(["dispute", "escalate", "DR-1", "--to-stage", "2", "--at", "2026-12-02T10:00", "--by", "iro:iro@council.example"])
        #expect(r.status == 0, "\(r.stderr)")
        #expect(r.stdout.hasPrefix("DR-1: escalated to stage 2 at 2026-12-02T10:00:00+00:00 (confirms the escalation drwatch made on breach; nothing moves); stage 2 (owner service-manager) due 2026-12-07T17:00:00+00:00"))
        #expect(w.eventCount == 2)
    }

    @Test func anImportWithARespondedRowAndALateEscalationGoesIn() throws {
        let w = try Workspace()
        let csv = [
            ImportCLITests.header,
            ImportCLITests.opened("IMP-1"),
            ImportCLITests.row(["ref": "IMP-1", "event": "responded", "at": "2026-11-25T15:00", "by_role": "team-manager",
                                "by_email": "tm@council.example", "text": "Plan revised"]),
            ImportCLITests.opened("IMP-2"),
            ImportCLITests.row(["ref": "IMP-2", "event": "escalated", "at": "2026-12-02T10:00", "stage": "2", "by_role": "iro",
                                "by_email": "iro@council.example"]),
        ].joined(separator: "\n") + "\n"
        let file = try w.file("export.csv", Array(csv.utf8))
        let r = try w.run(["import", file])
        #expect(r.status == 0, "\(r.stderr)")
        #expect(r.stdout.hasPrefix("\(file): imported 2 disputes with 4 events"))
        let due = try #require(try json(try w.run(["due", "--json", "--at", "2026-12-02T11:00"]).stdout) as? [[String: Any]])
        let imp1 = try #require(due.first { $0["ref"] as? String == "IMP-1" })
        #expect(imp1["stage"] as? Int == 1 && imp1["response_working_days"] as? Int == 2)
        let imp2 = try #require(due.first { $0["ref"] as? String == "IMP-2" })
        #expect(imp2["stage"] as? Int == 2 && imp2["stage_due"] as? String == "2026-12-07T17:00:00+00:00")
    }

    @Test func aGoodPracticeNotificationIsNotListedByDue() throws {
        // "A notice that needs no answer is closed once it is sent": due lists the formal dispute only.
        let w = try Workspace()
        try w.openFormal("DR-1")
        let gp = try w.run(["dispute", "open", "--ref", "GP-1", "--policy", "four-stage", "--kind", "good-practice", "--category", "general",
                            "--type", "P", "--raised-by", "iro:iro@council.example", "--at", "2026-11-23T11:00"])
        #expect(gp.status == 0, "\(gp.stderr)")
        let due = try #require(try json(try w.run(["due", "--json", "--at", "2026-11-24T09:00"]).stdout) as? [[String: Any]])
        #expect(due.map { $0["ref"] as? String } == ["DR-1"])
        #expect(!(try w.run(["due", "--at", "2026-11-24T09:00"]).stdout.contains("GP-1")))
    }
}
