import DisputeCore
import DisputeService
import Notifications
import Recording
import ServiceConfig
import DisputeStore
import Foundation
import Testing
@testable import Web

// "Record your response" (issue 11's responded event, on the web): offered to the owner of the
// current stage only, checked on the server, recorded through the Recorder with the signed-in
// person as actor. Through real HTTP against a real SQLite file.
//
// The harness raises a four-stage formal dispute on Fri 20 Nov 2026 09:00 (3 days before its
// clock, Mon 23 Nov 09:00); stage 1 is owned by team-manager, due Fri 27 Nov (5 working days).

@Suite("Web: the stage owner's response (real HTTP)", .serialized)
struct ResponseWebTests {
    static let text = "Meeting booked for Thursday; care plan review on the 10th"

    @Test("The stage owner records a response: as the role the dispute names them in, or the [roles] role when it names nobody",
          arguments: [("tm.smith@council.example", "tm.smith@council.example"), (nil, "tm.duty@council.example")])
    func ownerResponds(named: String?, signer: String) async throws {
        let h = try await WebHarness()
        defer { Task { await h.stop() } }
        let id = try h.open("DR-R1", teamManager: named)
        let tm = try await h.signIn(signer)
        let page = try await h.request("GET", "/disputes/\(id)", cookies: tm.cookies)
        #expect(page.body.contains("<h3 id=\"respond-title\">Record your response</h3>"))
        #expect(page.body.contains("action=\"/disputes/\(id)/respond\""))
        let done = try await h.request("POST", "/disputes/\(id)/respond", cookies: tm.cookies, form: [("csrf", tm.csrf), ("text", Self.text)])
        #expect(done.status == 303)
        #expect(done.header("Location") == "/disputes/\(id)?done=respond")
        let d = try #require(try h.store.dispute(ref: "DR-R1"))
        #expect(d.events.count == 2)
        #expect(d.events[1].change == .responded(text: Self.text))
        #expect(d.events[1].by == Actor(role: "team-manager", email: signer))
        #expect(d.events[1].at == h.clock.now)
        let after = try await h.request("GET", "/disputes/\(id)?done=respond", cookies: tm.cookies)
        #expect(after.body.contains("Your response is recorded."))
        #expect(after.body.contains("Responded: \(Self.text)"))
        #expect(after.body.contains("Mon 23 Nov 2026, 09:00, within the timescale, 1 working day after the stage began; the raiser decides next"))
        #expect(!after.body.contains("id=\"respond-title\""), "a stage is answered once")
        let audit = try h.store.audit(ref: "DR-R1", limit: 10).map { "\($0.action) \($0.outcome) \($0.actor ?? "-")" }
        #expect(audit == ["responded done \(signer)"])
    }

    @Test("Only the current stage's owner may respond: others get 403 and nothing is written",
          arguments: [
              "iro@council.example",          // the raiser: decides after the response, does not make it
              "sm@council.example",           // service-manager ([roles]): named on it, owns stage 2, not stage 1
              "tm.duty@council.example",      // team-manager by [roles], but the dispute names tm.smith in that role
              "hos.safeguarding@council.example",
          ])
    func othersMayNotRespond(signer: String) async throws {
        let h = try await WebHarness()
        defer { Task { await h.stop() } }
        let id = try h.open("DR-R2")
        let who = try await h.signIn(signer)
        let page = try await h.request("GET", "/disputes/\(id)", cookies: who.cookies)
        #expect(!page.body.contains("id=\"respond-title\""))
        let refused = try await h.request("POST", "/disputes/\(id)/respond", cookies: who.cookies, form: [("csrf", who.csrf), ("text", Self.text)])
        #expect(refused.status == 403)
        #expect(try h.events("DR-R2") == 1)
        #expect(try h.store.audit(ref: "DR-R2", limit: 10).map(\.outcome).last == "denied")
    }

    @Test("A second response to the same stage is refused (a stage is answered once)")
    func secondResponseIsRefused() async throws {
        let h = try await WebHarness()
        defer { Task { await h.stop() } }
        let id = try h.open("DR-R3")
        let tm = try await h.signIn("tm.smith@council.example")
        #expect(try await h.request("POST", "/disputes/\(id)/respond", cookies: tm.cookies, form: [("csrf", tm.csrf), ("text", "First")]).status == 303)
        h.clock.advance(60)
        let again = try await h.request("POST", "/disputes/\(id)/respond", cookies: tm.cookies, form: [("csrf", tm.csrf), ("text", "Second")])
        #expect(again.status == 403)
        #expect(try h.store.dispute(ref: "DR-R3")?.events.map(\.change) == [.opened(stage: 1), .responded(text: "First")])
    }

    @Test("An empty response shows the form again with the error linked to the field; nothing written")
    func emptyResponseIsRefused() async throws {
        let h = try await WebHarness()
        defer { Task { await h.stop() } }
        let id = try h.open("DR-R4")
        let tm = try await h.signIn("tm.smith@council.example")
        let r = try await h.request("POST", "/disputes/\(id)/respond", cookies: tm.cookies, form: [("csrf", tm.csrf), ("text", "   ")])
        #expect(r.status == 422)
        #expect(r.body.contains("<a href=\"#respond-text\">Enter your response: what you will do, and by when</a>"))
        #expect(r.body.contains("id=\"respond-text-error\""))
        #expect(try h.events("DR-R4") == 1)
    }

    @Test("A response longer than 4,000 characters is refused, never recorded cut short; 4,000 is recorded whole")
    func overlongResponseIsRefused() async throws {
        let h = try await WebHarness()
        defer { Task { await h.stop() } }
        let id = try h.open("DR-R6")
        let tm = try await h.signIn("tm.smith@council.example")
        let long = try await h.request("POST", "/disputes/\(id)/respond", cookies: tm.cookies,
                                       form: [("csrf", tm.csrf), ("text", String(repeating: "a", count: 4001))])
        #expect(long.status == 422)
        #expect(long.body.contains("<a href=\"#respond-text\">Write 4000 characters or fewer</a>"))
        #expect(try h.events("DR-R6") == 1)
        let whole = String(repeating: "b", count: 4000)
        #expect(try await h.request("POST", "/disputes/\(id)/respond", cookies: tm.cookies, form: [("csrf", tm.csrf), ("text", whole)]).status == 303)
        #expect(try h.store.dispute(ref: "DR-R6")?.events.last?.change == .responded(text: whole))
    }

    @Test("After the response, the raiser's My work asks them to decide, and the owner's no longer asks them to respond")
    func myWorkAfterResponse() async throws {
        let h = try await WebHarness()
        defer { Task { await h.stop() } }
        let id = try h.open("DR-R5")
        let tm = try await h.signIn("tm.smith@council.example")
        let iro = try await h.signIn("iro@council.example")
        #expect(try await h.request("GET", "/", cookies: tm.cookies).body.contains("Respond to Stage 1"))
        #expect(try await h.request("POST", "/disputes/\(id)/respond", cookies: tm.cookies, form: [("csrf", tm.csrf), ("text", Self.text)]).status == 303)
        let tmWork = try await h.request("GET", "/", cookies: tm.cookies).body
        #expect(tmWork.contains("Where you need to act (0)"))
        let iroWork = try await h.request("GET", "/", cookies: iro.cookies).body
        #expect(iroWork.contains("Where you need to act (1)"))
        #expect(iroWork.contains("Decide after the response of Mon 23 Nov 2026, 09:00: resolve or escalate"))
    }
}
