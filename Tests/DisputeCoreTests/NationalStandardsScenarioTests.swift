import Foundation
import Testing
import WorkingDays
@testable import DisputeCore

/// Scenarios from procedures/national-standards-for-iro-challenge.txt, on
/// config/policies/national-standards.toml: informal resolution (5 working days), four formal
/// stages of 5 working days, every record under one of the four issue families.
@Suite struct NationalStandardsScenarioTests {
    let world: PresetWorld
    init() throws { world = try PresetWorld("national-standards") }

    // MARK: - The four issue families

    static let families: [(kind: RecordKind, category: IssueCategory)] =
        [RecordKind.qopAlert, .goodPractice, .formal].flatMap { k in IssueCategory.allCases.map { (k, $0) } }

    @Test(arguments: families)
    func everyKindAcceptsEachOfTheFourFamilies(kind: RecordKind, category: IssueCategory) {
        #expect(world.refusal { try world.raise(kind, at: "2026-11-02 10:00", category: category) } == nil)
    }

    @Test func policyDeclaresTheFourFamiliesOnEveryKind() {
        for kp in world.policy.kinds.values {
            #expect(Set(kp.categories) == Set(IssueCategory.allCases), "\(kp.kind.rawValue)")
        }
    }

    // MARK: - Formal resolution: four stages of 5 working days within the 20

    static let ladder: [(now: String, stage: Int, owner: String, due: String)] = [
        ("2026-11-02 10:00", 1, "team-manager", "2026-11-09"),
        ("2026-11-10 09:00", 2, "service-manager", "2026-11-16"),
        ("2026-11-17 09:00", 3, "head-of-service", "2026-11-23"),
        ("2026-11-24 09:00", 4, "director-of-childrens-services", "2026-11-30"),
    ]

    @Test(arguments: ladder)
    func unresolvedChallengeMovesUpAStageEachFiveWorkingDays(now: String, stage: Int, owner: String, due: String) throws {
        // Given a formal challenge raised by the IRO on Mon 2 Nov 2026 at 10:00
        let d = try world.raise(at: "2026-11-02 10:00", category: .statutoryRequirements, type: .resources)
        // When nobody resolves it, Then each stage owns it in turn
        let ev = try world.look(d, at: now)
        #expect(ev.stage == stage)
        #expect(ev.owner == owner)
        #expect(ev.stageDeadlineDay == London.day(due))
        #expect(ev.statutoryDeadlineDay == London.day("2026-11-30"))
    }

    @Test func breachOfStageOneAlertsTheTeamManagerAndTheServiceManagerOnTheNextWorkingMorning() throws {
        let d = try world.raise(at: "2026-11-02 10:00")
        // Stage 1 is due Mon 9 Nov 17:00; the breach goes at 08:30 on Tue 10 Nov, not before
        #expect(try world.due(d, at: "2026-11-10 08:29").filter { $0.contains("breach") }.isEmpty)
        let ev = try world.look(d, at: "2026-11-10 08:30")
        #expect(ev.intent(1, "breach", "team-manager")?.copy == ["social-worker"])
        #expect(ev.intent(1, "breach", "service-manager") != nil)
        #expect(ev.intent(2, "opened", "service-manager")?.copy.sorted() == ["iro", "iro-service-manager", "team-manager"])
    }

    @Test func remindersReachTheOwnerTwoDaysBeforeAndOnTheDueDayOnce() throws {
        let d = try world.raise(at: "2026-11-02 10:00")
        // Polling every 30 minutes through stage 1 issues each reminder once
        let issued = try world.issued(d, from: "2026-11-02 10:00", to: "2026-11-09 16:30")
        #expect(issued == ["DR-1/s1/opened/team-manager", "DR-1/s1/reminder-2wd/team-manager", "DR-1/s1/reminder-0wd/team-manager"])
        #expect(try world.look(d, at: "2026-11-05 08:30").intent(1, "reminder-2wd", "team-manager") != nil)
    }

    @Test func resolvedAtStageTwoIsResolved() throws {
        var d = try world.raise(at: "2026-11-02 10:00")
        d = try world.record(.escalated(toStage: 2, reason: nil), at: "2026-11-06 10:00", by: "iro", on: d)
        d = try world.record(.resolved(outcome: "social worker allocated"), at: "2026-11-11 11:00", by: "iro", on: d)
        let ev = try world.look(d, at: "2026-11-30 18:00")
        #expect(ev.state == .resolved)
        #expect(ev.intents.isEmpty)
    }

    // MARK: - Christmas 2026

    static let christmas: [(now: String, stage: Int, due: String)] = [
        ("2026-12-14 10:00", 1, "2026-12-21"),
        ("2026-12-22 09:00", 2, "2026-12-30"),     // Tue 22, Wed 23, Thu 24, Tue 29, Wed 30
        ("2026-12-31 09:00", 3, "2027-01-07"),
        ("2027-01-08 09:00", 4, "2027-01-14"),
    ]

    @Test(arguments: christmas)
    func stagesSkipChristmasBoxingDaySubstituteAndNewYear(now: String, stage: Int, due: String) throws {
        let d = try world.raise(at: "2026-12-14 10:00")
        let ev = try world.look(d, at: now)
        #expect(ev.stage == stage)
        #expect(ev.stageDeadlineDay == London.day(due))
        #expect(ev.statutoryDeadlineDay == London.day("2027-01-14"))
    }

