import DisputeCore
import Foundation
import Testing
import WorkingDays

// The HTML report rendered by headless Chromium (Debian package `chromium`, installed by
// scripts/setup) to a PNG, with no console message. Set DRWATCH_REPORT_ARTIFACTS=/some/dir to
// keep the HTML and the PNG for a look.

let chromium: String? = ["/usr/bin/chromium", "/usr/bin/chromium-browser", "/usr/bin/google-chrome"]
    .first { FileManager.default.isExecutableFile(atPath: $0) }

/// Runs headless Chromium on `html`, writing a screenshot; returns its exit status and stderr.
func screenshot(_ html: URL, to png: URL, size: String = "1000,4200") throws -> (status: Int32, stderr: String) {
    let profile = try Drwatch.tempDir()
    defer { try? FileManager.default.removeItem(at: profile) }
    let p = Process()
    p.executableURL = URL(fileURLWithPath: chromium!)
    p.arguments = ["--headless", "--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-extensions",
                   "--user-data-dir=\(profile.path)", "--enable-logging=stderr", "--v=0",
                   "--window-size=\(size)", "--screenshot=\(png.path)", html.absoluteString]
    let err = Pipe()
    p.standardError = err
    p.standardOutput = FileHandle.nullDevice
    try p.run()
    let data = err.fileHandleForReading.readDataToEndOfFile()
    p.waitUntilExit()
    return (p.terminationStatus, String(decoding: data, as: UTF8.self))
}

/// Console lines Chromium logged for the page (`INFO:CONSOLE`, `ERROR:CONSOLE`, ...).
func consoleLines(_ stderr: String) -> [String] { stderr.split(separator: "\n").map(String.init).filter { $0.contains(":CONSOLE") } }

/// A year of varied, deterministic activity across six teams (for the picture, not for figures).
func yearOfActivity(count: Int = 400) throws -> [Dispute] {
    let cal = try WorkingCalendar(division: .englandAndWales)
    var rng = SplitMix(seed: 7)
    let teams = ["Children in Care North", "Children in Care South", "Child Protection East", "Disabled Children",
                 "Leaving Care", "Fostering & Adoption"]
    let start = LocalDate(iso: "2025-10-01")!
    var out: [Dispute] = []
    func time(_ d: LocalDate, _ h: Int) -> String { "\(d.iso) \(h < 10 ? "0" : "")\(h):00" }
    for i in 0..<count {
        let opened = try cal.addWorkingDays(Int(rng.next() % 255), to: start)
        let roll = rng.next() % 100
        let kind: RecordKind = roll < 55 ? .formal : roll < 80 ? .qopAlert : roll < 95 ? .goodPractice : .collective
        var events: [(String, DisputeEvent.Change)] = [(time(opened, 10), .opened(stage: kind == .goodPractice ? 0 : 1))]
        if kind != .goodPractice {
            let days = 1 + Int(rng.next() % 26)
            let end = try cal.addWorkingDays(days, to: opened)
            if kind == .formal && days > 4 && rng.next() % 2 == 0 {
                events.append((time(try cal.addWorkingDays(3, to: opened), 11), .escalated(toStage: 2, reason: nil)))
            }
            if kind == .formal && days > 8 && rng.next() % 6 == 0 {
                events.append((time(try cal.addWorkingDays(5, to: opened), 12), .paused(approvedBy: Actor(role: "head-of-service-safeguarding", email: "hos@council.example"), reason: "court")))
                events.append((time(try cal.addWorkingDays(7, to: opened), 12), .resumed))
            }
            if kind == .formal && rng.next() % 15 == 0 { events.append((time(opened, 15), .cafcassReferral)) }
            let close = rng.next() % 100
            if end <= LocalDate(iso: "2026-09-25")! && close < 92 {
                events.append((time(end, 14), close < 86 ? .resolved(outcome: "agreed") : .withdrawn(reason: "no longer needed")))
            }
        }
        out.append(seeded("Y-\(i)", kind: kind, category: IssueCategory.allCases[Int(rng.next() % 4)],
                          type: DisputeType.allCases[Int(rng.next() % 3)], team: teams[Int(rng.next() % 6)],
                          child: kind == .qopAlert ? "CH-\(rng.next() % 60)" : nil, events))
    }
    return out
}

struct SplitMix: RandomNumberGenerator {
    var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}

@Suite("drwatch report in a headless browser",
       .enabled(if: chromium != nil, "chromium is not installed (scripts/setup installs it: apt-get install chromium); browser test skipped"))
struct ReportBrowserTests {
    @Test func theHtmlReportRendersToAPngWithNoConsoleMessage() throws {
        let w = try ReportWorkspace(disputes: try yearOfActivity())
        let html = w.dir.appendingPathComponent("report.html"), png = w.dir.appendingPathComponent("report.png")
        let r = try w.run(["--quarter", "2026Q3", "--out", html.path])
        #expect(r.status == 0, "\(r.stderr)")
        let shot = try screenshot(html, to: png)
        #expect(shot.status == 0, "\(shot.stderr)")
        #expect(consoleLines(shot.stderr).isEmpty, "\(consoleLines(shot.stderr))")
        let data = try Data(contentsOf: png)
        #expect(data.prefix(8) == Data([0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A]))
        #expect(data.count > 50_000, "a near-empty picture: \(data.count) bytes")
        if let keep = ProcessInfo.processInfo.environment["DRWATCH_REPORT_ARTIFACTS"], !keep.isEmpty {
            let dir = URL(fileURLWithPath: keep)
            try? FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
            for f in [html, png] {
                let dest = dir.appendingPathComponent(f.lastPathComponent)
                try? FileManager.default.removeItem(at: dest)
                try FileManager.default.copyItem(at: f, to: dest)
            }
        }
    }

    @Test func theConsoleCheckCatchesAPageThatLogs() throws {
        // The check above is only worth something if a logging page is caught.
        let dir = try Drwatch.tempDir()
        let html = dir.appendingPathComponent("bad.html")
        try Data("<!DOCTYPE html><title>x</title><p>x</p><script>console.error('boom')</script>".utf8).write(to: html)
        let shot = try screenshot(html, to: dir.appendingPathComponent("bad.png"), size: "400,300")
        #expect(consoleLines(shot.stderr).count == 1)
    }
}
