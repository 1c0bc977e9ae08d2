import Delivery
import DisputeCore
import DisputeStore
import Foundation
import TOML
import Testing
import WorkingDays
@testable import DisputeService
@testable import Notifications
@testable import Recording
@testable import ServiceConfig

/// The pure decisions of the pipeline, as tables: routing, the unroutable-role check, what to
/// do after an attempt, which channel tells the admin, rendering.
@Suite("Notification decisions")
struct NotificationDecisionTests {
    static func config(_ extra: String = "") throws -> DrwatchConfig {
        try DrwatchConfig.parse(text: """
            policies = ["p.toml"]
            [roles]
            admin = ["admin@council.example"]
            team-manager = ["team-mailbox@council.example"]
            iro = ["iro@council.example"]
            \(extra)
            """, path: "/etc/drwatch/drwatch.toml")
    }

    /// A real intent from the engine (its initialiser is the engine's own), re-addressed.
    static func intent(_ role: String, copy: [String] = []) throws -> NotificationIntent {
        let policy = try Policy.parse(text: String(contentsOfFile: fourStagePath, encoding: .utf8), file: "four-stage.toml")
        let engine = Engine(policy: policy, calendar: try WorkingCalendar(division: .englandAndWales))
        var i = try engine.evaluate(dispute(), now: london("2026-11-23T10:05")).intents[0]
        i.role = role; i.copy = copy
        return i
    }

    static func dispute(people: [String: [String]] = [:]) -> Dispute {
        Dispute(ref: "DR-1", policy: "four-stage", kind: .formal, category: .general, type: .practice, division: .englandAndWales,
                raisedBy: Actor(role: "iro", email: "iro@council.example"), people: people,
                events: [DisputeEvent(at: london("2026-11-23T10:00"), change: .opened(stage: 1))])
    }

    struct RouteCase: Sendable, CustomTestStringConvertible {
        var name: String; var role: String; var copy: [String]; var people: [String: [String]]
        var to: [String]; var cc: [String]; var webhooks: [String]; var unroutable: [String]
        var testDescription: String { name }
    }

    @Test(arguments: [
        RouteCase(name: "the dispute's own person comes first", role: "team-manager", copy: [], people: ["team-manager": ["tm@council.example"]],
                  to: ["tm@council.example"], cc: [], webhooks: [], unroutable: []),
        RouteCase(name: "else the [roles] directory", role: "team-manager", copy: [], people: [:],
                  to: ["team-mailbox@council.example"], cc: [], webhooks: [], unroutable: []),
        RouteCase(name: "copied roles are envelope recipients", role: "team-manager", copy: ["iro"], people: [:],
                  to: ["team-mailbox@council.example"], cc: ["iro@council.example"], webhooks: [], unroutable: []),
        RouteCase(name: "a role listed on a webhook also goes there", role: "head-of-service", copy: [], people: [:],
                  to: [], cc: [], webhooks: ["hos-channel"], unroutable: []),
        RouteCase(name: "a role with no address anywhere goes to the admin", role: "service-director", copy: [], people: [:],
                  to: ["admin@council.example"], cc: [], webhooks: [], unroutable: ["service-director"]),
        RouteCase(name: "a copied role with no address copies the admin", role: "team-manager", copy: ["service-director"], people: [:],
                  to: ["team-mailbox@council.example"], cc: ["admin@council.example"], webhooks: [], unroutable: ["service-director"]),
    ])
    func routing(_ c: RouteCase) throws {
        let config = try Self.config("""
            [[webhook]]
            name = "hos-channel"
            url = "https://hooks.example/x"
            format = "slack"
            roles = ["head-of-service"]
            """)
        let r = route(try Self.intent(c.role, copy: c.copy), dispute: Self.dispute(people: c.people), config: config)
        #expect(r.to == c.to)
        #expect(r.cc == c.cc)
        #expect(r.webhooks == c.webhooks)
        #expect(r.unroutable == c.unroutable)
    }

