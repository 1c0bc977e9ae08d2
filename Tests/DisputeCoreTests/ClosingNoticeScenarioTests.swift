import DisputeCore
import Foundation
import Testing
import WorkingDays

/// Notices of a record's end. six-stage-drp: "The Service Manager for Reviewing and Insights will be
/// made aware of all DRPs raised for a child as well as the outcome of each stage and when it has
/// been resolved" (the formal kind's watchers). Every preset: the raiser is told when a dispute is
/// resolved or withdrawn by someone else. The role that closed it is not told of its own act.
@Suite struct ClosingNoticeScenarioTests {
    // A formal DRP raised by iro@council.example Mon 2 Nov 2026 10:00, closed Wed 4 Nov 11:00 (stage 1
    // runs Tue 3 .. Fri 6 Nov, so still at stage 1); looked at Wed 4 Nov 11:05.
    // (preset, closed by role:email, resolved?, the intents due)
    static let cases: [(policy: String, by: Actor, resolved: Bool, due: Set<String>)] = [
        // six-stage: watchers = iro-service-manager
        ("six-stage-drp", Actor(role: "iro", email: "iro@council.example"), true, ["DR-1/s1/resolved/iro-service-manager"]),
        ("six-stage-drp", Actor(role: "team-manager", email: "tm@council.example"), true,
         ["DR-1/s1/resolved/iro-service-manager", "DR-1/s1/resolved/iro"]),
        ("six-stage-drp", Actor(role: "iro-service-manager", email: "rism@council.example"), false, ["DR-1/s1/withdrawn/iro"]),
        // four-stage: watchers = iro (the raiser's role: routed to the raiser's own address)
        ("four-stage", Actor(role: "iro", email: "iro@council.example"), true, []),
        ("four-stage", Actor(role: "service-manager", email: "sm@council.example"), false, ["DR-1/s1/withdrawn/iro"]),
        ("four-stage", Actor(role: "iro", email: "other.iro@council.example"), true, ["DR-1/s1/resolved/iro"]),
        // national-standards and fostering: the raiser when someone else closes it
        ("national-standards", Actor(role: "team-manager", email: "tm@council.example"), true, ["DR-1/s1/resolved/iro"]),
        ("by-dispute-type", Actor(role: "team-manager", email: "tm@council.example"), true, ["DR-1/s1/resolved/iro"]),
    ]

    @Test(arguments: cases)
    func closingTellsTheWatchersAndTheRaiserWhenSomeoneElseClosedIt(policy: String, by: Actor, resolved: Bool, due: Set<String>) throws {
        let world = try PresetWorld(policy)
        let d = try world.raise(at: "2026-11-02 10:00")
        let change: DisputeEvent.Change = resolved ? .resolved(outcome: "Plan agreed") : .withdrawn(reason: "Child moved")
        let closed = try world.engine.apply(DisputeEvent(at: London.at("2026-11-04 11:00"), by: by, change: change), to: d)
        let ev = try world.look(closed, at: "2026-11-04 11:05")
        #expect(Set(ev.intents.map(\.identity)) == due)
        // Sent once the record is closed, at the closing, routine; nothing else is due any more.
        #expect(ev.intents.allSatisfy { $0.trigger == London.at("2026-11-04 11:00") && $0.urgency == .routine })
        // The same identities a month later: stable, so the outbox sends each once.
        #expect(Set(try world.look(closed, at: "2026-12-04 11:05").intents.map(\.identity)) == due)
    }

    @Test func theServiceManagerForReviewingAndInsightsLearnsEachStagesOutcomeAndTheResolution() throws {
        let world = try PresetWorld("six-stage-drp")
        // Stage 1 (4 working days: Tue 3, Wed 4, Thu 5, Fri 6 Nov) runs out Fri 6 Nov 17:00 unanswered:
        // the engine moves it to stage 2 at the next send time, Mon 9 Nov 08:30; the opening of
        // stage 2 copies the Service Manager for Reviewing and Insights (the outcome of stage 1).
        let d = try world.raise(at: "2026-11-02 10:00")
        let derived = try world.look(d, at: "2026-11-09 08:30")
        #expect(derived.intent(2, "opened", "service-manager")?.copy.contains("iro-service-manager") == true)
        // The IRO escalates stage 2 to stage 3 on Tue 10 Nov 10:00 (a recorded outcome): copied again.
        let moved = try world.record(.escalated(toStage: 3, reason: nil), at: "2026-11-10 10:00", by: "iro", on: d)
        #expect(try world.look(moved, at: "2026-11-10 10:00").intent(3, "opened", "head-of-service")?.copy.contains("iro-service-manager") == true)
        // The Head of Service resolves it Wed 11 Nov 15:00: the Service Manager R&I and the IRO are told.
        let resolved = try world.engine.apply(DisputeEvent(at: London.at("2026-11-11 15:00"), by: Actor(role: "head-of-service", email: "hos@council.example"),
                                                           change: .resolved(outcome: "Placement confirmed")), to: moved)
        let ev = try world.look(resolved, at: "2026-11-11 15:00")
        #expect(Set(ev.intents.map(\.identity)) == ["DR-1/s3/resolved/iro-service-manager", "DR-1/s3/resolved/iro"])
        #expect(ev.intents.first?.reason == "Dispute at stage 3 resolved: notice to iro-service-manager")
    }
}
