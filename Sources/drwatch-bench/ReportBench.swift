import DisputeCore
import DisputeStore
import Foundation
import WorkingDays

/// `drwatch-bench report [COUNT]`: a 2026 Q3 report over COUNT records (default 100,000)
/// raised across the four quarters the report's trend covers (every record is in a window the
/// report assesses: the worst case). Six in ten are formal disputes, a third of them escalated
/// by hand and some paused; most are resolved, so the engine replays them for timeliness.
/// Times loading every record from SQLite, building the figures, and rendering all three formats.
enum ReportBench {
    static func run() throws {
        let count = CommandLine.arguments.count > 2 ? Int(CommandLine.arguments[2]) ?? 100_000 : 100_000
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("drwatch-bench-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        let path = folder.appendingPathComponent("bench.sqlite").path

        let cal = try WorkingCalendar(division: .englandAndWales)
        let civil = CivilTime.london
        let start = LocalDate(iso: "2025-10-01")!
        let iro = Actor(role: "iro", email: "iro@council.example")
        let hos = Actor(role: "head-of-service-safeguarding", email: "hos@council.example")
        func at(_ d: LocalDate, _ hour: Int) -> Date { civil.instant(d, LocalTime(hour: hour, minute: 0)!) }
        var disputes: [Dispute] = []
        disputes.reserveCapacity(count)
        for i in 0..<count {
            let opened = try cal.addWorkingDays(i % 250, to: start)
            let kind: RecordKind = i % 10 < 6 ? .formal : i % 10 < 9 ? .qopAlert : .goodPractice
            var events = [DisputeEvent(at: at(opened, 10), by: iro, change: .opened(stage: 1))]
            if kind != .goodPractice {
                let days = 1 + i % 23
                if kind == .formal && i % 3 == 0 && days > 3 {
                    events.append(DisputeEvent(at: at(try cal.addWorkingDays(2, to: opened), 11), by: iro, change: .escalated(toStage: 2, reason: nil)))
                }
                if kind == .formal && i % 11 == 0 && days > 6 {
                    events.append(DisputeEvent(at: at(try cal.addWorkingDays(4, to: opened), 12), by: iro, change: .paused(approvedBy: hos, reason: "court")))
                    events.append(DisputeEvent(at: at(try cal.addWorkingDays(6, to: opened), 12), by: iro, change: .resumed))
                }
                if i % 13 != 0 {
                    events.append(DisputeEvent(at: at(try cal.addWorkingDays(days, to: opened), 14), by: iro, change: .resolved(outcome: "agreed")))
                }
            }
            disputes.append(Dispute(ref: "R-\(i)", policy: "four-stage", kind: kind, category: IssueCategory.allCases[i % 4],
                                    type: DisputeType.allCases[i % 3], division: .englandAndWales,
                                    childRef: "CH-\(i % 20_000)", team: "Team \(i % 25)", raisedBy: iro, events: events))
        }
        let store = try Stores.open(setting: path)
        try store.migrate()
        try store.insertAll(disputes)

        let presets = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().appendingPathComponent("config/policies/four-stage.toml")
        let policy = try Policy.parse(text: String(contentsOf: presets, encoding: .utf8), file: "four-stage.toml")
        let builder = ReportBuilder(policies: [policy], calendars: [.englandAndWales: cal])
        let asOf = Date(timeIntervalSince1970: 1_795_000_000)   // Nov 2026

        var loaded: [Dispute] = []
        var report: Report?
        var html = "", csv = "", md = ""
        let load = try time { loaded = try Stores.open(setting: path).disputes(openOnly: false) }
        let build = try time { report = try builder.build(disputes: loaded, period: .quarter(2026, 3), asOf: asOf) }
        let render = try time {
            let t = report!.tables()
            html = ReportHTML.render(t); csv = ReportCSV.render(t); md = ReportMarkdown.render(t)
        }
        let c = report!.current
        print("report: \(loaded.count) records (\(loaded.reduce(0) { $0 + $1.events.count }) events); 2026 Q3: raised \(c.totals.opened), resolved \(c.totals.resolved), assessed \(c.timeliness.resolved)")
        print("report: load \(ms(load)) ms, build \(ms(build)) ms, tables + html/csv/md \(ms(render)) ms (\(html.utf8.count + csv.utf8.count + md.utf8.count) bytes); total \(ms(load + build + render)) ms (budget 2000)")
    }

    private static func time(_ body: () throws -> Void) throws -> Double {
        let t0 = DispatchTime.now().uptimeNanoseconds
        try body()
        return Double(DispatchTime.now().uptimeNanoseconds - t0) / 1e9
    }
    private static func ms(_ seconds: Double) -> Int { Int((seconds * 1000).rounded()) }
}
