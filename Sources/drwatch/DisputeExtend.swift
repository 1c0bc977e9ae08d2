import ArgumentParser

/// `drwatch dispute extend REF --working-days N --agreed-by ROLE:EMAIL [--at TIME] [--by ROLE:EMAIL]`
struct DisputeExtend: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "extend", abstract: "Extend the current stage's timescale, as agreed (never past the statutory total).")

    @OptionGroup var global: GlobalOptions
    @Argument(help: ArgumentHelp("The dispute's case reference.", valueName: "ref")) var ref: String
    @Option(name: .customLong("working-days"), help: ArgumentHelp("Working days to add (1 or more).", valueName: "n")) var workingDays: Int
    @Option(name: .customLong("agreed-by"), help: ArgumentHelp("Who agreed the extension (the IRO).", valueName: "role:email")) var agreedBy: String
    @OptionGroup var change: ChangeOptions

    func validate() throws {
        try validateActor(agreedBy, option: "--agreed-by")
        if workingDays < 1 { throw ValidationError("--working-days must be 1 or more, not \(workingDays)") }
    }

    func run() throws {
        try recordChange(.extended(workingDays: workingDays, agreedBy: actor(agreedBy)!), ref: ref, at: change.at, by: change.by, global: global)
    }
}
