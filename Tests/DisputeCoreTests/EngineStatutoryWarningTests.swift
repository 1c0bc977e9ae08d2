import Foundation
import Testing
import WorkingDays
@testable import DisputeCore

// Statutory warnings after downtime: a later warning of the same statutory deadline supersedes an
// earlier one not yet issued (docs/policies.md, "What is sent after downtime").
// Four-stage formal record raised Mon 2 Nov 2026 10:00: statutory total due Mon 30 Nov 2026;
// 5 working days left on Mon 23 Nov, 2 on Thu 26 Nov (warnings at the start of those days).

struct StatutoryWarningCase: Sendable, CustomTestStringConvertible {
    let name: String
    let polls: [String]
    /// Warning event -> the poll that first returns it.
    let firstSeen: [String: String]
    var testDescription: String { name }
}

@Suite("engine statutory warnings after downtime")
struct EngineStatutoryWarningTests {
    let engine: Engine
    init() throws { engine = try DisputeCoreTests.engine(try preset("four-stage")) }

    static let daily = (3...27).map { String(format: "2026-11-%02d 10:00", $0) }

    static let cases: [StatutoryWarningCase] = [
        StatutoryWarningCase(name: "daily polls: each warning on its own day", polls: daily,
                             firstSeen: ["statutory-warning-5wd": "2026-11-23 10:00", "statutory-warning-2wd": "2026-11-26 10:00"]),
        StatutoryWarningCase(name: "a poll at the start of each warning day", polls: ["2026-11-23 00:00", "2026-11-26 00:00"],
                             firstSeen: ["statutory-warning-5wd": "2026-11-23 00:00", "statutory-warning-2wd": "2026-11-26 00:00"]),
        StatutoryWarningCase(name: "one late poll: only the latest", polls: ["2026-11-27 10:00"],
                             firstSeen: ["statutory-warning-2wd": "2026-11-27 10:00"]),
        StatutoryWarningCase(name: "down over the 5-day warning: only the 2-day one", polls: ["2026-11-20 10:00", "2026-11-26 09:00"],
                             firstSeen: ["statutory-warning-2wd": "2026-11-26 09:00"]),
        StatutoryWarningCase(name: "down after the 5-day warning was issued: the 2-day one follows",
                             polls: ["2026-11-23 10:00", "2026-11-27 10:00"],
                             firstSeen: ["statutory-warning-5wd": "2026-11-23 10:00", "statutory-warning-2wd": "2026-11-27 10:00"]),
        StatutoryWarningCase(name: "one poll between the two: the 5-day one", polls: ["2026-11-25 16:00"],
                             firstSeen: ["statutory-warning-5wd": "2026-11-25 16:00"]),
    ]

    @Test(arguments: cases)
    func aLaterStatutoryWarningSupersedesAnEarlierOneNotYetIssued(_ c: StatutoryWarningCase) throws {
        let d = record(opened: "2026-11-02 10:00")
        var firstSeen: [String: String] = [:]
        for poll in c.polls {
            let warnings = try engine.evaluate(d, now: at(poll)).intents.filter {
                if case .statutoryWarning = $0.event { true } else { false }
            }
            // At most one warning of the series per poll, to each warned role
            #expect(Set(warnings.map(\.event.name)).count <= 1, "\(poll): \(warnings.map(\.identity))")
            #expect(Set(warnings.map(\.role)) == (warnings.isEmpty ? [] : ["iro-service-manager", "head-of-service-safeguarding"]))
            for w in warnings where firstSeen[w.event.name] == nil { firstSeen[w.event.name] = poll }
        }
        #expect(firstSeen == c.firstSeen)
    }

    @Test func explainSaysTheEarlierWarningWasSuperseded() throws {
        let d = record(opened: "2026-11-02 10:00")
        let ev = try engine.evaluate(d, now: at("2026-11-27 10:00"), explain: true)
        let skipped = ev.notSent.first { $0.identity == "DR-1/s0/statutory-warning-5wd/iro-service-manager" }
        #expect(skipped?.reason.contains("superseded") == true, "\(ev.notSent)")
    }
}
