import Foundation
import Testing
import WorkingDays
@testable import DisputeCore

/// Scenarios from procedures/fostering-iro-four-level-resolution.txt, on
/// config/policies/fostering-four-level.toml: stage 1 is informal resolution (10 working days),
/// stages 2 to 5 are Levels 1 to 4 (5 working days each, 20 from Level 1).
@Suite struct FosteringFourLevelScenarioTests {
    let world: PresetWorld
    init() throws { world = try PresetWorld("fostering-four-level") }

    // MARK: - From informal resolution to Level 4 when nobody resolves it

    static let life: [(now: String, stage: Int, owner: String, due: String)] = [
        ("2026-11-02 10:00", 1, "team-manager", "2026-11-16"),       // informal: 10 working days
        ("2026-11-17 09:00", 2, "team-manager", "2026-11-23"),       // Level 1 from Mon 16 Nov
        ("2026-11-24 09:00", 3, "service-manager", "2026-11-30"),    // Level 2
        ("2026-12-01 09:00", 4, "head-of-service", "2026-12-07"),    // Level 3
        ("2026-12-08 09:00", 5, "director-of-childrens-services", "2026-12-14"),  // Level 4
    ]

    @Test(arguments: life)
    func unresolvedConcernMovesFromInformalThroughTheFourLevels(now: String, stage: Int, owner: String, due: String) throws {
        // Given a concern raised informally by the FCIRO on Mon 2 Nov 2026 at 10:00
        let d = try world.raise(at: "2026-11-02 10:00", by: "fciro")
        // When nobody resolves it
        let ev = try world.look(d, at: now)
        // Then each level in turn owns it for 5 working days
        #expect(ev.stage == stage)
        #expect(ev.owner == owner)
        #expect(ev.stageDeadlineDay == London.day(due))
        // and the 20 working days run from Level 1 (Mon 16 Nov) only
        if stage >= 2 { #expect(ev.statutoryDeadlineDay == London.day("2026-12-14")) }
        else { #expect(ev.statutoryDeadline == nil) }
    }

    @Test func informalStageHasNoStatutoryClock() throws {
        let d = try world.raise(at: "2026-11-02 10:00", by: "fciro")
        let ev = try world.look(d, at: "2026-11-13 10:00")
        #expect(ev.statutoryDeadline == nil)
        #expect(ev.state == .dueSoon)
    }

    @Test func missedInformalStageAlertsTheManagerAndTheFCIROAndOpensLevelOne() throws {
        let d = try world.raise(at: "2026-11-02 10:00", by: "fciro")
        let ev = try world.look(d, at: "2026-11-17 08:30")
        let breach = try #require(ev.intent(1, "breach", "team-manager"))
        #expect(breach.copy == ["supervising-social-worker"])
        #expect(ev.intent(1, "breach", "fciro") != nil)
        let opened = try #require(ev.intent(2, "opened", "team-manager"))
        #expect(opened.copy.sorted() == ["fciro", "iro-service-manager", "service-manager"])
    }

    // MARK: - Table 1: the copy list of each level

    static let copies: [(stage: Int, owner: String, copy: [String])] = [
        (2, "team-manager", ["fciro", "iro-service-manager", "service-manager"]),
        (3, "service-manager", ["fciro", "head-of-service", "iro-service-manager"]),
        (4, "head-of-service", ["director-of-childrens-services", "fciro"]),
        (5, "director-of-childrens-services", ["fciro", "head-of-service", "iro-service-manager"]),
    ]

    @Test(arguments: copies)
    func eachLevelCopiesTheRolesTableOneNames(stage: Int, owner: String, copy: [String]) throws {
        // Given the FCIRO takes the concern straight to a level (any stage may be bypassed, no reason needed)
        let d = try world.raise(at: "2026-11-02 10:00", stage: stage, by: "fciro")
        // Then the level's owner is told at once, with the copies Table 1 lists (and the FCIRO, who tracks it)
        let ev = try world.look(d, at: "2026-11-02 10:00")
        let opened = try #require(ev.intent(stage, "opened", owner))
        #expect(opened.copy.sorted() == copy)
        #expect(ev.stageDeadlineDay == London.day("2026-11-09"))
        // and the bypass is told to the Service Manager, Quality Assurance and Review
        #expect(ev.intent(stage, "bypass", "iro-service-manager") != nil)
    }

    // MARK: - Christmas 2026

    static let christmas: [(now: String, stage: Int, due: String)] = [
        ("2026-12-14 10:00", 2, "2026-12-21"),
        ("2026-12-22 09:00", 3, "2026-12-30"),     // Tue 22, Wed 23, Thu 24, Tue 29, Wed 30
        ("2026-12-31 09:00", 4, "2027-01-07"),     // Thu 31, Mon 4 .. Thu 7 (Fri 1 Jan is a holiday)
        ("2027-01-08 09:00", 5, "2027-01-14"),
    ]

    @Test(arguments: christmas)
    func levelsSkipChristmasBoxingDaySubstituteAndNewYear(now: String, stage: Int, due: String) throws {
        let d = try world.raise(at: "2026-12-14 10:00", stage: 2, by: "fciro")
        let ev = try world.look(d, at: now)
        #expect(ev.stage == stage)
        #expect(ev.stageDeadlineDay == London.day(due))
        #expect(ev.statutoryDeadlineDay == London.day("2027-01-14"))
    }

    // MARK: - Pause, extension, resolution

    @Test func pauseAgreedByTheServiceManagerQualityAssuranceStopsBothClocks() throws {
        // Given Level 1 raised Mon 2 Nov (due Mon 9 Nov; 20 working days to Mon 30 Nov)
        var d = try world.raise(at: "2026-11-02 10:00", stage: 2, by: "fciro")
        // When paused Wed 4 Nov and resumed Tue 10 Nov (4 working days: Thu 5, Fri 6, Mon 9, Tue 10)
        d = try world.record(.paused(approvedBy: PresetWorld.actor("iro-service-manager"), reason: "carer in hospital"),
                             at: "2026-11-04 12:00", on: d)
        let paused = try world.look(d, at: "2026-11-09 18:00")
        #expect(paused.state == .paused)
        #expect(paused.stage == 2)
        #expect(paused.intents.filter { $0.event == .breach }.isEmpty)
        d = try world.record(.resumed, at: "2026-11-10 09:00", by: "fciro", on: d)
        // Then Level 1 is due Fri 13 Nov and the total Fri 4 Dec
        let ev = try world.look(d, at: "2026-11-10 09:00")
        #expect(ev.stageDeadlineDay == London.day("2026-11-13"))
        #expect(ev.statutoryDeadlineDay == London.day("2026-12-04"))
    }

    @Test func pauseAgreedOnlyByTheTeamManagerIsRefused() throws {
        let d = try world.raise(at: "2026-11-02 10:00", stage: 2, by: "fciro")
        let refusal = world.refusal(.paused(approvedBy: PresetWorld.actor("team-manager"), reason: "leave"), at: "2026-11-04 12:00", on: d)
        #expect(refusal?.contains("a pause needs the agreement of iro-service-manager") == true)
    }

    @Test func extensionAgreedWithTheFCIROAtLevelOneMovesItsDeadline() throws {
        var d = try world.raise(at: "2026-11-02 10:00", stage: 2, by: "fciro")
        d = try world.record(.extended(workingDays: 2, agreedBy: PresetWorld.actor("fciro")), at: "2026-11-04 10:00", on: d)
        #expect(try world.look(d, at: "2026-11-04 10:00").stageDeadlineDay == London.day("2026-11-11"))
    }

    @Test func extensionAtLevelFourPastTheTwentyWorkingDaysIsRefused() throws {
        // Given Level 1 raised Mon 2 Nov, now at Level 4 (due Mon 30 Nov, the 20th working day)
        let d = try world.raise(at: "2026-11-02 10:00", stage: 2, by: "fciro")
        #expect(try world.look(d, at: "2026-11-24 10:00").stage == 5)
        let refusal = world.refusal(.extended(workingDays: 1, agreedBy: PresetWorld.actor("fciro")), at: "2026-11-24 10:00", on: d)
        #expect(refusal?.contains("past the statutory total on Mon 30 Nov 2026") == true)
    }

    @Test func resolvedAtLevelTwoNeedsNothingMore() throws {
        var d = try world.raise(at: "2026-11-02 10:00", by: "fciro")
        d = try world.record(.escalated(toStage: 2, reason: nil), at: "2026-11-06 10:00", by: "fciro", on: d)
        d = try world.record(.escalated(toStage: 3, reason: nil), at: "2026-11-12 10:00", by: "fciro", on: d)
        d = try world.record(.resolved(outcome: "annual review booked"), at: "2026-11-16 15:00", by: "fciro", on: d)
        let ev = try world.look(d, at: "2026-12-31 09:00")
        #expect(ev.state == .resolved)
        #expect(ev.intents.isEmpty)
    }

    // MARK: - Breach at Level 4, the last level

    @Test func breachAtLevelFourAlertsTheBoardDirectorTheFCIROAndTheServiceManagerQualityAssurance() throws {
        let d = try world.raise(at: "2026-11-02 10:00", stage: 2, by: "fciro")
        let ev = try world.look(d, at: "2026-12-01 08:30")
        #expect(ev.stage == 5)
        #expect(ev.state == .statutoryBreached)
        #expect(Set(ev.intents.filter { $0.stage == 5 && $0.event == .breach }.map(\.role))
                == ["director-of-childrens-services", "fciro", "iro-service-manager"])
        #expect(Set(ev.intents.filter { $0.event == .statutoryBreach }.map(\.role))
                == ["iro-service-manager", "head-of-service", "director-of-childrens-services"])
    }

