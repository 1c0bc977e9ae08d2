import DisputeCore
import DisputeStore
import Foundation
import Testing
import WorkingDays

// `drwatch report` through the built binary, on a database seeded through the store directly.

/// A temporary folder with a config naming the four-stage preset and a seeded database.
struct ReportWorkspace {
    let dir: URL
    var config: String { dir.appendingPathComponent("drwatch.toml").path }
    var database: String { dir.appendingPathComponent("drwatch.sqlite").path }

    init(disputes: [Dispute], reports: String = "") throws {
        dir = try Drwatch.tempDir()
        let preset = Drwatch.packageRoot.appendingPathComponent("config/policies/four-stage.toml").path
        try Data("""
            database = "drwatch.sqlite"
            policies = ["\(preset)"]
            \(reports)
            """.utf8).write(to: URL(fileURLWithPath: config))
        let store = try Stores.open(setting: database)
        try store.migrate()
        try store.insertAll(disputes)
    }

    func run(_ args: [String]) throws -> Drwatch.Result {
        try Drwatch.run(["report", "--config", config] + args, cwd: dir)
    }
}

func londonTime(_ text: String) -> Date { CivilTime.london.parse(text.replacingOccurrences(of: " ", with: "T"))! }

func seeded(_ ref: String, kind: RecordKind = .formal, category: IssueCategory = .general, type: DisputeType = .practice,
            team: String, child: String? = nil, _ events: [(String, DisputeEvent.Change)]) -> Dispute {
    let iro = Actor(role: "iro", email: "iro@council.example")
    return Dispute(ref: ref, policy: "four-stage", kind: kind, category: category, type: type, division: .englandAndWales,
                   childRef: child, team: team, raisedBy: iro,
                   events: events.map { DisputeEvent(at: londonTime($0.0), by: iro, change: $0.1) })
}

/// 2026 Q3: 6 formal disputes of team Alpha resolved in 4 working days, 2 of team Beta
/// withdrawn, 1 of team Beta still open; 2026 Q2: 5 of team Alpha resolved after 5 working days.
let smallDataSet: [Dispute] = (0..<6).map {
    seeded("A-\($0)", team: "Alpha", [("2026-07-06 10:00", .opened(stage: 1)), ("2026-07-10 12:00", .resolved(outcome: "agreed"))])
} + (0..<2).map {
    seeded("B-\($0)", type: .resources, team: "Beta", [("2026-07-20 10:00", .opened(stage: 1)), ("2026-07-22 10:00", .withdrawn(reason: "informal"))])
} + [seeded("B-open", type: .delay, team: "Beta", [("2026-09-29 10:00", .opened(stage: 1))])]
+ (0..<5).map {
    seeded("Q2-\($0)", team: "Alpha", [("2026-06-01 10:00", .opened(stage: 1)), ("2026-06-08 10:00", .resolved(outcome: "agreed"))])
}

@Suite("drwatch report (end to end)")
struct ReportCLITests {
    func csvFigures(_ text: String) -> [String: [String]] {
        var out: [String: [String]] = [:]
        for line in text.components(separatedBy: "\r\n") where !line.isEmpty {
            let f = line.components(separatedBy: ",")
            out["\(f[0])/\(f[1])/\(f[2])"] = Array(f[3...])
        }
        return out
    }

    @Test func csvOfAQuarterWithTheDefaultSuppression() throws {
        let w = try ReportWorkspace(disputes: smallDataSet)
        let r = try w.run(["--quarter", "2026Q3", "--format", "csv"])
        #expect(r.status == 0, "\(r.stderr)")
        #expect(r.stderr.isEmpty)
        let f = csvFigures(r.stdout)
        #expect(f["summary/all/opened"] == ["2026-Q3", "9", "2026-Q2", "5", "4"])
        #expect(f["summary/all/resolved"] == ["2026-Q3", "6", "2026-Q2", "5", "1"])
        #expect(f["summary/all/withdrawn"] == ["2026-Q3", "<5", "2026-Q2", "0", "*"])
        #expect(f["summary/all/open_at_end"] == ["2026-Q3", "<5", "2026-Q2", "0", "*"])
        #expect(f["summary/all/within_stage_timescales"] == ["2026-Q3", "100", "2026-Q2", "100", "0"])
        #expect(f["summary/all/median_working_days"] == ["2026-Q3", "4", "2026-Q2", "5", "-1"])
        #expect(f["by-team/Beta/opened"] == ["2026-Q3", "<5", "2026-Q2", "0", "*"])
        #expect(f["by-team/Alpha/opened"] == ["2026-Q3", "*", "2026-Q2", "5", "*"])  // withheld with Beta's 3
        #expect(f["report/all/suppression_threshold"]?[1] == "5")
    }

