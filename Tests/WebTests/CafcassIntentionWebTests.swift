import DisputeCore
import DisputeService
import Recording
import DisputeStore
import Foundation
import Testing
@testable import Web

// "Record an intention to refer to CAFCASS" (the web's `drwatch dispute intend-cafcass`):
// four-stage says the Head of Service - Safeguarding "must be alerted before making a referral"
// (`[cafcass] intention_first`, `intended_alert`), so the referral is offered only once the
// intention is recorded. Offered to the raiser's side (or a manager) when the engine accepts it
// now; recorded through the Recorder with the signed-in person as actor. Real HTTP, real SQLite.

@Suite("Web: the intention to refer to CAFCASS (real HTTP)", .serialized)
struct CafcassIntentionWebTests {
    static let reason = "Care plan review missed twice; rights at risk"

    @Test("Offered to the raiser's side only, and never the referral before the intention",
          arguments: [
              ("iro@council.example", true),               // the raiser
              ("iro.manager@council.example", true),       // a manager, on the raiser's side
              ("tm.smith@council.example", false),         // stage 1's owner
              ("sm@council.example", false),               // service-manager ([roles])
          ])
    func offered(signer: String, offered: Bool) async throws {
        let h = try await WebHarness()
        defer { Task { await h.stop() } }
        let id = try h.open("DR-C1")
        let who = try await h.signIn(signer)
        let page = try await h.request("GET", "/disputes/\(id)", cookies: who.cookies).body
        #expect(page.contains("<h3 id=\"intend-cafcass-title\">Record an intention to refer to CAFCASS</h3>") == offered)
        #expect(page.contains("action=\"/disputes/\(id)/intend-cafcass\"") == offered)
        #expect(!page.contains("id=\"refer-cafcass-title\""), "four-stage: the intention comes first")
        if !offered {
            let refused = try await h.request("POST", "/disputes/\(id)/intend-cafcass", cookies: who.cookies, form: [("csrf", who.csrf), ("reason", Self.reason)])
            #expect(refused.status == 403)
            #expect(try h.events("DR-C1") == 1)
            #expect(try h.store.audit(ref: "DR-C1", limit: 10).map { "\($0.action) \($0.outcome)" } == ["intend-cafcass denied"])
        }
    }

    @Test("Not offered on a closed dispute: the engine refuses it")
    func notOfferedWhenClosed() async throws {
        let h = try await WebHarness()
        defer { Task { await h.stop() } }
        let id = try h.open("DR-C2")
        let iro = try await h.signIn("iro@council.example")
        #expect(try await h.request("POST", "/disputes/\(id)/withdraw", cookies: iro.cookies, form: [("csrf", iro.csrf), ("reason", "Agreed at review")]).status == 303)
        let page = try await h.request("GET", "/disputes/\(id)", cookies: iro.cookies).body
        #expect(!page.contains("id=\"intend-cafcass-title\""))
        let refused = try await h.request("POST", "/disputes/\(id)/intend-cafcass", cookies: iro.cookies, form: [("csrf", iro.csrf), ("reason", Self.reason)])
        #expect(refused.status == 403)
        #expect(try h.events("DR-C2") == 2)
    }

