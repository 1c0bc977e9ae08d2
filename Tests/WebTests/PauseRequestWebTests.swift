import DisputeCore
import DisputeService
import Notifications
import Recording
import ServiceConfig
import DisputeStore
import Foundation
import Testing
@testable import Web

// Pause requests (migration 007): someone the policy does not let pause asks with a reason; a
// pause approver sees it in My work and approves (the dispute's `paused` event, through the
// Recorder, the approver as actor) or declines (with a reason). Real HTTP, real SQLite file.
//
// four-stage: "this must be with the agreement of the Head of Service - Safeguarding"
// ([pause] approvers = head-of-service-safeguarding; hos.safeguarding@council.example in the
// harness's [roles]). The Team Manager (tm.smith, named on the dispute) may not pause.

@Suite("Web: pause requests (real HTTP)", .serialized)
struct PauseRequestWebTests {
    static let hos = "hos.safeguarding@council.example"
    static let tm = "tm.smith@council.example"

    /// Signs the Team Manager in and asks for a pause; returns the request's id.
    static func ask(_ h: WebHarness, _ id: Int64, reason: String = "Parent in hospital until the 30th") async throws -> Int64 {
        let tm = try await h.signIn(tm)
        let page = try await h.request("GET", "/disputes/\(id)", cookies: tm.cookies)
        #expect(page.body.contains("<h3 id=\"request-pause-title\">Ask for the clock to be paused</h3>"))
        #expect(!page.body.contains("id=\"pause-title\""), "the Team Manager may not pause")
        let r = try await h.request("POST", "/disputes/\(id)/request-pause", cookies: tm.cookies, form: [("csrf", tm.csrf), ("reason", reason)])
        #expect(r.status == 303)
        #expect(r.header("Location") == "/disputes/\(id)?done=request-pause")
        return try #require(try h.store.pauseRequests(disputeID: id).last?.id)
    }

