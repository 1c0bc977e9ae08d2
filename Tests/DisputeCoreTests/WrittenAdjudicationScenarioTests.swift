import DisputeCore
import Foundation
import Testing
import WorkingDays

/// four-stage: "Should the matter remain unresolved, the Head of Service - Safeguarding and Service
/// Director will alert the Director of Children's Services. The Service Director and the Director of
/// Children's Services ... will seek written adjudication on the matter. ... This should be completed
/// within 5 days of the conclusion of Stage 4." The preset's stage 5, owned by the Service Director,
/// 5 working days from the end of Stage 4, never cut short by the 20-working-day total.
@Suite struct WrittenAdjudicationScenarioTests {
    let world: PresetWorld
    init() throws { world = try PresetWorld("four-stage") }

    // Raised Mon 2 Nov 2026 10:00, never answered. Stages of 5 working days run out Mon 9, Mon 16,
    // Mon 23 and Mon 30 Nov (17:00); the statutory 20 working days end Mon 30 Nov too. Stage 4's
    // breach (Mon 30 Nov 17:00) starts the adjudication at the next send time, Tue 1 Dec 08:30:
    // 5 working days Tue 1, Wed 2, Thu 3, Fri 4, Mon 7 -> due Mon 7 Dec 17:00; reminders with 2
    // working days left (Thu 3 Dec 08:30) and on the due day (Mon 7 Dec 08:30); breach alert at the
    // next send time, Tue 8 Dec 08:30. (The statutory breach went out Mon 30 Nov 17:00, urgent.)
    static let timeline: [(at: String, due: Set<String>)] = [
        ("2026-12-01 08:30", ["DR-1/s4/breach/service-director", "DR-1/s4/breach/director-of-childrens-services",
                              "DR-1/s4/breach/head-of-service-safeguarding", "DR-1/s5/opened/service-director"]),
        ("2026-12-03 08:30", ["DR-1/s5/reminder-2wd/service-director"]),
        ("2026-12-07 08:30", ["DR-1/s5/reminder-0wd/service-director"]),
        ("2026-12-08 08:30", ["DR-1/s5/breach/service-director", "DR-1/s5/breach/director-of-childrens-services",
                              "DR-1/s5/breach/head-of-service-safeguarding"]),
    ]

    @Test(arguments: timeline)
    func theAdjudicationIsDueFiveWorkingDaysAfterStageFourEnds(at: String, due: Set<String>) throws {
        let d = try world.raise(at: "2026-11-02 10:00")
        let ev = try world.look(d, at: at)
        #expect(ev.stage == 5 && ev.owner == "service-director")
        #expect(London.show(ev.stageDeadline) == "2026-12-07 17:00")
        // Only what falls due at this instant (earlier notices were issued by earlier polls).
        let now = London.at(at)
        #expect(Set(ev.intents.filter { $0.trigger == now }.map(\.identity)) == due)
    }

    @Test func anAdjudicationStartedBeforeTheTotalEndsKeepsItsFiveWorkingDays() throws {
        // Each stage escalated by the IRO on its due day, before 17:00: Stage 2 Wed 4 Nov, Stage 3
        // Wed 11 Nov, Stage 4 Wed 18 Nov (due Wed 25 Nov). The Stage 4 meeting leaves the matter
        // unresolved and the IRO moves on to the adjudication Tue 24 Nov 10:00: 5 working days Wed 25,
        // Thu 26, Fri 27, Mon 30, Tue 1 -> due Tue 1 Dec 17:00, after the statutory total (Mon 30 Nov),
        // not cut short to it.
        var d = try world.raise(at: "2026-11-02 10:00")
        d = try world.record(.escalated(toStage: 2, reason: nil), at: "2026-11-04 10:00", by: "iro", on: d)
        d = try world.record(.escalated(toStage: 3, reason: nil), at: "2026-11-11 10:00", by: "iro", on: d)
        d = try world.record(.escalated(toStage: 4, reason: nil), at: "2026-11-18 10:00", by: "iro", on: d)
        d = try world.record(.escalated(toStage: 5, reason: nil), at: "2026-11-24 10:00", by: "iro", on: d)
        let ev = try world.look(d, at: "2026-11-24 10:00")
        #expect(ev.stage == 5 && ev.derivedEscalations.isEmpty)
        #expect(London.show(ev.stageDeadline) == "2026-12-01 17:00")
        #expect(London.show(ev.statutoryDeadline) == "2026-11-30 17:00")
    }
}
