import DisputeCore
import DisputeStore
import Foundation
import Testing
@testable import Web

// "Waiting for" says who must act now, the same on the dispute page, the overview (its column
// and its filter) and My work: one decision, `WhoActs`. Real HTTP, real SQLite file.
//
// The harness raises a four-stage formal dispute (Team Manager tm.smith@council.example named;
// [pause] approvers = head-of-service-safeguarding); the IRO service manager reads the overview.

@Suite("Web: who the dispute is waiting for (real HTTP)", .serialized)
struct WaitingForWebTests {
    static let procedure = "IRO/CP Chair Dispute Resolution Process (four stages)"
    typealias Step = (signer: String, action: String, form: [(String, String)])

    static let cases: [(name: String, steps: [Step], cell: String?, page: String?, matches: [String], misses: [String])] = [
        ("open", [], "Team Manager", "Team Manager", ["team-manager"], ["iro", "head-of-service-safeguarding"]),
        ("the Team Manager responded", [("tm.smith@council.example", "respond", [("text", "Meeting on Friday")])],
         "Independent Reviewing Officer (IRO), to decide",
         "Independent Reviewing Officer (IRO), iro@council.example, to decide: resolve or escalate", ["iro"], ["team-manager"]),
        ("a pause is asked for", [("tm.smith@council.example", "request-pause", [("reason", "Parent in hospital")])],
         "Team Manager; Head of Service - Safeguarding, to answer the pause request",
         "Team Manager; Head of Service - Safeguarding, to answer the pause request", ["team-manager", "head-of-service-safeguarding"], ["iro"]),
        ("paused", [("hos.safeguarding@council.example", "pause", [("reason", "Court directions awaited")])],
         "Nobody while the clock is paused", "Nobody while the clock is paused", [], ["team-manager", "iro", "head-of-service-safeguarding"]),
        ("escalated", [("iro@council.example", "escalate", [("to-stage", "2"), ("reason", "No meeting offered")])],
         "Service Manager", "Service Manager", ["service-manager"], ["team-manager", "iro"]),
        ("resolved", [("iro@council.example", "resolve", [("outcome", "Care plan amended")])], nil, nil, [], ["team-manager", "iro"]),
    ]

    @Test("The dispute page, the overview's column and filter, and My work say who must act now", arguments: cases)
    func waitingFor(_ c: (name: String, steps: [Step], cell: String?, page: String?, matches: [String], misses: [String])) async throws {
        let h = try await WebHarness()
        defer { Task { await h.stop() } }
        let id = try h.open("DR-W1")
        for s in c.steps {
            let who = try await h.signIn(s.signer)
            let r = try await h.request("POST", "/disputes/\(id)/\(s.action)", cookies: who.cookies, form: [("csrf", who.csrf)] + s.form)
            #expect(r.status == 303, "\(c.name): \(s.action)")
        }
        let link = "<td><a href=\"/disputes/\(id)\">DR-W1</a></td>"
        let manager = try await h.signIn("iro.manager@council.example")
        let overview = try await h.request("GET", "/overview", cookies: manager.cookies).body
        if let cell = c.cell {
            #expect(overview.contains("\(link)<td>North</td><td>\(Self.procedure)</td><td>\(c.name == "escalated" ? 2 : 1)</td><td>\(esc(cell))</td>"), "\(c.name)")
        } else {
            #expect(!overview.contains(link), "\(c.name): closed, not listed")
        }
        for role in c.matches {
            #expect(try await h.request("GET", "/overview?owner=\(role)", cookies: manager.cookies).body.contains(link), "\(c.name): \(role)")
        }
        for role in c.misses {
            #expect(!(try await h.request("GET", "/overview?owner=\(role)", cookies: manager.cookies).body.contains(link)), "\(c.name): \(role)")
        }
        let page = try await h.request("GET", "/disputes/\(id)", cookies: manager.cookies).body
        if let text = c.page {
            #expect(page.contains("<dt>Waiting for</dt><dd>\(esc(text))</dd>"), "\(c.name)")
        } else {
            #expect(!page.contains("<dt>Waiting for</dt>"), "\(c.name)")
        }
    }

    @Test("Responded, then paused: the page's Response row says the raiser decides once the clock restarts, not next")
    func respondedThenPaused() async throws {
        let h = try await WebHarness()
        defer { Task { await h.stop() } }
        let id = try h.open("DR-W3")
        for (signer, action, form) in [("tm.smith@council.example", "respond", [("text", "Meeting on Friday")]),
                                       ("hos.safeguarding@council.example", "pause", [("reason", "Court directions awaited")])] {
            let who = try await h.signIn(signer)
            #expect(try await h.request("POST", "/disputes/\(id)/\(action)", cookies: who.cookies, form: [("csrf", who.csrf)] + form).status == 303)
        }
        let manager = try await h.signIn("iro.manager@council.example")
        let page = try await h.request("GET", "/disputes/\(id)", cookies: manager.cookies).body
        #expect(page.contains("<dt>Waiting for</dt><dd>Nobody while the clock is paused</dd>"))
        #expect(page.contains("; the raiser decides once the clock restarts</dd>"))
        #expect(!page.contains("the raiser decides next"))
    }

    @Test("My work: after the response the Team Manager watches it, waiting for the IRO; paused, nobody")
    func myWorkWatchList() async throws {
        let h = try await WebHarness()
        defer { Task { await h.stop() } }
        let id = try h.open("DR-W2")
        let tm = try await h.signIn("tm.smith@council.example")
        #expect(try await h.request("POST", "/disputes/\(id)/respond", cookies: tm.cookies, form: [("csrf", tm.csrf), ("text", "Meeting on Friday")]).status == 303)
        let work = try await h.request("GET", "/", cookies: tm.cookies).body
        #expect(work.contains("Where you need to act (0)"))
        #expect(work.contains("<td>Stage 1. Waiting for: Independent Reviewing Officer (IRO), to decide</td>"))
        let hos = try await h.signIn("hos.safeguarding@council.example")
        #expect(try await h.request("POST", "/disputes/\(id)/pause", cookies: hos.cookies, form: [("csrf", hos.csrf), ("reason", "Court directions awaited")]).status == 303)
        let iro = try await h.signIn("iro@council.example")
        let iroWork = try await h.request("GET", "/", cookies: iro.cookies).body
        #expect(iroWork.contains("Where you need to act (0)"), "paused: the IRO decides nothing until the clock restarts")
        #expect(iroWork.contains("<td>Stage 1. Waiting for: Nobody while the clock is paused</td>"))
    }
}
