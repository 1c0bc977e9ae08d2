import DisputeCore

/// The command-line option that gives each field of a request: the CLI names a refused field
/// by its option (`--approved-by`), where a web form would mark the field itself.
func option(for field: Field) -> String {
    switch field {
    case .ref: "--ref"
    case .policy: "--policy"
    case .kind: "--kind"
    case .stage: "--stage"
    case .category: "--category"
    case .type: "--type"
    case .raisedBy: "--raised-by"
    case .by: "--by"
    case .at: "--at"
    case .division: "--division"
    case .team: "--team"
    case .childRef: "--child"
    case .childStatus: "--child-status"
    case .subject: "--subject"
    case .aboutOwner: "--about-owner"
    case .reason: "--reason"
    case .people: "--person"
    case .approvedBy: "--approved-by"
    case .agreedBy: "--agreed-by"
    case .workingDays: "--working-days"
    case .outcome: "--outcome"
    case .note: "the note"
    }
}
