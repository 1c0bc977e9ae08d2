import ArgumentParser

/// `drwatch dispute resume REF [--at TIME] [--by ROLE:EMAIL]`
struct DisputeResume: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "resume", abstract: "Restart a paused dispute's clock.")

    @OptionGroup var global: GlobalOptions
    @Argument(help: ArgumentHelp("The dispute's case reference.", valueName: "ref")) var ref: String
    @OptionGroup var change: ChangeOptions

    func run() throws {
        try recordChange(.resumed, ref: ref, at: change.at, by: change.by, global: global)
    }
}
