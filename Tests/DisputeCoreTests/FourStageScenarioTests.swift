import Foundation
import Testing
import WorkingDays
@testable import DisputeCore

// Scenarios written from procedures/four-stage-iro-dispute-resolution.txt.
// Calendar: Mon 2 Nov 2026 opens; no bank holidays in November, so these pass on the
// weekends-only calendar too. close_of_business 17:00, send_time 08:30.

/// True once the WorkingDays calendar knows bank holidays (issue 2), not only weekends.
let calendarKnowsBankHolidays: Bool = {
    guard let cal = try? WorkingCalendar(division: .englandAndWales) else { return false }
    return (try? cal.isWorkingDay(LocalDate(iso: "2026-12-25")!)) == false
}()

@Suite("four-stage: a formal dispute's life")
struct FourStageScenarioTests {
    let policy: Policy
    let engine: Engine
    init() throws { policy = try preset("four-stage"); engine = try DisputeCoreTests.engine(policy) }

    @Test func stageOneIsDueAtCloseOfBusinessFiveWorkingDaysAfterRaisingWithTwentyDayStatutoryTotal() throws {
        // Given a formal dispute raised by the IRO on Mon 2 Nov 2026 at 10:00
        let d = record(opened: "2026-11-02 10:00")
        // When evaluated straight away
        let ev = try engine.evaluate(d, now: at("2026-11-02 10:05"))
        // Then stage 1 (Team Manager) is due Mon 9 Nov 17:00 and the statutory total Mon 30 Nov 17:00
        #expect(ev.stage == 1 && ev.owner == "team-manager")
        #expect(ev.stageDeadline == at("2026-11-09 17:00"))
        #expect(ev.stageWorkingDaysLeft == 5)
        #expect(ev.statutoryDeadline == at("2026-11-30 17:00"))
        #expect(ev.statutoryWorkingDaysLeft == 20)
        #expect(ev.state == .onTrack)
        #expect(ev.intents.map(\.identity) == ["DR-1/s1/opened/team-manager"])
        #expect(ev.intents[0].copy == ["iro"])
        #expect(ev.nextWakeUp == at("2026-11-05 08:30"))
    }

    @Test func ownerIsRemindedTwoWorkingDaysBeforeAndOnTheDueDayAtSendTime() throws {
        let d = record(opened: "2026-11-02 10:00")
        let thu = try engine.evaluate(d, now: at("2026-11-05 08:30"))
        #expect(thu.intents.map(\.identity).contains("DR-1/s1/reminder-2wd/team-manager"))
        #expect(thu.state == .dueSoon)
        let r = thu.intents.first { $0.event == .reminderWorkingDays(2) }!
        #expect(r.reason == "Stage 1 due Mon 9 Nov 2026, 2 working days left: reminder to team-manager")
        #expect(r.urgency == .routine)
        let mon = try engine.evaluate(d, now: at("2026-11-09 09:00"))
        #expect(mon.state == .dueToday)
        #expect(mon.intents.map(\.identity).contains("DR-1/s1/reminder-0wd/team-manager"))
        // after downtime only the latest reminder of the stage is due
        #expect(!mon.intents.map(\.identity).contains("DR-1/s1/reminder-2wd/team-manager"))
    }

