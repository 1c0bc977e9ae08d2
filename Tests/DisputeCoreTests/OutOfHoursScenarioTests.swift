import DisputeCore
import Foundation
import Testing
import WorkingDays

/// timescales-by-dispute-type, Appendix 1: "Risk to child in placement - safeguarding concerns. P
/// TM/GM 24 hours". Hour rows run on the clock, nights and weekends included; the preset sends
/// their reminders and breach alert to the Emergency Duty Team too when they fall outside working
/// hours (not a working day, or before 08:30 / from 17:00), as well as to the owner.
@Suite struct OutOfHoursScenarioTests {
    let world: PresetWorld
    init() throws { world = try PresetWorld("by-dispute-type") }

    static func rowID(_ world: PresetWorld) -> String {
        world.policy.kinds[.formal]!.subjects.first { if case .hours(24) = $0.timescale { true } else { false } }!.id
    }

    // Raised at the row's level at (raised); 24 hours later is the deadline; reminders 12 h and 2 h
    // before. (raised, the instants of the reminders and breach, which of them reach the EDT)
    static let cases: [(raised: String, notices: [(at: String, id: String, edt: Bool)])] = [
        // Fri 4 Dec 16:00: 12 h before is Sat 5 Dec 04:00 (a Saturday), 2 h before Sat 14:00, due Sat 16:00: all out of hours.
        ("2026-12-04 16:00", [("2026-12-05 04:00", "reminder-12h", true), ("2026-12-05 14:00", "reminder-2h", true),
                              ("2026-12-05 16:00", "breach", true)]),
        // Tue 1 Dec 10:00: 12 h before is Tue 1 Dec 22:00 (after 17:00), 2 h before Wed 08:00 (before 08:30),
        // due Wed 2 Dec 10:00 (working hours).
        ("2026-12-01 10:00", [("2026-12-01 22:00", "reminder-12h", true), ("2026-12-02 08:00", "reminder-2h", true),
                              ("2026-12-02 10:00", "breach", false)]),
        // Mon 30 Nov 20:30: 12 h before is Tue 1 Dec 08:30 (working hours, the first minute), 2 h before
        // Tue 18:30 (after 17:00), due Tue 1 Dec 20:30.
        ("2026-11-30 20:30", [("2026-12-01 08:30", "reminder-12h", false), ("2026-12-01 18:30", "reminder-2h", true),
                              ("2026-12-01 20:30", "breach", true)]),
    ]

    @Test(arguments: cases)
    func hourNoticesOutsideWorkingHoursAlsoGoToTheEmergencyDutyTeam(raised: String, notices: [(at: String, id: String, edt: Bool)]) throws {
        let row = Self.rowID(world)
        let stage = world.policy.openingStage(kind: .formal, subject: row)
        let d = try world.raise(at: raised, stage: stage, type: .practice, subject: row)
        for n in notices {
            let due = try world.look(d, at: n.at).intents.filter { $0.trigger == London.at(n.at) }
            let edt = due.filter { $0.role == "emergency-duty-team" }
            #expect(edt.map(\.identity) == (n.edt ? ["DR-1/s\(stage)/\(n.id)/emergency-duty-team"] : []), "\(n.at)")
            #expect(due.contains { $0.role != "emergency-duty-team" && $0.event.name == n.id }, "\(n.at): the owner's notice goes too")
            #expect(edt.allSatisfy { $0.urgency == .urgent })
        }
    }

    @Test func checkConfigRequiresAnAddressForTheOutOfHoursRole() throws {
        #expect(world.policy.outOfHours == ["emergency-duty-team"])
        #expect(world.policy.notifiableRoles.contains("emergency-duty-team"))
        #expect(world.policy.title(of: "emergency-duty-team") == "Emergency Duty Team")
    }
}
