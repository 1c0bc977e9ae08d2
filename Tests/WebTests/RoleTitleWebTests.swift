import DisputeCore
import Foundation
import Testing
@testable import Web

// Pages name roles as people know them: the title the dispute's policy gives the role
// (`[role_titles]`, else the common title: `Policy.title(of:)`, as messages do), never the slug.
// The slug stays only as a form value. Real HTTP, real SQLite file; four-stage with two titles
// of its own (a council calls its Team Managers "Practice Managers").

@Suite("Web: roles by their titles (real HTTP)", .serialized)
struct RoleTitleWebTests {
    static let titles = ["team-manager = \"Practice Manager\"", "head-of-service = \"Head of Children's Social Care\""]

    /// The text a person reads: markup (and so attribute values) removed, entities decoded.
    static func visible(_ html: String) -> String {
        html.replacingOccurrences(of: "<[^>]*>", with: " ", options: .regularExpression)
            .replacingOccurrences(of: "&#39;", with: "'").replacingOccurrences(of: "&amp;", with: "&")
    }

    /// The role slugs of four-stage that a page shows as text.
    static func slugs(in html: String, _ app: WebApp) -> [String] {
        let text = visible(html)
        let roles = app.runtime.policies["four-stage"]!.policy.roles.filter { $0.contains("-") } + ["iro"]
        return roles.filter { text.range(of: "(?<![a-z.@-])\($0)(?![a-z.@-])", options: .regularExpression) != nil }.sorted()
    }

    @Test("My work, the dispute page, a pause request, the overview and the raise form name roles by the policy's titles")
    func titlesEverywhere() async throws {
        let h = try await WebHarness(roleTitles: Self.titles)
        defer { Task { await h.stop() } }
        let id = try h.open("DR-T1")

        let tm = try await h.signIn("tm.smith@council.example")
        let work = try await h.request("GET", "/", cookies: tm.cookies).body
        #expect(work.contains("Respond to Stage 1: IRO meets the Team Manager as Practice Manager"))
        #expect(Self.slugs(in: work, h.app) == [])

        let page = try await h.request("GET", "/disputes/\(id)", cookies: tm.cookies).body
        #expect(page.contains("<dt>Waiting for</dt><dd>Practice Manager</dd>"))
        #expect(page.contains("by iro@council.example, Independent Reviewing Officer (IRO)</dd>"))
        #expect(page.contains("<dt>Raised by</dt><dd>iro@council.example, Independent Reviewing Officer (IRO)</dd><dt>Practice Manager</dt><dd>tm.smith@council.example</dd>"))
        #expect(page.contains("<td>Stage 1: IRO meets the Team Manager</td><td>Practice Manager</td>"))
        #expect(page.contains("<td>Raised at stage 1</td><td>iro@council.example, Independent Reviewing Officer (IRO)</td>"))
        #expect(page.contains("What you will do about the concern, and by when, as Practice Manager."))
        #expect(Self.slugs(in: page, h.app) == [])

        // The raiser's escalation choices name each stage's owner.
        let iro = try await h.signIn("iro@council.example")
        let raiser = try await h.request("GET", "/disputes/\(id)", cookies: iro.cookies).body
        #expect(raiser.contains("<option value=\"3\">Stage 3: Heads of Service meet (Head of Children&#39;s Social Care)</option>"))
        #expect(Self.slugs(in: raiser, h.app) == [])

        // A pause request, as its approver sees it.
        let asked = try await h.request("POST", "/disputes/\(id)/request-pause", cookies: tm.cookies, form: [("csrf", tm.csrf), ("reason", "Parent in hospital")])
        #expect(asked.status == 303)
        let hos = try await h.signIn("hos.safeguarding@council.example")
        let hosWork = try await h.request("GET", "/", cookies: hos.cookies).body
        #expect(hosWork.contains("Approve or decline a pause asked for by tm.smith@council.example (Practice Manager)"))
        #expect(Self.slugs(in: hosWork, h.app) == [])
        let hosPage = try await h.request("GET", "/disputes/\(id)", cookies: hos.cookies).body
        #expect(hosPage.contains("<p>tm.smith@council.example (Practice Manager) asked on"))
        #expect(hosPage.contains("You agree to the pause as Head of Service - Safeguarding;"))
        #expect(Self.slugs(in: hosPage, h.app) == [])

        // The overview: the filter's options (slug as the value, title as the label) and the column.
        let manager = try await h.signIn("iro.manager@council.example")
        let overview = try await h.request("GET", "/overview?owner=team-manager", cookies: manager.cookies).body
        #expect(overview.contains("<option value=\"team-manager\" selected>Practice Manager</option>"))
        #expect(overview.contains("<option value=\"head-of-service\">Head of Children&#39;s Social Care</option>"))
        // The pause request above waits too: its approver is named after the stage's owner.
        #expect(overview.contains("<td>1</td><td>Practice Manager; Head of Service - Safeguarding, to answer the pause request</td>"))
        #expect(Self.slugs(in: overview, h.app) == [], "\(Self.visible(overview))")

        // The raise form: a field per stage owner, labelled by its title.
        let raiseForm = try await h.request("GET", "/raise", cookies: try await h.signIn("iro.team@council.example").cookies).body
        #expect(raiseForm.contains("<label class=\"label\" for=\"person-team-manager\">Practice Manager: email address (optional)</label>"))
        #expect(Self.slugs(in: raiseForm, h.app) == [])
    }
}
