import Testing
import TOML
@testable import DisputeCore

@Suite("policy files")
struct PolicyLoaderTests {
    @Test func fourStagePresetLoads() throws {
        let p = try preset("four-stage")
        #expect(p.name == "four-stage")
        #expect(p.kind(.formal)?.stages.map(\.owner) == ["team-manager", "service-manager", "head-of-service", "service-director", "service-director"])
        #expect(p.kind(.formal)?.stages.last?.beyondStatutoryTotal == true)   // the written adjudication
        #expect(p.kind(.formal)?.stages.first?.breachAlert == ["team-manager", "service-manager"])
        #expect(p.kind(.formal)?.stages.last?.onBreach == .alert)
        #expect(p.statutory?.workingDays == 20)
        #expect(p.pauseApprovers == ["head-of-service-safeguarding"])
        #expect(p.roles.contains("cpp-records"))
        #expect(p.extensionNotify.isEmpty)
        #expect(try preset("six-stage-drp").extensionNotify == ["head-of-service-safeguarding"])
    }

    static let base = """
    name = "t"
    title = "T"
    [kind.formal]
    title = "Formal"
    [[kind.formal.stage]]
    name = "Stage 1"
    owner = "team-manager"
    working_days = 5
    on_breach = "escalate"
    breach_alert = ["owner", "next-owner"]
    [[kind.formal.stage]]
    name = "Stage 2"
    owner = "service-manager"
    working_days = 5
    """

    /// (what is wrong, file text, expected line, words the message must contain)
    static let errors: [(String, String, Int, String)] = [
        ("unknown role", base.replacingOccurrences(of: "owner = \"service-manager\"", with: "owner = \"social-manager\""), 13, "unknown role \"social-manager\""),
        ("stage without owner", base.replacingOccurrences(of: "owner = \"service-manager\"\n", with: ""), 11, "has no owner; add owner ="),
        ("timescale of zero", base.replacingOccurrences(of: "working_days = 5\non_breach", with: "working_days = 0\non_breach"), 8, "a timescale must be 1 or more"),
        ("negative hours", base.replacingOccurrences(of: "working_days = 5\non_breach", with: "hours = -24\non_breach"), 8, "a timescale must be 1 or more"),
        ("no timescale", base.replacingOccurrences(of: "working_days = 5\non_breach", with: "on_breach"), 5, "has no timescale; add working_days"),
        ("breach target that does not exist", base.replacingOccurrences(of: "\"next-owner\"]", with: "\"duty-manager\"]"), 10, "breach target \"duty-manager\""),
        ("unknown key", base + "\nreminder_days = [2]", 15, "unknown key \"reminder_days\""),
        ("escalate on the last stage", base + "\non_breach = \"escalate\"", 15, "last stage"),
        ("unknown kind", base + "\n[kind.informal]\ntitle = \"x\"", 15, "not a kind of record"),
        ("missing name", base.replacingOccurrences(of: "name = \"t\"\n", with: ""), 0, "missing required key \"name\""),
        ("bad on_breach", base.replacingOccurrences(of: "\"escalate\"", with: "\"move\""), 9, "not known; use one of"),
        ("both timescales", base.replacingOccurrences(of: "working_days = 5\non_breach", with: "working_days = 5\nhours = 4\non_breach"), 9, "both working_days and hours"),
        ("pause without approver", base + "\n[pause]\napprovers = []", 15, "needs at least one approver"),
        ("initiator beyond the last stage", base + "\n[[initiator]]\nrole = \"iro\"\nmax_stage = 6", 17, "max_stage"),
        ("syntax error", base + "\nname = ", 15, "missing value"),
        ("unknown role told of extensions", base + "\n[extension]\nagreed_by = [\"iro\"]\nnotify = [\"head-of-adolescents\"]", 17, "unknown role \"head-of-adolescents\""),
        ("hour reminders on a working-day subject row", base + "\n[[kind.formal.subject]]\nid = \"x\"\ntitle = \"X\"\nworking_days = 3\nremind_hours_left = [2]", 19, "rows timed in hours"),
        ("decision reminder of zero working days", base + "\ndecision_working_days = 0", 15, "decision_working_days"),
        ("a title for a role the policy does not know", base + "\n[role_titles]\nduty-manager = \"Duty Manager\"", 16, "not a role of this policy"),
        ("hour reminder before the row starts", base + "\n[[kind.formal.subject]]\nid = \"x\"\ntitle = \"X\"\nhours = 24\nremind_hours_left = [24]", 19, "use a number below 24"),
    ]

    @Test(arguments: errors)
    func refusesTheWholeFileNamingFileLineAndFix(what: String, text: String, line: Int, words: String) {
        #expect(performing: { try Policy.parse(text: text, file: "policies/t.toml") }, throws: { error in
            guard let e = error as? ConfigFileError else { return false }
            let lineOK = line == 0 ? true : e.line == line
            if !lineOK || !e.message.contains(words) || e.file != "policies/t.toml" { print("\(what): got \(e)") }
            return lineOK && e.message.contains(words) && e.file == "policies/t.toml"
        })
    }
}
