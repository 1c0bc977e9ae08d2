import Foundation
import Logging
import Testing
@testable import DisputeService
@testable import Notifications
@testable import Recording
@testable import ServiceConfig

// Issue 12: the HTML part was escaped by swift-mustache one grapheme cluster at a time, so
// U+0600 followed by `<` (one cluster) reached the mail as a raw `<a href=...>`; a journald
// line could be forged with "\r\n<2>" (one Character, neither CR nor LF).

@Suite("Hostile text in mail and logs")
struct HostileTextTests {
    static let phishing = "\u{600}<a href=https://evil.example/login x="

    @Test func theHTMLPartEscapesMarkupHiddenInAGraphemeCluster() throws {
        let templates = try TemplateSet.load(shipped: shippedTemplates)
        let m = templates.render("opened", facts: ["ref": Self.phishing, "due": "Fri 27 Nov 2026, 17:00"])
        #expect(m.html.contains("about case \u{600}&lt;a href=https://evil.example/login x=."), "\(m.html)")
        #expect(!m.html.contains("<a href"))
        #expect(m.text.contains(Self.phishing))
    }

    @Test func aLogValueCannotForgeAJournaldLine() {
        let lines = LockedLines()
        var logger = Logger(label: "t") { label in
            JournalLogHandler(label: label, level: .trace) { lines.append($0) }
        }
        logger.logLevel = .trace
        logger.error("reload failed\r\n<2>forged critical", metadata: ["file": "a.toml\r\n<0>x", "esc": "\u{1B}[2J"])
        #expect(lines.all == ["<3>reload failed\\r\\n<2>forged critical esc=\\u{1b}[2J file=a.toml\\r\\n<0>x\n"])
    }
}

final class LockedLines: @unchecked Sendable {
    private let lock = NSLock()
    private var lines: [String] = []
    func append(_ s: String) { lock.lock(); lines.append(s); lock.unlock() }
    var all: [String] { lock.lock(); defer { lock.unlock() }; return lines }
}
