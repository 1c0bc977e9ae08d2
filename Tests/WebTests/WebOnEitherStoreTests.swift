import DisputeCore
import DisputeStore
import Foundation
import Testing
@testable import Web

/// The stores the web tests below run on: SQLite, and the test run's PostgreSQL when its server
/// binaries are installed (else left out, with the reason printed once).
enum WebStore: String, Sendable, CustomTestStringConvertible {
    case sqlite, postgresql
    var testDescription: String { rawValue }
    static var all: [WebStore] { PostgresServer.shared == nil ? [.sqlite] : [.sqlite, .postgresql] }

    /// A `database` setting for a new store: nil (the harness's own file) or a new PostgreSQL database.
    func newDatabase() throws -> String? {
        switch self {
        case .sqlite: nil
        case .postgresql: try #require(PostgresServer.shared).makeDatabase()
        }
    }
}

// Any number of web instances behind a load balancer: an instance keeps nothing in memory that
// another needs. Sign-in links and sessions live in the store, so two app instances on one
// database (two processes' worth: each its own connections, clock and outbox) serve one person
// in turn. The key flows, through real HTTP, on SQLite and on PostgreSQL.

@Suite("Web on either store: two instances, one database (real HTTP)", .serialized)
struct WebOnEitherStoreTests {
    static let text = "Meeting booked for Thursday; care plan review on the 10th"

    @Test("A link asked for on one instance signs in on the other; the session and its form token work on both; a response is recorded once",
          arguments: WebStore.all)
    func twoInstancesServeOneSession(_ store: WebStore) async throws {
        let a = try await WebHarness(database: try store.newDatabase())
        defer { Task { await a.stop() } }
        let b = try await WebHarness(database: a.databaseSetting)
        defer { Task { await b.stop() } }
        #expect(a.store.location == b.store.location)
        let id = try a.open("DR-W1", teamManager: "tm.smith@council.example")

        // Signed in on B with the link A sent; the link is used up for A too.
        let token = try await a.requestLink("tm.smith@council.example")
        let tm = try await b.redeem(token)
        let again = try await a.request("GET", "/sign-in/link?token=\(token)")
        let pre = try #require(WebHarness.cookie("drwatch_csrf", in: again))
        let reused = try await a.request("POST", "/sign-in/link", cookies: ["drwatch_csrf": pre],
                                         form: [("csrf", try #require(WebHarness.csrf(in: again.body))), ("token", token)])
        #expect(reused.status != 303)
        #expect(WebHarness.cookie("drwatch_session", in: reused) == nil)

        // The session B made is A's session too.
        let page = try await a.request("GET", "/disputes/\(id)", cookies: tm.cookies)
        #expect(page.status == 200)
        #expect(page.body.contains("<h3 id=\"respond-title\">Record your response</h3>"))
        #expect(WebHarness.csrf(in: page.body) == tm.csrf)

        // A response posted to A with B's form token is recorded once, seen by B.
        let done = try await a.request("POST", "/disputes/\(id)/respond", cookies: tm.cookies, form: [("csrf", tm.csrf), ("text", Self.text)])
        #expect(done.status == 303)
        #expect(done.header("Location") == "/disputes/\(id)?done=respond")
        let d = try #require(try b.store.dispute(ref: "DR-W1"))
        #expect(d.events.count == 2)
        #expect(d.events[1].change == .responded(text: Self.text))
        #expect(d.events[1].by == Actor(role: "team-manager", email: "tm.smith@council.example"))
        #expect(d.events[1].at == a.clock.now)
        let twice = try await b.request("POST", "/disputes/\(id)/respond", cookies: tm.cookies, form: [("csrf", tm.csrf), ("text", "again")])
        #expect(twice.status != 303)
        #expect(try a.store.dispute(ref: "DR-W1")?.events.count == 2)
        let after = try await b.request("GET", "/disputes/\(id)?done=respond", cookies: tm.cookies)
        #expect(after.body.contains("Responded: \(Self.text)"))
        #expect(try b.store.audit(ref: "DR-W1", limit: 10).map { "\($0.action) \($0.outcome) \($0.actor ?? "-")" }.first == "responded done tm.smith@council.example")

        // Signing out on A ends the session on B.
        let out = try await a.request("POST", "/sign-out", cookies: tm.cookies, form: [("csrf", tm.csrf)])
        #expect(out.status == 303)
        #expect(try await b.request("GET", "/", cookies: tm.cookies).status == 303)
    }

    @Test("A session outlives the instance that made it: a new instance on the same database serves it",
          arguments: WebStore.all)
    func aSessionSurvivesANewInstance(_ store: WebStore) async throws {
        let first = try await WebHarness(database: try store.newDatabase())
        try first.open("DR-W2")
        let iro = try await first.signIn("iro@council.example")
        await first.stop(keepFolder: true)
        defer { try? FileManager.default.removeItem(at: first.dir) }

        let second = try await WebHarness(database: first.databaseSetting)
        defer { Task { await second.stop() } }
        let home = try await second.request("GET", "/", cookies: iro.cookies)
        #expect(home.status == 200)
        #expect(home.body.contains("DR-W2"))
        #expect(WebHarness.csrf(in: home.body) == iro.csrf)
    }
}
