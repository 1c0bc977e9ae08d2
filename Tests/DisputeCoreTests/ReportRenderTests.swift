import Foundation
import Testing
import WorkingDays
@testable import DisputeCore

// The report's tables (suppression applied once) and the three formats that render them.

@Suite("Reports: small-number suppression")
struct ReportSuppressionTests {
    let tables: ReportTables
    init() throws { tables = try ReportFixture.report(threshold: 5).tables() }

    func row(_ section: String, _ key: String) throws -> ReportRow {
        try #require(tables.section(section)?.rows.first { $0.key == key })
    }

    @Test func smallCountsAreSuppressedAndZeroIsShown() throws {
        let withdrawn = try row("summary", "withdrawn").values[0]
        #expect(withdrawn == Comparison(current: .suppressed, previous: .count(0), change: .withheld))
        let open = try row("summary", "open_at_end").values[0]
        #expect(open == Comparison(current: .count(7), previous: .suppressed, change: .withheld))
        #expect(try row("summary", "opened").values[0] == Comparison(current: .count(40), previous: .count(13), change: .countChange(27)))
        #expect(try row("summary", "cafcass_referrals").values[0].current == .suppressed)
        #expect(try row("summary", "repeat_alerts").values[0].current == .suppressed)
    }

    @Test func sharesAreWithheldWhenTheirPartsOrTheDifferenceAreSmall() throws {
        let stages = try row("summary", "within_stage_timescales").values[0]
        let share: Double = 13.0 * 100 / 22
        #expect(stages.current == .percent(share) && stages.previous == .percent(100))
        #expect(stages.change == .pointsChange(share - 100))
        // 14 of 17 in time: the 3 late would follow from a shown share.
        let statutory = try row("summary", "within_statutory").values[0]
        #expect(statutory == Comparison(current: .withheld, previous: .percent(100), change: .withheld))
        #expect(try row("summary", "median_working_days").values[0] == Comparison(current: .days(6.5), previous: .days(4), change: .daysChange(2.5)))
        // 6 working days over 2 extensions: withheld with the count.
        #expect(try row("summary", "extension_working_days").values[0] == Comparison(current: .withheld, previous: .count(0), change: .withheld))
    }

    @Test func aLoneSuppressedCellTakesTheSmallestOtherCountWithIt() throws {
        // Opened by category: provision 4 (<5) would follow from the total 40 and the others.
        #expect(try row("by-category", "provision-of-services").values[0].current == .suppressed)
        #expect(try row("by-category", "statutory-requirements").values[0].current == .withheld)
        #expect(try row("by-category", "general").values[0].current == .count(22))
        // Resolved by team in Q2: Delta 1 alone; Alpha 10 is withheld with it, zeros stay.
        #expect(try row("by-team", "Delta").values[1].previous == .suppressed)
        #expect(try row("by-team", "Alpha").values[1].previous == .withheld)
        #expect(try row("by-team", "Alpha").values[1].change == .withheld)
        #expect(try row("by-team", "Beta").values[1].previous == .count(0))
        // Two suppressed cells (Q2 opened: Beta 1, Delta 1) protect each other.
        #expect(try row("by-team", "Alpha").values[0].previous == .count(11))
    }

