import Foundation
import Testing
import WorkingDays
@testable import DisputeCore

// `Engine.pausedWorkingDays(_:upTo:)`: the working days a record's clock was stopped, as the
// engine counts them for its deadlines (reports use it for timeliness).

@Suite("paused working days")
struct EnginePausedDaysTests {
    let engine: Engine
    let dispute: Dispute

    init() throws {
        engine = try DisputeCoreTests.engine(try preset("four-stage"))
        // Raised Mon 2 Nov 2026; paused Wed 4 Nov to Mon 9 Nov, and Wed 11 Nov to Fri 13 Nov; resolved Tue 17 Nov
        dispute = try engine.applying(record(opened: "2026-11-02 10:00"), [
            ("2026-11-04 11:00", .paused(approvedBy: actor("head-of-service-safeguarding"), reason: "court"), "iro"),
            ("2026-11-09 09:00", .resumed, "iro"),
            ("2026-11-11 10:00", .paused(approvedBy: actor("head-of-service-safeguarding"), reason: "court"), "iro"),
            ("2026-11-13 10:00", .resumed, "iro"),
            ("2026-11-17 10:00", .resolved(outcome: "agreed"), "iro"),
        ])
    }

    static let moments: [(String, Int)] = [
        ("2026-11-03 12:00", 0),
        ("2026-11-04 12:00", 0),     // paused today: nothing stopped yet
        ("2026-11-06 12:00", 2),     // still paused: Thu 5, Fri 6
        ("2026-11-09 12:00", 3),     // resumed Mon 9: Thu 5, Fri 6, Mon 9
        ("2026-11-12 12:00", 4),     // second pause running: Thu 12
        ("2026-11-16 12:00", 5),     // and resumed Fri 13
        ("2026-12-02 12:00", 5),     // resolved Tue 17 Nov: nothing after counts
    ]

    @Test(arguments: moments)
    func countsTheWorkingDaysStoppedUpToTheMoment(moment: String, expected: Int) throws {
        #expect(try engine.pausedWorkingDays(dispute, upTo: at(moment)) == expected)
    }

    @Test(arguments: moments.prefix(6))
    func isWhatMovesTheStatutoryDeadline(moment: String, paused: Int) throws {
        // The statutory total is 20 working days from raising plus the working days paused
        let ev = try engine.evaluate(dispute, now: at(moment))
        #expect(ev.statutoryDeadlineDay == (try engine.calendar.addWorkingDays(20 + paused, to: day("2026-11-02"))))
    }

    @Test func aKindThePolicyLacksIsRefused() throws {
        var policy = try preset("four-stage")
        policy.kinds[.complaint] = nil
        let e = try DisputeCoreTests.engine(policy)
        #expect(throws: DomainError.self) { try e.pausedWorkingDays(record(.complaint, opened: "2026-11-02 10:00"), upTo: at("2026-11-03 10:00")) }
    }
}
