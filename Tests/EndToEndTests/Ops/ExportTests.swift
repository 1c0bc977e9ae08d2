import Foundation
import Testing

/// `drwatch export`: subject access, everything about one child (or one dispute) and nothing else.
@Suite("Subject access export")
struct ExportTests {
    /// Child C-1 has DR-1 (with a hostile note) and DR-2; child C-2 has DR-9 with a note that
    /// must never appear in C-1's export. One tick enqueues and sends their notices.
    static func workspace(_ store: StoreKind = .sqlite) throws -> Workspace {
        let ws = try Workspace(store: store)
        try ws.writeConfig(policies: [Workspace.fourStage], roles: Workspace.fourStageRoles)
        #expect(try ws.openFormal("DR-1", at: "2026-11-23T10:00", extra: ["--child", "C-1"]).status == 0)
        #expect(try ws.openFormal("DR-2", at: "2026-11-23T11:00", extra: ["--child", "C-1"]).status == 0)
        #expect(try ws.openFormal("DR-9", at: "2026-11-23T10:00", extra: ["--child", "C-2", "--person", "team-manager=other.tm@council.example"]).status == 0)
        #expect(try ws.run(["dispute", "note", "DR-1", "<script>alert(1)</script> & \"quotes\"", "--at", "2026-11-24T09:00"]).status == 0)
        #expect(try ws.run(["dispute", "note", "DR-9", "OTHER-CHILD-SECRET", "--at", "2026-11-24T09:00"]).status == 0)
        #expect(try ws.run(["tick", "--at", "2026-11-25T12:00"]).status == 0)
        return ws
    }

    static func tables(_ path: String) throws -> [String: [[String: Any]]] {
        let object = try json(String(contentsOfFile: path, encoding: .utf8)) as! [String: Any]
        return object["tables"] as! [String: [[String: Any]]]
    }

    @Test(arguments: StoreKind.all)
    func aChildsExportHoldsEveryRowAboutTheirDisputesAndNothingAboutAnotherChild(_ store: StoreKind) throws {
        let ws = try Self.workspace(store)
        let prefix = ws.dir.appendingPathComponent("sar-c1").path
        let r = try ws.run(["export", "--child", "C-1", "--out", prefix])
        #expect(r.status == 0, "\(r.stderr)")
        let ids = "(SELECT id FROM disputes WHERE child_ref = 'C-1')"
        let events = try ws.scalar("SELECT COUNT(*) FROM events WHERE dispute_id IN \(ids)")
        let people = try ws.scalar("SELECT COUNT(*) FROM people WHERE dispute_id IN \(ids)")
        let messages = try ws.scalar("SELECT COUNT(*) FROM outbox WHERE dispute_ref IN ('DR-1', 'DR-2')")
        let recipients = try ws.scalar("SELECT COUNT(*) FROM outbox_recipients WHERE outbox_id IN (SELECT id FROM outbox WHERE dispute_ref IN ('DR-1', 'DR-2'))")
        #expect(Int(messages)! > 0)
        let rows = 2 + Int(events)! + Int(people)! + Int(messages)! + Int(recipients)!
        #expect(r.stdout == "wrote \(prefix).json and \(prefix).html (mode 0600): 2 disputes, \(rows) rows held about child C-1\n")

        let t = try Self.tables(prefix + ".json")
        #expect(t["disputes"]!.map { $0["ref"] as! String } == ["DR-1", "DR-2"])
        #expect(t["disputes"]!.map { $0["child_ref"] as! String } == ["C-1", "C-1"])
        #expect(t["events"]!.count == Int(events)!)
        #expect(t["people"]!.count == Int(people)!)
        #expect(t["outbox"]!.count == Int(messages)!)
        #expect(Set(t["outbox"]!.map { $0["dispute_ref"] as! String }) == ["DR-1", "DR-2"])
        #expect(t["audit"]!.isEmpty)
        #expect(t["events"]!.first { ($0["note"] as? String)?.hasPrefix("<script>") == true }?["at_iso"] as? String == "2026-11-24T09:00:00Z")

        let json = try String(contentsOfFile: prefix + ".json", encoding: .utf8)
        let html = try String(contentsOfFile: prefix + ".html", encoding: .utf8)
        for text in [json, html] {
            for other in ["DR-9", "C-2", "OTHER-CHILD-SECRET", "other.tm@council.example"] {
                #expect(!text.contains(other), "\(other) leaked")
            }
        }
        #expect(html.contains("<td>&lt;script&gt;alert(1)&lt;/script&gt; &amp; &quot;quotes&quot;</td>"))
        #expect(!html.contains("<script>"))
        #expect(html.contains("<h1>What drwatch holds about child C-1</h1>"))
        for p in [prefix + ".json", prefix + ".html"] {
            #expect(try FileManager.default.attributesOfItem(atPath: p)[.posixPermissions] as? Int == 0o600)
        }
        // Never over an existing export.
        let again = try ws.run(["export", "--child", "C-1", "--out", prefix])
        #expect(again.status == 73)
        #expect(again.stderr.contains("\(prefix).json exists"))
    }

    @Test func aDisputesExportHoldsOnlyThatDispute() throws {
        let ws = try Self.workspace()
        let prefix = ws.dir.appendingPathComponent("sar-dr9").path
        let r = try ws.run(["export", "--ref", "DR-9", "--out", prefix])
        #expect(r.status == 0, "\(r.stderr)")
        let t = try Self.tables(prefix + ".json")
        #expect(t["disputes"]!.map { $0["ref"] as! String } == ["DR-9"])
        #expect(Set(t["events"]!.map { $0["dispute_ref"] as! String }) == ["DR-9"])
        let json = try String(contentsOfFile: prefix + ".json", encoding: .utf8)
        #expect(json.contains("OTHER-CHILD-SECRET"))
        #expect(!json.contains("DR-1") && !json.contains("\"C-1\""))
    }

    @Test(arguments: [
        (["--ref", "DR-NOPE"], Int32(65), "DR-NOPE"),
        (["--child", "C-1", "--ref", "DR-1"], 64, "give either --child REF or --ref REF"),
        ([], 64, "give either --child REF or --ref REF"),
    ])
    func badRequestsWriteNothing(args: [String], status: Int32, message: String) throws {
        let ws = try Workspace()
        let prefix = ws.dir.appendingPathComponent("x").path
        let r = try ws.run(["export"] + args + ["--out", prefix])
        #expect(r.status == status)
        #expect(r.stderr.contains(message), "\(r.stderr)")
        #expect(!FileManager.default.fileExists(atPath: prefix + ".json"))
    }

    @Test func aChildWithNothingHeldGetsFilesThatSaySo() throws {
        let ws = try Workspace()
        let prefix = ws.dir.appendingPathComponent("none").path
        let r = try ws.run(["export", "--child", "C-404", "--out", prefix])
        #expect(r.status == 0)
        #expect(r.stdout.hasSuffix("0 disputes, 0 rows held about child C-404\n"))
        #expect(try String(contentsOfFile: prefix + ".html", encoding: .utf8).components(separatedBy: "<p>None held.</p>").count - 1 == 7)
    }
}
