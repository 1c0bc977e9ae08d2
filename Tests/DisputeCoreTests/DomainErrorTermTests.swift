import Foundation
import Testing
@testable import DisputeCore

// A refusal also marks the procedure, the kind and any command-line hint it names, so that a
// web page can say the procedure's and the kind's titles and the form's words, while the
// command line and the import print exactly what they always printed (output is a contract).
// The refusals are the engine's own, for four-stage (a formal, "Formal Dispute Resolution").

@Suite("Refusals name procedures, kinds and hints per front end")
struct DomainErrorTermTests {
    /// How a page says them (`WebApp.say`, without the web module): titles, "a"/"an", the form's words.
    static func page(_ policy: Policy) -> (Term) -> String {
        { term in
            switch term {
            case .policy: policy.title
            case .kind(let k, let article): (article ? "a " : "") + (RecordKind(rawValue: k).flatMap { policy.kinds[$0]?.title } ?? k)
            case .hint(_, let form): form
            }
        }
    }

    static let cases: [(name: String, steps: [(DisputeEvent.Change, String)], change: DisputeEvent.Change, by: String, commandLine: String, page: String)] = [
        ("escalating past the last stage", [(.escalated(toStage: 2, reason: nil), "iro"), (.escalated(toStage: 3, reason: nil), "iro"),
                                            (.escalated(toStage: 4, reason: nil), "iro"), (.escalated(toStage: 5, reason: nil), "iro")],
         .escalated(toStage: 6, reason: nil), "iro",
         "DR-1 is already at stage 5, the last stage of a formal under four-stage; it cannot go higher: resolve it, withdraw it or refer it to CAFCASS",
         "DR-1 is already at stage 5, the last stage of a Formal Dispute Resolution under IRO/CP Chair Dispute Resolution Process (four stages); it cannot go higher: resolve it, withdraw it or refer it to CAFCASS"),
        ("a response by someone else", [], .responded(text: "x"), "iro",
         "a response at stage 1 of DR-1 is recorded by its owner, team-manager, not iro; give --by team-manager:EMAIL",
         "a response at stage 1 of DR-1 is recorded by its owner, team-manager, not iro"),
        ("a second response", [(.responded(text: "x"), "team-manager")], .responded(text: "y"), "team-manager",
         "stage 1 of DR-1 already has a response (Mon 2 Nov 2026); add a note instead (drwatch dispute note)",
         "stage 1 of DR-1 already has a response (Mon 2 Nov 2026); add a note instead"),
        ("a CAFCASS referral before the intention", [], .cafcassReferral, "iro",
         "under four-stage the Head of Service - Safeguarding and Service Director must be alerted before a CAFCASS referral; record the intention first (drwatch dispute intend-cafcass DR-1 --by ROLE:EMAIL --reason \"...\"), then the referral",
         "under IRO/CP Chair Dispute Resolution Process (four stages) the Head of Service - Safeguarding and Service Director must be alerted before a CAFCASS referral; record the intention first (“Record an intention to refer to CAFCASS” on the dispute's page), then the referral"),
    ]

    @Test("The command line reads as before; a page says titles and the form's words", arguments: cases)
    func perFrontEnd(_ c: (name: String, steps: [(DisputeEvent.Change, String)], change: DisputeEvent.Change, by: String, commandLine: String, page: String)) throws {
        let policy = try preset("four-stage")
        let engine = try DisputeCoreTests.engine(policy)
        var d = record(opened: "2026-11-02 10:00")
        for (change, role) in c.steps { d = try engine.apply(DisputeEvent(at: at("2026-11-02 11:00"), by: actor(role), change: change), to: d) }
        let error = try #require(throws: DomainError.self, "\(c.name)") {
            try engine.apply(DisputeEvent(at: at("2026-11-02 12:00"), by: actor(c.by), change: c.change), to: d)
        }
        #expect(error.description == c.commandLine, "\(c.name)")
        #expect(error.message(naming: \.label) == c.commandLine, "\(c.name)")
        #expect(error.message(naming: \.label, terms: Self.page(policy)) == c.page, "\(c.name)")
    }

    @Test("Terms read the same marked or not; an unknown mark keeps its name")
    func marks() {
        #expect(DomainError("\(DomainError.policy("four-stage")) does not allow pauses") == DomainError("four-stage does not allow pauses"))
        #expect(DomainError("\(DomainError.kind(.formal, article: true)) has no stages").description == "a formal has no stages")
        #expect(DomainError.resolvingTerms("x \u{5}z\u{1F}odd\u{6} y", { _ in "never" }) == "x odd y")
    }
}
