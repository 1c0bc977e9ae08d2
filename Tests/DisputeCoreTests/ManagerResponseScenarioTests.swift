import Foundation
import Testing
import WorkingDays
@testable import DisputeCore

// The manager's response (issue 11, item 1), worked out from the documents before running.
//
// four-stage-iro-dispute-resolution: "The Team Manager will need to detail their response to the
// concern and any proposed actions within 5 working days ... A notification is sent to the IRO
// that the Manager's Response has been completed. The IRO will view the response and escalate as
// necessary if the matter is not resolved." Every preset has this shape: the stage's owner
// responds within the stage timescale, then the raiser decides (resolve or escalate).
//
// Calendar (England and Wales): November 2026 has no bank holiday; Sun 1 Nov, so Mon 2, 9, 16,
// 23, 30 Nov are Mondays. Close of business 17:00, send time 08:30.
@Suite("the manager's response")
struct ManagerResponseScenarioTests {
    let four: PresetWorld
    let six: PresetWorld
    let byType: PresetWorld
    init() throws {
        four = try PresetWorld("four-stage")
        six = try PresetWorld("six-stage-drp")
        byType = try PresetWorld("by-dispute-type")
    }

    /// A four-stage formal dispute raised Mon 2 Nov 10:00 (stage 1 due Mon 9 Nov 17:00: Tue 3, Wed 4,
    /// Thu 5, Fri 6, Mon 9), answered by the Team Manager on Wed 4 Nov 15:00 (2 working days in).
    func answeredFourStage() throws -> Dispute {
        let d = try four.raise(at: "2026-11-02 10:00")
        return try four.record(.responded(text: "Care plan revised; meeting booked Thursday"), at: "2026-11-04 15:00",
                               by: "team-manager", on: d)
    }

    // MARK: - Within the timescale

    static let afterAnswer: [(now: String, due: [String], notDue: [String])] = [
        // At once: the IRO (the raiser) is told the response is in.
        ("2026-11-04 15:00", ["DR-1/s1/response/iro"], []),
        // Thu 5 Nov 08:30 would have been the reminder at 2 working days left (5 - 2 = 3rd working day).
        ("2026-11-05 08:30", [], ["DR-1/s1/reminder-2wd/team-manager"]),
        // decision_working_days = 2 (four-stage): Thu 5, Fri 6 -> Fri 6 Nov at the send time.
        ("2026-11-06 08:30", ["DR-1/s1/decision-reminder/iro"], []),
        // Mon 9 Nov, the due day: no due-day reminder.
        ("2026-11-09 09:00", [], ["DR-1/s1/reminder-0wd/team-manager"]),
        // Tue 10 Nov 08:30, after the deadline: no breach, no derived Stage 2.
        ("2026-11-10 08:30", [], ["DR-1/s1/breach/team-manager", "DR-1/s1/breach/service-manager", "DR-1/s2/opened/service-manager"]),
    ]

    @Test(arguments: afterAnswer)
    func anAnswerInTimeStopsTheStagesRemindersAndBreachAndTellsTheRaiser(now: String, due: [String], notDue: [String]) throws {
        let d = try answeredFourStage()
        let ids = try four.due(d, at: now)
        for id in due { #expect(ids.contains(id), "\(id) at \(now): \(ids.sorted())") }
        for id in notDue { #expect(!ids.contains(id), "\(id) at \(now)") }
    }

    @Test func theStageStaysAnsweredAndTheRecordWaitsForTheRaisersDecision() throws {
        let d = try answeredFourStage()
        let ev = try four.look(d, at: "2026-11-10 09:00")
        #expect(ev.stage == 1 && ev.owner == "team-manager")
        #expect(ev.derivedEscalations == [])
        #expect(ev.state == .onTrack)
        #expect(ev.respondedAt == London.at("2026-11-04 15:00"))
        #expect(ev.responseWorkingDays == 2)              // Tue 3, Wed 4
        #expect(ev.respondedWithinTimescale == true)
        #expect(London.show(ev.stageDeadline) == "2026-11-09 17:00")
        let notice = try #require(try four.look(d, at: "2026-11-04 15:00").intent(1, "response", "iro"))
        #expect(notice.trigger == London.at("2026-11-04 15:00"))
        #expect(notice.urgency == .routine)
        #expect(notice.reason == "Stage 1 answered, 2 working days into the stage: notice to iro to decide (resolve or escalate)")
    }

    @Test func theStatutoryClockKeepsRunningOverTheWholeLife() throws {
        // The total still ends Mon 30 Nov (20 working days from Mon 2 Nov): warnings Mon 23 Nov (5 left)
        // and Thu 26 Nov (2 left) at the start of the day, breach Mon 30 Nov 17:00.
        let d = try answeredFourStage()
        let seen = try four.issued(d, from: "2026-11-02 10:00", to: "2026-12-01 10:00", everyMinutes: 30)
        #expect(seen == [
            "DR-1/s1/opened/team-manager", "DR-1/s1/response/iro", "DR-1/s1/decision-reminder/iro",
            "DR-1/s0/statutory-warning-5wd/iro-service-manager", "DR-1/s0/statutory-warning-5wd/head-of-service-safeguarding",
            "DR-1/s0/statutory-warning-2wd/iro-service-manager", "DR-1/s0/statutory-warning-2wd/head-of-service-safeguarding",
            "DR-1/s0/statutory-breach/head-of-service-safeguarding", "DR-1/s0/statutory-breach/service-director",
            "DR-1/s0/statutory-breach/director-of-childrens-services",
        ])
    }