    @Test func breachEscalatesToStageTwoAndAlertsBothOwnersNextMorning() throws {
        let d = record(opened: "2026-11-02 10:00")
        // Given stage 1 ran out at Mon 9 Nov 17:00
        let evening = try engine.evaluate(d, now: at("2026-11-09 18:00"))
        #expect(evening.stage == 2 && evening.owner == "service-manager")
        #expect(evening.derivedEscalations == [2])
        #expect(evening.stageDeadline == at("2026-11-16 17:00"))   // within 5 days of the conclusion of stage 1
        #expect(evening.intents.isEmpty)                           // routine: waits for send time
        #expect(evening.nextWakeUp == at("2026-11-10 08:30"))
        let morning = try engine.evaluate(d, now: at("2026-11-10 08:30"))
        #expect(Set(morning.intents.map(\.identity)) == [
            "DR-1/s1/breach/team-manager", "DR-1/s1/breach/service-manager", "DR-1/s2/opened/service-manager",
        ])
    }

    @Test func wholeLifeFromRaisingToResolutionSendsEachNoticeOnce() throws {
        // Given a dispute that breaches stage 1, then is resolved at stage 2
        let d = try engine.applying(record(opened: "2026-11-02 10:00"), [
            ("2026-11-12 11:00", .resolved(outcome: "plan updated"), "iro-service-manager"),
        ])
        // When polled every 10 minutes over its life
        let seen = try engine.identities(d, polls: polls(from: "2026-11-02 10:00", to: "2026-12-10 10:00", everyMinutes: 10))
        // Then these, and only these, are issued
        #expect(seen == [
            "DR-1/s1/opened/team-manager", "DR-1/s1/reminder-2wd/team-manager", "DR-1/s1/reminder-0wd/team-manager",
            "DR-1/s1/breach/team-manager", "DR-1/s1/breach/service-manager", "DR-1/s2/opened/service-manager",
            "DR-1/s2/reminder-2wd/service-manager",
            // resolved by the IRO Service Manager, not the IRO who raised it: the IRO is told
            "DR-1/s2/resolved/iro",
        ])
        #expect(try engine.evaluate(d, now: at("2026-11-13 09:00")).state == .resolved)
    }

    @Test func stageFourBreachAlertsTheDirectorOfChildrensServicesAndStatutoryBreachIsUrgent() throws {
        let d = record(opened: "2026-11-02 10:00")
        // Derived: s2 due 16 Nov, s3 due 23 Nov, s4 due 30 Nov (= statutory)
        let ev = try engine.evaluate(d, now: at("2026-11-30 16:59"))
        #expect(ev.stage == 4 && ev.owner == "service-director")
        let atTotal = try engine.evaluate(d, now: at("2026-11-30 17:00"))
        // At 17:00 Stage 4 runs out: the written adjudication (stage 5, also the Service Director's) follows.
        #expect(atTotal.stage == 5 && atTotal.owner == "service-director")
        #expect(atTotal.state == .statutoryBreached)
        let ids = Set(atTotal.intents.map(\.identity))
        #expect(ids.isSuperset(of: ["DR-1/s0/statutory-breach/head-of-service-safeguarding", "DR-1/s0/statutory-breach/service-director",
                                    "DR-1/s0/statutory-breach/director-of-childrens-services"]))
        #expect(atTotal.intents.filter { $0.event == .statutoryBreach }.allSatisfy { $0.urgency == .urgent })
        let next = try engine.evaluate(d, now: at("2026-12-01 08:30"))
        #expect(Set(next.intents.map(\.identity)).isSuperset(of: [
            "DR-1/s4/breach/service-director", "DR-1/s4/breach/director-of-childrens-services", "DR-1/s4/breach/head-of-service-safeguarding",
        ]))
        #expect(next.stage == 5 && next.intent(5, "opened", "service-director") != nil)   // then the adjudication
    }

    @Test func statutoryTotalWarnsFiveAndTwoWorkingDaysBefore() throws {
        let d = record(opened: "2026-11-02 10:00")
        let ev = try engine.evaluate(d, now: at("2026-11-23 00:00"))   // 5 working days before Mon 30 Nov
        #expect(ev.state == .statutoryAtRisk)   // stage 3 is not yet due (Mon 23 Nov 17:00)
        #expect(ev.intents.map(\.identity).contains("DR-1/s0/statutory-warning-5wd/head-of-service-safeguarding"))
        let w = ev.intents.first { $0.identity == "DR-1/s0/statutory-warning-5wd/iro-service-manager" }!
        #expect(w.urgency == .urgent)
        #expect(w.reason == "Statutory total due Mon 30 Nov 2026, 5 working days left: statutory total at risk: warning to iro-service-manager")
    }

    @Test func pauseStopsBothClocksAndNeedsTheHeadOfServiceSafeguarding() throws {
        let d = record(opened: "2026-11-02 10:00")
        // A Team Manager cannot agree a pause
        #expect(throws: DomainError(field: .approvedBy, "a pause needs the agreement of head-of-service-safeguarding, not team-manager; give \(Field.approvedBy.mark) head-of-service-safeguarding:EMAIL")) {
            try engine.apply(DisputeEvent(at: at("2026-11-04 12:00"), by: actor("iro"),
                                          change: .paused(approvedBy: actor("team-manager"), reason: "court directions")), to: d)
        }
        // Given a pause Wed 4 Nov 12:00 to Mon 9 Nov 09:00 agreed by the HoS Safeguarding
        let paused = try engine.applying(d, [("2026-11-04 12:00", .paused(approvedBy: actor("head-of-service-safeguarding"), reason: "court directions"), "iro")])
        let during = try engine.evaluate(paused, now: at("2026-11-05 09:00"))
        #expect(during.state == .paused)
        #expect(!during.intents.contains { $0.event == .reminderWorkingDays(2) })
        let resumed = try engine.applying(paused, [("2026-11-09 09:00", .resumed, "iro")])
        let ev = try engine.evaluate(resumed, now: at("2026-11-09 09:00"))
        // Then Thu, Fri, Mon (3 working days) are added to the stage and the statutory total
        #expect(ev.stageDeadline == at("2026-11-12 17:00"))
        #expect(ev.statutoryDeadline == at("2026-12-03 17:00"))
        // Resuming twice is refused
        #expect(throws: DomainError("DR-1 is not paused; there is nothing to resume")) {
            try engine.apply(DisputeEvent(at: at("2026-11-09 10:00"), change: .resumed), to: resumed)
        }
    }

    @Test func extensionPastTheTwentyWorkingDaysIsRefusedAndAShorterOneIsApplied() throws {
        let d = record(opened: "2026-11-02 10:00")
        let tooLong = DisputeEvent(at: at("2026-11-03 10:00"), by: actor("team-manager"), change: .extended(workingDays: 20, agreedBy: actor("iro")))
        #expect {
            try engine.apply(tooLong, to: d)
        } throws: { error in
            "\(error)".contains("past the statutory total on Mon 30 Nov 2026")
        }
        let notIRO = DisputeEvent(at: at("2026-11-03 10:00"), change: .extended(workingDays: 2, agreedBy: actor("team-manager")))
        #expect(throws: DomainError(field: .agreedBy, "an extension must be agreed by iro, not team-manager; give \(Field.agreedBy.mark) iro:EMAIL")) {
            try engine.apply(notIRO, to: d)
        }
        let ok = try engine.applying(d, [("2026-11-03 10:00", .extended(workingDays: 3, agreedBy: actor("iro")), "team-manager")])
        #expect(try engine.evaluate(ok, now: at("2026-11-03 10:00")).stageDeadline == at("2026-11-12 17:00"))
    }

    @Test func bypassToStageThreeNeedsAReasonAndNotifiesTheIROServiceManager() throws {
        // "immediately raised with the Head of Service - Safeguarding"
        let noReason = record(stage: 3, opened: "2026-11-02 10:00")
        #expect(throws: DomainError(field: .reason, "going from raising to stage 3 skips stages; four-stage needs a reason for that (\(Field.reason.mark) \"...\")")) {
            try engine.validate(opening: noReason)
        }
        let d = record(stage: 3, opened: "2026-11-02 10:00", openingReason: "risk of significant harm")
        try engine.validate(opening: d)
        let ev = try engine.evaluate(d, now: at("2026-11-02 10:00"))
        #expect(ev.owner == "head-of-service")
        #expect(Set(ev.intents.map(\.identity)) == [
            "DR-1/s3/opened/head-of-service", "DR-1/s3/bypass/iro-service-manager", "DR-1/s3/bypass/head-of-service-safeguarding",
        ])
        // Escalating 1 -> 4 without a reason is refused; 1 -> 2 is fine
        let s1 = record(opened: "2026-11-02 10:00")
        #expect(throws: DomainError(field: .reason, "going from stage 1 to stage 4 skips stages; four-stage needs a reason for that (\(Field.reason.mark) \"...\")")) {
            try engine.apply(DisputeEvent(at: at("2026-11-03 10:00"), by: actor("iro"), change: .escalated(toStage: 4, reason: nil)), to: s1)
        }
        _ = try engine.apply(DisputeEvent(at: at("2026-11-03 10:00"), by: actor("iro"), change: .escalated(toStage: 2, reason: nil)), to: s1)
    }

    @Test func repeatQualityOfPracticeAlertForTheSameChildNotifiesTheServiceManager() throws {
        let d = record(.qopAlert, ref: "QA-2", opened: "2026-11-02 10:00")
        let first = try engine.evaluate(d, context: EngineContext(earlierRecordsForChild: 0), now: at("2026-11-02 10:00"))
        #expect(first.intents.map(\.identity) == ["QA-2/s1/opened/team-manager"])
        #expect(first.intents[0].copy == ["social-worker"])
        let repeatAlert = try engine.evaluate(d, context: EngineContext(earlierRecordsForChild: 1), now: at("2026-11-02 10:00"))
        #expect(Set(repeatAlert.intents.map(\.identity)) == ["QA-2/s1/opened/team-manager", "QA-2/s1/repeat/service-manager"])
        // A breach only alerts (the IRO decides whether to go formal)
        let late = try engine.evaluate(d, now: at("2026-11-10 08:30"))
        #expect(late.state == .overdue && late.stage == 1)
        #expect(Set(late.intents.map(\.identity)).isSuperset(of: ["QA-2/s1/breach/team-manager", "QA-2/s1/breach/iro"]))
    }

    @Test func alertAboutTheTeamManagerGoesToTheServiceManager() throws {
        let d = record(.qopAlert, ref: "QA-3", opened: "2026-11-02 10:00", concernsOwner: true)
        #expect(try engine.evaluate(d, now: at("2026-11-02 10:00")).owner == "service-manager")
    }

    @Test func cafcassReferralAlertsTheHeadOfServiceSafeguardingAtOnce() throws {
        // "must alert the Head of Service - Safeguarding before making a referral": the intention first.
        let d = try engine.applying(record(opened: "2026-11-02 10:00"), [("2026-11-04 14:00", .cafcassIntended(reason: "risk of harm"), "iro"),
                                                                         ("2026-11-04 15:00", .cafcassReferral, "iro")])
        let ev = try engine.evaluate(d, now: at("2026-11-04 15:00"))
        let alert = ev.intents.first { $0.event == .cafcassReferral(1) }
        #expect(alert?.identity == "DR-1/s1/cafcass-referral/head-of-service-safeguarding")
        #expect(alert?.urgency == .urgent)
    }

    @Test func goodPracticeNotificationGoesToSocialWorkerTeamManagerServiceManagerWithACopyForRecords() throws {
        let d = record(.goodPractice, ref: "GP-1", opened: "2026-11-02 10:00")
        try engine.validate(opening: d)
        let ev = try engine.evaluate(d, now: at("2026-11-02 10:00"))
        #expect(ev.intents.map(\.identity) == ["GP-1/s0/good-practice/social-worker", "GP-1/s0/good-practice/team-manager", "GP-1/s0/good-practice/service-manager"])
        #expect(ev.intents[0].copy == ["cpp-records"])
        #expect(ev.stageDeadline == nil && ev.statutoryDeadline == nil)
    }

    @Test func collectiveDisputeIsUpdatedByTheHeadOfServiceSafeguardingWithinFiveWorkingDays() throws {
        let d = record(.collective, ref: "CD-1", opened: "2026-11-02 10:00")
        let ev = try engine.evaluate(d, now: at("2026-11-02 10:00"))
        #expect(ev.owner == "head-of-service-safeguarding")
        #expect(ev.stageDeadline == at("2026-11-09 17:00"))
        #expect(ev.statutoryDeadline == nil)
    }

    static let refusals: [(String, DisputeEvent.Change, String)] = [
        ("2026-11-01 10:00", .note("before opening"), "before the record's last event"),
        ("2026-11-03 10:00", .escalated(toStage: 9, reason: "x"), "stage 9 does not exist"),
        ("2026-11-03 10:00", .resumed, "is not paused"),
        ("2026-11-03 10:00", .opened(stage: 1), "already open"),
    ]

    @Test(arguments: refusals)
    func refusesChangesThePolicyDoesNotAllow(time: String, change: DisputeEvent.Change, message: String) throws {
        let d = record(opened: "2026-11-02 10:00")
        #expect { try engine.apply(DisputeEvent(at: at(time), by: actor("iro"), change: change), to: d) } throws: { "\($0)".contains(message) }
    }

    @Test func escalatingAResolvedDisputeIsRefused() throws {
        let d = try engine.applying(record(opened: "2026-11-02 10:00"), [("2026-11-03 10:00", .resolved(outcome: "ok"), "iro")])
        #expect(throws: DomainError("DR-1 is resolved; a resolved record cannot be escalated (raise a new one)")) {
            try engine.apply(DisputeEvent(at: at("2026-11-04 10:00"), change: .escalated(toStage: 2, reason: nil)), to: d)
        }
    }

    @Test func onlyTheIROsMayRaiseAFormalDispute() throws {
        #expect(throws: DomainError(field: .raisedBy, "team-manager may not raise a formal under four-stage; it is raised by: iro, iro-service-manager")) {
            try engine.validate(opening: record(opened: "2026-11-02 10:00", by: "team-manager"))
        }
    }

    // Needs the bank-holiday calendar (issue 2): Christmas Day Fri 25 Dec and the substitute
    // Boxing Day Mon 28 Dec 2026 are skipped.
    @Test(.enabled(if: calendarKnowsBankHolidays, "needs the bank-holiday calendar of issue 2"))
    func deadlineSkipsChristmasAndTheSubstituteBoxingDay() throws {
        let d = record(opened: "2026-12-21 10:00")
        #expect(try engine.evaluate(d, now: at("2026-12-21 10:00")).stageDeadlineDay == day("2026-12-30"))
    }
}

