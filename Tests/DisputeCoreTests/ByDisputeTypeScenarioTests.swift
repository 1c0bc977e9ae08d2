import Foundation
import Testing
import WorkingDays
@testable import DisputeCore

/// Scenarios from procedures/timescales-by-dispute-type.txt (Appendix 1), on
/// config/policies/by-dispute-type.toml: the subject of the dispute sets the timescale and owner of
/// its level; levels 1 Team Manager, 2 Group Manager, 3 Head of Service, 4 DCS, 5 Chief Executive.
@Suite struct ByDisputeTypeScenarioTests {
    let world: PresetWorld
    init() throws { world = try PresetWorld("by-dispute-type") }

    // MARK: - Appendix 1, row by row (raised Mon 2 Nov 2026 at 10:00 at the row's level)

    static let appendix: [(subject: String, type: DisputeType, level: Int, owner: String, due: String)] = [
        ("not-informed-of-review", .practice, 1, "team-manager", "2026-11-04 10:00"),          // 48 hrs
        ("sw-not-at-review", .practice, 1, "team-manager", "2026-11-11 17:00"),                // 7 days
        ("no-social-worker", .resources, 2, "service-manager", "2026-11-11 17:00"),            // 7 days
        ("plan-not-provided", .resources, 1, "team-manager", "2026-11-20 17:00"),              // 14 days
        ("health-assessment", .practice, 1, "lac-health-nurse", "2026-11-20 17:00"),           // 14 days
        ("contact-with-parents", .delay, 1, "team-manager", "2026-11-11 17:00"),               // 7 days
        ("contact-with-siblings", .practice, 1, "team-manager", "2026-11-11 17:00"),           // 7 days
        ("discharge-not-progressed", .delay, 2, "service-manager", "2026-11-30 17:00"),        // 20 days
        ("plan-to-move-child", .practice, 2, "service-manager", "2026-11-11 17:00"),           // 7 days
        ("family-finding-delay", .delay, 2, "service-manager", "2026-11-30 17:00"),            // 20 days
        ("education-provision", .resources, 3, "head-of-service", "2026-11-30 17:00"),         // 20 days
        ("specialist-agency-provision", .resources, 3, "head-of-service", "2026-11-30 17:00"), // 20 days
        ("care-plan-not-appropriate", .practice, 1, "team-manager", "2026-11-20 17:00"),       // 14 days
        ("risk-in-placement", .practice, 1, "team-manager", "2026-11-03 10:00"),               // 24 hours
        ("dangerous-practice", .practice, 1, "line-manager", "2026-11-03 10:00"),              // 24 hrs
        ("poor-practice", .practice, 1, "line-manager", "2026-11-09 17:00"),                   // 5 days
        ("placement-visits", .practice, 1, "team-manager", "2026-11-30 17:00"),                // 20 days
    ]

    @Test(arguments: appendix)
    func subjectSetsTheTimescaleAndOwnerOfItsLevel(subject: String, type: DisputeType, level: Int, owner: String, due: String) throws {
        // Given a dispute raised at the row's level, naming the row
        let d = try world.raise(at: "2026-11-02 10:00", stage: level, type: type, subject: subject)
        // When it is looked at on raising
        let ev = try world.look(d, at: "2026-11-02 10:00")
        // Then the row's owner must act by the row's deadline, and the owner is told at once
        #expect(ev.stage == level)
        #expect(ev.owner == owner)
        #expect(London.show(ev.stageDeadline) == due)
        #expect(ev.intent(level, "opened", owner) != nil)
        #expect(ev.statutoryDeadlineDay == London.day("2026-11-30"))
    }

    @Test func everyRowOfAppendixOneIsInThePreset() throws {
        let kp = try #require(world.policy.kind(.formal))
        #expect(Set(kp.subjects.map(\.id)) == Set(Self.appendix.map(\.subject)))
        #expect(!kp.subjectRequired)
    }

    @Test func subjectOfAnotherTypeIsRefused() {
        // "No social worker allocated to case" is a resources dispute
        let refusal = world.refusal { try world.raise(at: "2026-11-02 10:00", stage: 2, type: .practice, subject: "no-social-worker") }
        #expect(refusal?.contains("subject no-social-worker is a dispute of type R, not P") == true)
    }

    @Test func unknownSubjectIsRefusedWithTheKnownOnes() {
        let refusal = world.refusal { try world.raise(at: "2026-11-02 10:00", subject: "parking") }
        #expect(refusal?.contains("risk-in-placement") == true)
    }

