import Foundation
import Testing

/// `drwatch import FILE.csv` through the built binary: all or nothing, every bad row named.
@Suite("drwatch import (end to end)")
struct ImportCLITests {
    static let header = "ref,event,at,by_role,by_email,policy,kind,stage,category,type,division,team,child_ref,subject,about_owner,people,approver_role,approver_email,working_days,text"

    /// A row with the given cells set (by column name), the others empty.
    static func row(_ cells: [String: String]) -> String {
        header.split(separator: ",").map { cells[String($0)] ?? "" }.joined(separator: ",")
    }
    static func opened(_ ref: String, at: String = "2026-11-23T10:00", category: String = "general") -> String {
        row(["ref": ref, "event": "opened", "at": at, "by_role": "iro", "by_email": "iro@council.example", "policy": "four-stage",
             "kind": "formal", "category": category, "type": "P", "people": "team-manager=tm@council.example;iro=iro@council.example"])
    }

    @Test func aValidFileGoesInWholeWithQuotedCommasAndLineBreaks() throws {
        let w = try Workspace()
        let csv = [
            Self.header,
            Self.opened("IMP-1"),
            Self.opened("IMP-2", at: "2026-11-24"),
            Self.row(["ref": "IMP-1", "event": "escalated", "at": "2026-11-24T09:00", "stage": "2", "by_role": "iro", "by_email": "iro@council.example",
                      "text": "\"no reply, chased twice\""]),
            Self.row(["ref": "IMP-1", "event": "note", "at": "2026-11-24T10:00", "text": "\"met the \"\"service manager\"\"\nagreed next steps\""]),
            Self.row(["ref": "IMP-2", "event": "paused", "at": "2026-11-25T09:00", "approver_role": "head-of-service-safeguarding",
                      "approver_email": "hos@council.example", "text": "court"]),
            Self.row(["ref": "IMP-2", "event": "resolved", "at": "2026-11-26T09:00", "policy": "four-stage", "text": "agreed"]),
        ].joined(separator: "\r\n") + "\r\n"
        let file = try w.file("export.csv", Array(csv.utf8))

        let dry = try w.run(["import", file, "--dry-run"])
        #expect(dry.status == 0, "\(dry.stderr)")
        #expect(dry.stdout == "\(file): 2 disputes with 6 events are valid; nothing written (--dry-run)\n")
        #expect(w.disputeCount == 0)

        let r = try w.run(["import", file])
        #expect(r.status == 0, "\(r.stderr)")
        #expect(r.stdout == "\(file): imported 2 disputes with 6 events\n")
        #expect(w.eventCount == 6)
        let shown = try json(try w.run(["dispute", "show", "IMP-1", "--json", "--at", "2026-11-25"]).stdout) as! [String: Any]
        #expect(shown["stage"] as? Int == 2)
        let events = shown["events"] as! [[String: Any]]
        #expect(events[1]["reason"] as? String == "no reply, chased twice")
        #expect(events[2]["text"] as? String == "met the \"service manager\"\nagreed next steps")

        // The same file again: every dispute is already recorded.
        let again = try w.run(["import", file])
        #expect(again.status == 65)
        #expect(again.stderr.contains("\(file):2: IMP-1 is already recorded"))
        #expect(again.stderr.contains("\(file):3: IMP-2 is already recorded"))
        #expect(w.eventCount == 6)
    }

    /// Bad dates, unknown categories, duplicate references, a wrong column count, an injected
    /// formula, invalid UTF-8, a refused transition: nothing is written and every bad row is named.
    @Test func aMalformedFileWritesNothingAndNamesEveryBadRow() throws {
        let w = try Workspace()
        try w.openFormal("IN-STORE")
        var lines: [[UInt8]] = [
            Self.header,                                                                  // 1
            Self.opened("OK-1"),                                                          // 2
            Self.opened("BAD-DATE", at: "2026-11-31"),                                    // 3
            Self.opened("BAD-CAT", category: "finance"),                                  // 4
            Self.opened("OK-1"),                                                          // 5 duplicate in the file
            Self.opened("IN-STORE"),                                                      // 6 already in the store
            Self.opened("SHORT") + ",extra",                                              // 7 wrong column count
            Self.row(["ref": "OK-1", "event": "note", "at": "2026-11-24", "text": "\"=HYPERLINK(\"\"http://evil.example\"\",\"\"click\"\")\""]), // 8
            Self.row(["ref": "OK-1", "event": "resumed", "at": "2026-11-24"]),            // 9 not paused
            Self.opened("OK-2"),                                                          // 10 fine
        ].map { Array($0.utf8) }
        lines.append(Array("OK-3,opened,2026-11-23,iro,iro@council.example,four-stage,formal,,general,P,,Team ".utf8) + [0xC3, 0x28]
                     + Array(",,,,,,,,".utf8))                                           // 11 invalid UTF-8
        let bytes: [UInt8] = lines.reduce(into: []) { $0 += $1; $0.append(0x0A) }
        let file = try w.file("bad.csv", bytes)

        let r = try w.run(["import", file])
        #expect(r.status == 65)
        #expect(w.disputeCount == 1)
        #expect(w.eventCount == 1)
        let reported = r.stderr.split(separator: "\n").map(String.init)
        let named = reported.compactMap { line -> Int? in
            guard line.hasPrefix(file + ":") else { return nil }
            return Int(String(line.dropFirst(file.count + 1).prefix { $0.isNumber }))
        }
        #expect(named == [3, 4, 5, 6, 7, 8, 9, 11], "\(r.stderr)")
        #expect(reported[0].contains("is not a time"))
        #expect(reported[1].contains("unknown category finance"))
        #expect(reported[2].contains("OK-1 is opened twice in the file (first on line 2)"))
        #expect(reported[3].contains("IN-STORE is already recorded"))
        #expect(reported[4].contains("21 columns, the header has 20"))
        #expect(reported[5].contains("formula"))
        #expect(reported[6].contains("is not paused"))
        #expect(reported[7].contains("not valid UTF-8"))
        #expect(reported.last == "drwatch: \(file): 8 bad rows; nothing was imported")
    }

    @Test(arguments: [
        ("ref,event,colour\n", "bad header: unknown column \"colour\"; missing columns at,"),
        ("", "the file is empty"),
        (header + "\n\"IMP-1,opened\n", "never closed"),
        (header + "\nIMP\"1,opened,2026-11-23,,,,,,,,,,,,,,,,,\n", "inside unquoted field"),
    ])
    func aBadShapeIsRefusedWithItsLine(csv: String, message: String) throws {
        let w = try Workspace()
        let file = try w.file("x.csv", Array(csv.utf8))
        let r = try w.run(["import", file])
        #expect(r.status == 65)
        #expect(r.stderr.contains(message), "\(r.stderr)")
        #expect(w.disputeCount == 0)
    }

    @Test func aMissingFileExits66() throws {
        let w = try Workspace()
        let r = try w.run(["import", w.dir.appendingPathComponent("nope.csv").path])
        #expect(r.status == 66)
    }
}
