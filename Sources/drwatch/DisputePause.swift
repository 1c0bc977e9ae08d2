import ArgumentParser

/// `drwatch dispute pause REF --approved-by ROLE:EMAIL --reason TEXT [--at TIME] [--by ROLE:EMAIL]`
struct DisputePause: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "pause", abstract: "Stop a dispute's clock, with the agreement of the role the policy names.")

    @OptionGroup var global: GlobalOptions
    @Argument(help: ArgumentHelp("The dispute's case reference.", valueName: "ref")) var ref: String
    @Option(name: .customLong("approved-by"), help: ArgumentHelp("Who agreed the pause.", valueName: "role:email")) var approvedBy: String
    @Option(help: ArgumentHelp("Why.", valueName: "text")) var reason: String
    @OptionGroup var change: ChangeOptions

    func validate() throws {
        try validateActor(approvedBy, option: "--approved-by")
        if reason.trimmingCharacters(in: .whitespaces).isEmpty { throw ValidationError("--reason is empty; say why the clock stops") }
    }

    func run() throws {
        try recordChange(.paused(approvedBy: actor(approvedBy)!, reason: reason), ref: ref, at: change.at, by: change.by, global: global)
    }
}
