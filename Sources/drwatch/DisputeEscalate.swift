import ArgumentParser

/// `drwatch dispute escalate REF --by ROLE:EMAIL [--to-stage N] [--reason TEXT] [--at TIME]`
struct DisputeEscalate: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "escalate", abstract: "Move a dispute to a higher stage (default: the next one).")

    @OptionGroup var global: GlobalOptions
    @Argument(help: ArgumentHelp("The dispute's case reference.", valueName: "ref")) var ref: String
    @Option(name: .customLong("to-stage"), help: ArgumentHelp("The stage to move to (more than one step up is a bypass).", valueName: "n"))
    var toStage: Int?
    @Option(help: ArgumentHelp("Why (required by some policies for a bypass).", valueName: "text")) var reason: String?
    @OptionGroup var change: ChangeOptions

    func validate() throws {
        if let toStage, toStage < 1 { throw ValidationError("--to-stage must be 1 or more, not \(toStage)") }
        // Every escalation is made by somebody: their initiator limit, and the record's, are checked.
        if change.by == nil { throw ValidationError("--by is required: say who escalates, e.g. --by iro:jo.bloggs@council.example") }
    }

    func run() throws {
        // Without --to-stage: one above the effective stage at that time (escalations on breach included).
        try recordChange(at: change.at, global: global) { recorder, at in
            try recorder.escalate(ref: ref, toStage: toStage, reason: reason, by: actor(change.by), at: at)
        }
    }
}
