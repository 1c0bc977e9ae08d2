import ArgumentParser

/// `drwatch dispute respond REF --by ROLE:EMAIL --text TEXT [--at TIME]`: the stage owner's response.
struct DisputeRespond: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "respond",
        abstract: "Record the current stage owner's response (the raiser is told, and decides: resolve or escalate).",
        discussion: """
            Recorded by the owner of the current stage (--by that role). Within the stage timescale it \
            stops the stage's reminders, breach alert and escalation on breach; the statutory clock keeps running.
            """)

    @OptionGroup var global: GlobalOptions
    @Argument(help: ArgumentHelp("The dispute's case reference.", valueName: "ref")) var ref: String
    @Option(help: ArgumentHelp("The response: what the owner will do, and by when (never a child's name).", valueName: "text"))
    var text: String
    @OptionGroup var change: ChangeOptions

    func validate() throws {
        if change.by == nil { throw ValidationError("--by is required: the stage's owner, e.g. --by team-manager:jo.bloggs@council.example") }
        if text.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty { throw ValidationError("--text is empty; give the response") }
    }

    func run() throws {
        try recordChange(.responded(text: text), ref: ref, at: change.at, by: change.by, global: global)
    }
}
