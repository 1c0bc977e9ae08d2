import ArgumentParser
import Foundation
import WorkingDays

/// `drwatch calendar ...`: bank holidays and working-day arithmetic. Other tools call these
/// commands, so their form and output are a contract:
///
///     drwatch calendar holidays [--division D] (--year Y | --from Y1 --to Y2) [--holidays-file F] [--closure DATE]...
///     drwatch calendar add      [--division D] [--holidays-file F] [--closure DATE]... START N
///     drwatch calendar between  [--division D] [--holidays-file F] [--closure DATE]... D1 D2
///
/// Exit codes: 64 bad arguments, 65 bad data (malformed holidays file, date outside the
/// supported range), 66 holidays file missing or unreadable.
struct CalendarCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "calendar",
        abstract: "Bank holidays and working-day arithmetic.",
        discussion: """
            A working day is Monday to Friday, not a bank holiday of the division and not a local \
            closure day. Bank holidays are computed by rule (1995-2099) with every one-off proclaimed \
            since 1995; a gov.uk bank-holidays.json file replaces them for the years it covers.
            """,
        subcommands: [Holidays.self, Add.self, Between.self]
    )

    /// The options every calendar subcommand takes.
    struct Options: ParsableArguments {
        @Option(help: ArgumentHelp("england-and-wales (default), scotland or northern-ireland.", valueName: "division"))
        var division: String = Division.englandAndWales.rawValue

        @Option(name: .customLong("holidays-file"),
                help: ArgumentHelp("A file in gov.uk's bank-holidays.json format; its events replace the computed ones for the years it covers.", valueName: "file"))
        var holidaysFile: String?

        @Option(name: .customLong("closure"),
                help: ArgumentHelp("A local closure day YYYY-MM-DD (repeatable).", valueName: "date"))
        var closures: [String] = []

        /// Builds the calendar, reading the holidays file (the edge: the module only parses bytes).
        func calendar() throws -> WorkingCalendar {
            guard let division = Division(rawValue: division) else {
                throw usage("unknown division '\(division)': use england-and-wales, scotland or northern-ireland")
            }
            let closureDays = try closures.map { try parseDate($0, what: "closure day") }
            var file: HolidaysFile?
            if let path = holidaysFile {
                let data: Data
                do {
                    data = try Data(contentsOf: URL(fileURLWithPath: path))
                } catch {
                    let exists = FileManager.default.fileExists(atPath: path)
                    throw CommandFailure(exists ? "cannot read holidays file \(path): \(ioReason(error))"
                                                : "holidays file \(path) not found: check --holidays-file",
                                         code: Sysexits.noInput)
                }
                file = try HolidaysFile.parse(data, source: "holidays file \(path)")
                for w in file?.warnings ?? [] { warn("warning: \(w)") }
            }
            return try WorkingCalendar(division: division, holidaysFile: file, closures: closureDays)
        }
    }

    struct Holidays: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Print the days off work (bank holidays and closures), one per line: YYYY-MM-DD<TAB>Title.")

        @OptionGroup var options: Options
        @Option(help: ArgumentHelp("One year.", valueName: "year")) var year: String?
        @Option(help: ArgumentHelp("First year of a range (with --to).", valueName: "year")) var from: String?
        @Option(help: ArgumentHelp("Last year of a range (with --from).", valueName: "year")) var to: String?

        func run() throws {
            let first: Int, last: Int
            switch (year, from, to) {
            case let (y?, nil, nil):
                first = try parseYear(y, what: "--year"); last = first
            case let (nil, f?, t?):
                first = try parseYear(f, what: "--from"); last = try parseYear(t, what: "--to")
            case (nil, nil, nil):
                throw usage("say which years: --year Y, or --from Y1 --to Y2")
            case (.some, _, _):
                throw usage("use either --year or --from/--to, not both")
            default:
                throw usage("--from and --to go together")
            }
            let calendar = try options.calendar()
            var out = ""
            for h in try calendar.holidays(fromYear: first, toYear: last) {
                out += "\(h.date.iso)\t\(h.title)\n"
            }
            writeOut(out)
        }
    }

    struct Add: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Print the Nth working day strictly after START (N = 0: START if a working day, else the next one).")

        @OptionGroup var options: Options
        // Both as text, so that a negative N ("-3") reaches us and gets a clear one-line error.
        @Argument(parsing: .allUnrecognized, help: ArgumentHelp("START (YYYY-MM-DD) and N (working days, 0 or more).", valueName: "START N"))
        var values: [String] = []

        func run() throws {
            let values = self.values.filter { $0 != "--" }
            guard values.count == 2 else {
                throw usage(values.count < 2 ? "expected START (YYYY-MM-DD) and N, e.g. calendar add 2026-12-24 5"
                                             : "unexpected argument '\(values[2])': expected START N")
            }
            let start = try parseDate(values[0], what: "START")
            guard let n = Int(values[1]) else { throw usage("N must be a whole number of working days, not '\(values[1])'") }
            guard n >= 0 else { throw usage("N must be 0 or more, not \(n)") }
            let calendar = try options.calendar()
            print(try calendar.addWorkingDays(n, to: start).iso)
        }
    }

    struct Between: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Print the working days d with D1 < d <= D2 (negative when D2 is before D1).")

        @OptionGroup var options: Options
        @Argument(help: ArgumentHelp("From this date (YYYY-MM-DD), exclusive.", valueName: "D1")) var d1: String
        @Argument(help: ArgumentHelp("To this date (YYYY-MM-DD), inclusive.", valueName: "D2")) var d2: String

        func run() throws {
            let a = try parseDate(d1, what: "D1"), b = try parseDate(d2, what: "D2")
            let calendar = try options.calendar()
            print(try calendar.workingDaysBetween(a, b))
        }
    }
}

private func usage(_ message: String) -> CommandFailure { CommandFailure(message, code: Sysexits.usage) }

private func parseDate(_ text: String, what: String) throws -> LocalDate {
    guard let d = LocalDate(iso: text) else { throw usage("\(what) '\(text)' is not a date: expected YYYY-MM-DD") }
    return d
}

private func parseYear(_ text: String, what: String) throws -> Int {
    guard text.count == 4, let y = Int(text) else { throw usage("\(what) '\(text)' is not a year: expected YYYY") }
    return y
}

private func ioReason(_ error: Error) -> String {
    let ns = error as NSError
    if let underlying = ns.userInfo[NSUnderlyingErrorKey] as? NSError, underlying.domain == NSPOSIXErrorDomain,
       let msg = strerror(Int32(underlying.code)) {
        return String(cString: msg)
    }
    return ns.localizedDescription
}