    @Test func theRaiserEscalatesAfterTheAnswerAndTheNextStageRunsAsUsual() throws {
        // The IRO is not satisfied and escalates on Mon 9 Nov 10:00: Stage 2 runs Tue 10 .. Mon 16 Nov.
        let d = try four.record(.escalated(toStage: 2, reason: nil), at: "2026-11-09 10:00", by: "iro", on: try answeredFourStage())
        let ev = try four.look(d, at: "2026-11-09 10:00")
        #expect(ev.stage == 2 && ev.owner == "service-manager")
        #expect(London.show(ev.stageDeadline) == "2026-11-16 17:00")
        #expect(ev.respondedAt == nil && ev.responseWorkingDays == nil && ev.respondedWithinTimescale == nil)
        #expect(ev.intent(2, "opened", "service-manager") != nil)
        // The decision reminder ended with stage 1; Stage 2's own reminders come back (Thu 12 Nov: 2 left).
        #expect(try four.due(d, at: "2026-11-12 08:30").contains("DR-1/s2/reminder-2wd/service-manager"))
    }

    @Test func sixStageAnswerInTimeHoldsTheDRPAtItsStageAndRemindsTheIROTheNextWorkingDay() throws {
        // Stage 1 (4 working days): Tue 3 .. Fri 6 Nov 17:00. Answered Thu 5 Nov 11:00 (3 working days).
        // decision_working_days = 1 (six-stage): Fri 6 Nov 08:30.
        let d = try six.record(.responded(text: "Plan updated"), at: "2026-11-05 11:00", by: "team-manager",
                               on: try six.raise(at: "2026-11-02 10:00"))
        #expect(try six.due(d, at: "2026-11-06 08:30").contains("DR-1/s1/decision-reminder/iro"))
        let mon = try six.look(d, at: "2026-11-09 09:00")
        #expect(mon.stage == 1 && mon.derivedEscalations == [])
        #expect(mon.responseWorkingDays == 3)
        #expect(!Set(mon.intents.map(\.identity)).contains("DR-1/s1/breach/team-manager"))
    }

    @Test func anHourBasedRowAnsweredInTimeSendsNoHourRemindersAndNoBreach() throws {
        // risk-in-placement: 24 hours, Mon 2 Nov 10:00 -> Tue 3 Nov 10:00; reminders 12 h (Mon 22:00)
        // and 2 h (Tue 08:00) before. Answered Mon 2 Nov 16:00.
        let d = try byType.record(.responded(text: "Placement visited; safety plan agreed"), at: "2026-11-02 16:00",
                                  by: "team-manager", on: try byType.raise(at: "2026-11-02 10:00", type: .practice, subject: "risk-in-placement"))
        let seen = try byType.issued(d, from: "2026-11-02 10:00", to: "2026-11-03 12:00", everyMinutes: 15)
        #expect(seen == ["DR-1/s1/opened/team-manager", "DR-1/s1/response/iro"])
        #expect(try byType.look(d, at: "2026-11-03 12:00").respondedWithinTimescale == true)
    }

    // MARK: - Late

