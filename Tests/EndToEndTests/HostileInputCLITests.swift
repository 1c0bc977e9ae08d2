import Foundation
import Testing

/// Issue 12 through the built binary: each attack from the review, which crashed the process or
/// let markup through before, is refused with one clear line (or made harmless), and nothing is written.
@Suite("Hostile input (end to end)")
struct HostileInputCLITests {
    static let phishingRef = "\u{600}<a href=https://evil.example/login x="

    @Test func aCaseReferenceCarryingMarkupIsRefusedWithTheRule() throws {
        let w = try Workspace()
        let r = try w.openFormal(Self.phishingRef)
        #expect(r.status == 65, "\(r.stderr)")
        #expect(r.stderr == "drwatch: the case reference contains U+0600; use 1 to 64 characters: letters A-Z a-z, digits, spaces and - _ / . : only, no space at either end; give the dispute's case reference\n")
        #expect(w.disputeCount == 0)
    }

    @Test(arguments: [
        (["--team", "North\r\n=1+2"], "the team name contains U+000D"),
        (["--team", "North<b>"], "the team name contains '<'"),
        (["--child", "C-1\u{1B}[2J"], "the child's case reference contains U+001B"),
    ])
    func aTeamOrChildReferenceOutsideTheRuleIsRefused(extra: [String], message: String) throws {
        let w = try Workspace()
        let r = try w.openFormal("DR-1", extra: extra)
        #expect(r.status == 65, "\(r.stderr)")
        #expect(r.stderr.hasPrefix("drwatch: \(message); use 1 to 64 characters"), "\(r.stderr)")
        #expect(w.disputeCount == 0)
    }

    @Test func aHugeExtensionAfterAFirstOneIsRefusedNotATrap() throws {
        let w = try Workspace()
        #expect(try w.openFormal("DR-1").status == 0)
        let first = try w.run(["dispute", "extend", "DR-1", "--working-days", "1", "--agreed-by", "iro:iro@council.example", "--at", "2026-11-24"])
        #expect(first.status == 0, "\(first.stderr)")
        let r = try w.run(["dispute", "extend", "DR-1", "--working-days", "9223372036854775807", "--agreed-by", "iro:iro@council.example", "--at", "2026-11-24T10:00"])
        #expect(r.status == 65, "\(r.stderr)")
        #expect(r.stderr == "drwatch: an extension must add 1 to 260 working days, not 9223372036854775807; agree a number in that range\n")
        #expect(w.eventCount == 2)
    }

    @Test func aHugeExtensionInAnImportIsRefusedNotATrap() throws {
        let w = try Workspace()
        let csv = [
            ImportCLITests.header,
            ImportCLITests.opened("IMP-1"),
            ImportCLITests.row(["ref": "IMP-1", "event": "extended", "at": "2026-11-24T09:00", "approver_role": "iro",
                                "approver_email": "iro@council.example", "working_days": "1"]),
            ImportCLITests.row(["ref": "IMP-1", "event": "extended", "at": "2026-11-24T10:00", "approver_role": "iro",
                                "approver_email": "iro@council.example", "working_days": "9223372036854775807"]),
        ].joined(separator: "\r\n") + "\r\n"
        let r = try w.run(["import", try w.file("x.csv", Array(csv.utf8))])
        #expect(r.status == 65, "\(r.stderr)")
        #expect(r.stderr.contains(":4: an extension must add 1 to 260 working days, not 9223372036854775807"), "\(r.stderr)")
        #expect(w.disputeCount == 0)
    }

    @Test(arguments: [
        ("a = " + String(repeating: "[", count: 40_000), "nested more than 32 deep"),
        ("a = " + String(repeating: "{a = ", count: 40_000), "nested more than 32 deep"),
    ])
    func aConfigNestedFortyThousandDeepIsAConfigErrorNotACrash(text: String, message: String) throws {
        let w = try Workspace(initialise: false)
        let path = try w.file("deep.toml", Array(text.utf8))
        let r = try Drwatch.run(["check-config", "--config", path])
        #expect(r.status == 78, "\(r.stderr.prefix(300))")
        #expect(r.stderr.hasPrefix("drwatch: \(path):1: arrays and inline tables \(message) in \"a\""), "\(r.stderr.prefix(300))")
    }

    @Test func storedTextNeverSendsTerminalEscapesOrNULs() throws {
        let w = try Workspace()
        #expect(try w.openFormal("DR-1").status == 0)
        let note = try w.run(["dispute", "note", "DR-1", "hello\u{1B}]0;owned\u{07}\u{1B}[2Jthere", "--at", "2026-11-23T11:00"])
        #expect(note.status == 0, "\(note.stderr)")
        let r = try w.run(["dispute", "show", "DR-1"])
        #expect(r.status == 0, "\(r.stderr)")
        #expect(r.stdout.contains("hello\u{FFFD}]0;owned\u{FFFD}\u{FFFD}[2Jthere"), "\(r.stdout)")
        #expect(!r.stdout.unicodeScalars.contains { $0.value < 0x20 && $0 != "\n" && $0 != "\t" })
    }
}

extension HostileInputCLITests {
    @Test func anImportedTeamNameCarryingAFormulaIsRefused() throws {
        let w = try Workspace()
        let opened = ImportCLITests.row(["ref": "IMP-1", "event": "opened", "at": "2026-11-23T10:00", "by_role": "iro",
                                         "by_email": "iro@council.example", "policy": "four-stage", "kind": "formal", "category": "general",
                                         "type": "P", "team": "\"North\r\n=1+2\"", "people": "team-manager=tm@council.example"])
        let csv = [ImportCLITests.header, opened].joined(separator: "\r\n") + "\r\n"
        let r = try w.run(["import", try w.file("x.csv", Array(csv.utf8))])
        #expect(r.status == 65, "\(r.stderr)")
        #expect(r.stderr.contains(":2: the team name contains U+000D; use 1 to 64 characters"), "\(r.stderr)")
        #expect(w.disputeCount == 0)
    }
}