    @Test func noSuppressionShowsEveryCountAndTheConfigSetsTheThreshold() throws {
        let open = try ReportWorkspace(disputes: smallDataSet).run(["--quarter", "2026Q3", "--format", "csv", "--no-suppression"])
        #expect(open.status == 0, "\(open.stderr)")
        #expect(csvFigures(open.stdout)["summary/all/withdrawn"] == ["2026-Q3", "2", "2026-Q2", "0", "2"])
        #expect(csvFigures(open.stdout)["report/all/suppression_threshold"]?[1] == "none")

        let w = try ReportWorkspace(disputes: smallDataSet, reports: "[reports]\nsuppression_threshold = 3")
        let three = csvFigures(try w.run(["--quarter", "2026Q3", "--format", "csv"]).stdout)
        #expect(three["summary/all/withdrawn"] == ["2026-Q3", "<3", "2026-Q2", "0", "*"])
        #expect(three["summary/all/open_at_end"] == ["2026-Q3", "<3", "2026-Q2", "0", "*"])
        let ten = csvFigures(try w.run(["--quarter", "2026Q3", "--format", "csv", "--threshold", "10"]).stdout)
        #expect(ten["summary/all/opened"]?[1] == "<10")
    }

    @Test func htmlAndMarkdownGoToTheFileNamedByOut() throws {
        let w = try ReportWorkspace(disputes: smallDataSet)
        let html = w.dir.appendingPathComponent("q3.html"), md = w.dir.appendingPathComponent("q3.md")
        #expect(try w.run(["--quarter", "2026Q3", "--out", html.path]).status == 0)
        #expect(try w.run(["--year", "2026", "--out", md.path]).status == 0)
        let page = try String(contentsOf: html, encoding: .utf8)
        #expect(page.hasPrefix("<!DOCTYPE html>") && page.contains("Dispute resolution activity: 2026 Q3"))
        let text = try String(contentsOf: md, encoding: .utf8)
        #expect(text.hasPrefix("# Dispute resolution activity: 2026\n"))
        #expect(text.contains("| Records raised | 14 | 0 | +14 |"))
        let range = try w.run(["--from", "2026-07-01", "--to", "2026-07-31", "--format", "md"])
        #expect(range.stdout.hasPrefix("# Dispute resolution activity: 2026-07-01 to 2026-07-31\n"))
        #expect(range.stdout.contains("compared with 2026-05-31 to 2026-06-30"))
    }

    @Test(arguments: [
        ([] as [String], 64, "say which period"),
        (["--quarter", "2026Q3", "--year", "2026"], 64, "give one period"),
        (["--quarter", "2026Q9"], 64, "is not a quarter"),
        (["--from", "2026-07-01"], 64, "--from and --to go together"),
        (["--from", "2026-07-31", "--to", "2026-07-01"], 64, "is after --to"),
        (["--year", "2026", "--format", "pdf"], 64, "unknown --format 'pdf'"),
        (["--year", "2026", "--threshold", "0"], 64, "--threshold must be from 1 to 100"),
        (["--year", "2026", "--threshold", "5", "--no-suppression"], 64, "not both"),
        (["--year", "2026", "--out", "/nonexistent-folder/r.html"], 74, "cannot write /nonexistent-folder/r.html"),
    ])
    func badRequestsGetOneLineAndASysexitsCode(_ args: [String], _ code: Int32, _ message: String) throws {
        let r = try ReportWorkspace(disputes: []).run(args)
        #expect(r.status == code, "\(r.stderr)")
        #expect(r.stderr.contains(message), "\(r.stderr)")
        #expect(r.stderr.split(separator: "\n").count == 1, "\(r.stderr)")
        #expect(r.stdout.isEmpty)
    }

    @Test func aMissingDatabaseExits66WithoutCreatingIt() throws {
        let w = try ReportWorkspace(disputes: [])
        let missing = w.dir.appendingPathComponent("none.sqlite").path
        let r = try Drwatch.run(["report", "--config", w.config, "--database", missing, "--year", "2026"])
        #expect(r.status == 66, "\(r.stderr)")
        #expect(r.stderr.contains("database \(missing) not found"))
        #expect(!FileManager.default.fileExists(atPath: missing))
    }
}