    @Test func subjectRaisedBelowItsLevelKeepsTheDefaultUntilItGetsThere() throws {
        // "No social worker allocated" is a Group Manager matter; raised with the Team Manager first
        var d = try world.raise(at: "2026-11-02 10:00", stage: 1, type: .resources, subject: "no-social-worker")
        #expect(try world.look(d, at: "2026-11-02 10:00").stageDeadlineDay == London.day("2026-11-09"))
        d = try world.record(.escalated(toStage: 2, reason: nil), at: "2026-11-04 10:00", by: "iro", on: d)
        // Then the Group Manager has the row's 7 working days from Wed 4 Nov
        #expect(try world.look(d, at: "2026-11-04 10:00").stageDeadlineDay == London.day("2026-11-13"))
    }

    @Test func disputeWithoutASubjectTakesFiveWorkingDaysAtEachLevel() throws {
        let d = try world.raise(at: "2026-11-02 10:00")
        let ev = try world.look(d, at: "2026-11-02 10:00")
        #expect(ev.stageDeadlineDay == London.day("2026-11-09"))
        #expect(ev.intent(1, "opened", "team-manager")?.copy.sorted() == ["iro", "social-worker"])
    }

    // MARK: - Hours run on the clock, across the change to GMT

    @Test func fortyEightHoursRunOnTheClockAcrossTheEndOfSummerTime() throws {
        // Given a dispute raised Fri 23 Oct 2026 at 16:00 BST; clocks go back on Sun 25 Oct
        let d = try world.raise(at: "2026-10-23 16:00", type: .practice, subject: "not-informed-of-review")
        let ev = try world.look(d, at: "2026-10-23 16:00")
        // Then 48 hours later is Sun 25 Oct at 15:00 GMT, weekend or not
        #expect(ev.stageDeadline == London.at("2026-10-23 16:00").addingTimeInterval(48 * 3600))
        #expect(London.show(ev.stageDeadline) == "2026-10-25 15:00")
        #expect(ev.intent(1, "opened", "team-manager")?.urgency == .urgent)
    }

    static let hourRowReminders: [(subject: String, type: DisputeType, owner: String, reminders: [(String, String)])] = [
        ("risk-in-placement", .practice, "team-manager", [("reminder-12h", "2026-11-02 22:00"), ("reminder-2h", "2026-11-03 08:00")]),
        ("dangerous-practice", .practice, "line-manager", [("reminder-12h", "2026-11-02 22:00"), ("reminder-2h", "2026-11-03 08:00")]),
        ("not-informed-of-review", .practice, "team-manager", [("reminder-24h", "2026-11-03 10:00"), ("reminder-2h", "2026-11-04 08:00")]),
    ]

    @Test(arguments: hourRowReminders)
    func hourRowsOnAWorkingDayStageRemindTheOwnerOnTheClock(subject: String, type: DisputeType, owner: String,
                                                            reminders: [(String, String)]) throws {
        // Given a dispute raised Mon 2 Nov 10:00 whose subject row runs on the clock at stage 1 (a working-day stage)
        let d = try world.raise(at: "2026-11-02 10:00", type: type, subject: subject)
        for (event, time) in reminders {
            // Then each hour reminder is due at once at its moment, to the row's owner, and not a minute before
            let ev = try world.look(d, at: time)
            let r = try #require(ev.intent(1, event, owner), "\(subject) \(event)")
            #expect(r.urgency == .urgent && r.trigger == London.at(time))
            #expect(try !world.engine.evaluate(d, now: London.at(time).addingTimeInterval(-60)).intents.contains { $0.event.name == event })
        }
    }

    @Test func riskInPlacementBreachAlertsAtOnceAndTheIROEscalatesToTheGroupManager() throws {
        // Given a safeguarding dispute raised Mon 2 Nov 10:00: 24 hours
        var d = try world.raise(at: "2026-11-02 10:00", type: .practice, subject: "risk-in-placement")
        // When Tue 3 Nov 10:00 passes, Then the owner, the IRO and the IRO Manager are alerted at once
        #expect(try world.look(d, at: "2026-11-03 09:59").intents.filter { $0.event == .breach }.isEmpty)
        let late = try world.look(d, at: "2026-11-03 10:00")
        let alerts = late.intents.filter { $0.event == .breach }
        #expect(Set(alerts.map(\.role)) == ["team-manager", "iro", "iro-service-manager"])
        #expect(alerts.allSatisfy { $0.urgency == .urgent && $0.trigger == London.at("2026-11-03 10:00") })
        // and the record stays with the Team Manager: the IRO decides the next step
        #expect(late.stage == 1)
        #expect(late.state == .overdue)
        d = try world.record(.escalated(toStage: 2, reason: nil), at: "2026-11-03 11:00", by: "iro", on: d)
        let gm = try world.look(d, at: "2026-11-03 11:00")
        #expect(gm.owner == "service-manager")
        #expect(gm.stageDeadlineDay == London.day("2026-11-10"))
        #expect(gm.intent(2, "opened", "service-manager")?.copy.sorted() == ["iro", "iro-service-manager", "team-manager"])
    }