    // MARK: - Pause, extension, bypass

    @Test func pauseAgreedByTheIROServiceManagerStopsTheClocks() throws {
        var d = try world.raise(at: "2026-11-02 10:00")
        d = try world.record(.paused(approvedBy: PresetWorld.actor("iro-service-manager"), reason: "court hearing awaited"),
                             at: "2026-11-03 10:00", on: d)
        #expect(try world.look(d, at: "2026-11-10 09:00").state == .paused)
        d = try world.record(.resumed, at: "2026-11-10 09:00", by: "iro", on: d)
        // Paused working days: Wed 4 .. Tue 10 = 5; stage 1 due Mon 16 Nov, total Mon 7 Dec
        let ev = try world.look(d, at: "2026-11-10 09:00")
        #expect(ev.stageDeadlineDay == London.day("2026-11-16"))
        #expect(ev.statutoryDeadlineDay == London.day("2026-12-07"))
    }

    @Test func pauseAgreedByTheHeadOfServiceAloneIsRefused() throws {
        let d = try world.raise(at: "2026-11-02 10:00")
        let refusal = world.refusal(.paused(approvedBy: PresetWorld.actor("head-of-service"), reason: "x"), at: "2026-11-03 10:00", on: d)
        #expect(refusal?.contains("iro-service-manager") == true)
    }

    @Test func extensionPastTheTwentyWorkingDaysIsRefusedButOneWithinIsAgreed() throws {
        let d = try world.raise(at: "2026-11-02 10:00")
        // At stage 4 (due Mon 30 Nov, the 20th working day) no more time can be given
        let refusal = world.refusal(.extended(workingDays: 1, agreedBy: PresetWorld.actor("iro")), at: "2026-11-25 10:00", on: d)
        #expect(refusal?.contains("past the statutory total on Mon 30 Nov 2026") == true)
        // At stage 1 three more days are agreed: due Thu 12 Nov
        let longer = try world.record(.extended(workingDays: 3, agreedBy: PresetWorld.actor("iro")), at: "2026-11-04 10:00", on: d)
        #expect(try world.look(longer, at: "2026-11-04 10:00").stageDeadlineDay == London.day("2026-11-12"))
    }

    @Test func iroMayChallengeAtTheLevelTheyJudgeWithoutAReason() throws {
        let d = try world.raise(at: "2026-11-02 10:00", stage: 3)
        let ev = try world.look(d, at: "2026-11-02 10:00")
        #expect(ev.owner == "head-of-service")
        #expect(ev.intent(3, "bypass", "iro-service-manager") != nil)
        var e = try world.raise(ref: "DR-2", at: "2026-11-02 10:00")
        e = try world.record(.escalated(toStage: 4, reason: nil), at: "2026-11-03 10:00", by: "iro", on: e)
        #expect(try world.look(e, at: "2026-11-03 10:00").owner == "director-of-childrens-services")
    }

    // MARK: - Informal resolution, repeats, good practice, CAFCASS

    @Test func informalAlertGoesToTheServiceManagerWhenItIsAboutTheTeamManager() throws {
        let d = try world.raise(.qopAlert, ref: "QPA-1", at: "2026-11-02 10:00", category: .general, type: .practice, concernsOwner: true)
        let ev = try world.look(d, at: "2026-11-02 10:00")
        #expect(ev.owner == "service-manager")
        #expect(ev.stageDeadlineDay == London.day("2026-11-09"))
        // Missed: the IRO is alerted, nothing moves
        let late = try world.look(d, at: "2026-11-10 08:30")
        #expect(late.intent(1, "breach", "iro") != nil)
        #expect(late.stage == 1)
    }

    @Test func repeatInformalAlertForTheSameChildNotifiesTheServiceManager() throws {
        let d = try world.raise(.qopAlert, ref: "QPA-2", at: "2026-11-02 10:00", child: "C-9")
        #expect(try world.due(d, at: "2026-11-02 10:00", earlierForChild: 1).contains("QPA-2/s1/repeat/service-manager"))
    }

    @Test func achievementOfResolutionIsCelebratedToTheTeamWithACopyToTheIROServiceManager() throws {
        let d = try world.raise(.goodPractice, ref: "GP-1", at: "2026-11-02 10:00")
        let ev = try world.look(d, at: "2026-11-02 10:00")
        let sent = ev.intents.filter { $0.event == .goodPractice }
        #expect(Set(sent.map(\.role)) == ["social-worker", "team-manager", "service-manager"])
        #expect(sent.flatMap(\.copy) == ["iro-service-manager"])
        #expect(ev.stageDeadline == nil)
    }

    @Test func cafcassReferralAlertsTheIROServiceManager() throws {
        var d = try world.raise(at: "2026-11-02 10:00")
        d = try world.record(.cafcassReferral, at: "2026-11-05 09:15", by: "iro", on: d)
        let ev = try world.look(d, at: "2026-11-05 09:15")
        #expect(ev.intent(1, "cafcass-referral", "iro-service-manager")?.urgency == .urgent)
    }
}
