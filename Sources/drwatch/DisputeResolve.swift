import ArgumentParser

/// `drwatch dispute resolve REF --outcome TEXT [--at TIME] [--by ROLE:EMAIL]`
struct DisputeResolve: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "resolve", abstract: "Close a dispute with its outcome.")

    @OptionGroup var global: GlobalOptions
    @Argument(help: ArgumentHelp("The dispute's case reference.", valueName: "ref")) var ref: String
    @Option(help: ArgumentHelp("The outcome.", valueName: "text")) var outcome: String
    @OptionGroup var change: ChangeOptions

    func validate() throws {
        if outcome.trimmingCharacters(in: .whitespaces).isEmpty { throw ValidationError("--outcome is empty; give the outcome") }
    }

    func run() throws {
        try recordChange(.resolved(outcome: outcome), ref: ref, at: change.at, by: change.by, global: global)
    }
}
