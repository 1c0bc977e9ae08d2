import ArgumentParser

/// `drwatch dispute note REF TEXT [--at TIME] [--by ROLE:EMAIL]`
struct DisputeNote: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "note", abstract: "Add a note to a dispute's history.")

    @OptionGroup var global: GlobalOptions
    @Argument(help: ArgumentHelp("The dispute's case reference.", valueName: "ref")) var ref: String
    @Argument(help: ArgumentHelp("The note (never a child's name: use case references).", valueName: "text")) var text: String
    @OptionGroup var change: ChangeOptions

    func validate() throws {
        if text.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty { throw ValidationError("the note is empty") }
    }

    func run() throws {
        try recordChange(.note(text), ref: ref, at: change.at, by: change.by, global: global)
    }
}