    @Test("Asked by the Team Manager, seen in the approver's My work, approved: the dispute is paused with the approver as actor")
    func askAndApprove() async throws {
        let h = try await WebHarness()
        defer { Task { await h.stop() } }
        let id = try h.open("DR-P1")
        let rid = try await Self.ask(h, id)
        let stored = try h.store.pauseRequests(disputeID: id)
        #expect(stored == [PauseRequestRow(id: rid, disputeID: id, requestedAt: h.clock.now, requestedBy: Actor(role: "team-manager", email: Self.tm),
                                           reason: "Parent in hospital until the 30th")])
        #expect(try h.events("DR-P1") == 1, "a request changes nothing on the dispute")
        let tm = try await h.signIn(Self.tm)
        let asked = try await h.request("GET", "/disputes/\(id)", cookies: tm.cookies).body
        #expect(asked.contains("Waiting for Head of Service - Safeguarding"))
        #expect(!asked.contains("id=\"request-pause-title\""), "one request waits at a time")

        #expect(try h.store.waitingPauseRequests(limit: 10).map(\.id) == [rid])
        let hos = try await h.signIn(Self.hos)
        let work = try await h.request("GET", "/", cookies: hos.cookies).body
        #expect(work.contains("Approve or decline a pause asked for by tm.smith@council.example (Team Manager)"))
        #expect(work.components(separatedBy: "<a href=\"/disputes/\(id)\">DR-P1</a>").count == 2, "listed once, where they must act")
        let page = try await h.request("GET", "/disputes/\(id)", cookies: hos.cookies).body
        #expect(page.contains("id=\"approve-pause-title\""))
        #expect(page.contains("id=\"decline-pause-title\""))
        #expect(!page.contains("id=\"pause-title\""), "with a request waiting, the approver answers it")
        #expect(page.range(of: "id=\"approve-pause-title\"")!.lowerBound < page.range(of: "id=\"escalate-title\"")!.lowerBound, "the request comes first")
        h.clock.advance(3600)
        let approved = try await h.request("POST", "/disputes/\(id)/approve-pause", cookies: hos.cookies, form: [("csrf", hos.csrf), ("request", "\(rid)")])
        #expect(approved.status == 303)
        #expect(approved.header("Location") == "/disputes/\(id)?done=approve-pause")
        let d = try #require(try h.store.dispute(ref: "DR-P1"))
        let approver = Actor(role: "head-of-service-safeguarding", email: Self.hos)
        #expect(d.events.count == 2)
        #expect(d.events[1].change == .paused(approvedBy: approver, reason: "Parent in hospital until the 30th (asked for by tm.smith@council.example, Team Manager)"))
        #expect(d.events[1].by == approver)
        #expect(try h.app.runtime.evaluate(d, now: h.clock.now).state == .paused)
        #expect(try h.store.pauseRequests(disputeID: id)[0].approval(in: d) == d.events[1])
        #expect(try h.store.waitingPauseRequests(limit: 10).isEmpty, "approved: no longer waiting")
        let after = try await h.request("GET", "/disputes/\(id)", cookies: tm.cookies).body
        #expect(after.contains("Approved Mon 23 Nov 2026, 10:00 by hos.safeguarding@council.example"))
        #expect(!(try await h.request("GET", "/", cookies: hos.cookies).body.contains("Approve or decline a pause")))
        let audit = try h.store.audit(ref: "DR-P1", limit: 10).map { "\($0.action) \($0.outcome) \($0.actor ?? "-")" }
        #expect(audit == ["request-pause done \(Self.tm)", "paused done \(Self.hos)"])
    }

    @Test("Declined with a reason: nothing changes on the dispute, the asker sees why and may ask again")
    func decline() async throws {
        let h = try await WebHarness()
        defer { Task { await h.stop() } }
        let id = try h.open("DR-P2")
        let rid = try await Self.ask(h, id)
        let hos = try await h.signIn(Self.hos)
        let empty = try await h.request("POST", "/disputes/\(id)/decline-pause", cookies: hos.cookies, form: [("csrf", hos.csrf), ("request", "\(rid)")])
        #expect(empty.status == 422)
        #expect(empty.body.contains("<a href=\"#decline-pause-reason\">Enter why the pause is declined, for the person who asked</a>"))
        #expect(try h.store.pauseRequests(disputeID: id)[0].declinedAt == nil)
        let declined = try await h.request("POST", "/disputes/\(id)/decline-pause", cookies: hos.cookies,
                                           form: [("csrf", hos.csrf), ("request", "\(rid)"), ("reason", "Hold the meeting by phone")])
        #expect(declined.status == 303)
        #expect(declined.header("Location") == "/disputes/\(id)?done=decline-pause")
        let row = try #require(try h.store.pauseRequests(disputeID: id).first)
        #expect(row.declinedAt == h.clock.now && row.declinedBy == Self.hos && row.declineReason == "Hold the meeting by phone")
        #expect(try h.events("DR-P2") == 1)
        #expect(try h.store.waitingPauseRequests(limit: 10).isEmpty, "declined: no longer waiting")
        let tm = try await h.signIn(Self.tm)
        let page = try await h.request("GET", "/disputes/\(id)", cookies: tm.cookies).body
        #expect(page.contains("Declined Mon 23 Nov 2026, 09:00 by hos.safeguarding@council.example: Hold the meeting by phone"))
        #expect(page.contains("id=\"request-pause-title\""), "may ask again")
    }

    @Test("Refused, nothing written: the approver asks, the asker approves, an answer to a request no longer waiting, a request without a reason")
    func refusals() async throws {
        let h = try await WebHarness()
        defer { Task { await h.stop() } }
        let id = try h.open("DR-P3")
        let hos = try await h.signIn(Self.hos)
        // The approver pauses; asking is for those who may not.
        let own = try await h.request("POST", "/disputes/\(id)/request-pause", cookies: hos.cookies, form: [("csrf", hos.csrf), ("reason", "x")])
        #expect(own.status == 403)
        let tm = try await h.signIn(Self.tm)
        let noReason = try await h.request("POST", "/disputes/\(id)/request-pause", cookies: tm.cookies, form: [("csrf", tm.csrf), ("reason", " ")])
        #expect(noReason.status == 422)
        #expect(noReason.body.contains("<a href=\"#request-pause-reason\">Enter why the clock should be paused</a>"))
        #expect(try h.store.pauseRequests(disputeID: id).isEmpty)
        let rid = try await Self.ask(h, id)
        let selfApproved = try await h.request("POST", "/disputes/\(id)/approve-pause", cookies: tm.cookies, form: [("csrf", tm.csrf), ("request", "\(rid)")])
        #expect(selfApproved.status == 403)
        let stale = try await h.request("POST", "/disputes/\(id)/approve-pause", cookies: hos.cookies, form: [("csrf", hos.csrf), ("request", "\(rid + 1)")])
        #expect(stale.status == 422)
        #expect(stale.body.contains("This pause request is no longer waiting for an answer"))
        #expect(try h.events("DR-P3") == 1)
        #expect(try h.store.pauseRequests(disputeID: id).map(\.declinedAt) == [nil])
    }
}
