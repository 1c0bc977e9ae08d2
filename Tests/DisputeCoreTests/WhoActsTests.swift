import Foundation
import Testing
@testable import DisputeCore

// Who must act on a dispute now (`WhoActs`): the one decision behind the dispute page's
// "Waiting for", My work and the overview. four-stage: stage 1 team-manager, stage 2
// service-manager; [pause] approvers = head-of-service-safeguarding. Raised by the IRO on
// Mon 2 Nov 2026 10:00, looked at on Wed 4 Nov 12:00.

@Suite("Who must act now")
struct WhoActsTests {
    typealias Step = (change: DisputeEvent.Change, at: String, by: String)
    static let hos = "head-of-service-safeguarding"

    static let cases: [(name: String, steps: [Step], pauseRequested: Bool, next: WhoActs.Next, roles: [String])] = [
        ("open: the stage's owner responds", [], false, .stageOwner("team-manager"), ["team-manager"]),
        ("the owner responded: the IRO decides", [(.responded(text: "Meeting on Friday"), "2026-11-03 10:00", "team-manager")], false,
         .raiser(actor("iro")), ["iro"]),
        ("a pause request waits: the owner and the pause approver", [], true, .stageOwner("team-manager"), ["team-manager", hos]),
        ("responded and a pause request waits: the IRO and the pause approver",
         [(.responded(text: "Meeting on Friday"), "2026-11-03 10:00", "team-manager")], true, .raiser(actor("iro")), ["iro", hos]),
        ("paused: nobody", [(.paused(approvedBy: actor(hos), reason: "Court directions awaited"), "2026-11-03 11:00", hos)], false, .paused, []),
        ("paused after the response: nobody", [(.responded(text: "Meeting on Friday"), "2026-11-03 10:00", "team-manager"),
                                               (.paused(approvedBy: actor(hos), reason: "Court directions awaited"), "2026-11-03 11:00", hos)],
         false, .paused, []),
        ("restarted: the owner again", [(.paused(approvedBy: actor(hos), reason: "Court directions awaited"), "2026-11-03 11:00", hos),
                                        (.resumed, "2026-11-04 09:00", hos)], false, .stageOwner("team-manager"), ["team-manager"]),
        ("escalated: the next stage's owner", [(.escalated(toStage: 2, reason: "No meeting offered"), "2026-11-03 10:00", "iro")], false,
         .stageOwner("service-manager"), ["service-manager"]),
        ("escalated after stage 1's response: stage 2's owner, not the IRO",
         [(.responded(text: "Meeting on Friday"), "2026-11-03 10:00", "team-manager"), (.escalated(toStage: 2, reason: "Not agreed"), "2026-11-03 12:00", "iro")],
         false, .stageOwner("service-manager"), ["service-manager"]),
        ("resolved: nobody", [(.resolved(outcome: "Agreed at the meeting"), "2026-11-03 10:00", "iro")], true, .nobody, []),
        ("withdrawn: nobody", [(.withdrawn(reason: "Raised in error"), "2026-11-03 10:00", "iro")], false, .nobody, []),
    ]

    @Test("Who must act now, and the roles a filter matches", arguments: cases)
    func whoActs(_ c: (name: String, steps: [Step], pauseRequested: Bool, next: WhoActs.Next, roles: [String])) throws {
        let policy = try preset("four-stage")
        let engine = try DisputeCoreTests.engine(policy)
        var d = record(opened: "2026-11-02 10:00")
        for s in c.steps { d = try engine.apply(DisputeEvent(at: at(s.at), by: actor(s.by), change: s.change), to: d) }
        let e = try engine.evaluate(d, now: at("2026-11-04 12:00"))
        let who = WhoActs(d, e, policy: policy, pauseRequested: c.pauseRequested)
        #expect(who.next == c.next, "\(c.name)")
        #expect(who.roles == c.roles, "\(c.name)")
        #expect(who.pauseApprovers == (c.roles.contains(Self.hos) ? [Self.hos] : []), "\(c.name)")
    }
}