    @Test func checkConfigFindsEveryRoleAPolicyCanNotifyWithoutAnAddress() throws {
        let policy = try Policy.parse(text: String(contentsOfFile: fourStagePath, encoding: .utf8), file: "four-stage.toml")
        let missing = unroutableRoles(config: try Self.config(), policies: [policy])
        #expect(missing.contains("service-manager") && missing.contains("director-of-childrens-services"))
        #expect(!missing.contains("team-manager") && !missing.contains("iro") && !missing.contains("admin"))
        let hooked = unroutableRoles(config: try Self.config("""
            [[webhook]]
            name = "sm"
            url = "https://hooks.example/x"
            format = "teams"
            roles = ["service-manager"]
            """), policies: [policy])
        #expect(!hooked.contains("service-manager"))
        let noAdmin = try DrwatchConfig.parse(text: "policies = [\"p.toml\"]", path: "/x/drwatch.toml")
        #expect(unroutableRoles(config: noAdmin, policies: []) == ["admin"])
    }

    @Test func checkConfigNamesAnExtensionNoticeRoleWithoutAnAddress() throws {
        let text = try String(contentsOfFile: fourStagePath, encoding: .utf8)
            .replacingOccurrences(of: "[extension]\nagreed_by = [\"iro\"]", with: "[extension]\nagreed_by = [\"iro\"]\nnotify = [\"quality-assurance\"]")
            .replacingOccurrences(of: "roles = [\"cpp-records\"]", with: "roles = [\"cpp-records\", \"quality-assurance\"]")
        let policy = try Policy.parse(text: text, file: "four-stage.toml")
        #expect(policy.extensionNotify == ["quality-assurance"])
        #expect(notifiableRoles(policy).contains("quality-assurance"))
        #expect(unroutableRoles(config: try Self.config(), policies: [policy]).contains("quality-assurance"))
        #expect(!unroutableRoles(config: try Self.config("quality-assurance = [\"qa@council.example\"]"), policies: [policy])
            .contains("quality-assurance"))
    }

    struct AttemptCase: Sendable, CustomTestStringConvertible {
        var name: String; var attemptsBefore: Int; var error: DeliveryError?; var event: String; var expected: DeliveryAction
        var testDescription: String { name }
    }

    static let t0 = Date(timeIntervalSince1970: 1_800_000_000)

    @Test(arguments: [
        AttemptCase(name: "accepted: sent", attemptsBefore: 0, error: nil, event: "opened", expected: .sent),
        AttemptCase(name: "refused connection: retry after the base delay", attemptsBefore: 0,
                    error: DeliveryError(.unreachable, "down"), event: "opened",
                    expected: .retry(at: t0.addingTimeInterval(60), error: "down (will retry)")),
        AttemptCase(name: "third failure: delay doubled twice", attemptsBefore: 2,
                    error: DeliveryError(.httpStatus(503), "busy"), event: "opened",
                    expected: .retry(at: t0.addingTimeInterval(240), error: "busy (will retry)")),
        AttemptCase(name: "HTTP 400: parked at once, admin told", attemptsBefore: 0,
                    error: DeliveryError(.httpStatus(400), "bad"), event: "opened",
                    expected: .park(reason: "permanent failure: bad", notifyAdmin: true)),
        AttemptCase(name: "retries ran out: parked", attemptsBefore: 4,
                    error: DeliveryError(.timeout, "slow"), event: "breach",
                    expected: .park(reason: "gave up after 5 attempts; last: slow", notifyAdmin: true)),
        AttemptCase(name: "an admin notice that fails for good is not itself notified", attemptsBefore: 0,
                    error: DeliveryError(.smtpReply(code: 550), "no such mailbox"), event: "admin-parked",
                    expected: .park(reason: "permanent failure: no such mailbox", notifyAdmin: false)),
    ])
    func afterAnAttempt(_ c: AttemptCase) throws {
        // OutboxEntry is the store's value (no public initialiser): decoded as the store would hand it over.
        let json = """
            {"id": 1, "state": "pending", "attempts": \(c.attemptsBefore), "nextAttemptAt": 0, "recipients": [],
             "item": {"identity": "X", "ref": "DR-1", "event": "\(c.event)", "urgency": "normal", "recipients": [],
                      "channel": "email", "subject": "s", "body": "b", "createdAt": 0}}
            """
        let entry = try JSONDecoder().decode(OutboxEntry.self, from: Data(json.utf8))
        #expect(decide(entry, error: c.error, backoff: Backoff(base: 60, cap: 3600, maxAttempts: 5), now: Self.t0, jitter: 1) == c.expected)
    }

    @Test func theAdminIsToldByAnotherChannel() throws {
        let plain = try Self.config()
        let withHook = try Self.config("""
            [[webhook]]
            name = "ops"
            url = "https://hooks.example/x"
            format = "slack"
            roles = ["admin"]
            [email]
            url = "smtp://mail.example:587"
            from = "drwatch@council.example"
            """)
        #expect(adminChannel(failed: .email, config: withHook) == .webhook("ops"))
        #expect(adminChannel(failed: .webhook("ops"), config: withHook) == .email)
        #expect(adminChannel(failed: .webhook("other"), config: plain) == .files)
        #expect(adminChannel(failed: .files, config: plain) == nil)
    }

    @Test func shippedTemplatesSayWhatWhenWhichCaseWhatIfMissedAndWhoElseAndEscapeHTML() throws {
        let templates = try TemplateSet.load(shipped: shippedTemplates)
        let policy = try Policy.parse(text: String(contentsOfFile: fourStagePath, encoding: .utf8), file: "four-stage.toml")
        var d = Self.dispute()
        d.ref = "DR-<b>&1"
        let engine = Engine(policy: policy, calendar: try WorkingCalendar(division: .englandAndWales))
        // Opened Mon 23 Nov 10:00: 5 working days, due Mon 30 Nov; the 2-days-left reminder is on Thu 26 Nov.
        let evaluation = try engine.evaluate(d, now: london("2026-11-26T09:00"))
        let intent = try #require(evaluation.intents.first { $0.event == .reminderWorkingDays(2) })
        // The same reminder also addressed to the IRO (as a policy with two owners would do)
        var other = intent; other.role = "iro"
        var both = evaluation; both.intents = [intent, other]
        let m = compose(intent, of: Evaluated(dispute: d, evaluation: both, engine: engine),
                        route: Route(to: ["tm@x.example"], cc: [], webhooks: [], unroutable: [], redirectedToAdmin: false),
                        templates: templates).message
        #expect(m.subject == "Reminder: DR-<b>&1 Stage 1 due Mon 30 Nov 2026, 17:00 (2 working days left)")
        #expect(m.text.contains("due by Mon 30 Nov 2026, 17:00"))
        #expect(m.text.contains("If it is not done by then, it escalates to Stage 2"))
        #expect(m.text.contains("Also told: Independent Reviewing Officer (IRO)."))   // by its title
        #expect(m.html.contains("DR-&lt;b&gt;&amp;1") && !m.html.contains("DR-<b>"))
        #expect(!m.text.contains("&lt;"))
    }

    @Test func aNoticeSentLateSaysHowManyDaysAreLeftWhenItIsSentNotWhenItWasDue() throws {
        // Given a dispute opened Mon 23 Nov 10:00 (stage 1 due Mon 30 Nov), whose opening notice
        // is only rendered on Fri 27 Nov (the daemon was down, or the record was entered late)
        let templates = try TemplateSet.load(shipped: shippedTemplates)
        let policy = try Policy.parse(text: String(contentsOfFile: fourStagePath, encoding: .utf8), file: "four-stage.toml")
        let d = Self.dispute()
        let engine = Engine(policy: policy, calendar: try WorkingCalendar(division: .englandAndWales))
        let table: [(now: String, left: String)] = [
            ("2026-11-23T10:05", "5 working days left"),
            ("2026-11-27T09:00", "1 working day left"),
            ("2026-11-30T09:00", "due today"),
        ]
        for row in table {
            let evaluation = try engine.evaluate(d, now: london(row.now))
            let intent = try #require(evaluation.intents.first { $0.event == .opened })
            // When it is rendered at that poll
            let composed = compose(intent, of: Evaluated(dispute: d, evaluation: evaluation, engine: engine),
                                   route: Route(to: ["tm@x.example"], cc: [], webhooks: [], unroutable: [], redirectedToAdmin: false),
                                   templates: templates)
            // Then the days left are counted from that poll
            #expect(composed.facts.left == row.left, "at \(row.now)")
            #expect(composed.message.text.contains("(\(row.left))"), "at \(row.now)")
        }
    }

    /// The subject each shipped template gives for `subjectFacts`.
    static let subjects: [String: String] = [
        "admin-parked": "drwatch could not deliver a notification for case DR-1",
        "admin-import-failed": "drwatch could not import lcs-nightly.csv in full",
        "breach": "Deadline missed: DR-1 Stage 2 was due Fri 27 Nov 2026, 17:00",
        "bypass": "DR-1: raised straight to Stage 2 (bypass)",
        "cafcass-intended": "URGENT: CAFCASS referral intended for case DR-1: you are alerted before it is made",
        "cafcass": "URGENT: CAFCASS referral recorded for case DR-1",
        "closed": "Case DR-1: dispute resolved at Stage 2 (Service Manager)",
        "decision-reminder": "Decision needed: case DR-1 (Stage 2 (Service Manager)) was answered on Mon 23 Nov 2026",
        "due-today": "Due today: DR-1 Stage 2 by Fri 27 Nov 2026, 17:00",
        "escalation": "DR-1: escalated to Stage 2 (Service Manager), due Fri 27 Nov 2026, 17:00",
        "extended": "Deadline extended: Stage 2 (Service Manager) for case DR-1",
        "good-practice": "Good practice noted: case DR-1",
        "opened": "DR-1: Stage 2 (Service Manager) is with you, due Fri 27 Nov 2026, 17:00",
        "reminder-hours": "URGENT: DR-1 Stage 2 due Fri 27 Nov 2026, 17:00 (4 hours left)",
        "reminder": "Reminder: DR-1 Stage 2 due Fri 27 Nov 2026, 17:00 (3 working days left)",
        "pause-request": "Pause requested: approve or decline for case DR-1 (Stage 2 (Service Manager))",
        "repeat-alert": "Repeat formal dispute for case DR-1",
        "response": "Response received: decide on case DR-1 (Stage 2 (Service Manager))",
        "statutory-breach": "URGENT: DR-1 has breached the statutory 20 working days (due Fri 27 Nov 2026, 17:00)",
        "statutory-warning": "URGENT: DR-1 statutory total at risk, ends Fri 27 Nov 2026, 17:00 (3 working days left)",
        "test": "drwatch test message",
    ]
    static var subjectFacts: [String: Any] {
        ["ref": "DR-1", "due": "Fri 27 Nov 2026, 17:00", "stage": "2", "hasStage": true, "stageTitle": "Stage 2 (Service Manager)",
         "left": "3 working days left", "hours": "4", "kind": "formal dispute", "statutoryDays": "20", "respondedOn": "Mon 23 Nov 2026", "file": "lcs-nightly.csv",
         "closedAs": "resolved"]
    }

    @Test(arguments: TemplateSet.names)
    func everyShippedTemplateFillsItsSubjectAndHasABody(_ name: String) throws {
        let m = try TemplateSet.load(shipped: shippedTemplates).render(name, facts: Self.subjectFacts)
        #expect(m.subject == Self.subjects[name])
        #expect(m.text.count > 20)
    }

    @Test func anAdminTemplateReplacesTheShippedOneFileByFile() throws {
        let dir = try tempFolder("templates")
        try Data("Subject: Custom {{ref}}\n\nHello {{role}}\n".utf8).write(to: dir.appendingPathComponent("breach.txt"))
        let t = try TemplateSet.load(shipped: shippedTemplates, override: dir.path)
        #expect(t.render("breach", facts: ["ref": "DR-2", "role": "iro"]).subject == "Custom DR-2")
        #expect(t.sources["reminder.txt"] == shippedTemplates + "/reminder.txt")
        try Data("no subject line".utf8).write(to: dir.appendingPathComponent("opened.txt"))
        #expect(throws: ConfigFileError(file: dir.appendingPathComponent("opened.txt").path, line: 1,
                                        message: "must start with a \"Subject: ...\" line, then a blank line, then the body")) {
            try TemplateSet.load(shipped: shippedTemplates, override: dir.path)
        }
    }
}