    @Test func noShownCountIsSmallAndNoColumnHidesASingleCell() throws {
        for s in tables.sections {
            for r in s.rows {
                for v in r.values {
                    for c in [v.current, v.previous] {
                        if case .count(let n) = c { #expect(n == 0 || n >= 5, "\(s.id)/\(r.key): \(n)") }
                    }
                }
            }
            guard ["by-kind", "by-category", "by-type", "by-team", "good-practice-by-team"].contains(s.id) else { continue }
            for m in s.measures.indices {
                for column in [s.rows.map { $0.values[m].current }, s.rows.map { $0.values[m].previous }] {
                    let hidden = column.filter(\.isHidden).count
                    let nonZeroShown = column.filter { if case .count(let n) = $0 { n > 0 } else { false } }.count
                    #expect(hidden != 1 || nonZeroShown == 0, "\(s.id) measure \(m): one hidden cell could be worked out")
                }
            }
        }
    }

    @Test func withoutSuppressionEveryCountIsShown() throws {
        let t = try ReportFixture.report(threshold: nil).tables()
        let withdrawn = try #require(t.section("summary")?.rows.first { $0.key == "withdrawn" })
        #expect(withdrawn.values[0] == Comparison(current: .count(4), previous: .count(0), change: .countChange(4)))
        let statutory: Double = 14.0 * 100 / 17
        #expect(t.section("summary")!.rows.first { $0.key == "within_statutory" }!.values[0].current == .percent(statutory))
        #expect(t.sections.allSatisfy { $0.rows.allSatisfy { $0.values.allSatisfy { !$0.current.isHidden && !$0.previous.isHidden } } })
        #expect(t.notes[0].hasPrefix("Unsuppressed"))
    }

    @Test func repeatAlertsByChildAreCountsOfChildrenNeverTheirReferences() throws {
        let s = try #require(tables.section("repeat-alerts-by-child"))
        #expect(s.rows.map(\.key) == ["2_alerts_to_date", "3_or_more_alerts_to_date"])
        #expect(s.rows.map { $0.values.map(\.current) } == [[.suppressed, .suppressed], [.suppressed, .suppressed]])
        let open = try ReportFixture.report(threshold: nil).tables()
        let u = try #require(open.section("repeat-alerts-by-child"))
        #expect(u.rows.map { $0.values.map(\.current) } == [[.count(1), .count(1)], [.count(1), .count(2)]])
    }

    @Test func noFormatNamesAChild() throws {
        let open = try ReportFixture.report(threshold: nil).tables()
        for text in [ReportHTML.render(open), ReportCSV.render(open), ReportMarkdown.render(open)] {
            for child in ["C-100", "C-200", "C-300"] { #expect(!text.contains(child)) }
        }
    }
}

@Suite("Reports: HTML, CSV and Markdown")
struct ReportFormatTests {
    /// The fixture plus records whose team names try HTML, Markdown and formula injection.
    static func hostileTables(threshold: Int? = 5) throws -> ReportTables {
        var ds = ReportFixture.disputes
        let names = ["<script>alert(1)</script> & \"Co\"", "=HYPERLINK(\"http://x\")", "@SUM(A1)", "Pipe | team"]
        for (i, n) in names.enumerated() {
            for j in 0..<6 {
                ds.append(ReportFixture.rec("H\(i)-\(j)", .general, .practice, team: n, [("2026-08-04 10:00", .opened(stage: 1))]))
            }
        }
        return try ReportFixture.builder().build(disputes: ds, period: .quarter(2026, 3), asOf: ReportFixture.asOf,
                                                 suppressionThreshold: threshold).tables()
    }

    @Test func htmlIsSelfContainedBalancedAndEscaped() throws {
        let html = ReportHTML.render(try Self.hostileTables())
        #expect(html.hasPrefix("<!DOCTYPE html>"))
        try expectBalanced(html)
        #expect(!html.contains("<script"))
        #expect(html.contains("&lt;script&gt;alert(1)&lt;/script&gt; &amp; &quot;Co&quot;"))
        for external in ["src=", "href=", "@import", "url(", "https://"] { #expect(!html.contains(external), "\(external)") }
        // The only URL (bar the hostile team name, escaped text) is the SVG namespace, which is never fetched.
        let plain = ReportHTML.render(try ReportFixture.report().tables())
        #expect(!plain.replacingOccurrences(of: "xmlns=\"http://www.w3.org/2000/svg\"", with: "").contains("http"))
        #expect(html.contains("<svg") && html.contains("@media print") && html.contains("size: A4"))
        #expect(html.contains("<tr><th scope=\"row\">Withdrawn</th><td class=\"first hidden\">&lt;5</td><td class=\"prev\">0</td><td class=\"change hidden\">*</td></tr>"))
    }

    @Test func htmlChartsDrawNoBarForAHiddenFigure() throws {
        let html = ReportHTML.render(try ReportFixture.report().tables())
        // Provision of services (4 raised) is suppressed: its label and mark, no bar length.
        let chart = try #require(html.components(separatedBy: "<figure>").dropFirst().first)
        let provision = try #require(chart.components(separatedBy: "Provision of services").last)
        let firstBar = try #require(provision.components(separatedBy: "\n").dropFirst().first)
        #expect(firstBar.hasPrefix("<text") && firstBar.contains(">&lt;5</text>"))
    }

    @Test func csvIsOneTidyTableWithASectionColumn() throws {
        let csv = ReportCSV.render(try Self.hostileTables())
        #expect(csv.hasSuffix("\r\n") && !csv.replacingOccurrences(of: "\r\n", with: "").contains("\n"))
        let rows = parseCSV(csv)
        #expect(rows[0] == ReportCSV.header)
        #expect(rows.allSatisfy { $0.count == 8 })
        let keys = rows.dropFirst().map { "\($0[0])/\($0[1])/\($0[2])" }
        #expect(Set(keys).count == keys.count, "one line per figure")
        let byKey = Dictionary(rows.dropFirst().map { ("\($0[0])/\($0[1])/\($0[2])", $0) }, uniquingKeysWith: { a, _ in a })
        #expect(byKey["summary/all/withdrawn"] == ["summary", "all", "withdrawn", "2026-Q3", "<5", "2026-Q2", "0", "*"])
        #expect(byKey["summary/all/opened"] == ["summary", "all", "opened", "2026-Q3", "64", "2026-Q2", "13", "51"])
        #expect(byKey["summary/all/within_stage_timescales"]?[4] == "59.1")
        #expect(byKey["summary/all/within_stage_timescales"]?[7] == "-40.9")
        #expect(byKey["by-team/Alpha/resolved"] == ["by-team", "Alpha", "resolved", "2026-Q3", "8", "2026-Q2", "*", "*"])
        #expect(byKey["report/all/suppression_threshold"]?[4] == "5")
        // Formula injection: text from the data never starts a cell with = + - @.
        #expect(byKey["by-team/'=HYPERLINK(\"http://x\")/opened"]?[4] == "6")
        #expect(byKey["by-team/'@SUM(A1)/opened"] != nil)
        for r in rows { for f in r where !f.isEmpty && Double(f) == nil { #expect(!"=+-@".contains(f.first!), "\(f)") } }
        #expect(Set(rows.dropFirst().map { $0[0] }) == ["report", "summary", "by-kind", "by-category", "by-type", "by-team",
                                                          "by-highest-stage", "timeliness", "working-days-to-resolution",
                                                          "good-practice-by-team", "repeat-alerts-by-child", "timeliness-by-quarter"])
    }

    @Test func markdownTablesHaveOneCellPerColumnAndEscapeTheData() throws {
        let md = ReportMarkdown.render(try Self.hostileTables())
        #expect(md.hasPrefix("# Dispute resolution activity: 2026 Q3\n"))
        #expect(md.contains("| Withdrawn | <5 | 0 | * |"))
        #expect(md.contains("Pipe \\| team"))
        #expect(md.contains("\\<script\\>alert\\(1\\)\\</script\\>"))
        var columns: Int?
        for line in md.split(separator: "\n", omittingEmptySubsequences: false) {
            guard line.hasPrefix("|") else { columns = nil; continue }
            let n = line.replacingOccurrences(of: "\\|", with: "").filter { $0 == "|" }.count
            if let c = columns { #expect(n == c, "\(line)") } else { columns = n }
        }
    }

    @Test(arguments: ["html", "csv", "md"])
    func suppressionAppliesInEveryFormat(_ format: String) throws {
        func render(_ t: ReportTables) -> String {
            switch format {
            case "html": ReportHTML.render(t)
            case "csv": ReportCSV.render(t)
            default: ReportMarkdown.render(t)
            }
        }
        let suppressed = render(try ReportFixture.report(threshold: 5).tables())
        let open = render(try ReportFixture.report(threshold: nil).tables())
        #expect(suppressed.contains(format == "html" ? "&lt;5" : "<5"))
        #expect(!open.contains(format == "html" ? "&lt;5" : "<5"))
        // The band of children with 3 or more alerts (1 child, 2 repeat alerts) shows its counts only unsuppressed.
        let band = { (s: String) in
            (s.replacingOccurrences(of: "\r\n", with: "\n").components(separatedBy: "\n")
                .filter { $0.contains("3_or_more_alerts_to_date") || $0.contains("Children with 3 or more alerts to date") }.joined(separator: "\n"))
                .replacingOccurrences(of: "2026-Q3", with: "").replacingOccurrences(of: "3_or_more", with: "").replacingOccurrences(of: "with 3 or more", with: "")
        }
        #expect(band(suppressed).contains(format == "html" ? "&lt;5" : "<5") && !band(suppressed).contains("2"))
        #expect(band(open).contains("2"))
    }
}

/// Checks that every element opened is closed in order (void elements and `/>` excepted).
func expectBalanced(_ html: String, sourceLocation: SourceLocation = #_sourceLocation) throws {
    let void: Set<String> = ["meta", "br", "hr", "img", "input", "link", "!doctype"]
    let regex = try NSRegularExpression(pattern: "<(/?)([!a-zA-Z][a-zA-Z0-9]*)([^>]*)>")
    var stack: [String] = []
    let ns = html as NSString
    for m in regex.matches(in: html, range: NSRange(location: 0, length: ns.length)) {
        let closing = ns.substring(with: m.range(at: 1)) == "/"
        let name = ns.substring(with: m.range(at: 2)).lowercased()
        let rest = ns.substring(with: m.range(at: 3))
        if void.contains(name) || rest.hasSuffix("/") { continue }
        if closing {
            #expect(stack.last == name, "</\(name)> closes <\(stack.last ?? "nothing")>", sourceLocation: sourceLocation)
            if stack.last == name { stack.removeLast() }
        } else {
            stack.append(name)
        }
    }
    #expect(stack.isEmpty, "unclosed: \(stack)", sourceLocation: sourceLocation)
}

/// RFC 4180 parsing (quotes, doubled quotes, CRLF).
func parseCSV(_ text: String) -> [[String]] {
    var rows: [[String]] = [], row: [String] = [], field = "", quoted = false
    var it = Array(text).makeIterator()
    var pending: Character? = nil
    while let ch = pending ?? it.next() {
        pending = nil
        if quoted {
            if ch == "\"" {
                if let n = it.next() { if n == "\"" { field.append("\"") } else { quoted = false; pending = n } } else { quoted = false }
            } else { field.append(ch) }
        } else if ch == "\"" { quoted = true }
        else if ch == "," { row.append(field); field = "" }
        else if ch == "\r\n" || ch == "\n" { row.append(field); rows.append(row); row = []; field = "" }
        else { field.append(ch) }
    }
    if !field.isEmpty || !row.isEmpty { row.append(field); rows.append(row) }
    return rows
}
