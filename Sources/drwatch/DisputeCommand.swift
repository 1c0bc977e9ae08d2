import ArgumentParser

/// `drwatch dispute ...`: record disputes and their changes, and inspect them. Every change is
/// checked against the dispute's policy inside one write transaction; a refusal is one line on
/// stderr, exit 65, and nothing is written. An unknown case reference also exits 65.
struct DisputeCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "dispute",
        abstract: "Record disputes and their progress; show and list them.",
        discussion: """
            TIME is ISO 8601: 2026-11-23, 2026-11-23T14:30, or with an offset (2026-11-23T14:30+01:00); \
            without an offset it is Europe/London time. Without --at, the change is recorded now. \
            ROLE:EMAIL names a person in a role, e.g. iro:jo.bloggs@council.example.
            """,
        subcommands: [
            DisputeOpen.self, DisputeRespond.self, DisputeEscalate.self, DisputePause.self, DisputeResume.self, DisputeExtend.self,
            DisputeIntendCafcass.self, DisputeReferCafcass.self, DisputeNote.self, DisputeResolve.self, DisputeWithdraw.self,
            DisputeShow.self, DisputeList.self,
        ]
    )
}

/// `--at` and `--by`, taken by every change.
struct ChangeOptions: ParsableArguments {
    @Option(help: ArgumentHelp("When it happened (default: now).", valueName: "time"))
    var at: String?

    @Option(help: ArgumentHelp("Who made the change.", valueName: "role:email"))
    var by: String?

    func validate() throws { try validateActor(by, option: "--by") }
}
