import DisputeCore
import Foundation
import Testing
import WorkingDays

/// six-stage-drp, "Who can initiate a DRP and when?": "IROs can raise DRPs up to stage 6, for
/// children in our care. They can raise DRPs up to stage 5 for children supported through a child
/// protection or child in need plan." The limit follows the child's status recorded on the dispute
/// (`--child-status`), whoever raises or escalates it, not the name of the raiser's role.
@Suite struct ChildStatusScenarioTests {
    let world: PresetWorld
    init() throws { world = try PresetWorld("six-stage-drp") }

    // Raising: (status, stage, refusal or nil). A reason is given so that only the limit decides.
    static let raising: [(status: ChildStatus?, stage: Int, refusal: String?)] = [
        (nil, 6, nil),                 // not recorded: the IRO's row for children in care (the preset's choice)
        (.other, 6, nil),              // "up to stage 6, for children in our care"
        (.cpCin, 5, nil),              // "up to stage 5 for children ... on a child protection or child in need plan"
        (.cpCin, 6, "iro may raise for a child on a child protection or child in need plan up to stage 5 only under six-stage-drp, not stage 6"),
    ]

    @Test(arguments: raising)
    func anIROMayRaiseUpToTheLimitOfTheChildsStatus(status: ChildStatus?, stage: Int, refusal: String?) {
        let got = world.refusal { try world.raise(at: "2026-11-02 10:00", stage: stage, by: "iro", reason: "risk of significant harm", childStatus: status) }
        #expect(got == refusal)
    }

    // Escalating a DRP raised at stage 5 to stage 6: (status, who escalates, refusal or nil).
    static let escalating: [(status: ChildStatus, by: String, refusal: String?)] = [
        (.other, "iro", nil),
        (.cpCin, "iro", "iro may escalate for a child on a child protection or child in need plan up to stage 5 only under six-stage-drp, not stage 6"),
        // Someone not listed as an initiator escalates: the record's own limit still holds.
        (.cpCin, "iro-service-manager", "DR-1 was raised by iro for a child on a child protection or child in need plan, who may take a formal up to stage 5 only under six-stage-drp; it cannot be escalated to stage 6"),
        (.other, "iro-service-manager", nil),
    ]

    @Test(arguments: escalating)
    func anEscalationIsBoundedByTheStoredStatusWhoeverMakesIt(status: ChildStatus, by: String, refusal: String?) throws {
        let d = try world.raise(at: "2026-11-02 10:00", stage: 5, by: "iro", reason: "risk of significant harm", childStatus: status)
        #expect(world.refusal(.escalated(toStage: 6, reason: nil), at: "2026-11-03 10:00", by: by, on: d) == refusal)
    }

    // A DRP raised Mon 2 Nov 10:00 at stage 1 and never answered: stages of 4 working days run out
    // Fri 6 Nov, Thu 12 Nov, Wed 18 Nov, Tue 24 Nov, Mon 30 Nov (17:00). A week later, Mon 7 Dec,
    // a CP/CIN child's DRP stays at stage 5; any other goes on to stage 6 (derived escalations).
    static let derived: [(status: ChildStatus?, stage: Int)] = [(.cpCin, 5), (.other, 6), (nil, 6)]

    @Test(arguments: derived)
    func derivedEscalationsStopAtTheLimitOfTheChildsStatus(status: ChildStatus?, stage: Int) throws {
        let d = try world.raise(at: "2026-11-02 10:00", by: "iro", childStatus: status)
        let ev = try world.look(d, at: "2026-12-07 10:00")
        #expect(ev.stage == stage)
        #expect(ev.derivedEscalations == Array(2...stage))
    }

    @Test func theBreachAtTheLimitSaysWhoseLimitItIs() throws {
        let d = try world.raise(at: "2026-11-02 10:00", by: "iro", childStatus: .cpCin)
        let c = world.engine.breachConsequence(of: d, stage: 5)
        #expect(c?.move == .staysAtInitiatorLimit(limit: 5, raisedBy: "iro for a child on a child protection or child in need plan"))
    }

    @Test func aPolicyRowWithAnUnknownChildStatusIsRefusedWithItsLine() throws {
        let text = """
            name = "p"
            title = "P"
            [[initiator]]
            role = "iro"
            child_status = "cp"
            max_stage = 1
            [kind.formal]
            title = "Formal"
            [[kind.formal.stage]]
            name = "Stage 1"
            owner = "team-manager"
            working_days = 5
            """
        #expect(throws: (any Error).self) { try Policy.parse(text: text, file: "p.toml") }
        do { _ = try Policy.parse(text: text, file: "p.toml") } catch {
            #expect("\(error)".contains("p.toml:5"))
            #expect("\(error)".contains("\"child_status\" is \"cp\"; use one of: cp-cin, other"))
        }
    }
}
