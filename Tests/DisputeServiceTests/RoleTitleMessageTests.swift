import DisputeCore
import Foundation
import Testing
import WorkingDays
@testable import DisputeService
@testable import Notifications
@testable import Recording
@testable import ServiceConfig

/// Messages speak to people: every shipped template names roles by the policy's titles
/// (`[role_titles]`, else the common titles), never by their slugs.
@Suite("Role titles in messages")
struct RoleTitleMessageTests {
    /// A four-stage formal dispute raised by the IRO Mon 23 Nov 2026 10:00, never answered: stage 1 (Team
    /// Manager, 5 working days) due Mon 30 Nov 17:00, escalated on breach to stage 2 (Service Manager)
    /// at Tue 1 Dec 08:30; the statutory 20 working days end Mon 21 Dec 17:00.
    static func composed(at now: String, _ identity: String) throws -> ComposedMessage {
        let policy = try Policy.parse(text: String(contentsOfFile: fourStagePath, encoding: .utf8), file: "four-stage.toml")
        let engine = Engine(policy: policy, calendar: try WorkingCalendar(division: .englandAndWales))
        let iro = Actor(role: "iro", email: "iro@council.example")
        let d = Dispute(ref: "DR-1", policy: "four-stage", kind: .formal, category: .general, type: .practice, division: .englandAndWales,
                        raisedBy: iro, events: [DisputeEvent(at: london("2026-11-23T10:00"), by: iro, change: .opened(stage: 1))])
        let evaluation = try engine.evaluate(d, now: london(now))
        let intent = try #require(evaluation.intents.first { $0.identity == identity })
        return compose(intent, of: Evaluated(dispute: d, evaluation: evaluation, engine: engine),
                       route: Route(to: ["x@council.example"], cc: [], webhooks: [], unroutable: [], redirectedToAdmin: false),
                       templates: try TemplateSet.load(shipped: shippedTemplates))
    }

    // (when, the notice, a sentence of it with titles)
    static let cases: [(at: String, identity: String, says: String)] = [
        ("2026-11-23T10:05", "DR-1/s1/opened/team-manager", "you (Team Manager) must act on it"),
        ("2026-11-26T08:30", "DR-1/s1/reminder-2wd/team-manager", "You (Team Manager) are responsible for it."),
        ("2026-11-26T08:30", "DR-1/s1/reminder-2wd/team-manager",
         "it escalates to Stage 2: IRO Service Manager meets the Social Work Service Manager, owned by the Service Manager"),
        ("2026-11-30T08:30", "DR-1/s1/reminder-0wd/team-manager", "You (Team Manager) are responsible for it."),
        ("2026-12-01T08:30", "DR-1/s1/breach/team-manager", "The dispute now escalates to Stage 2, owned by the Service Manager."),
        ("2026-12-01T08:30", "DR-1/s2/opened/service-manager", "you (Service Manager) now own it"),
        ("2026-12-14T00:00", "DR-1/s0/statutory-warning-5wd/head-of-service-safeguarding", "Head of Service - Safeguarding"),
    ]

    @Test(arguments: cases)
    func everyNoticeNamesRolesByTheirTitles(at: String, identity: String, says: String) throws {
        let m = try Self.composed(at: at, identity)
        #expect(m.message.text.contains(says), "\(m.message.text)")
        // No slug of a role in the message's prose (the identity line at the end carries one by design).
        let prose = m.message.text.components(separatedBy: "Why you are receiving this")[0]
        for slug in ["team-manager", "service-manager", "head-of-service", "iro-service-manager", "service-director", "director-of-childrens-services"] {
            #expect(!prose.contains(slug), "\(identity) names \(slug): \(prose)")
        }
    }
}