    // MARK: - Christmas 2026

    @Test func sevenDaysBeforeChristmasSkipTheHolidays() throws {
        // Plan to move a child, raised Mon 21 Dec 10:00: Tue 22, Wed 23, Thu 24, Tue 29, Wed 30, Thu 31, Mon 4 Jan
        let d = try world.raise(at: "2026-12-21 10:00", stage: 2, type: .practice, subject: "plan-to-move-child")
        #expect(try world.look(d, at: "2026-12-21 10:00").stageDeadlineDay == London.day("2027-01-04"))
    }

    @Test func twentyDaysFromMidDecemberEndOnThursdayFourteenthJanuary() throws {
        let d = try world.raise(at: "2026-12-14 10:00", stage: 2, type: .delay, subject: "discharge-not-progressed")
        let ev = try world.look(d, at: "2026-12-14 10:00")
        #expect(ev.stageDeadlineDay == London.day("2027-01-14"))
        #expect(ev.statutoryDeadlineDay == London.day("2027-01-14"))
    }

    // MARK: - Extension, pause, bypass, CAFCASS, repeats

    @Test func extensionOfATwentyDayRowIsRefusedAndOfASevenDayRowIsAgreed() throws {
        let long = try world.raise(at: "2026-11-02 10:00", type: .practice, subject: "placement-visits")
        let refusal = world.refusal(.extended(workingDays: 1, agreedBy: PresetWorld.actor("iro")), at: "2026-11-03 10:00", on: long)
        #expect(refusal?.contains("past the statutory total on Mon 30 Nov 2026") == true)
        let short = try world.raise(ref: "DR-2", at: "2026-11-02 10:00", type: .practice, subject: "sw-not-at-review")
        let extended = try world.record(.extended(workingDays: 2, agreedBy: PresetWorld.actor("iro")), at: "2026-11-03 10:00", on: short)
        #expect(try world.look(extended, at: "2026-11-03 10:00").stageDeadlineDay == London.day("2026-11-13"))
    }

    @Test func hourBasedRowCannotBeExtendedByWorkingDays() throws {
        let d = try world.raise(at: "2026-11-02 10:00", type: .practice, subject: "risk-in-placement")
        let refusal = world.refusal(.extended(workingDays: 1, agreedBy: PresetWorld.actor("iro")), at: "2026-11-02 12:00", on: d)
        #expect(refusal?.contains("runs on clock hours") == true)
    }

    @Test func pauseIsRefused() throws {
        let d = try world.raise(at: "2026-11-02 10:00")
        let refusal = world.refusal(.paused(approvedBy: PresetWorld.actor("iro-service-manager"), reason: "x"), at: "2026-11-03 10:00", on: d)
        #expect(refusal == "by-dispute-type does not allow pauses")
    }

    @Test func iroMayGoStraightToTheHeadOfServiceAndTheIROManagerIsTold() throws {
        // Above the level of the dispute's subject row (education provision is a Head of Service matter,
        // level 3), going straight to the DCS (level 4) is a bypass the IRO Manager is told of; raising
        // at the row's own level is where the document puts the matter, not a bypass (issue 11).
        let d = try world.raise(at: "2026-11-02 10:00", stage: 4, type: .resources, subject: "education-provision")
        #expect(try world.due(d, at: "2026-11-02 10:00").contains("DR-1/s4/bypass/iro-service-manager"))
        let atRow = try world.raise(at: "2026-11-02 10:00", stage: 3, type: .resources, subject: "education-provision")
        #expect(!(try world.due(atRow, at: "2026-11-02 10:00")).contains("DR-1/s3/bypass/iro-service-manager"))
    }

    @Test func cafcassReferralAlertsTheIROManagerAndTheChiefExecutive() throws {
        var d = try world.raise(at: "2026-11-02 10:00")
        d = try world.record(.cafcassReferral, at: "2026-11-04 15:00", by: "iro", on: d)
        let ev = try world.look(d, at: "2026-11-04 15:00")
        #expect(Set(ev.intents.filter { $0.event.name == "cafcass-referral" }.map(\.role)) == ["iro-service-manager", "chief-executive"])
    }

    @Test func repeatDisputeForTheSameChildAlertsTheIROManager() throws {
        let d = try world.raise(ref: "DR-3", at: "2026-11-02 10:00", child: "C-5")
        #expect(try world.due(d, at: "2026-11-02 10:00", earlierForChild: 2).contains("DR-3/s1/repeat/iro-service-manager"))
    }

    @Test func onlyTheIROOrTheIROManagerRaisesADispute() {
        #expect(world.refusal { try world.raise(at: "2026-11-02 10:00", by: "team-manager") }?.contains("may not raise") == true)
    }
}
