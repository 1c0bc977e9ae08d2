import ArgumentParser

/// `drwatch dispute withdraw REF --reason TEXT [--at TIME] [--by ROLE:EMAIL]`
struct DisputeWithdraw: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "withdraw", abstract: "Close a dispute without an outcome.")

    @OptionGroup var global: GlobalOptions
    @Argument(help: ArgumentHelp("The dispute's case reference.", valueName: "ref")) var ref: String
    @Option(help: ArgumentHelp("Why it is withdrawn.", valueName: "text")) var reason: String
    @OptionGroup var change: ChangeOptions

    func validate() throws {
        if reason.trimmingCharacters(in: .whitespaces).isEmpty { throw ValidationError("--reason is empty; say why it is withdrawn") }
    }

    func run() throws {
        try recordChange(.withdrawn(reason: reason), ref: ref, at: change.at, by: change.by, global: global)
    }
}