@Suite("hour-based stages")
struct HourStageTests {
    static let policyText = """
    name = "hours"
    title = "Hours"
    [kind.formal]
    title = "Formal"
    [[kind.formal.stage]]
    name = "Stage 1"
    owner = "team-manager"
    working_days = 5
    remind_working_days_left = [2]
    [[kind.formal.subject]]
    id = "risk-in-placement"
    title = "Risk to child in placement - safeguarding concerns"
    types = ["P"]
    owner = "team-manager"
    hours = 24
    """

    @Test func twentyFourHoursRunOnTheClockAcrossTheEndOfSummerTime() throws {
        let e = try engine(try Policy.parse(text: Self.policyText, file: "hours.toml"))
        // Given raised Sat 24 Oct 2026 12:00 BST (11:00 UTC); clocks go back Sun 25 Oct 02:00
        var d = record(opened: "2026-10-24 12:00", subject: "risk-in-placement")
        d.type = .practice
        try e.validate(opening: d)
        let ev = try e.evaluate(d, now: at("2026-10-24 12:00"))
        // Then due 24 hours later: 11:00 GMT, 11:00 local
        #expect(ev.stageDeadline == Date(timeIntervalSince1970: 1_792_926_000))   // 2026-10-25T11:00:00Z
        #expect(ev.intents.allSatisfy { $0.urgency == .urgent })
        let late = try e.evaluate(d, now: at("2026-10-25 11:00"))
        #expect(late.state == .overdue)
        // And a subject of another type is refused
        d.type = .resources
        #expect(throws: DomainError(field: .subject, "subject risk-in-placement is a dispute of type P, not R; fix \(Field.type.mark) or \(Field.subject.mark)")) {
            try e.validate(opening: d)
        }
    }
}