    @Test func aLateAnswerOnAnAlertStageIsRecordedAsLateAndTheBreachStands() throws {
        // A Quality of Practice alert (alert on breach): due Mon 9 Nov 17:00, breach Tue 10 Nov 08:30
        // to the Team Manager and the IRO; answered Wed 11 Nov 10:00: 7 working days (Tue 3 .. Wed 11).
        let qa = try four.raise(.qopAlert, ref: "QA-1", at: "2026-11-02 10:00")
        let d = try four.record(.responded(text: "Discussed in supervision"), at: "2026-11-11 10:00", by: "team-manager", on: qa)
        let ev = try four.look(d, at: "2026-11-11 10:00")
        #expect(ev.respondedWithinTimescale == false)
        #expect(ev.responseWorkingDays == 7)
        #expect(ev.state == .onTrack)
        let ids = Set(ev.intents.map(\.identity))
        #expect(ids.isSuperset(of: ["QA-1/s1/breach/team-manager", "QA-1/s1/breach/iro", "QA-1/s1/response/iro"]))
    }

    // MARK: - Who may answer

    static let refusals: [(role: String?, at: String, text: String, message: String)] = [
        ("iro", "2026-11-04 15:00", "done",
         "a response at stage 1 of DR-1 is recorded by its owner, team-manager, not iro; give --by team-manager:EMAIL"),
        (nil, "2026-11-04 15:00", "done",
         "a response at stage 1 of DR-1 is recorded by its owner, team-manager; give --by team-manager:EMAIL"),
        ("team-manager", "2026-11-04 15:00", "  ",
         "a response needs its text; give --text \"...\" (what the owner will do and by when)"),
        // After the derived escalation of Mon 9 Nov 17:00 the stage is Stage 2, owned by the Service Manager.
        ("team-manager", "2026-11-10 09:00", "late",
         "a response at stage 2 of DR-1 is recorded by its owner, service-manager, not team-manager; give --by service-manager:EMAIL"),
    ]

    @Test(arguments: refusals)
    func onlyTheCurrentStagesOwnerRecordsAResponse(role: String?, at time: String, text: String, message: String) throws {
        let d = try four.raise(at: "2026-11-02 10:00")
        #expect(four.refusal(.responded(text: text), at: time, by: role, on: d) == message)
    }

    @Test func aSecondResponseToTheSameStageIsRefused() throws {
        let d = try answeredFourStage()
        #expect(four.refusal(.responded(text: "again"), at: "2026-11-05 10:00", by: "team-manager", on: d)
            == "stage 1 of DR-1 already has a response (Wed 4 Nov 2026); add a note instead (drwatch dispute note)")
    }

    @Test func theServiceManagerAnswersAnAlertAboutTheTeamManager() throws {
        let qa = try four.raise(.qopAlert, ref: "QA-3", at: "2026-11-02 10:00", concernsOwner: true)
        let d = try four.record(.responded(text: "Addressed with the Team Manager"), at: "2026-11-03 10:00", by: "service-manager", on: qa)
        #expect(try four.look(d, at: "2026-11-03 10:00").respondedAt == London.at("2026-11-03 10:00"))
    }

    @Test func aGoodPracticeNotificationHasNothingToAnswer() throws {
        let gp = try four.raise(.goodPractice, ref: "GP-1", at: "2026-11-02 10:00")
        #expect(four.refusal(.responded(text: "thanks"), at: "2026-11-03 10:00", by: "team-manager", on: gp)
            == "a good-practice has no stages to respond to")
    }

    // MARK: - Reports read the same facts

    @Test func responsesListEachAnsweredStageWithItsWorkingDaysAndWhetherInTime() throws {
        let d = try four.record(.escalated(toStage: 2, reason: nil), at: "2026-11-09 10:00", by: "iro", on: try answeredFourStage())
        // Stage 2 (Tue 10 .. Mon 16 Nov) answered Thu 12 Nov 09:00: 3 working days (Tue 10, Wed 11, Thu 12).
        let both = try four.record(.responded(text: "Resources agreed"), at: "2026-11-12 09:00", by: "service-manager", on: d)
        let rs = try four.engine.responses(both, upTo: London.at("2026-11-30 12:00"))
        #expect(rs.map(\.stage) == [1, 2])
        #expect(rs.map(\.workingDays) == [2, 3])
        #expect(rs.map(\.withinTimescale) == [true, true])
        #expect(rs.map(\.at) == [London.at("2026-11-04 15:00"), London.at("2026-11-12 09:00")])
        // The late Quality of Practice answer above: 7 working days, not within the 5.
        let qa = try four.record(.responded(text: "Discussed"), at: "2026-11-11 10:00", by: "team-manager",
                                 on: try four.raise(.qopAlert, ref: "QA-1", at: "2026-11-02 10:00"))
        let late = try four.engine.responses(qa, upTo: London.at("2026-11-30 12:00"))
        #expect(late.map(\.workingDays) == [7] && late.map(\.withinTimescale) == [false])
    }
}
