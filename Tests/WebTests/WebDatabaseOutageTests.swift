import DisputeCore
import DisputeStore
import Foundation
import Logging
import Testing
@testable import Web

/// The web app's log lines, as "LEVEL message" (a real log handler, kept in memory).
final class LogLines: LogHandler, @unchecked Sendable {
    private let lock = NSLock()
    private var lines: [String] = []
    var metadata: Logger.Metadata = [:]
    var logLevel: Logger.Level = .info
    subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    func log(event: LogEvent) {
        lock.withLock { lines.append("\(event.level) \(event.message)") }
    }

    var all: [String] { lock.withLock { lines } }

    /// How many lines start with `prefix` ("error Lost the connection").
    func count(_ prefix: String) -> Int { all.filter { $0.hasPrefix(prefix) }.count }
}

// The database going away under `drwatch serve` (issue 17): a PostgreSQL restart is survived
// without restarting the web app. While the server is down every page is the 503 page (a form
// sent meanwhile is not recorded, and the page says so) and /healthz says so; once it is back
// the same session is served again. The loss and the recovery are logged once each.

@Suite("Web app: the database going away and coming back (real PostgreSQL, real HTTP)", .serialized)
struct WebDatabaseOutageTests {
    static let unavailable = "The service is unavailable: drwatch cannot reach its database. Try again in a few minutes."
    static let notRecorded = "Nothing was recorded: what you sent has not been saved."

    @Test("A PostgreSQL restart: pages answer 503 while it is down, then the same session is served again; the loss and the recovery are logged once",
          .timeLimit(.minutes(3)), .enabled(if: PostgresServer.isInstalled))
    func aRestartIsSurvived() async throws {
        let server = try PostgresServer.makePrivate()
        let logs = LogLines()
        let h = try await WebHarness(database: try server.makeDatabase(), logs: logs)
        defer { Task { await h.stop() } }
        let id = try h.open("DR-OUT1", teamManager: "tm.smith@council.example")
        let tm = try await h.signIn("tm.smith@council.example")
        #expect(try await h.request("GET", "/disputes/\(id)", cookies: tm.cookies).status == 200)
        #expect(try await h.request("GET", "/healthz").body == "ok\n")

        // Given the database server stops
        try server.stop()

        // Then a page is the 503 page, with Retry-After, and no stack
        let page = try await h.request("GET", "/disputes/\(id)", cookies: tm.cookies)
        #expect(page.status == 503)
        #expect(page.header("Retry-After") == "30")
        #expect(page.body.contains("<h1>Sorry, the service is unavailable</h1>"))
        #expect(page.body.contains("<p>\(Self.unavailable)</p>"))
        #expect(!page.body.contains(Self.notRecorded))
        #expect(!page.body.contains("database:"))
        // And a form sent meanwhile says nothing was recorded
        let posted = try await h.request("POST", "/disputes/\(id)/respond", cookies: tm.cookies,
                                         form: [("csrf", tm.csrf), ("text", "Sent while the database was down")])
        #expect(posted.status == 503)
        #expect(posted.body.contains("<p>\(Self.unavailable)</p>"))
        #expect(posted.body.contains(Self.notRecorded))
        // And the health check says so
        let health = try await h.request("GET", "/healthz")
        #expect(health.status == 503)
        #expect(health.body == "database unavailable\n")
        #expect(try await h.request("GET", "/", cookies: tm.cookies).status == 503)

        // When the server starts again
        try server.start()

        // Then the same session's page is served, without restarting the app
        let back = try await h.request("GET", "/disputes/\(id)", cookies: tm.cookies)
        #expect(back.status == 200)
        #expect(back.body.contains("DR-OUT1"))
        #expect(WebHarness.csrf(in: back.body) == tm.csrf)
        #expect(try await h.request("GET", "/healthz").body == "ok\n")
        // And the form sent during the outage was not recorded; sent again, it is, once
        #expect(try h.events("DR-OUT1") == 1)
        let again = try await h.request("POST", "/disputes/\(id)/respond", cookies: tm.cookies,
                                        form: [("csrf", tm.csrf), ("text", "Sent again once it was back")])
        #expect(again.status == 303)
        let d = try #require(try h.store.dispute(ref: "DR-OUT1"))
        #expect(d.events.map(\.change) == [d.events[0].change, .responded(text: "Sent again once it was back")])

        // And the loss and the recovery were each logged once, whatever the number of requests
        #expect(logs.count("error Lost the connection to the database") == 1, "\(logs.all)")
        #expect(logs.count("notice Database connection restored") == 1, "\(logs.all)")
        #expect(!logs.all.contains { $0.hasPrefix("error Web request failed") }, "\(logs.all)")
    }

    @Test("A restart between two requests goes unnoticed: the next page is served at once",
          .timeLimit(.minutes(3)), .enabled(if: PostgresServer.isInstalled))
    func aRestartBetweenRequestsIsUnnoticed() async throws {
        let server = try PostgresServer.makePrivate()
        let logs = LogLines()
        let h = try await WebHarness(database: try server.makeDatabase(), logs: logs)
        defer { Task { await h.stop() } }
        let id = try h.open("DR-OUT2", teamManager: "tm.smith@council.example")
        let tm = try await h.signIn("tm.smith@council.example")
        #expect(try await h.request("GET", "/disputes/\(id)", cookies: tm.cookies).status == 200)
        #expect(try await h.request("GET", "/", cookies: tm.cookies).status == 200)

        // Given every session the app held ended with a restart
        try server.stop()
        try server.start()

        // Then each page is served (both connections of its pool open a new session), and a form is recorded once
        for path in ["/disputes/\(id)", "/", "/disputes/\(id)", "/"] {
            #expect(try await h.request("GET", path, cookies: tm.cookies).status == 200, "\(path)")
        }
        let done = try await h.request("POST", "/disputes/\(id)/respond", cookies: tm.cookies, form: [("csrf", tm.csrf), ("text", "After a restart")])
        #expect(done.status == 303)
        #expect(try h.events("DR-OUT2") == 2)
        #expect(logs.count("error") == 0, "\(logs.all)")
    }
}
