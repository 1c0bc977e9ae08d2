import DisputeCore
import Foundation
import Testing
import WorkingDays
@testable import DisputeService
@testable import Notifications
@testable import Recording
@testable import ServiceConfig

// The fast rendering path (wrapped values, subject/body/paragraphs cut in one pass over the
// bytes) must give the same bytes as the reference path it replaced (plain values, Foundation's
// string functions): every shipped template, with the facts of every intent the engine makes for
// a table of disputes, then with hostile and odd text, then templates using the library's
// transforms, dotted names and sections over every kind of value.
@Suite("Template rendering: the fast path gives the reference path's bytes")
struct TemplateRenderingTests {
    static let iro = Actor(role: "iro", email: "iro@council.example")
    static let tm = Actor(role: "team-manager", email: "tm@council.example")

    /// Disputes whose evaluations, over eight weeks, produce every kind of notice the presets make.
    static func disputes(policy: String) -> [Dispute] {
        func d(_ ref: String, _ events: [(String, DisputeEvent.Change)]) -> Dispute {
            Dispute(ref: ref, policy: policy, kind: .formal, category: .carePlanImplementation, type: .delay,
                    division: .englandAndWales, raisedBy: iro, people: ["team-manager": ["tm@council.example"]],
                    events: events.map { DisputeEvent(at: london($0.0), by: $0.0 == "2026-11-02T10:00" ? iro : tm, change: $0.1) },
                    openingReason: "The plan was not followed")
        }
        return [
            d("DR-OPEN", [("2026-11-02T10:00", .opened(stage: 1))]),
            d("DR-BYPASS", [("2026-11-02T10:00", .opened(stage: 1)), ("2026-11-03T11:00", .escalated(toStage: 3, reason: "No reply\nat all"))]),
            d("DR-RESP", [("2026-11-02T10:00", .opened(stage: 1)), ("2026-11-04T09:30", .responded(text: "We will review it by Friday.\n\nThen decide."))]),
            d("DR-EXT", [("2026-11-02T10:00", .opened(stage: 1)), ("2026-11-03T09:00", .extended(workingDays: 3, agreedBy: iro))]),
            d("DR-CAF", [("2026-11-02T10:00", .opened(stage: 2)), ("2026-11-05T09:00", .cafcassIntended(reason: "Risk of harm")),
                         ("2026-11-09T09:00", .cafcassReferral)]),
            d("DR-DONE", [("2026-11-02T10:00", .opened(stage: 1)), ("2026-11-06T16:00", .resolved(outcome: "Plan <b>amended</b> & agreed"))]),
            d("DR-GONE", [("2026-11-02T10:00", .opened(stage: 1)), ("2026-11-06T16:00", .withdrawn(reason: "Child moved\u{2028}away"))]),
        ]
    }

    /// The facts of every intent the engine makes for the table, each as the templates see them.
    static func factSets() throws -> [(template: String, facts: [String: Any])] {
        var out: [(String, [String: Any])] = []
        var seen = Set<String>()
        for path in [fourStagePath, sixStageDRPPath] {
            let policy = try Policy.parse(text: String(contentsOfFile: path, encoding: .utf8), file: URL(fileURLWithPath: path).lastPathComponent)
            let engine = Engine(policy: policy, calendar: try WorkingCalendar(division: .englandAndWales))
            for d in disputes(policy: policy.name) {
                for hours in stride(from: 0, to: 56 * 24, by: 7) {
                    let now = london("2026-11-02T10:00").addingTimeInterval(Double(hours) * 3600)
                    let evaluation = try engine.evaluate(d, now: now)
                    for intent in evaluation.intents where seen.insert("\(policy.name) \(intent.identity)").inserted {
                        let unroutable = intent.role == "team-manager" ? [] : [intent.role]
                        var facts = MessageFacts(intent: intent, evaluated: Evaluated(dispute: d, evaluation: evaluation, engine: engine, storeID: 7),
                                                 route: Route(to: ["x@council.example"], cc: [], webhooks: [], unroutable: unroutable, redirectedToAdmin: false))
                        if hours % 2 == 0 { facts.link = "https://drwatch.example/disputes/7" }
                        out.append((templateName(for: intent), facts.templateValues(civil: engine.settings.civil)))
                    }
                }
            }
        }
        return out
    }

    static func expectSame(_ templates: TemplateSet, _ name: String, _ facts: [String: Any], sourceLocation: SourceLocation = #_sourceLocation) {
        let fast = templates.render(name, facts: facts), reference = templates.renderReference(name, facts: facts)
        #expect(fast.subject == reference.subject, "\(name)", sourceLocation: sourceLocation)
        #expect(fast.text == reference.text, "\(name)", sourceLocation: sourceLocation)
        #expect(fast.html == reference.html, "\(name)", sourceLocation: sourceLocation)
    }