@Suite("Repeat contexts")
struct RepeatContextTests {
    @Test func anOpenRecordCountsTheChildsClosedRecordsOfTheSameKind() throws {
        let p = try Pipeline(standardRoles)
        let iro = Actor(role: "iro", email: "iro@council.example")
        func record(_ ref: String, at: String, closed: Bool) -> Dispute {
            var events = [DisputeEvent(at: london(at), by: iro, change: .opened(stage: 1))]
            if closed { events.append(DisputeEvent(at: london(at).addingTimeInterval(3600), by: iro, change: .resolved(outcome: "done"))) }
            return Dispute(ref: ref, policy: "four-stage", kind: .formal, category: .general, type: .practice,
                           division: .englandAndWales, childRef: "CHILD-1", raisedBy: iro, events: events)
        }
        try p.store.insert(record("DR-OLD", at: "2026-10-01T10:00", closed: true))
        try p.store.insert(record("DR-NEW", at: "2026-11-23T10:00", closed: false))
        let open = try p.store.disputes(openOnly: true)
        #expect(open.map(\.ref) == ["DR-NEW"])
        #expect(try repeatContexts(store: p.store, for: open).map(\.earlierRecordsForChild) == [1])
        #expect(try p.store.read { try repeatContexts(store: $0, for: open) }.map(\.earlierRecordsForChild) == [1])
    }
}

