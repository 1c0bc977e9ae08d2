import Foundation
import WorkingDays
@testable import DisputeCore

// A seeded data set whose report figures are known by construction (four-stage preset,
// England and Wales; no bank holiday falls in the weeks used). Report period 2026 Q3
// (1 Jul - 30 Sep), previous 2026 Q2; one group in 2026 Q1 for the quarterly trend.
//
// Q3  G1  6 formal  Alpha general  P  Mon 6 Jul 10:00 -> resolved Fri 10 Jul 12:00 at stage 1: in time, 4 wd
//     G2  5 formal  Beta  statut.  R  Mon 6 Jul 10:00, escalated Wed 8 Jul 10:00 (stage 2 due Wed 15 Jul),
//                                    resolved Thu 16 Jul 10:00: stage 2 late (derived stage 3 from 15 Jul),
//                                    statutory met, 8 wd
//     G3  3 formal  Beta  care-pl. D  Mon 6 Jul 10:00, never moved: derived stages 2 (13 Jul), 3 (20 Jul),
//                                    4 (27 Jul); resolved Mon 10 Aug: late, statutory (3 Aug) breached, 25 wd
//     G4  2 formal  Alpha general  P  Mon 13 Jul 10:00, paused Tue 14 Jul - Tue 21 Jul (5 wd), extended 3 wd
//                                    Wed 22 Jul, CAFCASS Wed 15 Jul; due Thu 30 Jul 17:00; resolved Thu 30 Jul
//                                    10:00: in time, 13 - 5 = 8 wd
//     G5  4 formal  Gamma provis.  R  Mon 20 Jul, withdrawn Wed 22 Jul
//     G6  7 formal  Gamma general  D  Tue 29 Sep 10:00, open at the end (stage 1)
//     QoP 5 alerts  Delta general  P  C-100 Tue 7 Jul, Tue 14 Jul (both repeats: C-100 had one on 1 Jun);
//                                    C-200 Tue 7 Jul; C-300 Tue 7 Jul, Wed 8 Jul (a repeat). Resolved after
//                                    2 wd, except C-300's second after 5 wd (Wed 15 Jul 10:00, due 17:00)
//     GP  6 Alpha care-plan P, 2 Delta general P
//     P2 (below) resolved Thu 2 Jul
// Q2  P1 10 formal  Alpha general  P  Mon 1 Jun 10:00 -> Fri 5 Jun 10:00: in time, 4 wd
//     P2  1 formal  Beta  statut.  R  Mon 8 Jun 10:00, derived to stage 4 by 29 Jun; resolved Thu 2 Jul 10:00
//                                    (in Q3): late, statutory (6 Jul) met, 18 wd
//     QoP C-100 Mon 1 Jun 09:00 -> Wed 3 Jun 09:00, 2 wd; GP 1 Alpha care-plan P
// Q1  P3  5 formal  Alpha general  P  Mon 2 Feb 10:00 -> Mon 9 Feb 10:00: in time (due 17:00), 5 wd
enum ReportFixture {
    static let asOf = at("2026-11-20 12:00")

    static func rec(_ ref: String, _ category: IssueCategory, _ type: DisputeType, kind: RecordKind = .formal, team: String,
                    child: String? = nil, _ events: [(String, DisputeEvent.Change)]) -> Dispute {
        Dispute(ref: ref, policy: "four-stage", kind: kind, category: category, type: type, division: .englandAndWales,
                childRef: child, team: team, raisedBy: actor("iro"),
                events: events.map { DisputeEvent(at: at($0.0), by: actor("iro"), change: $0.1) })
    }

