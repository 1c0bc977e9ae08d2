import Foundation
import Testing
import WorkingDays
@testable import DisputeCore

// Issue 11, "Fixes": each case worked out from its procedure document and the England and Wales
// calendar before running. November 2026 has no bank holiday (Mondays: 2, 9, 16, 23, 30 Nov);
// close of business 17:00, send time 08:30.
@Suite("procedure fixes")
struct ProcedureFixesScenarioTests {
    let four: PresetWorld
    let six: PresetWorld
    let byType: PresetWorld
    init() throws {
        four = try PresetWorld("four-stage")
        six = try PresetWorld("six-stage-drp")
        byType = try PresetWorld("by-dispute-type")
    }

    // MARK: - Stage deadlines never after the statutory deadline

    @Test func anExtensionOfStageOneNeverPushesStageFourPastTheTwentyWorkingDays() throws {
        // four-stage, raised Mon 2 Nov 10:00: the total ends Mon 30 Nov 17:00. Stage 1 extended by 2
        // working days (agreed by the IRO): due Wed 11 Nov (Tue 3 .. Wed 11 = 7 working days).
        // Derived: stage 2 Thu 12 .. Wed 18, stage 3 Thu 19 .. Wed 25, stage 4 would run Thu 26 ..
        // Wed 2 Dec, past the total: it is due Mon 30 Nov 17:00 instead.
        let d = try four.record(.extended(workingDays: 2, agreedBy: PresetWorld.actor("iro")), at: "2026-11-03 10:00",
                                by: "team-manager", on: try four.raise(at: "2026-11-02 10:00"))
        let ladder: [(String, Int, String)] = [
            ("2026-11-03 10:00", 1, "2026-11-11 17:00"), ("2026-11-12 09:00", 2, "2026-11-18 17:00"),
            ("2026-11-19 09:00", 3, "2026-11-25 17:00"), ("2026-11-26 09:00", 4, "2026-11-30 17:00"),
        ]
        for (now, stage, due) in ladder {
            let ev = try four.look(d, at: now)
            #expect(ev.stage == stage && London.show(ev.stageDeadline) == due, "\(now): stage \(ev.stage) due \(London.show(ev.stageDeadline) ?? "-")")
            #expect(London.show(ev.statutoryDeadline) == "2026-11-30 17:00")
        }
        // Stage 4 has 3 working days (Thu 26, Fri 27, Mon 30): its 2-days-left reminder is Thu 26 Nov 08:30.
        #expect(try four.due(d, at: "2026-11-26 08:30").contains("DR-1/s4/reminder-2wd/service-director"))
    }

    @Test func aSubjectRowsTwentyDaysNeverRunPastTheTotal() throws {
        // by-dispute-type: "No ... Discharge of Care Order ... not progressed" is a Group Manager
        // (level 2) matter of 20 days. Raised at level 1 on Mon 2 Nov (5 days: due Mon 9 Nov), escalated
        // by the IRO on Mon 16 Nov: 20 working days from there would be Mon 14 Dec, but the total
        // (20 working days from Mon 2 Nov) ends Mon 30 Nov.
        var d = try byType.raise(at: "2026-11-02 10:00", stage: 1, type: .delay, subject: "discharge-not-progressed")
        d = try byType.record(.escalated(toStage: 2, reason: nil), at: "2026-11-16 10:00", by: "iro", on: d)
        let ev = try byType.look(d, at: "2026-11-16 10:00")
        #expect(ev.stage == 2 && London.show(ev.stageDeadline) == "2026-11-30 17:00")
    }

    @Test func aStageBeyondTheTotalKeepsItsOwnTimescale() throws {
        // six-stage: "The entire timescale from stage one to five is 20 working days"; stage 6 (Chief
        // Executive) begins when stage 5 runs out on Mon 30 Nov, on the total's own day, and keeps its
        // 5 working days: Tue 1 .. Mon 7 Dec.
        let ev = try six.look(try six.raise(at: "2026-11-02 10:00"), at: "2026-12-01 09:00")
        #expect(ev.stage == 6 && London.show(ev.stageDeadline) == "2026-12-07 17:00")
    }

    // MARK: - Subject rows apply at their level

    static let rowLevels: [(subject: String, type: DisputeType, stage: Int)] = [
        ("no-social-worker", .resources, 2),        // GMSM
        ("education-provision", .resources, 3),     // Head of Service/Virtual Head teacher
        ("risk-in-placement", .practice, 1),        // TM/GM
    ]

    @Test(arguments: rowLevels)
    func aSubjectRaisesTheRecordAtItsRowsLevel(subject: String, type: DisputeType, stage: Int) throws {
        #expect(byType.policy.openingStage(kind: .formal, subject: subject) == stage)
        // Raised at the row's own level: no bypass notice (it is where the document puts the matter).
        let d = try byType.raise(at: "2026-11-02 10:00", stage: stage, type: type, subject: subject)
        #expect(!(try byType.due(d, at: "2026-11-02 10:00")).contains { $0.contains("/bypass/") })
    }

    // MARK: - Initiator limits cannot be got round

