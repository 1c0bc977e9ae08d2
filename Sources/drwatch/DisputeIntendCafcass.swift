import ArgumentParser

/// `drwatch dispute intend-cafcass REF --by ROLE:EMAIL [--reason TEXT] [--at TIME]`: the intention to
/// refer to CAFCASS, recorded (and alerted) before the referral.
struct DisputeIntendCafcass: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "intend-cafcass",
        abstract: "Record the intention to refer to CAFCASS (the policy's roles are alerted or consulted before the referral).")

    @OptionGroup var global: GlobalOptions
    @Argument(help: ArgumentHelp("The dispute's case reference.", valueName: "ref")) var ref: String
    @Option(help: ArgumentHelp("Why a referral is intended (never a child's name).", valueName: "text")) var reason: String?
    @OptionGroup var change: ChangeOptions

    func validate() throws {
        if change.by == nil { throw ValidationError("--by is required: who intends the referral, e.g. --by iro:jo.bloggs@council.example") }
    }

    func run() throws {
        let why = reason.flatMap { $0.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty ? nil : $0 }
        try recordChange(.cafcassIntended(reason: why), ref: ref, at: change.at, by: change.by, global: global)
    }
}