    @Test func everyShippedTemplateWithEveryIntentsFactsRendersTheSameBytes() throws {
        let templates = try TemplateSet.load(shipped: shippedTemplates)
        let sets = try Self.factSets()
        // The table reaches every kind of notice template (admin and test ones take their own facts below).
        let reached = Set(sets.map(\.template))
        #expect(reached.isSuperset(of: ["opened", "escalation", "reminder", "due-today", "breach", "bypass", "response",
                                        "decision-reminder", "extended", "closed", "cafcass-intended"]), "\(reached.sorted())")
        for (name, facts) in sets {
            // Its own template, and every other one with the same facts.
            for other in TemplateSet.names { Self.expectSame(templates, other == name ? name : other, facts) }
        }
    }

    /// Values with markup, grapheme clusters, every newline scalar, blank runs, empty strings.
    static let odd: [String] = [
        "", "\u{600}<a href=https://evil.example/login x=", "café \u{301}combining", "line\u{85}next", "a\u{2028}b\u{2029}c",
        "\n\n\n\nmany\n\n\n\n\nblank\n\n\nlines\n\n\n", "\u{0B}\u{0C}vertical\u{0C}", "emoji 👩‍👩‍👧 flag 🇬🇧", "tab\tand  spaces ",
        "quote \" apostrophe ' amp & lt < gt >", "\u{301}starts with a combining mark",
    ]

    @Test(arguments: odd)
    func oddTextRendersTheSameBytes(value: String) throws {
        let templates = try TemplateSet.load(shipped: shippedTemplates)
        let facts: [String: Any] = [
            "ref": value, "role": "iro", "roleTitle": value, "stage": 2, "reason": value, "kind": value, "policy": value, "urgent": true,
            "identity": value, "stageTitle": value, "hasStage": true, "due": value, "left": value, "workingDaysLeft": -2,
            "consequence": value, "alsoTold": value, "unroutable": value, "responseText": value, "closingText": value,
            "bypassReason": value, "error": value, "to": value, "id": 42, "attempts": 3, "partial": false, "channel": value,
        ]
        for name in TemplateSet.names { Self.expectSame(templates, name, facts) }
    }

    @Test(arguments: [
        "Subject: {{uppercased(ref)}} {{lowercased(kind)}} {{capitalized(reason)}} {{reversed(ref)}}\n\n{{#empty(alsoTold)}}none{{/empty(alsoTold)}} {{plusone(stage)}} {{minusone(stage)}} {{#even(stage)}}even{{/even(stage)}}{{#odd(stage)}}odd{{/odd(stage)}}\n",
        "Subject: {{#due}}{{due}} {{left}} {{.}}{{/due}}{{^due}}none{{/due}}\n\n{{#ref}}{{ref}} {{stage}} {{#stage}}{{.}} {{stage}}{{/stage}}{{/ref}}\n\n\n\n{{#urgent}}{{urgent}}{{/urgent}}{{^urgent}}calm{{/urgent}} {{{reason}}} {{&kind}}\n\n{{ref.count}} {{stage.x}} {{missing}}{{#missing}}x{{/missing}}{{^missing}}absent{{/missing}}\n",
        "Subject:{{ref}}\n\n  {{! a comment }}\n{{#workingDaysLeft}}{{workingDaysLeft}} {{equalzero(workingDaysLeft)}}{{/workingDaysLeft}}\n\n\n{{kind}}\u{85}\n\n",
        "Subject: no body",
    ])
    func templatesUsingTheLibrarysFeaturesRenderTheSameBytes(text: String) throws {
        let dir = try tempFolder("templates")
        defer { try? FileManager.default.removeItem(at: dir) }
        try text.write(to: dir.appendingPathComponent("opened.txt"), atomically: true, encoding: .utf8)
        try """
            <h1>{{subject}} {{uppercased(subject)}}</h1>{{#paragraphs}}<p>{{.}}</p>{{/paragraphs}}
            {{#reversed(paragraphs)}}[{{.}}]{{/reversed(paragraphs)}}{{#sorted(paragraphs)}}({{.}}){{/sorted(paragraphs)}}
            {{first(paragraphs)}} {{last(paragraphs)}} {{count(paragraphs)}} {{#empty(paragraphs)}}empty{{/empty(paragraphs)}}
            {{ref}} {{stage}} {{plusone(stage)}} {{#due}}{{.}}{{/due}}
            """.write(to: dir.appendingPathComponent("message.html"), atomically: true, encoding: .utf8)
        let templates = try TemplateSet.load(shipped: shippedTemplates, override: dir.path)
        for value in Self.odd + ["DR-1"] {
            let facts: [String: Any] = ["ref": value, "kind": "Formal DISPUTE", "reason": "why not", "stage": 2, "due": "Fri 27 Nov 2026",
                                        "left": "2 working days left", "urgent": false, "workingDaysLeft": 0, "alsoTold": ""]
            Self.expectSame(templates, "opened", facts)
            Self.expectSame(templates, "opened", facts.merging(["stage": 3, "urgent": true, "workingDaysLeft": 5]) { $1 })
        }
    }

    @Test func aCarriageReturnTakesTheReferencePath() throws {
        // Given text with a carriage return (a "\r\n" pair is one Character), When it is split
        // Then the fast path declines it, and render gives the reference path's bytes
        #expect(MessageText.split("Subject: a\r\n\r\nbody\r\r\n") == nil)
        let templates = try TemplateSet.load(shipped: shippedTemplates)
        Self.expectSame(templates, "opened", ["ref": "DR-1\r\r\n", "reason": "one\r\n\r\n\r\ntwo\r\r\n\n\nthree"])
    }

    @Test(arguments: ["", " ", "  a  b  ", "Subject line\twith\ttabs\r\nand CRLF\u{7F}", "\u{0}\u{1F}x\u{0B}y ", "DR-1/s2/reminder-2wd/team-manager",
                      "already one line", "a \u{301}b", "a  \u{301}b\u{2028}c\u{85}d"])
    func oneLineOfASCIITextIsWhatTheCharacterPathGives(text: String) {
        #expect(oneLine(text) == oneLineByCharacters(text))
    }

    @Test func theSplitCutsSubjectBodyAndParagraphs() throws {
        let parts = try #require(MessageText.split("Subject:  Hello\tthere \n\n\nfirst\n\n\n\n\nsecond\u{2028}\n\n \n\nthird\n\n"))
        #expect(parts.subject == "Hello there")
        #expect(parts.body == "first\n\nsecond\u{2028}\n\n \n\nthird\n")
        #expect(parts.paragraphs == ["first", "second", " ", "third"])
    }
}
