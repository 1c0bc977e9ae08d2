// The import layout's columns (docs/import.md): named here, beside `[import.columns]` and
// `[import.values]`, which map a council's export onto them; read by Recording's CSV import.

/// The columns of an import file, in the order `drwatch import` documents (the header may list
/// them in any order, but must name each exactly once).
public enum ImportColumn: String, CaseIterable, Sendable {
    case ref, event, at, byRole = "by_role", byEmail = "by_email"
    case policy, kind, stage, category, type, division, team
    case childRef = "child_ref", subject, aboutOwner = "about_owner", people
    case approverRole = "approver_role", approverEmail = "approver_email", workingDays = "working_days", text
    /// Added after the layout shipped, so a file may leave it out (empty on every row).
    case childStatus = "child_status"

    /// The columns a one-off import's header must name: every one but those added later
    /// (`child_status`), which a file may leave out.
    public static let oneOffRequired: [ImportColumn] = allCases.filter { $0 != .childStatus }
}
