import ArgumentParser
import DisputeCore
import DisputeService
import Notifications
import Recording
import ServiceConfig
import DisputeStore
import Foundation
import WorkingDays

/// `drwatch report`: quarterly and annual reports of dispute activity (issue 7, docs/reports.md).
///
///     drwatch report (--quarter 2026Q3 | --year 2026 | --from D --to D) [--format html|csv|md]
///                    [--out FILE] [--no-suppression] [--threshold N]
///
/// Reads every record from the store, computes the figures in pure code (DisputeCore/Reports)
/// and writes one file (or stdout). Exit codes: 64 bad arguments, 65 bad data, 66 database or
/// policy file missing, 74 output not writable, 78 config.
struct ReportCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "report",
        abstract: "Write a report of dispute activity for a quarter, a year or a range of days.",
        discussion: """
            Counts raised, resolved and open records by kind, theme, type, team and highest stage; \
            timeliness against the stage timescales and the statutory total; working days to \
            resolution; pauses, extensions, CAFCASS referrals; repeat alerts per child (case \
            references only); Good Practice notifications by team; each beside the previous period. \
            Counts from 1 to threshold - 1 are shown as "<threshold" in every format.
            """)

    @OptionGroup var global: GlobalOptions

    @Option(help: ArgumentHelp("A calendar quarter, e.g. 2026Q3 (July to September).", valueName: "YYYYQn"))
    var quarter: String?

    @Option(help: ArgumentHelp("A calendar year.", valueName: "YYYY"))
    var year: String?

    @Option(help: ArgumentHelp("First day of a range (with --to).", valueName: "YYYY-MM-DD"))
    var from: String?

    @Option(help: ArgumentHelp("Last day of a range (with --from), included.", valueName: "YYYY-MM-DD"))
    var to: String?

    @Option(help: ArgumentHelp("html, csv or md (default: from --out's extension, else html).", valueName: "format"))
    var format: String?

    @Option(help: ArgumentHelp("Write to this file instead of stdout.", valueName: "file"))
    var out: String?

    @Flag(name: .customLong("no-suppression"), help: "Show small numbers (only for readers entitled to case-level data).")
    var noSuppression = false

    @Option(help: ArgumentHelp("Suppress counts below N (default: [reports] suppression_threshold, else 5).", valueName: "N"))
    var threshold: Int?

    enum Format: String { case html, csv, md }

    func run() throws {
        let period = try self.period()
        let format = try self.resolvedFormat()
        if noSuppression && threshold != nil { throw usage("use either --no-suppression or --threshold, not both") }
        if let t = threshold, !(1...100).contains(t) { throw usage("--threshold must be from 1 to 100, not \(t)") }

        let config = try global.loadConfig()
        let location = try StoreLocation(setting: config.database)
        guard Stores.exists(location) else {
            throw CommandFailure("database \(location) not found: check `database` in the config, or --database",
                                 code: Sysexits.noInput)
        }
        let store = try config.openStore()
        try store.migrate()
        let (disputes, purged) = try store.reportRecords()

        let builder = ReportBuilder(policies: try loadPolicies(config), calendars: try calendars(config),
                                    settings: EngineSettings(closeOfBusiness: config.closeOfBusiness, sendTime: config.sendTime))
        let t = noSuppression ? 1 : threshold ?? config.reports.suppressionThreshold
        let report = try builder.build(disputes: disputes, purged: purged, period: period, asOf: Date(), suppressionThreshold: t > 1 ? t : nil)
        let tables = report.tables()
        let text: String
        switch format {
        case .html: text = ReportHTML.render(tables)
        case .csv: text = ReportCSV.render(tables)
        case .md: text = ReportMarkdown.render(tables)
        }
        if let out {
            do {
                try Data(text.utf8).write(to: URL(fileURLWithPath: out), options: .atomic)
            } catch {
                throw CommandFailure("cannot write \(out): \((error as NSError).localizedDescription); check the folder exists and is writable",
                                     code: Sysexits.ioErr)
            }
        } else {
            // A file format (CRLF in CSV), not terminal text: every field is already escaped for it.
            FileHandle.standardOutput.write(Data(text.utf8))
        }
    }

    func period() throws -> ReportPeriod {
        switch (quarter, year, from, to) {
        case let (q?, nil, nil, nil):
            guard let p = ReportPeriod.parseQuarter(q) else { throw usage("--quarter '\(q)' is not a quarter: expected YYYYQn, e.g. 2026Q3") }
            return p
        case let (nil, y?, nil, nil):
            guard y.count == 4, let n = Int(y), (1995...2099).contains(n) else {
                throw usage("--year '\(y)' is not a year from 1995 to 2099: expected YYYY")
            }
            return .year(n)
        case let (nil, nil, f?, t?):
            guard let a = LocalDate(iso: f), a.iso == f else { throw usage("--from '\(f)' is not a date: expected YYYY-MM-DD") }
            guard let b = LocalDate(iso: t), b.iso == t else { throw usage("--to '\(t)' is not a date: expected YYYY-MM-DD") }
            guard a <= b else { throw usage("--from \(f) is after --to \(t): give the first day first") }
            guard WorkingCalendar.supported.contains(a), WorkingCalendar.supported.contains(b) else {
                throw usage("dates must be from 1995 to 2099")
            }
            return ReportPeriod(from: a, to: b)
        case (nil, nil, nil, nil):
            throw usage("say which period: --quarter 2026Q3, --year 2026, or --from YYYY-MM-DD --to YYYY-MM-DD")
        case (nil, nil, .some, nil), (nil, nil, nil, .some):
            throw usage("--from and --to go together")
        default:
            throw usage("give one period: --quarter, --year, or --from with --to")
        }
    }

    func resolvedFormat() throws -> Format {
        if let format {
            guard let f = Format(rawValue: format.lowercased()) else { throw usage("unknown --format '\(format)': use html, csv or md") }
            return f
        }
        switch out.map({ URL(fileURLWithPath: $0).pathExtension.lowercased() }) {
        case "csv": return .csv
        case "md", "markdown": return .md
        default: return .html
        }
    }

    /// Reads every policy file the config names (the edge: DisputeCore parses the text).
    func loadPolicies(_ config: DrwatchConfig) throws -> [Policy] {
        try zip(config.policies, config.policyLines).map { path, line in
            guard let data = FileManager.default.contents(atPath: path) else {
                throw CommandFailure("\(config.file):\(line): policy file \(path) cannot be read; check the path and its permissions",
                                     code: Sysexits.noInput)
            }
            return try Policy.parse(text: String(decoding: data, as: UTF8.self), file: path)
        }
    }

    /// One calendar per division, each with the config's holidays file and closures.
    func calendars(_ config: DrwatchConfig) throws -> [Division: WorkingCalendar] {
        var file: HolidaysFile?
        if let path = config.holidaysFile {
            guard let data = FileManager.default.contents(atPath: path) else {
                throw CommandFailure("holidays file \(path) cannot be read; check `holidays_file` in the config", code: Sysexits.noInput)
            }
            file = try HolidaysFile.parse(data, source: "holidays file \(path)")
        }
        var out: [Division: WorkingCalendar] = [:]
        for d in Division.allCases { out[d] = try WorkingCalendar(division: d, holidaysFile: file, closures: config.closures) }
        return out
    }
}

private func usage(_ message: String) -> CommandFailure { CommandFailure(message, code: Sysexits.usage) }