@Suite("Extension notices")
struct ExtensionNoticeTests {
    @Test func anExtensionNoticeSaysTheStagesNewDueDateByHowManyWorkingDaysAndWhoAgreed() async throws {
        let p = try Pipeline(standardRoles + "\nservice-manager = [\"sm@council.example\"]\n[files]\ndirectory = \"out\"")
        // four-stage, telling the Service Manager of every extension.
        let text = try String(contentsOfFile: fourStagePath, encoding: .utf8)
            .replacingOccurrences(of: "[extension]\nagreed_by = [\"iro\"]", with: "[extension]\nagreed_by = [\"iro\"]\nnotify = [\"service-manager\"]")
        let engine = Engine(policy: try Policy.parse(text: text, file: "four-stage.toml"), calendar: try WorkingCalendar(division: .englandAndWales),
                            settings: EngineSettings(closeOfBusiness: p.config.closeOfBusiness, sendTime: p.config.sendTime))
        try #require(!engine.policy.extensionNotify.isEmpty)
        let iro = Actor(role: "iro", email: "iro@council.example")
        // Stage 1 opened Mon 23 Nov 2026 (5 working days: Mon 30 Nov), extended by 3 on Tue 24: Thu 3 Dec.
        try p.store.insert(Dispute(ref: "DR-X", policy: "four-stage", kind: .formal, category: .general, type: .practice,
                                   division: .englandAndWales, childRef: "CHILD-7", raisedBy: iro, people: ["team-manager": ["tm@council.example"]],
                                   events: [DisputeEvent(at: london("2026-11-23T10:00"), by: iro, change: .opened(stage: 1)),
                                            DisputeEvent(at: london("2026-11-24T10:00"), by: iro, change: .extended(workingDays: 3, agreedBy: iro))]))
        let poller = try Poller(config: p.config, store: p.store, engine: { _ in engine },
                                templates: TemplateSet.load(shipped: shippedTemplates), logger: p.logs.logger, jitter: { 1 })
        let s = try await poller.tick(now: london("2026-11-24T10:05"))
        let m = try #require(s.planned.first { $0.item.identity == "DR-X/s1/extended/service-manager" }?.item)
        #expect(m.subject.contains("extended") && m.subject.contains("DR-X"))
        #expect(m.body.contains("has been extended by 3 working days, agreed by the Independent Reviewing Officer (IRO) (iro@council.example)"), "\(m.body)")
        #expect(m.body.contains("now due by Thu 3 Dec 2026"), "\(m.body)")
        #expect(!m.body.contains("CHILD-7") && !m.subject.contains("CHILD-7"))
    }
}
