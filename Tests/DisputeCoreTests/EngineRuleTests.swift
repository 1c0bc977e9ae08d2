import Testing
import TOML
@testable import DisputeCore

// The engine applying a policy's rules: initiator limits (per kind) and hour reminders of subject rows.

@Suite("initiator limits in the engine")
struct InitiatorLimitEngineTests {
    /// Three escalating stages; stage 2's breach rule names only the next owner.
    static let text = """
    name = "t"
    title = "T"
    roles = ["duty-iro"]
    [[initiator]]
    role = "duty-iro"
    max_stage = 2
    [[initiator]]
    role = "iro"
    max_stage = 3
    [kind.formal]
    title = "Formal"
    [[kind.formal.stage]]
    name = "Stage 1"
    owner = "team-manager"
    working_days = 5
    on_breach = "escalate"
    breach_alert = ["owner"]
    [[kind.formal.stage]]
    name = "Stage 2"
    owner = "service-manager"
    working_days = 5
    on_breach = "escalate"
    breach_alert = ["next-owner"]
    [[kind.formal.stage]]
    name = "Stage 3"
    owner = "head-of-service"
    working_days = 5
    """

    @Test(arguments: [("duty-iro", 2, ["service-manager", "head-of-service"]), ("iro", 3, ["head-of-service"])])
    func derivedEscalationStopsAtTheRaisersLimitAndTheOwnerIsAlertedThere(role: String, stage: Int, stage2Breach: [String]) throws {
        let engine = try DisputeCoreTests.engine(try Policy.parse(text: Self.text, file: "policies/t.toml"))
        // Given a record raised Mon 2 Nov 2026 by the role: stage 1 runs out Mon 9 Nov, stage 2 Mon 16 Nov
        let d = record(policy: "t", opened: "2026-11-02 10:00", by: role)
        try engine.validate(opening: d)
        // When the daemon comes back on Tue 17 Nov at the send time
        let ev = try engine.evaluate(d, now: at("2026-11-17 08:30"))
        // Then the record is at the raiser's limit, and stage 2's breach goes to its owner as well at the limit
        #expect(ev.stage == stage)
        #expect(Set(ev.intents.filter { $0.stage == 2 && $0.event == .breach }.map(\.role)) == Set(stage2Breach))
        #expect(ev.intents.filter { $0.stage == 1 && $0.event == .breach }.map(\.role) == ["team-manager"])
    }
}

@Suite("initiator rows limited to some kinds")
struct InitiatorKindsTests {
    static let text = """
    name = "t"
    title = "T"
    [[initiator]]
    role = "iro"
    max_stage = 2
    kinds = ["formal"]
    [kind.formal]
    title = "Formal"
    [[kind.formal.stage]]
    name = "Stage 1"
    owner = "team-manager"
    working_days = 5
    [[kind.formal.stage]]
    name = "Stage 2"
    owner = "service-manager"
    working_days = 5
    [kind.complaint]
    title = "Complaint"
    [[kind.complaint.stage]]
    name = "Level 1"
    owner = "iro-service-manager"
    working_days = 10
    [[kind.complaint.stage]]
    name = "Level 2"
    owner = "head-of-service-safeguarding"
    working_days = 10
    """

    /// (kind, raised by, stage, refusal words or nil when accepted)
    static let cases: [(RecordKind, String, Int, String?)] = [
        (.formal, "iro", 2, nil),
        (.formal, "social-worker", 1, "social-worker may not raise a formal under t; it is raised by: iro"),
        (.complaint, "social-worker", 1, nil),                  // no row covers complaints: anyone
        (.complaint, "iro", 2, nil),                            // the IRO's row covers formal only
    ]

    @Test(arguments: cases)
    func rowsWithKindsLimitOnlyThoseKinds(kind: RecordKind, role: String, stage: Int, refusal: String?) throws {
        let engine = try DisputeCoreTests.engine(try Policy.parse(text: Self.text, file: "policies/t.toml"))
        let d = record(kind, policy: "t", stage: stage, opened: "2026-11-02 10:00", by: role)
        do {
            try engine.validate(opening: d)
            #expect(refusal == nil, "\(kind) by \(role) was accepted")
        } catch {
            #expect(refusal.map { "\(error)".contains($0) } == true, "\(kind) by \(role): \(error)")
        }
    }
}

@Suite("hour reminders of subject rows")
struct SubjectHourRemindersTests {
    static func policy(row: String, defaults: String = "") throws -> Policy {
        try Policy.parse(text: """
        name = "t"
        title = "T"
        \(defaults)
        [kind.formal]
        title = "Formal"
        [[kind.formal.stage]]
        name = "Stage 1"
        owner = "team-manager"
        working_days = 5
        [[kind.formal.subject]]
        id = "x"
        title = "X"
        \(row)
        """, file: "policies/t.toml")
    }

    /// (the row's keys, the [defaults] table, the row's hour reminders)
    static let cases: [(String, String, [Int])] = [
        ("hours = 24\nremind_hours_left = [2, 12]", "", [12, 2]),           // its own, descending
        ("hours = 24", "[defaults]\nremind_hours_left = [30, 6]", [6]),    // the defaults', below 24
        ("hours = 24", "", []),
        ("working_days = 3", "[defaults]\nremind_hours_left = [6]", []),   // a working-day row has none
    ]

    @Test(arguments: cases)
    func anHourRowTakesItsOwnRemindersElseTheDefaults(row: String, defaults: String, expected: [Int]) throws {
        #expect(try Self.policy(row: row, defaults: defaults).kind(.formal)?.subjects.first?.remindHoursLeft == expected)
    }
}
