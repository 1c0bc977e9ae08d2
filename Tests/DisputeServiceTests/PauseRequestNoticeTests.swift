import DisputeCore
import DisputeStore
import Foundation
import Testing
import WorkingDays
@testable import Notifications
@testable import ServiceConfig

// A pause request from the web app waits for the policy's pause approvers (four-stage: the Head
// of Service - Safeguarding). They are emailed once per request, through the outbox like every
// notice; a request answered before the poll tells nobody. The decision is pure
// (`pauseRequestNotices`, `planPauseRequestNotices`); the Poller reads and enqueues.

@Suite("Pause request notices", .serialized)
struct PauseRequestNoticeTests {
    static let iro = Actor(role: "iro", email: "iro@council.example")
    static let tm = Actor(role: "team-manager", email: "tm@council.example")
    static let hos = Actor(role: "head-of-service-safeguarding", email: "hos.safeguarding@council.example")
    static let opened = london("2026-11-23T10:00")
    static let asked = london("2026-11-24T09:00")

    static func dispute(_ later: [DisputeEvent] = []) -> Dispute {
        Dispute(ref: "DR-1", policy: "four-stage", kind: .formal, category: .general, type: .practice, division: .englandAndWales,
                raisedBy: iro, people: ["team-manager": [tm.email]],
                events: [DisputeEvent(at: opened, by: iro, change: .opened(stage: 1))] + later)
    }

    static func request(declined: Bool = false) -> PauseRequestRow {
        PauseRequestRow(id: 7, disputeID: 1, requestedAt: asked, requestedBy: tm, reason: "Parent in hospital until the 30th",
                        declinedAt: declined ? asked + 3600 : nil, declinedBy: declined ? hos.email : nil, declineReason: declined ? "No" : nil)
    }

    static func policy() throws -> Policy {
        try Policy.parse(text: String(contentsOfFile: fourStagePath, encoding: .utf8), file: fourStagePath)
    }

    // MARK: Pure

    static let cases: [(String, [DisputeEvent], Bool, [String])] = [
        ("waiting", [], false, ["DR-1/pause-request-7/head-of-service-safeguarding"]),
        ("declined", [], true, []),
        ("approved: paused after the request", [DisputeEvent(at: asked + 600, by: hos, change: .paused(approvedBy: hos, reason: "Agreed"))], false, []),
        ("the dispute withdrawn", [DisputeEvent(at: asked + 600, by: iro, change: .withdrawn(reason: "Agreed elsewhere"))], false, []),
        ("the dispute resolved", [DisputeEvent(at: asked + 600, by: iro, change: .resolved(outcome: "Plan amended"))], false, []),
        ("an earlier pause, since restarted, does not answer it",
         [DisputeEvent(at: opened + 600, by: hos, change: .paused(approvedBy: hos, reason: "Earlier")),
          DisputeEvent(at: opened + 3600, by: hos, change: .resumed)], false, ["DR-1/pause-request-7/head-of-service-safeguarding"]),
    ]