    // MARK: - Who raises, repeats, CAFCASS, themes

    @Test func onlyTheFCIROOrTheirManagerRaises() {
        #expect(world.refusal { try world.raise(at: "2026-11-02 10:00", by: "supervising-social-worker") }?
            .contains("may not raise a formal") == true)
        #expect(world.refusal { try world.raise(at: "2026-11-02 10:00", by: "iro-service-manager") } == nil)
    }

    @Test func secondConcernForTheSameCarerHouseholdAlertsTheServiceManagerQualityAssurance() throws {
        let d = try world.raise(ref: "FC-2", at: "2026-11-02 10:00", by: "fciro", child: "CARER-12")
        #expect(try world.due(d, at: "2026-11-02 10:00", earlierForChild: 1).contains("FC-2/s1/repeat/iro-service-manager"))
    }

    @Test func cafcassReferralAlertsTheFCIROsManager() throws {
        var d = try world.raise(at: "2026-11-02 10:00", stage: 3, by: "fciro")
        d = try world.record(.cafcassReferral, at: "2026-11-03 10:00", by: "fciro", on: d)
        #expect(try world.due(d, at: "2026-11-03 10:00").contains("DR-1/s3/cafcass-referral/iro-service-manager"))
    }

    @Test(arguments: IssueCategory.allCases)
    func everyThemeOfTableTwoIsRecorded(category: IssueCategory) {
        #expect(world.refusal { try world.raise(at: "2026-11-02 10:00", by: "fciro", category: category) } == nil)
    }
}
