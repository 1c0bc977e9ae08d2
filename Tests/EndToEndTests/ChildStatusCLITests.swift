import Foundation
import Testing

/// six-stage-drp: "IROs can raise DRPs up to stage 6, for children in our care. They can raise DRPs
/// up to stage 5 for children supported through a child protection or child in need plan." The
/// child's status is recorded with `dispute open --child-status` or the CSV `child_status` column,
/// stored, shown by `dispute show`, and bounds every escalation.
@Suite("drwatch dispute open --child-status (end to end)")
struct ChildStatusCLITests {
    static let sixStage = Drwatch.packageRoot.appendingPathComponent("config/policies/six-stage-drp.toml").path

    func open(_ w: Workspace, _ ref: String, status: String?) throws -> Drwatch.Result {
        try w.run(["dispute", "open", "--ref", ref, "--policy", "six-stage-drp", "--kind", "formal", "--stage", "5",
                   "--reason", "risk of significant harm", "--category", "care-plan-implementation", "--type", "D",
                   "--raised-by", "iro:iro@council.example", "--at", "2026-11-02T10:00"] + (status.map { ["--child-status", $0] } ?? []))
    }

    // (status given, exit status of the escalation to stage 6, its stderr)
    static let cases: [(status: String?, exit: Int32, stderr: String)] = [
        ("cp-cin", 65, "drwatch: iro may escalate for a child on a child protection or child in need plan up to stage 5 only under six-stage-drp, not stage 6\n"),
        ("other", 0, ""),
        (nil, 0, ""),
    ]

    @Test(arguments: cases)
    func theStoredStatusBoundsTheEscalation(status: String?, exit: Int32, stderr: String) throws {
        let w = try Workspace(extraPolicies: [Self.sixStage])
        let opened = try open(w, "DR-1", status: status)
        #expect(opened.status == 0, "\(opened.stderr)")
        let r = try w.run(["dispute", "escalate", "DR-1", "--to-stage", "6", "--by", "iro:iro@council.example", "--at", "2026-11-03T10:00"])
        #expect(r.status == exit)
        #expect(r.stderr == stderr)
        let shown = try w.run(["dispute", "show", "DR-1", "--at", "2026-11-03T11:00"]).stdout
        let line = status.map { "child status: \($0) (\($0 == "cp-cin" ? "child protection or child in need plan" : "not on a child protection or child in need plan"))\n" }
        #expect(shown.contains("child status:") == (line != nil))
        if let line { #expect(shown.contains(line)) }
        let object = try #require(try json(try w.run(["dispute", "show", "DR-1", "--json"]).stdout) as? [String: Any])
        #expect(object["child_status"] as? String == status)
        #expect(object.keys.contains("child_status"))
    }

    @Test func anUnknownStatusIsRefusedAndNothingIsWritten() throws {
        let w = try Workspace(extraPolicies: [Self.sixStage])
        let r = try open(w, "DR-1", status: "cp")
        #expect(r.status == 65)
        #expect(r.stderr == "drwatch: unknown child's status cp; use cp-cin (a child protection or child in need plan) or other (a child in care, or any other)\n")
        #expect(w.eventCount == 0)
    }

    @Test func theImportReadsTheOptionalChildStatusColumn() throws {
        let w = try Workspace(extraPolicies: [Self.sixStage])
        let header = "ref,event,at,by_role,by_email,policy,kind,stage,category,type,division,team,child_ref,subject,about_owner,people,approver_role,approver_email,working_days,text"
        // policy..type, then division..working_days empty (9), then text
        let opened = ",six-stage-drp,formal,5,care-plan-implementation,D" + String(repeating: ",", count: 10) + "risk of significant harm"
        let escalated = ",,,6" + String(repeating: ",", count: 12)   // stage 6; category..text empty
        let csv = """
            \(header),child_status
            DR-1,opened,2026-11-02T10:00,iro,iro@council.example\(opened),cp-cin
            DR-1,escalated,2026-11-03T10:00,iro,iro@council.example\(escalated),
            """
        let r = try w.run(["import", try w.file("a.csv", Array(csv.utf8))])
        #expect(r.status == 65)
        #expect(r.stderr.contains("a.csv:3: iro may escalate for a child on a child protection or child in need plan up to stage 5 only under six-stage-drp, not stage 6"), "\(r.stderr)")
        #expect(w.eventCount == 0)
        // The same file without the column (it may be left out): the DRP goes to stage 6.
        let old = """
            \(header)
            DR-1,opened,2026-11-02T10:00,iro,iro@council.example\(opened)
            DR-1,escalated,2026-11-03T10:00,iro,iro@council.example\(escalated)
            """
        let ok = try w.run(["import", try w.file("b.csv", Array(old.utf8))])
        #expect(ok.status == 0, "\(ok.stderr)")
        #expect(w.eventCount == 2)
    }
}