    static var disputes: [Dispute] {
        var out: [Dispute] = []
        let hos = actor("head-of-service-safeguarding"), iro = actor("iro")
        for i in 0..<6 {
            out.append(rec("G1-\(i)", .general, .practice, team: "Alpha",
                           [("2026-07-06 10:00", .opened(stage: 1)), ("2026-07-10 12:00", .resolved(outcome: "agreed"))]))
        }
        for i in 0..<5 {
            out.append(rec("G2-\(i)", .statutoryRequirements, .resources, team: "Beta",
                           [("2026-07-06 10:00", .opened(stage: 1)), ("2026-07-08 10:00", .escalated(toStage: 2, reason: nil)),
                            ("2026-07-16 10:00", .resolved(outcome: "agreed"))]))
        }
        for i in 0..<3 {
            out.append(rec("G3-\(i)", .carePlanImplementation, .delay, team: "Beta",
                           [("2026-07-06 10:00", .opened(stage: 1)), ("2026-08-10 10:00", .resolved(outcome: "agreed"))]))
        }
        for i in 0..<2 {
            out.append(rec("G4-\(i)", .general, .practice, team: "Alpha",
                           [("2026-07-13 10:00", .opened(stage: 1)),
                            ("2026-07-14 10:00", .paused(approvedBy: hos, reason: "court hearing")),
                            ("2026-07-15 11:00", .cafcassReferral),
                            ("2026-07-21 10:00", .resumed),
                            ("2026-07-22 10:00", .extended(workingDays: 3, agreedBy: iro)),
                            ("2026-07-30 10:00", .resolved(outcome: "agreed"))]))
        }
        for i in 0..<4 {
            out.append(rec("G5-\(i)", .provisionOfServices, .resources, team: "Gamma",
                           [("2026-07-20 10:00", .opened(stage: 1)), ("2026-07-22 10:00", .withdrawn(reason: "resolved informally"))]))
        }
        for i in 0..<7 {
            out.append(rec("G6-\(i)", .general, .delay, team: "Gamma", [("2026-09-29 10:00", .opened(stage: 1))]))
        }
        let qop: [(String, String, String)] = [
            ("C-100", "2026-06-01 09:00", "2026-06-03 09:00"),
            ("C-100", "2026-07-07 09:00", "2026-07-09 09:00"), ("C-100", "2026-07-14 09:00", "2026-07-16 09:00"),
            ("C-200", "2026-07-07 09:00", "2026-07-09 09:00"),
            ("C-300", "2026-07-07 09:00", "2026-07-09 09:00"), ("C-300", "2026-07-08 09:00", "2026-07-15 10:00"),
        ]
        for (i, q) in qop.enumerated() {
            out.append(rec("QOP-\(i)", .general, .practice, kind: .qopAlert, team: "Delta", child: q.0,
                           [(q.1, .opened(stage: 1)), (q.2, .resolved(outcome: "response received"))]))
        }
        for i in 0..<6 {
            out.append(rec("GP-A\(i)", .carePlanImplementation, .practice, kind: .goodPractice, team: "Alpha",
                           [("2026-08-0\(3 + i) 11:00", .opened(stage: 0))]))
        }
        for i in 0..<2 {
            out.append(rec("GP-D\(i)", .general, .practice, kind: .goodPractice, team: "Delta", [("2026-09-1\(i) 11:00", .opened(stage: 0))]))
        }
        out.append(rec("GP-Q2", .carePlanImplementation, .practice, kind: .goodPractice, team: "Alpha", [("2026-05-12 11:00", .opened(stage: 0))]))
        for i in 0..<10 {
            out.append(rec("P1-\(i)", .general, .practice, team: "Alpha",
                           [("2026-06-01 10:00", .opened(stage: 1)), ("2026-06-05 10:00", .resolved(outcome: "agreed"))]))
        }
        out.append(rec("P2-0", .statutoryRequirements, .resources, team: "Beta",
                       [("2026-06-08 10:00", .opened(stage: 1)), ("2026-07-02 10:00", .resolved(outcome: "agreed"))]))
        for i in 0..<5 {
            out.append(rec("P3-\(i)", .general, .practice, team: "Alpha",
                           [("2026-02-02 10:00", .opened(stage: 1)), ("2026-02-09 10:00", .resolved(outcome: "agreed"))]))
        }
        return out
    }

    static func builder() throws -> ReportBuilder {
        ReportBuilder(policies: [try preset("four-stage")],
                      calendars: [.englandAndWales: try WorkingCalendar(division: .englandAndWales)])
    }

    static func report(threshold: Int? = 5) throws -> Report {
        try builder().build(disputes: disputes, period: .quarter(2026, 3), asOf: asOf, suppressionThreshold: threshold)
    }
}
