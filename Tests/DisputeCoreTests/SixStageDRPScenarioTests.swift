import Foundation
import Testing
import WorkingDays
@testable import DisputeCore

/// Scenarios from procedures/six-stage-drp-with-initiator-limits.txt, on config/policies/six-stage-drp.toml.
/// Stages 1 to 5 take 4 working days each ("the entire timescale from stage one to five is 20
/// working days"), stage 6 takes 5. A DRP raised Mon 2 Nov 2026 10:00.
@Suite struct SixStageDRPScenarioTests {
    let world: PresetWorld
    init() throws { world = try PresetWorld("six-stage-drp") }

    // MARK: - A DRP's life: each stage runs out, the next takes over, the 20 days end with stage 5

    static let ladder: [(now: String, stage: Int, owner: String, due: String)] = [
        ("2026-11-02 10:00", 1, "team-manager", "2026-11-06"),
        ("2026-11-09 09:00", 2, "service-manager", "2026-11-12"),
        ("2026-11-13 09:00", 3, "head-of-service", "2026-11-18"),
        ("2026-11-19 09:00", 4, "service-director", "2026-11-24"),
        ("2026-11-25 09:00", 5, "director-of-childrens-services", "2026-11-30"),
        ("2026-12-01 09:00", 6, "chief-executive", "2026-12-07"),
    ]

    @Test(arguments: ladder)
    func eachStageThatRunsOutMovesToTheNextOwner(now: String, stage: Int, owner: String, due: String) throws {
        // Given a DRP raised at stage 1 by the IRO and never answered
        let d = try world.raise(at: "2026-11-02 10:00")
        // When we look at it later
        let ev = try world.look(d, at: now)
        // Then it is at the stage, with its owner, due at 17:00 on the day
        #expect(ev.stage == stage)
        #expect(ev.owner == owner)
        #expect(ev.stageDeadlineDay == London.day(due))
        #expect(London.show(ev.stageDeadline) == "\(due) 17:00")
        // and the 20 working days end with stage 5, Mon 30 Nov
        #expect(ev.statutoryDeadlineDay == London.day("2026-11-30"))
    }

    @Test func breachOfStageOneAlertsBothOwnersAndOpensStageTwoAtTheNextSendTime() throws {
        let d = try world.raise(at: "2026-11-02 10:00")
        // When stage 1 passes Fri 6 Nov 17:00, the next send time is Mon 9 Nov 08:30
        let ev = try world.look(d, at: "2026-11-09 08:30")
        #expect(ev.derivedEscalations == [2])
        let breach = try #require(ev.intent(1, "breach", "team-manager"))
        #expect(breach.copy == ["social-worker"])
        #expect(breach.trigger == London.at("2026-11-09 08:30"))
        #expect(ev.intent(1, "breach", "service-manager") != nil)
        // The Service Manager for Reviewing and Insights is "made aware ... of the outcome of each stage"
        let opened = try #require(ev.intent(2, "opened", "service-manager"))
        #expect(opened.copy.sorted() == ["iro-service-manager", "team-manager"])
        #expect(opened.reason == "Stage 2 due Thu 12 Nov 2026, 3 working days left: opened: notice to service-manager")
        // Nothing of it was due the Friday evening
        #expect(try world.due(d, at: "2026-11-06 18:00").filter { $0.contains("breach") }.isEmpty)
    }

    // MARK: - After downtime: every stage breached is still alerted, once

    /// Poll schedules between the raising (Mon 2 Nov 10:00) and Mon 16 Nov 10:00, when the DRP is at stage 3.
    static let pollSchedules: [(label: String, polls: [String])] = [
        ("daily at 10:00", (2...16).map { String(format: "2026-11-%02d 10:00", $0) }),
        ("every working day at 08:30 and 17:00", (2...16).filter { ![7, 8, 14, 15].contains($0) }
            .flatMap { [String(format: "2026-11-%02d 08:30", $0), String(format: "2026-11-%02d 17:00", $0)] } + ["2026-11-16 10:00"]),
        ("down from Fri 6 Nov to Mon 16 Nov", ["2026-11-02 10:00", "2026-11-06 10:00", "2026-11-16 10:00"]),
        ("only once, at the end", ["2026-11-16 10:00"]),
    ]

