import DisputeCore
import DisputeService
import Notifications
import Recording
import ServiceConfig
import DisputeStore
import Foundation
import Testing
@testable import Web

// Security of the web app, through real HTTP on 127.0.0.1 against a real SQLite file.

@Suite("Web security (real HTTP)", .serialized)
struct WebSecurityTests {
    @Test("No page and no action without a session")
    func nothingWithoutSession() async throws {
        let h = try await WebHarness()
        defer { Task { await h.stop() } }
        let id = try h.open("DR-1")
        for path in ["/", "/disputes/\(id)", "/raise", "/overview", "/reports", "/admin/outbox"] {
            let r = try await h.request("GET", path)
            #expect(r.status == 303, "GET \(path)")
            #expect(r.header("Location") == "/sign-in?next=" + WebApp.percentEncode(path), "GET \(path)")
        }
        let pre = try await h.request("GET", "/sign-in")
        let csrf = try #require(WebHarness.csrf(in: pre.body))
        let cookie = try #require(WebHarness.cookie("drwatch_csrf", in: pre))
        let post = try await h.request("POST", "/disputes/\(id)/note", cookies: ["drwatch_csrf": cookie], form: [("csrf", csrf), ("text", "x")])
        #expect(post.status == 403)
        #expect(try h.events("DR-1") == 1)
    }

    @Test("Another person's dispute is refused with 403 and nothing is written")
    func anotherPersonsDisputeIsRefused() async throws {
        let h = try await WebHarness()
        defer { Task { await h.stop() } }
        let mine = try h.open("DR-MINE", teamManager: "tm.a@council.example")
        let theirs = try h.open("DR-THEIRS", teamManager: "tm.b@council.example")
        let a = try await h.signIn("tm.a@council.example")
        #expect(try await h.request("GET", "/disputes/\(mine)", cookies: a.cookies).status == 200)
        let page = try await h.request("GET", "/disputes/\(theirs)", cookies: a.cookies)
        #expect(page.status == 403)
        #expect(!page.body.contains("DR-THEIRS"))
        let note = try await h.request("POST", "/disputes/\(theirs)/note", cookies: a.cookies, form: [("csrf", a.csrf), ("text", "sneaky")])
        #expect(note.status == 403)
        #expect(try h.events("DR-THEIRS") == 1)
        let work = try await h.request("GET", "/", cookies: a.cookies)
        #expect(work.body.contains("DR-MINE"))
        #expect(!work.body.contains("DR-THEIRS"))
        let overview = try await h.request("GET", "/overview", cookies: a.cookies)
        #expect(overview.status == 403)
        let audit = try h.store.audit(ref: "DR-THEIRS", limit: 10)
        #expect(audit.map(\.outcome) == ["denied", "denied"])
        #expect(audit.map(\.actor) == ["tm.a@council.example", "tm.a@council.example"])
    }

    @Test("A form without this session's token is refused and nothing is written", arguments: [nil, "wrong-token-0000000000000000000000000000000"])
    func formWithoutTokenIsRefused(token: String?) async throws {
        let h = try await WebHarness()
        defer { Task { await h.stop() } }
        let id = try h.open("DR-2")
        let iro = try await h.signIn("iro@council.example")
        var form = [("text", "Meeting booked")]
        if let token { form.append(("csrf", token)) }
        let refused = try await h.request("POST", "/disputes/\(id)/note", cookies: iro.cookies, form: form)
        #expect(refused.status == 403)
        #expect(try h.events("DR-2") == 1)
        let done = try await h.request("POST", "/disputes/\(id)/note", cookies: iro.cookies, form: [("csrf", iro.csrf), ("text", "Meeting booked")])
        #expect(done.status == 303)
        #expect(done.header("Location") == "/disputes/\(id)?done=note")
        let d = try #require(try h.store.dispute(ref: "DR-2"))
        #expect(d.events.count == 2)
        #expect(d.events[1].change == .note("Meeting booked"))
        #expect(d.events[1].by == Actor(role: "iro", email: "iro@council.example"))
    }

    @Test("A used sign-in link is refused")
    func usedLinkIsRefused() async throws {
        let h = try await WebHarness()
        defer { Task { await h.stop() } }
        try h.open("DR-3")
        let token = try await h.requestLink("iro@council.example")
        _ = try await h.redeem(token)
        await #expect(throws: WebTestError.self) { try await h.redeem(token) }
        let audit = try h.store.audit(ref: nil, limit: 10).map { "\($0.action) \($0.outcome)" }
        #expect(audit == ["sign-in-requested done", "signed-in done", "sign-in refused"])
    }

    @Test("A sign-in link is refused 15 minutes after it was sent")
    func expiredLinkIsRefused() async throws {
        let h = try await WebHarness()
        defer { Task { await h.stop() } }
        try h.open("DR-4")
        let token = try await h.requestLink("iro@council.example")
        h.clock.advance(15 * 60)
        await #expect(throws: WebTestError.self) { try await h.redeem(token) }
        let fresh = try await h.requestLink("iro@council.example")
        h.clock.advance(14 * 60)
        _ = try await h.redeem(fresh)
    }