    @Test("Recorded with the signed-in person as actor; then the referral is offered and recorded")
    func recordedThenReferral() async throws {
        let h = try await WebHarness()
        defer { Task { await h.stop() } }
        let id = try h.open("DR-C3")
        let iro = try await h.signIn("iro@council.example")
        let page = try await h.request("GET", "/disputes/\(id)", cookies: iro.cookies).body
        #expect(page.contains("The policy alerts Head of Service - Safeguarding and Service Director before a referral."))
        let done = try await h.request("POST", "/disputes/\(id)/intend-cafcass", cookies: iro.cookies, form: [("csrf", iro.csrf), ("reason", Self.reason)])
        #expect(done.status == 303)
        #expect(done.header("Location") == "/disputes/\(id)?done=intend-cafcass")
        let d = try #require(try h.store.dispute(ref: "DR-C3"))
        #expect(d.events.count == 2)
        #expect(d.events[1].change == .cafcassIntended(reason: Self.reason))
        #expect(d.events[1].by == Actor(role: "iro", email: "iro@council.example"))
        #expect(d.events[1].at == h.clock.now)
        let after = try await h.request("GET", "/disputes/\(id)?done=intend-cafcass", cookies: iro.cookies).body
        #expect(after.contains("The intention to refer to CAFCASS is recorded."))
        #expect(after.contains("CAFCASS referral intended: \(Self.reason)"))
        #expect(after.contains("<h3 id=\"refer-cafcass-title\">Record a CAFCASS referral</h3>"))
        h.clock.advance(3600)
        let referred = try await h.request("POST", "/disputes/\(id)/refer-cafcass", cookies: iro.cookies, form: [("csrf", iro.csrf)])
        #expect(referred.status == 303)
        let d2 = try #require(try h.store.dispute(ref: "DR-C3"))
        #expect(d2.events.map(\.change) == [.opened(stage: 1), .cafcassIntended(reason: Self.reason), .cafcassReferral])
        #expect(d2.events[2].by == Actor(role: "iro", email: "iro@council.example"))
        let audit = try h.store.audit(ref: "DR-C3", limit: 10).map { "\($0.action) \($0.outcome) \($0.actor ?? "-")" }
        #expect(audit == ["cafcass-intended done iro@council.example", "cafcass-referral done iro@council.example"])
    }

    @Test("A blank reason records the intention without one, as the command line's optional --reason does")
    func blankReasonRecordsWithoutOne() async throws {
        let h = try await WebHarness()
        defer { Task { await h.stop() } }
        let id = try h.open("DR-C6")
        let iro = try await h.signIn("iro@council.example")
        let r = try await h.request("POST", "/disputes/\(id)/intend-cafcass", cookies: iro.cookies, form: [("csrf", iro.csrf), ("reason", "   ")])
        #expect(r.status == 303)
        let d = try #require(try h.store.dispute(ref: "DR-C6"))
        #expect(d.events.map(\.change) == [.opened(stage: 1), .cafcassIntended(reason: nil)])
    }

    @Test("An overlong reason shows the form again, keeping what was typed, with the error summary; nothing written",
          arguments: [(String(repeating: "r", count: 501), "Write 500 characters or fewer")])
    func reasonRequired(reason: String, message: String) async throws {
        let h = try await WebHarness()
        defer { Task { await h.stop() } }
        let id = try h.open("DR-C4")
        let iro = try await h.signIn("iro@council.example")
        let r = try await h.request("POST", "/disputes/\(id)/intend-cafcass", cookies: iro.cookies, form: [("csrf", iro.csrf), ("reason", reason)])
        #expect(r.status == 422)
        #expect(r.body.contains("<a href=\"#intend-cafcass-reason\">\(message)</a>"))
        #expect(r.body.contains("id=\"intend-cafcass-reason-error\""))
        #expect(r.body.contains("<div class=\"error-summary\" role=\"alert\" aria-labelledby=\"error-summary-title\" tabindex=\"-1\">"))
        if reason.count > 500 { #expect(r.body.contains(">\(reason)</textarea>"), "what was typed is kept") }
        #expect(try h.events("DR-C4") == 1)
        #expect(!r.body.contains("id=\"refer-cafcass-title\""))
    }

    @Test("A policy with nobody to alert of an intention offers the referral alone (national-standards)")
    func notOfferedWithoutIntentionStep() async throws {
        let h = try await WebHarness(morePolicies: ["national-standards"])
        defer { Task { await h.stop() } }
        let d = try h.app.runtime.opening(OpeningFields(ref: "DR-C5", policy: "national-standards", kind: "formal", category: "general", type: "P",
                                                        raisedBy: Actor(role: "iro", email: "iro@council.example"), at: h.clock.now - 86_400,
                                                        team: "North", people: [("team-manager", "tm.smith@council.example")]))
        try h.store.insert(d)
        let id = try #require(try h.store.disputeID(ref: "DR-C5"))
        let iro = try await h.signIn("iro@council.example")
        let page = try await h.request("GET", "/disputes/\(id)", cookies: iro.cookies).body
        #expect(!page.contains("id=\"intend-cafcass-title\""))
        #expect(page.contains("<h3 id=\"refer-cafcass-title\">Record a CAFCASS referral</h3>"))
        #expect(try await h.request("POST", "/disputes/\(id)/intend-cafcass", cookies: iro.cookies, form: [("csrf", iro.csrf), ("reason", Self.reason)]).status == 403)
    }
}
