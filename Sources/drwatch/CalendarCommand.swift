import ArgumentParser
import WorkingDays

/// `drwatch calendar ...`: the working-day calendar. Filled in by issue 2.
struct CalendarCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "calendar",
        abstract: "Bank holidays and working-day arithmetic.",
        subcommands: []
    )
}