    @Test(arguments: pollSchedules)
    func breachAlertsOfEveryStageBreachedAreIssuedWhateverThePollTimes(label: String, polls: [String]) throws {
        // Given a DRP raised Mon 2 Nov 10:00 and never answered: stage 1 ran out Fri 6 Nov, stage 2 Thu 12 Nov
        let d = try world.raise(at: "2026-11-02 10:00")
        // When the daemon polls only at these times
        var issued = Set<String>()
        for t in polls { issued.formUnion(try world.due(d, at: t)) }
        // Then both breaches are alerted, each to the stage's owner and the next stage's owner
        let breaches = issued.filter { $0.contains("/breach/") }
        #expect(breaches == Set([
            "DR-1/s1/breach/team-manager", "DR-1/s1/breach/service-manager",
            "DR-1/s2/breach/service-manager", "DR-1/s2/breach/head-of-service",
        ]), "\(label)")
    }

    @Test func aLatePollIssuesEachMissedBreachOnceButNotTheOpeningsOfStagesAlreadyOver() throws {
        let d = try world.raise(at: "2026-11-02 10:00")
        // When the only poll is Mon 16 Nov 10:00 (stage 3, due Wed 18 Nov)
        let ev = try world.look(d, at: "2026-11-16 10:00")
        #expect(ev.stage == 3 && ev.derivedEscalations == [2, 3])
        // Then the breaches of stages 1 and 2 and the opening of stage 3 are due, nothing of stages 1 and 2 else
        #expect(Set(ev.intents.map(\.identity)) == [
            "DR-1/s1/breach/team-manager", "DR-1/s1/breach/service-manager",
            "DR-1/s2/breach/service-manager", "DR-1/s2/breach/head-of-service",
            "DR-1/s3/opened/head-of-service",
        ])
        // each with the moment it became due and the deadline it missed
        let first = try #require(ev.intent(1, "breach", "team-manager"))
        #expect(first.trigger == London.at("2026-11-09 08:30"))
        #expect(first.copy == ["social-worker"])
        #expect(first.reason == "Stage 1 due Fri 6 Nov 2026, 1 working day overdue: deadline passed: breach alert to team-manager")
        #expect(ev.intent(2, "breach", "service-manager")?.trigger == London.at("2026-11-13 08:30"))
        // and the same poll run again gives the same intents
        #expect(try world.look(d, at: "2026-11-16 10:00").intents == ev.intents)
    }

    @Test func aBreachRecordedBeforeAManualEscalationStaysDueUntilTheRecordIsClosed() throws {
        // Given a complaint whose first level ran out Mon 16 Nov (alert only: it stays put), escalated by the
        // complainant on Wed 18 Nov
        var c = try world.raise(.complaint, ref: "CMP-9", at: "2026-11-02 10:00", by: "social-worker")
        c = try world.record(.escalated(toStage: 2, reason: nil), at: "2026-11-18 11:00", by: "social-worker", on: c)
        // When the daemon was down from Fri 13 Nov to Thu 19 Nov
        let ev = try world.look(c, at: "2026-11-19 09:00")
        // Then the first level's breach alerts are still issued, with the second level's opening
        #expect(Set(ev.intents.filter { $0.stage == 1 }.map(\.identity)) == [
            "CMP-9/s1/breach/iro-service-manager", "CMP-9/s1/breach/head-of-service-safeguarding",
        ])
        #expect(ev.intent(2, "opened", "head-of-service-safeguarding") != nil)
        // and once it is resolved nothing is due any more but the closing notice to the complainant
        // (resolved by someone else; a complaint has no watchers)
        c = try world.record(.resolved(outcome: "upheld"), at: "2026-11-20 10:00", by: "head-of-service-safeguarding", on: c)
        #expect(try world.look(c, at: "2026-11-20 11:00").intents.map(\.identity) == ["CMP-9/s2/resolved/social-worker"])
    }

    @Test func statutoryTotalWarnsThenBreachesAtCloseOfBusinessOnTheTwentiethWorkingDay() throws {
        let d = try world.raise(at: "2026-11-02 10:00")
        // 5 working days left on Mon 23 Nov, 2 on Thu 26 Nov: urgent, at the start of the day
        let warn = try world.look(d, at: "2026-11-23 00:00")
        #expect(warn.intent(0, "statutory-warning-5wd", "iro-service-manager")?.urgency == .urgent)
        #expect(warn.intent(0, "statutory-warning-5wd", "head-of-service-safeguarding") != nil)
        #expect(warn.state == .statutoryAtRisk)
        #expect(try world.look(d, at: "2026-11-26 00:00").intent(0, "statutory-warning-2wd", "iro-service-manager") != nil)
        // Not breached at 16:59 on Mon 30 Nov, breached at 17:00
        #expect(try world.look(d, at: "2026-11-30 16:59").state != .statutoryBreached)
        let late = try world.look(d, at: "2026-11-30 17:00")
        #expect(late.state == .statutoryBreached)
        #expect(Set(late.intents.filter { $0.event == .statutoryBreach }.map(\.role))
                == ["iro-service-manager", "head-of-service-safeguarding", "director-of-childrens-services"])
    }

    @Test func resolvedAtStageThreeStopsEverything() throws {
        var d = try world.raise(at: "2026-11-02 10:00")
        d = try world.record(.escalated(toStage: 2, reason: nil), at: "2026-11-05 15:00", by: "iro", on: d)
        d = try world.record(.escalated(toStage: 3, reason: nil), at: "2026-11-09 11:00", by: "iro", on: d)
        // Stage 3 began Mon 9 Nov: due Fri 13 Nov
        #expect(try world.look(d, at: "2026-11-09 12:00").stageDeadlineDay == London.day("2026-11-13"))
        d = try world.record(.resolved(outcome: "placement move halted"), at: "2026-11-12 16:00", by: "iro", on: d)
        let ev = try world.look(d, at: "2026-11-30 18:00")
        #expect(ev.state == .resolved)
        // Nothing more is due but the resolution, told to the Service Manager for Reviewing and Insights
        // ("made aware ... when it has been resolved"); the IRO resolved it, so the IRO is not told.
        #expect(ev.intents.map(\.identity) == ["DR-1/s3/resolved/iro-service-manager"])
        #expect(world.refusal(.escalated(toStage: 4, reason: nil), at: "2026-11-13 10:00", by: "iro", on: d)
            == "DR-1 is resolved; a resolved record cannot be escalated (raise a new one)")
    }

    // MARK: - Christmas 2026: Fri 25 Dec and Mon 28 Dec (substitute Boxing Day), Fri 1 Jan

    static let christmas: [(now: String, stage: Int, due: String)] = [
        ("2026-12-14 10:00", 1, "2026-12-18"),
        ("2026-12-21 09:00", 2, "2026-12-24"),     // Mon 21 .. Thu 24
        ("2026-12-29 09:00", 3, "2027-01-04"),     // Tue 29, Wed 30, Thu 31, Mon 4 Jan
        ("2027-01-05 09:00", 4, "2027-01-08"),
        ("2027-01-11 09:00", 5, "2027-01-14"),
    ]

    @Test(arguments: christmas)
    func stageDeadlinesSkipChristmasBoxingDaySubstituteAndNewYear(now: String, stage: Int, due: String) throws {
        let d = try world.raise(at: "2026-12-14 10:00")
        let ev = try world.look(d, at: now)
        #expect(ev.stage == stage)
        #expect(ev.stageDeadlineDay == London.day(due))
        #expect(ev.statutoryDeadlineDay == London.day("2027-01-14"))
    }

    // MARK: - One progressive step, unless there is risk: then a reason, and the SM R&I is told

    @Test func raisingAboveStageOneWithoutAReasonIsRefused() throws {
        let refusal = world.refusal { try world.raise(at: "2026-11-02 10:00", stage: 3) }
        #expect(refusal?.contains("needs a reason") == true)
    }

    @Test func raisingAtStageThreeForRiskTellsTheServiceManagerForReviewingAndInsights() throws {
        let d = try world.raise(at: "2026-11-02 10:00", stage: 3, reason: "risk of significant harm: unsafe placement move")
        let ev = try world.look(d, at: "2026-11-02 10:00")
        #expect(ev.intent(3, "bypass", "iro-service-manager")?.trigger == London.at("2026-11-02 10:00"))
        #expect(ev.intent(3, "opened", "head-of-service") != nil)
        // Stage 3 takes 4 working days from the raising
        #expect(ev.stageDeadlineDay == London.day("2026-11-06"))
    }

    @Test func escalatingOneStepNeedsNoReasonAndIsNoBypass() throws {
        var d = try world.raise(at: "2026-11-02 10:00")
        d = try world.record(.escalated(toStage: 2, reason: nil), at: "2026-11-03 10:00", by: "iro", on: d)
        #expect(try world.due(d, at: "2026-11-03 10:00").filter { $0.contains("bypass") }.isEmpty)
    }

    @Test func escalatingTwoStepsNeedsAReasonAndThenTellsTheServiceManagerForReviewingAndInsights() throws {
        let d = try world.raise(at: "2026-11-02 10:00")
        let refusal = world.refusal(.escalated(toStage: 3, reason: nil), at: "2026-11-03 10:00", by: "iro", on: d)
        #expect(refusal?.contains("needs a reason") == true)
        let moved = try world.record(.escalated(toStage: 3, reason: "child at risk of significant harm"), at: "2026-11-03 10:00",
                                     by: "iro", on: d)
        #expect(try world.due(moved, at: "2026-11-03 10:00").contains("DR-1/s3/bypass/iro-service-manager"))
    }

    // MARK: - Who can initiate a DRP and when

    static let initiators: [(role: String, stage: Int, allowed: Bool)] = [
        ("iro", 6, true),              // "IROs can raise DRPs up to stage 6, for children in our care"
        ("iro-cp-cin", 5, true),       // "up to stage 5 for children ... on a child protection or child in need plan"
        ("iro-cp-cin", 6, false),
        ("firo", 5, true),             // "up to stage 5 where it relates to an annual review of one of our carers"
        ("firo", 6, false),
        ("qa-manager", 5, true),
        ("qa-manager", 6, false),
        ("lado", 5, true),
        ("lado", 6, false),
        ("social-worker", 1, false),   // not an initiator of a DRP
        ("team-manager", 1, false),
    ]

    @Test(arguments: initiators)
    func initiatorMayRaiseUpToTheirStageOnly(role: String, stage: Int, allowed: Bool) {
        // Given a reason for skipping stages (so that only the initiator limit decides)
        let refusal = world.refusal {
            try world.raise(at: "2026-11-02 10:00", stage: stage, by: role, reason: "risk of significant harm")
        }
        #expect((refusal == nil) == allowed, "\(role) at stage \(stage): \(refusal ?? "accepted")")
        if !allowed, role != "social-worker", role != "team-manager" {
            #expect(refusal?.contains("up to stage 5 only") == true)
        }
    }

    @Test func initiatorCannotEscalateBeyondTheirLimitEither() throws {
        // Given a LADO's DRP at stage 5
        let d = try world.raise(at: "2026-11-02 10:00", stage: 5, by: "lado", reason: "allegation against a professional, child at risk")
        // When the LADO takes it to stage 6, Then it is refused; and so it is for an IRO: the DRP's own
        // initiator (the LADO) bounds it, whoever escalates (issue 11: limits cannot be got round)
        let refusal = world.refusal(.escalated(toStage: 6, reason: nil), at: "2026-11-03 10:00", by: "lado", on: d)
        #expect(refusal?.contains("lado may escalate up to stage 5 only") == true)
        #expect(world.refusal(.escalated(toStage: 6, reason: nil), at: "2026-11-03 10:00", by: "iro", on: d)
            == "DR-1 was raised by lado, who may take a formal up to stage 5 only under six-stage-drp; it cannot be escalated to stage 6")
    }

    static let limitedInitiators: [(role: String, limit: Int)] = [
        ("iro-cp-cin", 5), ("firo", 5), ("qa-manager", 5), ("lado", 5), ("iro", 6),
    ]

    @Test(arguments: limitedInitiators)
    func aBreachDoesNotEscalateAboveTheInitiatorsLimit(role: String, limit: Int) throws {
        // Given a DRP raised at stage 1 by the role and never answered (stage 5 runs out Mon 30 Nov 17:00)
        let d = try world.raise(at: "2026-11-02 10:00", by: role)
        // When we look a week after stage 5 ran out
        let ev = try world.look(d, at: "2026-12-07 10:00")
        // Then it went up to the role's limit, and no further
        #expect(ev.stage == limit, "\(role)")
        #expect(ev.derivedEscalations == Array(2...limit))
        #expect(!ev.intents.contains { $0.stage > limit })
    }

    @Test func atTheInitiatorsLimitABreachAlertsTheOwnerAndTheBreachRolesInsteadOfEscalating() throws {
        // Given a DRP raised by an IRO for a child on a child protection plan (up to stage 5 only)
        let d = try world.raise(at: "2026-11-02 10:00", by: "iro-cp-cin")
        // Stage 5 (Tue 24 Nov .. Mon 30 Nov) is the last one it may reach: nothing says it will move on
        let before = try world.look(d, at: "2026-11-30 10:00")
        #expect(before.stage == 5)
        #expect(before.nextWakeUp == London.at("2026-11-30 17:00"))   // the statutory breach, not an escalation
        // When stage 5 runs out, Then it stays at stage 5, overdue, and its breach is alerted at the next send time
        let after = try world.look(d, at: "2026-12-01 08:30")
        #expect(after.stage == 5 && after.owner == "director-of-childrens-services")
        #expect(after.stageDeadlineDay == London.day("2026-11-30"))
        #expect(after.stageWorkingDaysLeft == -1)
        let alerts = after.intents.filter { $0.stage == 5 && $0.event == .breach }
        #expect(Set(alerts.map(\.role)) == ["director-of-childrens-services", "chief-executive"])
        #expect(alerts.allSatisfy { $0.trigger == London.at("2026-12-01 08:30") })
        #expect(after.intent(6, "opened", "chief-executive") == nil)
        // and the alert stays due while the record stays open
        #expect(try world.due(d, at: "2026-12-10 10:00").contains("DR-1/s5/breach/director-of-childrens-services"))
    }

    // MARK: - Timescale exceptions: more time, never past the 20 working days; no pauses

    @Test func extensionConfirmedByTheServiceManagerForReviewingAndInsightsMovesTheStageDeadline() throws {
        var d = try world.raise(at: "2026-11-02 10:00")
        d = try world.record(.extended(workingDays: 2, agreedBy: PresetWorld.actor("iro-service-manager")),
                             at: "2026-11-04 10:00", by: "iro-service-manager", on: d)
        #expect(try world.look(d, at: "2026-11-04 11:00").stageDeadlineDay == London.day("2026-11-10"))
    }

    @Test func eachExtensionIsToldToTheHeadOfAdolescentsAndSafeguarding() throws {
        // "... who will then confirm the delay is warranted with the Head of Adolescents and Safeguarding"
        var d = try world.raise(at: "2026-11-02 10:00")
        d = try world.record(.extended(workingDays: 1, agreedBy: PresetWorld.actor("iro-service-manager")),
                             at: "2026-11-04 10:00", by: "iro-service-manager", on: d)
        let first = try #require(try world.look(d, at: "2026-11-04 10:00").intent(1, "extended", "head-of-service-safeguarding"))
        #expect(first.trigger == London.at("2026-11-04 10:00") && first.urgency == .routine)
        #expect(first.reason == "Stage 1 extension agreed: notice to head-of-service-safeguarding")
        d = try world.record(.extended(workingDays: 1, agreedBy: PresetWorld.actor("iro-service-manager")),
                             at: "2026-11-05 10:00", by: "iro-service-manager", on: d)
        // A second extension is a second notice; polling every half hour issues each once
        let told = try world.issued(d, from: "2026-11-02 10:00", to: "2026-11-06 10:00").filter { $0.contains("extended") }
        #expect(told == Set(["DR-1/s1/extended/head-of-service-safeguarding", "DR-1/s1/extended-2/head-of-service-safeguarding"]))
    }

    @Test func extensionAgreedByTheIROAloneIsRefused() throws {
        let d = try world.raise(at: "2026-11-02 10:00")
        let refusal = world.refusal(.extended(workingDays: 2, agreedBy: PresetWorld.actor("iro")), at: "2026-11-04 10:00", on: d)
        #expect(refusal?.contains("must be agreed by iro-service-manager") == true)
    }

    @Test func extensionPastTheTwentyWorkingDaysIsRefused() throws {
        // Given a DRP that reached stage 5 on Tue 24 Nov, whose deadline is the 20th working day (Mon 30 Nov)
        let d = try world.raise(at: "2026-11-02 10:00")
        #expect(try world.look(d, at: "2026-11-25 10:00").stage == 5)
        // When one more working day is asked, Then it is refused: "the 20 working day timescale cannot be exceeded"
        let refusal = world.refusal(.extended(workingDays: 1, agreedBy: PresetWorld.actor("iro-service-manager")),
                                    at: "2026-11-25 10:00", on: d)
        #expect(refusal?.contains("past the statutory total on Mon 30 Nov 2026") == true)
    }

    @Test func pauseIsRefused() throws {
        let d = try world.raise(at: "2026-11-02 10:00")
        let refusal = world.refusal(.paused(approvedBy: PresetWorld.actor("head-of-service-safeguarding"), reason: "holiday"),
                                    at: "2026-11-03 10:00", on: d)
        #expect(refusal == "six-stage-drp does not allow pauses")
    }

    // MARK: - CAFCASS, repeats, the informal meeting

    @Test func cafcassReferralAlertsTheServiceManagerForReviewingAndInsightsAndTheHeadOfAdolescentsAndSafeguarding() throws {
        var d = try world.raise(at: "2026-11-02 10:00")
        // "will always consult ... before making a referral to CAFCASS": the intention is recorded first.
        d = try world.record(.cafcassIntended(reason: "urgent: plan to move the child"), at: "2026-11-03 13:00", by: "iro", on: d)
        d = try world.record(.cafcassReferral, at: "2026-11-03 14:00", by: "iro", on: d)
        let ev = try world.look(d, at: "2026-11-03 14:00")
        let alerts = ev.intents.filter { $0.event.name == "cafcass-referral" }
        #expect(Set(alerts.map(\.identity)) == ["DR-1/s1/cafcass-referral/iro-service-manager",
                                                 "DR-1/s1/cafcass-referral/head-of-service-safeguarding"])
        #expect(alerts.allSatisfy { $0.urgency == .urgent })
    }

    @Test func secondDRPForTheSameChildAlertsTheServiceManagerForReviewingAndInsights() throws {
        let d = try world.raise(ref: "DR-2", at: "2026-11-02 10:00", child: "C-77")
        #expect(try world.due(d, at: "2026-11-02 10:00", earlierForChild: 1).contains("DR-2/s1/repeat/iro-service-manager"))
        #expect(try !world.due(d, at: "2026-11-02 10:00", earlierForChild: 0).contains("DR-2/s1/repeat/iro-service-manager"))
    }

    @Test func informalMeetingIsDueWithinFiveWorkingDaysAndAlertsTheIROWhenMissed() throws {
        let d = try world.raise(.qopAlert, ref: "INF-1", at: "2026-11-02 10:00")
        let ev = try world.look(d, at: "2026-11-02 10:00")
        #expect(ev.stageDeadlineDay == London.day("2026-11-09"))
        #expect(ev.intent(1, "opened", "team-manager")?.copy == ["social-worker"])
        let late = try world.look(d, at: "2026-11-10 08:30")
        #expect(late.stage == 1)
        #expect(late.intent(1, "breach", "iro") != nil)
    }

    // MARK: - Complaints about the IRO service: 10 working days, then 10 more

    @Test func complaintIsAnsweredInTenWorkingDaysThenTenMoreAtTheNextLevel() throws {
        // Given a complaint raised Mon 2 Nov 10:00 by a social worker
        var c = try world.raise(.complaint, ref: "CMP-1", at: "2026-11-02 10:00", by: "social-worker")
        let first = try world.look(c, at: "2026-11-02 10:00")
        #expect(first.owner == "iro-service-manager")
        #expect(first.stageDeadlineDay == London.day("2026-11-16"))
        #expect(first.statutoryDeadline == nil)
        // When the answer is late, Then the owner and the Head are alerted on Tue 17 Nov at 08:30, and it stays put
        let late = try world.look(c, at: "2026-11-17 08:30")
        #expect(late.stage == 1)
        #expect(late.state == .overdue)
        #expect(Set(late.intents.filter { $0.event == .breach }.map(\.role)) == ["iro-service-manager", "head-of-service-safeguarding"])
        // When the complainant escalates on Wed 18 Nov, Then the Head responds within 10 working days: Wed 2 Dec
        c = try world.record(.escalated(toStage: 2, reason: nil), at: "2026-11-18 11:00", by: "social-worker", on: c)
        let second = try world.look(c, at: "2026-11-18 11:00")
        #expect(second.owner == "head-of-service-safeguarding")
        #expect(second.stageDeadlineDay == London.day("2026-12-02"))
        #expect(second.intent(2, "opened", "head-of-service-safeguarding")?.copy == ["iro-service-manager"])
        c = try world.record(.resolved(outcome: "upheld in part"), at: "2026-12-01 12:00", by: "head-of-service-safeguarding", on: c)
        #expect(try world.look(c, at: "2026-12-03 09:00").state == .resolved)
    }

    @Test func complaintSecondLevelSkipsChristmas() throws {
        var c = try world.raise(.complaint, ref: "CMP-2", at: "2026-12-04 10:00", by: "iro-service-manager")
        #expect(try world.look(c, at: "2026-12-04 10:00").stageDeadlineDay == London.day("2026-12-18"))
        c = try world.record(.escalated(toStage: 2, reason: nil), at: "2026-12-18 12:00", by: "iro-service-manager", on: c)
        // Mon 21 .. Thu 24 (4), Tue 29 .. Thu 31 (7), Mon 4 .. Wed 6 Jan (10)
        #expect(try world.look(c, at: "2026-12-18 12:00").stageDeadlineDay == London.day("2027-01-06"))
    }

    static let complainants = ["iro", "iro-cp-cin", "social-worker", "team-manager", "iro-service-manager", "qa-manager"]

    @Test(arguments: complainants)
    func aComplaintIsNotLimitedByWhoMayInitiateADRP(role: String) throws {
        // "Who can initiate a DRP" limits DRPs ([[initiator]] rows of kinds formal and qop-alert) only:
        // a complaint about the IRO service may come from anyone working with the child
        var c = try world.raise(.complaint, ref: "CMP-3", at: "2026-11-02 10:00", by: role)
        c = try world.record(.escalated(toStage: 2, reason: nil), at: "2026-11-17 10:00", by: role, on: c)
        #expect(try world.look(c, at: "2026-11-17 10:00").stage == 2)
    }
}