    @Test func everyEscalationNamesWhoMadeIt() throws {
        let d = try four.raise(at: "2026-11-02 10:00")
        #expect(four.refusal(.escalated(toStage: 2, reason: nil), at: "2026-11-03 10:00", on: d)
            == "every escalation is made by somebody; give who acted (who escalates: role and email, e.g. iro:jo.bloggs@council.example)")
    }

    static let recordLimits: [(raiser: String, actor: String, message: String?)] = [
        // A LADO's DRP goes up to stage 5 only, whoever escalates it.
        ("lado", "iro", "DR-1 was raised by lado, who may take a formal up to stage 5 only under six-stage-drp; it cannot be escalated to stage 6"),
        ("lado", "chief-executive", "DR-1 was raised by lado, who may take a formal up to stage 5 only under six-stage-drp; it cannot be escalated to stage 6"),
        ("iro-cp-cin", "service-director", "DR-1 was raised by iro-cp-cin, who may take a formal up to stage 5 only under six-stage-drp; it cannot be escalated to stage 6"),
        // An IRO's DRP for a child in care goes to stage 6.
        ("iro", "iro", nil),
        ("iro", "director-of-childrens-services", nil),
    ]

    @Test(arguments: recordLimits)
    func theRecordsInitiatorBoundsEveryEscalation(raiser: String, actor: String, message: String?) throws {
        // Raised at stage 5 with a reason on Mon 2 Nov; escalated to stage 6 on Tue 3 Nov.
        let d = try six.raise(at: "2026-11-02 10:00", stage: 5, by: raiser, reason: "child at risk of significant harm")
        #expect(six.refusal(.escalated(toStage: 6, reason: nil), at: "2026-11-03 10:00", by: actor, on: d) == message)
    }

    // MARK: - A late escalation record confirms the derived one

    @Test func theIROsLateRecordOfTheEscalationTheEngineDerivedIsItsConfirmation() throws {
        // Stage 1 ran out Mon 9 Nov 17:00: the engine moved the dispute to Stage 2 then (due Mon 16 Nov).
        // The IRO records that escalation on Wed 11 Nov 09:00: accepted, nothing moves.
        let d = try four.raise(at: "2026-11-02 10:00")
        let late = DisputeEvent(at: London.at("2026-11-11 09:00"), by: PresetWorld.actor("iro"), change: .escalated(toStage: 2, reason: nil))
        #expect(four.engine.confirmsDerivedEscalation(late, of: d))
        let confirmed = try four.engine.apply(late, to: d)
        #expect(confirmed.events.last == late)          // the real time and actor are kept
        let ev = try four.look(confirmed, at: "2026-11-11 09:00")
        #expect(ev.stage == 2 && London.show(ev.stageDeadline) == "2026-11-16 17:00")
        #expect(ev.derivedEscalations == [2])
        // The whole life is the same as without the record.
        #expect(try four.issued(confirmed, from: "2026-11-02 10:00", to: "2026-11-20 10:00", everyMinutes: 60)
            == (try four.issued(d, from: "2026-11-02 10:00", to: "2026-11-20 10:00", everyMinutes: 60)))
    }

    @Test func aLateRecordAtTheLastStageIsConfirmedAndGoingHigherIsExplained() throws {
        // Derived: Stage 2 from Mon 9 Nov 17:00, Stage 3 from Mon 16, Stage 4 from Mon 23 (due Mon 30 Nov).
        let d = try four.raise(at: "2026-11-02 10:00")
        #expect(four.refusal(.escalated(toStage: 4, reason: nil), at: "2026-11-24 10:00", by: "iro", on: d) == nil)
        #expect(four.refusal(.escalated(toStage: 3, reason: nil), at: "2026-11-24 10:00", by: "iro", on: d) == nil)
        // Stage 4 runs out Mon 30 Nov 17:00: the written adjudication (stage 5, the last) from Tue 1 Dec 08:30.
        #expect(four.refusal(.escalated(toStage: 5, reason: nil), at: "2026-12-02 10:00", by: "iro", on: d) == nil)
        #expect(four.refusal(.escalated(toStage: 6, reason: nil), at: "2026-12-02 10:00", by: "iro", on: d)
            == "DR-1 is already at stage 5, the last stage of a formal under four-stage (escalated on breach); it cannot go higher: resolve it, withdraw it or refer it to CAFCASS")
    }

    @Test func aRecordedEscalationIsNotAConfirmation() throws {
        // Escalated by hand to Stage 2 on Tue 3 Nov: a second record of "stage 2" is refused as before.
        let d = try four.record(.escalated(toStage: 2, reason: nil), at: "2026-11-03 10:00", by: "iro", on: try four.raise(at: "2026-11-02 10:00"))
        #expect(four.refusal(.escalated(toStage: 2, reason: nil), at: "2026-11-04 10:00", by: "iro", on: d)
            == "DR-1 is already at stage 2; escalate to a higher stage (3 to 5)")
    }

    // MARK: - four-stage Stage 1 is the IRO's meeting

    @Test func theIROIsCopiedOnStageOnesRemindersAndBreach() throws {
        // "The IRO will convene a meeting with the Team Manager within 5 working days": Thu 5 Nov 08:30
        // (2 left), Mon 9 Nov 08:30 (due day), breach Tue 10 Nov 08:30.
        let d = try four.raise(at: "2026-11-02 10:00")
        for (now, event) in [("2026-11-05 08:30", "reminder-2wd"), ("2026-11-09 08:30", "reminder-0wd"), ("2026-11-10 08:30", "breach")] {
            let i = try #require(try four.look(d, at: now).intent(1, event, "team-manager"), "\(event)")
            #expect(i.copy.contains("iro"), "\(event): \(i.copy)")
        }
    }

    // MARK: - Messages name roles by their title

    static let titles: [(preset: String, role: String, title: String)] = [
        ("four-stage", "service-director", "Service Director"),
        ("four-stage", "director-of-childrens-services", "Director of Children's Services"),
        ("six-stage-drp", "iro-service-manager", "Service Manager for Reviewing and Insights"),
        ("six-stage-drp", "head-of-service-safeguarding", "Head of Adolescents and Safeguarding"),
        ("by-dispute-type", "service-manager", "Group Manager"),
        ("fostering-four-level", "director-of-childrens-services", "Board Director, Commissioning (DCS/DASS)"),
    ]

    @Test(arguments: titles)
    func everyRoleHasTheTitleItsDocumentUses(preset: String, role: String, title: String) throws {
        let world = try PresetWorld(preset)
        #expect(world.policy.title(of: role) == title)
        // and no role a preset names is left without a title of its own
        for r in world.policy.rolesUsed { #expect((world.policy.roleTitles[r] ?? commonRoleTitles[r]) != nil, "\(preset): \(r)") }
    }

    @Test(arguments: ["four-stage", "six-stage-drp", "by-dispute-type", "fostering-four-level", "national-standards"])
    func everyStageOfEveryPresetRemindsTheRaiserToDecide(preset: String) throws {
        // four-stage, national-standards, fostering, by-dispute-type: 2 working days; six-stage: 1.
        let world = try PresetWorld(preset)
        let expected = preset == "six-stage-drp" ? 1 : 2
        for kp in world.policy.kinds.values { for sp in kp.stages { #expect(sp.decisionWorkingDays == expected, "\(preset) \(kp.kind) \(sp.number)") } }
    }

    // MARK: - CAFCASS: the intention (and who is alerted or consulted) comes before the referral

    @Test func fourStageAlertsTheHeadOfServiceSafeguardingBeforeTheReferral() throws {
        // "must alert the Head of Service - Safeguarding before making a referral"; "the Service Director
        // will notify the Chief Executive in writing of the intention to refer the case to CAFCASS".
        let d = try four.raise(at: "2026-11-02 10:00")
        #expect(four.refusal(.cafcassReferral, at: "2026-11-04 15:00", by: "iro", on: d)
            == "under four-stage the Head of Service - Safeguarding and Service Director must be alerted before a CAFCASS referral; record the intention first (drwatch dispute intend-cafcass DR-1 --by ROLE:EMAIL --reason \"...\"), then the referral")
        let intended = try four.record(.cafcassIntended(reason: "care plan breaches the child's rights"), at: "2026-11-04 15:00", by: "iro", on: d)
        let ev = try four.look(intended, at: "2026-11-04 15:00")
        let alerts = ev.intents.filter { $0.event == .cafcassIntended(1) }
        #expect(Set(alerts.map(\.identity)) == ["DR-1/s1/cafcass-intended/head-of-service-safeguarding", "DR-1/s1/cafcass-intended/service-director"])
        #expect(alerts.allSatisfy { $0.urgency == .urgent && $0.trigger == London.at("2026-11-04 15:00") })
        // The referral the next morning is accepted and alerted as before.
        let referred = try four.record(.cafcassReferral, at: "2026-11-05 10:00", by: "iro", on: intended)
        #expect(try four.due(referred, at: "2026-11-05 10:00").contains("DR-1/s1/cafcass-referral/head-of-service-safeguarding"))
    }

    @Test func sixStageConsultsTheServiceManagerForReviewingAndInsightsAndTheHeadOfAdolescentsAndSafeguardingFirst() throws {
        // "The IRO will always consult the Service Manager for the Reviewing and Insights Service and the
        // Head of Adolescents and Safeguarding before making a referral to CAFCASS and the reasons for doing so."
        let d = try six.raise(at: "2026-11-02 10:00")
        #expect(six.refusal(.cafcassReferral, at: "2026-11-03 10:00", by: "iro", on: d)?.hasPrefix(
            "under six-stage-drp the Service Manager for Reviewing and Insights and Head of Adolescents and Safeguarding must be alerted before a CAFCASS referral") == true)
        let intended = try six.record(.cafcassIntended(reason: "urgent"), at: "2026-11-03 10:00", by: "iro", on: d)
        #expect(try six.due(intended, at: "2026-11-03 10:00").isSuperset(of: [
            "DR-1/s1/cafcass-intended/iro-service-manager", "DR-1/s1/cafcass-intended/head-of-service-safeguarding"]))
    }
}
