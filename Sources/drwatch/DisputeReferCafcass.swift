import ArgumentParser

/// `drwatch dispute refer-cafcass REF [--at TIME] [--by ROLE:EMAIL]`
struct DisputeReferCafcass: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "refer-cafcass", abstract: "Record a referral to CAFCASS (the policy's named role is alerted).")

    @OptionGroup var global: GlobalOptions
    @Argument(help: ArgumentHelp("The dispute's case reference.", valueName: "ref")) var ref: String
    @OptionGroup var change: ChangeOptions

    func run() throws {
        try recordChange(.cafcassReferral, ref: ref, at: change.at, by: change.by, global: global)
    }
}
