import DisputeCore
import Foundation
import Testing
import WorkingDays
@testable import DisputeService
@testable import Notifications
@testable import Recording
@testable import ServiceConfig

/// The one compose step: a message states the engine's facts, never its own reading of the policy.
@Suite("Message composition")
struct MessageCompositionTests {
    static let director = "director-of-childrens-services"

    /// The six-stage DRP preset (initiator limits: most raisers may take a DRP up to stage 5; the IRO to 6).
    static func engine() throws -> Engine {
        let policy = try Policy.parse(text: String(contentsOfFile: sixStageDRPPath, encoding: .utf8), file: "six-stage-drp.toml")
        return Engine(policy: policy, calendar: try WorkingCalendar(division: .englandAndWales))
    }

    /// A DRP raised at stage 1 on Mon 2 Nov 10:00 by `role` and never answered: stage 5 runs out Mon 30 Nov 17:00.
    static func unanswered(raisedBy role: String) -> Dispute {
        let by = Actor(role: role, email: "\(role)@council.example")
        return Dispute(ref: "DR-1", policy: "six-stage-drp", kind: .formal, category: .carePlanImplementation, type: .delay,
                       division: .englandAndWales, raisedBy: by,
                       events: [DisputeEvent(at: london("2026-11-02T10:00"), by: by, change: .opened(stage: 1))])
    }

    static func composed(_ d: Dispute, at now: String, event: NotificationEvent) throws -> (ComposedMessage, Evaluation) {
        let engine = try engine()
        let evaluation = try engine.evaluate(d, now: london(now))
        let intent = try #require(evaluation.intents.first { $0.stage == 5 && $0.event == event && $0.role == director })
        let message = compose(intent, of: Evaluated(dispute: d, evaluation: evaluation, engine: engine),
                              route: Route(to: ["dcs@council.example"], cc: [], webhooks: [], unroutable: [], redirectedToAdmin: false),
                              templates: try TemplateSet.load(shipped: shippedTemplates))
        return (message, evaluation)
    }

    /// six-stage-drp's [role_titles].
    static let titles = ["iro-cp-cin": "IRO (child protection or child in need plan)", "firo": "Fostering Independent Reviewing Officer (FIRO)",
                         "qa-manager": "Manager for Quality Assurance", "lado": "Local Authority Designated Officer (LADO)"]

    static let raisers: [(role: String, limit: Int)] = [("iro-cp-cin", 5), ("firo", 5), ("qa-manager", 5), ("lado", 5), ("iro", 6)]

    @Test(arguments: raisers)
    func aReminderPromisesWhatTheEngineDoesWhenTheStageRunsOut(role: String, limit: Int) throws {
        // Given an unanswered DRP raised by `role`, When stage 5's due-today reminder is composed on Mon 30 Nov
        let d = Self.unanswered(raisedBy: role)
        let (m, _) = try Self.composed(d, at: "2026-11-30T10:00", event: .reminderWorkingDays(0))
        // And the engine looks after stage 5 ran out
        let after = try Self.engine().evaluate(d, now: london("2026-12-01T08:30"))
        let breachRoles = after.intents.filter { $0.stage == 5 && $0.event == .breach }.map(\.role)
        #expect(m.facts.breach?.alerted == breachRoles)
        if limit == 5 {
            // Then the message says it stays at stage 5, as the engine keeps it there
            #expect(after.stage == 5 && after.owner == Self.director)
            #expect(m.facts.breach == BreachConsequence(stage: 5, move: .staysAtInitiatorLimit(limit: 5, raisedBy: role),
                                                         alerted: [Self.director, "chief-executive"]))
            #expect(m.message.text.contains(
                "If it is not done by then, it stays at Stage 5, the highest stage a dispute raised by the \(Self.titles[role]!) may reach, and the Chief Executive is alerted."))
            #expect(!m.message.text.contains("escalates") && !m.message.text.contains("Stage 6"))
        } else {
            // Then the message says it escalates to stage 6, as the engine takes it there
            #expect(after.stage == 6 && after.owner == "chief-executive")
            #expect(m.facts.breach?.move == .escalates(toStage: 6, owner: "chief-executive"))
            #expect(m.message.text.contains(
                "If it is not done by then, it escalates to Stage 6: Chief Executive (children in care only), owned by the Chief Executive"))
        }
    }

    @Test func theBreachAlertAtTheInitiatorsLimitSaysTheDisputeStays() throws {
        // Given a DRP raised by an IRO for a child on a child protection plan (up to stage 5 only)
        let d = Self.unanswered(raisedBy: "iro-cp-cin")
        // When stage 5's breach alert is composed the next morning
        let (m, evaluation) = try Self.composed(d, at: "2026-12-01T08:30", event: .breach)
        // Then it names the limit and promises no escalation; the engine indeed stays at stage 5
        #expect(evaluation.stage == 5)
        #expect(m.message.subject == "Deadline missed: DR-1 Stage 5 was due Mon 30 Nov 2026, 17:00")
        #expect(m.message.text.contains(
            "The dispute stays at Stage 5, the highest stage a dispute raised by the IRO (child protection or child in need plan) may reach: please act now."))
        #expect(!m.message.text.contains("escalates"))
    }
}
