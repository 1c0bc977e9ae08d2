import DisputeCore
import Foundation
import Testing
@testable import Web

// The raise form's "Child's status" (as `drwatch dispute open --child-status`): shown only when a
// loaded policy's initiator limits depend on it, its hint built from those limits, checked by the
// same recording layer (`Runtime.opening` through `WebApp.record`). six-stage-drp: "IROs can
// raise DRPs up to stage 6, for children in our care ... up to stage 5 for children supported
// through a child protection or child in need plan". Real HTTP, real SQLite file.

@Suite("Web: the child's status on the raise form (real HTTP)", .serialized)
struct ChildStatusWebTests {
    static let iro = "iro.team@council.example"

    /// The raise form's fields for a formal dispute under six-stage-drp, raised at `stage`.
    static func form(_ csrf: String, ref: String, stage: String, status: String) -> [(String, String)] {
        [("csrf", csrf), ("ref", ref), ("child", ""), ("child-status", status), ("policy", "six-stage-drp"), ("kind", "formal"),
         ("category", "general"), ("type", "P"), ("stage", stage), ("reason", "Stages 1 to 4 met without agreement outside drwatch"),
         ("team", "North"), ("raised-as", "iro")]
    }

    @Test("No policy limits by the child's status (four-stage): no field")
    func noFieldWithoutLimits() async throws {
        let h = try await WebHarness()
        defer { Task { await h.stop() } }
        let iro = try await h.signIn(Self.iro)
        let page = try await h.request("GET", "/raise", cookies: iro.cookies).body
        #expect(page.contains("id=\"ref\""))
        #expect(!page.contains("child-status"))
    }

    @Test("The field and its hint come from six-stage-drp's initiator rows")
    func fieldFromPolicy() async throws {
        let h = try await WebHarness(morePolicies: ["six-stage-drp"])
        defer { Task { await h.stop() } }
        let iro = try await h.signIn(Self.iro)
        let page = try await h.request("GET", "/raise", cookies: iro.cookies).body
        #expect(page.contains("<label class=\"label\" for=\"child-status\">Child&#39;s status</label><div id=\"child-status-hint\" class=\"hint\">Some limits depend on it: under the procedure “Dispute Resolution Process (DRP), six stages with initiator limits”, the Independent Reviewing Officer (IRO) may raise up to stage 5 for a child on a child protection or child in need plan. Record it whenever the child is on a plan.</div>"))
        #expect(page.contains("<select class=\"select\" id=\"child-status\" name=\"child-status\" aria-describedby=\"child-status-hint\"><option value=\"\">Not recorded</option><option value=\"cp-cin\">On a child protection or child in need plan</option><option value=\"other\">Not on a child protection or child in need plan</option></select>"))
    }

    @Test("Above the limit for a child on a plan: refused with the engine's reason at the stage, what was typed kept, nothing written")
    func refusedAboveTheLimit() async throws {
        let h = try await WebHarness(morePolicies: ["six-stage-drp"])
        defer { Task { await h.stop() } }
        let iro = try await h.signIn(Self.iro)
        let r = try await h.request("POST", "/raise", cookies: iro.cookies, form: Self.form(iro.csrf, ref: "DR-C1", stage: "6", status: "cp-cin"))
        #expect(r.status == 422)
        #expect(r.body.contains("<li><a href=\"#stage\">Independent Reviewing Officer (IRO) may raise for a child on a child protection or child in need plan up to stage 5 only under Dispute Resolution Process (DRP), six stages with initiator limits, not stage 6</a></li>"))
        #expect(r.body.contains("<option value=\"cp-cin\" selected>"), "the status chosen is kept")
        #expect(r.body.contains("id=\"ref\" name=\"ref\" type=\"text\" value=\"DR-C1\""))
        #expect(try h.store.dispute(ref: "DR-C1") == nil)
    }

    @Test("Within the limit: raised with the status recorded, shown on its page; not on a plan, stage 6 is allowed")
    func recorded() async throws {
        let h = try await WebHarness(morePolicies: ["six-stage-drp"])
        defer { Task { await h.stop() } }
        let iro = try await h.signIn(Self.iro)
        for (ref, stage, status, expected) in [("DR-C2", "5", "cp-cin", ChildStatus.cpCin), ("DR-C3", "6", "other", .other)] {
            let r = try await h.request("POST", "/raise", cookies: iro.cookies, form: Self.form(iro.csrf, ref: ref, stage: stage, status: status))
            #expect(r.status == 303, "\(r.body)")
            let d = try #require(try h.store.dispute(ref: ref))
            #expect(d.childStatus == expected)
            #expect(d.events[0].change == .opened(stage: Int(stage)!))
            let id = try #require(try h.store.disputeID(ref: ref))
            let page = try await h.request("GET", "/disputes/\(id)", cookies: iro.cookies).body
            #expect(page.contains("<dt>Child&#39;s status</dt><dd>\(RaiseRoutes.statusWords(expected).capitalizedFirst)</dd>"))
        }
    }

    @Test("A value that is not a status: refused at the field with how to fix it, nothing written")
    func unknownStatus() async throws {
        let h = try await WebHarness(morePolicies: ["six-stage-drp"])
        defer { Task { await h.stop() } }
        let iro = try await h.signIn(Self.iro)
        let r = try await h.request("POST", "/raise", cookies: iro.cookies, form: Self.form(iro.csrf, ref: "DR-C4", stage: "1", status: "<b>in-care</b>"))
        #expect(r.status == 422)
        #expect(r.body.contains("<li><a href=\"#child-status\">unknown child&#39;s status &lt;b&gt;in-care&lt;/b&gt;; use cp-cin (a child protection or child in need plan) or other (a child in care, or any other)</a></li>"))
        #expect(try h.store.dispute(ref: "DR-C4") == nil)
    }
}