    @Test("The same answer whether or not the address is known; no mail to an unknown one")
    func sameAnswerForUnknownAddress() async throws {
        let h = try await WebHarness()
        defer { Task { await h.stop() } }
        try h.open("DR-5")
        func ask(_ email: String) async throws -> String {
            let page = try await h.request("GET", "/sign-in")
            let r = try await h.request("POST", "/sign-in", cookies: ["drwatch_csrf": WebHarness.cookie("drwatch_csrf", in: page)!],
                                        form: [("csrf", WebHarness.csrf(in: page.body)!), ("email", email)])
            #expect(r.status == 200)
            return r.body.replacingOccurrences(of: email, with: "EMAIL")
        }
        let known = try await ask("iro@council.example")
        let unknown = try await ask("nobody@elsewhere.example")
        #expect(known == unknown)
        #expect(try h.signInMails(to: "iro@council.example").count == 1)
        #expect(try h.signInMails(to: "nobody@elsewhere.example").isEmpty)
    }

    @Test("At most 5 sign-in links per address per 15 minutes")
    func signInIsRateLimited() async throws {
        let h = try await WebHarness()
        defer { Task { await h.stop() } }
        try h.open("DR-6")
        for _ in 0..<7 {
            let page = try await h.request("GET", "/sign-in")
            _ = try await h.request("POST", "/sign-in", cookies: ["drwatch_csrf": WebHarness.cookie("drwatch_csrf", in: page)!],
                                    form: [("csrf", WebHarness.csrf(in: page.body)!), ("email", "iro@council.example")])
        }
        #expect(try h.signInMails(to: "iro@council.example").count == 5)
        h.clock.advance(15 * 60 + 1)
        _ = try await h.signIn("iro@council.example")
        #expect(try h.signInMails(to: "iro@council.example").count == 6)
    }

    @Test("A case reference and a note with markup are shown as text")
    func markupIsShownAsText() async throws {
        let h = try await WebHarness()
        defer { Task { await h.stop() } }
        // Today's checks refuse such a reference; one stored before them (or by hand) is still shown safely.
        let id = try h.open("DR-10", storedRef: "<script>alert(1)</script>\"&'")
        let iro = try await h.signIn("iro@council.example")
        let note = try await h.request("POST", "/disputes/\(id)/note", cookies: iro.cookies,
                                       form: [("csrf", iro.csrf), ("text", "<img src=x onerror=alert(2)>")])
        #expect(note.status == 303)
        for path in ["/", "/disputes/\(id)"] {
            let page = try await h.request("GET", path, cookies: iro.cookies)
            #expect(page.status == 200)
            #expect(page.body.contains("&lt;script&gt;alert(1)&lt;/script&gt;&quot;&amp;&#39;"), "\(path)")
            #expect(!page.body.contains("<script"), "\(path)")
            #expect(!page.body.contains("<img"), "\(path)")
        }
        let page = try await h.request("GET", "/disputes/\(id)", cookies: iro.cookies)
        #expect(page.body.contains("Note: &lt;img src=x onerror=alert(2)&gt;"))
    }

    @Test("Security headers and cookie flags", arguments: [("base_url = \"https://drwatch.test\"", true), ("listen = \"127.0.0.1:8080\"", false)])
    func headersAndCookies(web: String, secure: Bool) async throws {
        let h = try await WebHarness(web: web)
        defer { Task { await h.stop() } }
        try h.open("DR-7")
        let page = try await h.request("GET", "/sign-in")
        #expect(page.header("Content-Security-Policy") == "default-src 'none'; style-src 'self'; img-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'")
        #expect(page.header("X-Content-Type-Options") == "nosniff")
        #expect(page.header("X-Frame-Options") == "DENY")
        #expect(page.header("Referrer-Policy") == "no-referrer")
        #expect(page.header("Cache-Control") == "no-store")
        let token = try await h.requestLink("iro@council.example")
        let link = try await h.request("GET", "/sign-in/link?token=\(token)")
        let done = try await h.request("POST", "/sign-in/link", cookies: ["drwatch_csrf": WebHarness.cookie("drwatch_csrf", in: link)!],
                                       form: [("csrf", WebHarness.csrf(in: link.body)!), ("token", token)])
        let cookie = try #require(done.setCookies.first { $0.hasPrefix("drwatch_session=") })
        let flags = Set(cookie.split(separator: ";").dropFirst().map { $0.trimmingCharacters(in: .whitespaces) })
        #expect(flags.contains("HttpOnly"))
        #expect(flags.contains("SameSite=Lax"))
        #expect(flags.contains("Path=/"))
        #expect(flags.contains("Max-Age=28800"))
        #expect(flags.contains("Secure") == secure)
    }

    @Test("Signing out ends the session in the store")
    func signOutEndsSession() async throws {
        let h = try await WebHarness()
        defer { Task { await h.stop() } }
        try h.open("DR-8")
        let iro = try await h.signIn("iro@council.example")
        let out = try await h.request("POST", "/sign-out", cookies: iro.cookies, form: [("csrf", iro.csrf)])
        #expect(out.status == 303)
        #expect(out.header("Location") == "/sign-in?signed-out=1")
        #expect(try await h.request("GET", "/", cookies: iro.cookies).status == 303)
    }

    @Test("A session ends after session_hours")
    func sessionExpires() async throws {
        let h = try await WebHarness(web: "session_hours = 2")
        defer { Task { await h.stop() } }
        try h.open("DR-9")
        let iro = try await h.signIn("iro@council.example")
        h.clock.advance(2 * 3600 - 1)
        #expect(try await h.request("GET", "/", cookies: iro.cookies).status == 200)
        h.clock.advance(1)
        #expect(try await h.request("GET", "/", cookies: iro.cookies).status == 303)
    }
}