    @Test("Who is told about a pause request", arguments: cases)
    func whoIsTold(_ c: (String, [DisputeEvent], Bool, [String])) throws {
        let notices = pauseRequestNotices(Self.request(declined: c.2), dispute: Self.dispute(c.1), policy: try Self.policy(), civil: .london)
        #expect(notices.map(\.identity) == c.3, "\(c.0)")
        #expect(notices.map(\.role) == c.3.map { _ in "head-of-service-safeguarding" })
        #expect(notices.map(\.reason) == c.3.map { _ in
            "pause asked for by tm@council.example (team-manager) on Tue 24 Nov 2026, 09:00: request to head-of-service-safeguarding to approve or decline"
        })
    }

    @Test("The message: to the approver's address, the request in words, a link to the page's actions; none when already in the outbox")
    func message() throws {
        let p = try Pipeline(standardRoles + "\nhead-of-service-safeguarding = [\"hos.safeguarding@council.example\"]")
        var templates = try TemplateSet.load(shipped: shippedTemplates)
        templates.webBaseURL = "https://drwatch.test"
        let policy = try Self.policy()
        let d = Self.dispute()
        let notices = pauseRequestNotices(Self.request(), dispute: d, policy: policy, civil: .london)
        let e = try p.engine.evaluate(d, now: Self.asked + 300)
        let planned = planPauseRequestNotices(notices, request: Self.request(), dispute: d, storeID: 42, policy: policy, evaluation: e,
                                              civil: .london, config: p.config, templates: templates, known: [], now: Self.asked + 300)
        try #require(planned.count == 1)
        let m = planned[0].item
        #expect(m.identity == "DR-1/pause-request-7/head-of-service-safeguarding")
        #expect(m.event == "pause-request")
        #expect(m.channel == "files")
        #expect(m.recipients == ["hos.safeguarding@council.example"])
        #expect(m.subject == "Pause requested: approve or decline for case DR-1 (Stage 1: IRO meets the Team Manager)")
        #expect(m.body == """
            tm@council.example (Team Manager) asked on Tue 24 Nov 2026, 09:00 for the clock of case DR-1 to be paused. Only Head of Service - Safeguarding may agree to a pause, so the request waits for you (Head of Service - Safeguarding).

            Their reason: Parent in hospital until the 30th

            Approve or decline it on the dispute's page (you will be asked to sign in): https://drwatch.test/disputes/42#actions

            Until someone agrees, the deadlines run as before: the stage is due by Mon 30 Nov 2026, 17:00.

            Why you are receiving this: pause asked for by tm@council.example (team-manager) on Tue 24 Nov 2026, 09:00: request to head-of-service-safeguarding to approve or decline.
            Policy: IRO/CP Chair Dispute Resolution Process (four stages). Message DR-1/pause-request-7/head-of-service-safeguarding.

            """)
        #expect(m.html?.contains("https://drwatch.test/disputes/42#actions") == true)
        let again = planPauseRequestNotices(notices, request: Self.request(), dispute: d, storeID: 42, policy: policy, evaluation: e,
                                            civil: .london, config: p.config, templates: templates, known: [m.identity], now: Self.asked + 600)
        #expect(again.isEmpty)
    }

    // MARK: Through the poller (real SQLite file, the file transport)

    static func pipeline() throws -> Pipeline {
        try Pipeline(standardRoles + "\nhead-of-service-safeguarding = [\"hos.safeguarding@council.example\"]\n[files]\ndirectory = \"out\"")
    }

    /// The messages the file transport wrote about pause requests.
    static func mails(_ p: Pipeline) throws -> [String] {
        let out = p.dir.appendingPathComponent("out")
        let names = ((try? FileManager.default.contentsOfDirectory(atPath: out.path)) ?? []).filter { $0.hasSuffix(".eml") }.sorted()
        return try names.map { try String(contentsOf: out.appendingPathComponent($0), encoding: .utf8) }.filter { $0.contains("Pause requested") }
    }

    @Test("Through the poller: the approver is emailed once per request, across polls")
    func emailedOnce() async throws {
        let p = try Self.pipeline()
        try p.open("DR-1", at: "2026-11-23T10:00", people: ["team-manager": [Self.tm.email]])
        let id = try #require(try p.store.disputeID(ref: "DR-1"))
        let poller = try p.poller()
        _ = try await poller.tick(now: Self.asked - 3600)
        #expect(try Self.mails(p).isEmpty)
        let rid = try p.store.addPauseRequest(disputeID: id, at: Self.asked, by: Self.tm, reason: "Parent in hospital until the 30th")
        let first = try await poller.tick(now: Self.asked + 300)
        #expect(first.planned.map(\.item.identity) == ["DR-1/pause-request-\(rid)/head-of-service-safeguarding"])
        #expect(first.sent == 1)
        for minutes in [10, 60, 24 * 60] {
            let again = try await poller.tick(now: Self.asked + Double(minutes * 60))
            #expect(again.enqueued == 0 && again.sent == 0)
        }
        let mails = try Self.mails(p)
        try #require(mails.count == 1)
        #expect(mails[0].contains("To: hos.safeguarding@council.example"))
        #expect(mails[0].contains("Their reason: Parent in hospital until the 30th"))
        #expect(try p.store.outbox(ref: "DR-1").filter { $0.item.event == "pause-request" }.map(\.state) == [.sent])
        #expect(p.logs.all.contains { $0.contains("Notification enqueued") && $0.contains("pause-request-\(rid)") })
        // A second request (after the first was declined) is a new one: told again, once.
        #expect(try p.store.declinePauseRequest(id: rid, at: Self.asked + 7200, by: Self.hos.email, reason: "Not yet"))
        let rid2 = try p.store.addPauseRequest(disputeID: id, at: Self.asked + 7300, by: Self.tm, reason: "Parent still in hospital")
        let second = try await poller.tick(now: Self.asked + 7400)
        #expect(second.planned.map(\.item.identity) == ["DR-1/pause-request-\(rid2)/head-of-service-safeguarding"])
        #expect(try Self.mails(p).count == 2)
    }

    static let answers: [(String, @Sendable (Pipeline, Int64, Int64) throws -> Void)] = [
        ("declined", { p, _, rid in _ = try p.store.declinePauseRequest(id: rid, at: asked + 60, by: hos.email, reason: "Not needed") }),
        ("approved", { p, _, _ in try p.store.append(DisputeEvent(at: asked + 60, by: hos, change: .paused(approvedBy: hos, reason: "Agreed")), toRef: "DR-1") }),
        ("the dispute withdrawn", { p, _, _ in try p.store.append(DisputeEvent(at: asked + 60, by: iro, change: .withdrawn(reason: "Agreed elsewhere")), toRef: "DR-1") }),
    ]

    @Test("Through the poller: a request answered before the poll emails nobody", arguments: answers)
    func answeredBeforeThePoll(_ a: (String, @Sendable (Pipeline, Int64, Int64) throws -> Void)) async throws {
        let p = try Self.pipeline()
        try p.open("DR-1", at: "2026-11-23T10:00", people: ["team-manager": [Self.tm.email]])
        let id = try #require(try p.store.disputeID(ref: "DR-1"))
        let rid = try p.store.addPauseRequest(disputeID: id, at: Self.asked, by: Self.tm, reason: "Parent in hospital")
        try a.1(p, id, rid)
        let s = try await p.poller().tick(now: Self.asked + 300)
        #expect(!s.planned.contains { $0.item.event == "pause-request" }, "\(a.0)")
        #expect(try Self.mails(p).isEmpty, "\(a.0)")
    }

    @Test("A dry run says it would tell the approver and writes nothing")
    func dryRun() async throws {
        let p = try Self.pipeline()
        try p.open("DR-1", at: "2026-11-23T10:00", people: ["team-manager": [Self.tm.email]])
        let id = try #require(try p.store.disputeID(ref: "DR-1"))
        _ = try p.store.addPauseRequest(disputeID: id, at: Self.asked, by: Self.tm, reason: "Parent in hospital")
        let s = try await p.poller().tick(now: Self.asked + 300, dryRun: true)
        #expect(s.planned.filter { $0.item.event == "pause-request" }.map(\.item.recipients) == [["hos.safeguarding@council.example"]])
        #expect(try p.store.outbox(filter: .all).isEmpty)
    }
}
