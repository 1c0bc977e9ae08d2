import Foundation

/// The report as one self-contained HTML page: no network, no JavaScript; tables, inline SVG
/// bar charts, and print CSS for A4. Every text from the data is escaped.
public enum ReportHTML {
    public static func render(_ t: ReportTables) -> String {
        var b = """
            <!DOCTYPE html>
            <html lang="en">
            <head>
            <meta charset="utf-8">
            <meta name="viewport" content="width=device-width, initial-scale=1">
            <title>\(esc(t.title))</title>
            <style>\(css)</style>
            </head>
            <body>
            <header>
            <h1>\(esc(t.title))</h1>
            <p class="meta">\(esc(t.period.from.longDescription)) to \(esc(t.period.to.longDescription)), compared with \
            \(esc(t.previousPeriod.label)) (\(esc(t.previousPeriod.from.longDescription)) to \(esc(t.previousPeriod.to.longDescription))). \
            Figures as of \(esc(t.asOf.longDescription)).</p>

            """
        for n in t.notes { b += "<p class=\"note\">\(esc(n))</p>\n" }
        b += "</header>\n<main>\n"

        // Charts first: the picture, then the figures.
        b += "<section class=\"charts\">\n"
        if let cat = t.section("by-category") {
            b += chart(title: "Raised by theme", t: t, rows: cat.rows.map { ($0.label, [$0.values[0].current, $0.values[0].previous]) },
                       series: [t.period.label, t.previousPeriod.label], percent: false)
        }
        if let team = t.section("by-team"), !team.rows.isEmpty {
            b += chart(title: "Raised by team", t: t, rows: team.rows.map { ($0.label, [$0.values[0].current, $0.values[0].previous]) },
                       series: [t.period.label, t.previousPeriod.label], percent: false)
        }
        if let trend = t.section("timeliness-by-quarter") {
            b += chart(title: "Timeliness over the last quarters", t: t,
                       rows: trend.rows.map { ($0.label, [$0.values[1].current, $0.values[2].current]) },
                       series: ["Within stage timescales", "Within statutory total"], percent: true)
        }
        b += "</section>\n"

        for s in t.sections { b += table(s, t) }
        b += "</main>\n</body>\n</html>\n"
        return b
    }

    static func table(_ s: ReportSection, _ t: ReportTables) -> String {
        var b = "<section class=\"table\" id=\"\(esc(s.id))\">\n<h2>\(esc(s.title))</h2>\n"
        if let note = s.note { b += "<p class=\"note\">\(esc(note))</p>\n" }
        guard !s.rows.isEmpty else { return b + "<p class=\"empty\">None in this period.</p>\n</section>\n" }
        b += "<table>\n<thead>\n"
        if s.rowsAreMeasures {
            b += "<tr><th scope=\"col\" class=\"rowhead\">\(esc(s.rowHeading))</th><th scope=\"col\">\(esc(t.period.label))</th>"
            b += "<th scope=\"col\">\(esc(t.previousPeriod.label))</th><th scope=\"col\">Change</th></tr>\n"
        } else if s.comparesPeriods {
            b += "<tr><th scope=\"col\" rowspan=\"2\" class=\"rowhead\">\(esc(s.rowHeading))</th>"
            for m in s.measures { b += "<th scope=\"colgroup\" colspan=\"3\" class=\"group\">\(esc(m.label))</th>" }
            b += "</tr>\n<tr>"
            for _ in s.measures {
                b += "<th scope=\"col\" class=\"first\">\(esc(t.period.label))</th><th scope=\"col\">\(esc(t.previousPeriod.label))</th><th scope=\"col\">Change</th>"
            }
            b += "</tr>\n"
        } else {
            b += "<tr><th scope=\"col\" class=\"rowhead\">\(esc(s.rowHeading))</th>"
            for m in s.measures { b += "<th scope=\"col\">\(esc(m.label))</th>" }
            b += "</tr>\n"
        }
        b += "</thead>\n<tbody>\n"
        for r in s.rows {
            b += "<tr><th scope=\"row\">\(esc(r.label))</th>"
            for v in r.values {
                b += td(v.current, t, first: s.comparesPeriods)
                if s.comparesPeriods { b += td(v.previous, t, cls: "prev") + td(v.change, t, cls: "change") }
            }
            b += "</tr>\n"
        }
        return b + "</tbody>\n</table>\n</section>\n"
    }

    static func td(_ c: Cell, _ t: ReportTables, cls: String? = nil, first: Bool = false) -> String {
        var classes: [String] = []
        if let cls { classes.append(cls) }
        if first { classes.append("first") }
        if c.isHidden { classes.append("hidden") }
        let attr = classes.isEmpty ? "" : " class=\"\(classes.joined(separator: " "))\""
        return "<td\(attr)>\(esc(c.display(threshold: t.mark)))</td>"
    }

    // MARK: Charts

    static let colours = ["#1d4f7a", "#9cc3e0"]

    /// A horizontal bar chart, one group of bars per row. A hidden figure draws no bar (its
    /// length would show it): only its mark is written.
    static func chart(title: String, t: ReportTables, rows: [(String, [Cell])], series: [String], percent: Bool) -> String {
        let labelW = 150.0, barMax = 270.0, valueW = 44.0, barH = 10.0, gap = 2.0, groupGap = 8.0
        let width = labelW + barMax + valueW
        let groupH = Double(series.count) * (barH + gap) + groupGap
        let legendH = 22.0
        let height = legendH + Double(max(rows.count, 1)) * groupH + 4
        func value(_ c: Cell) -> Double? {
            switch c {
            case .count(let n): Double(n)
            case .percent(let p): p
            default: nil
            }
        }
        let top = percent ? 100 : max(1, rows.flatMap { $0.1.compactMap(value) }.max() ?? 1)
        var s = "<figure>\n<figcaption>\(esc(title))\(percent ? " (% of records resolved)" : "")</figcaption>\n<svg xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 \(fmt(width)) \(fmt(height))\" "
        s += "width=\"100%\" role=\"img\" aria-label=\"\(esc(title))\">\n"
        var x = labelW
        for (i, name) in series.enumerated() {
            s += "<rect x=\"\(fmt(x))\" y=\"4\" width=\"10\" height=\"10\" fill=\"\(colours[i % colours.count])\"/>"
            s += "<text x=\"\(fmt(x + 14))\" y=\"13\" class=\"legend\">\(esc(name))</text>\n"
            x += 14 + Double(name.count) * 6 + 14
        }
        for (r, row) in rows.enumerated() {
            let y0 = legendH + Double(r) * groupH
            let labelY = y0 + Double(series.count) * (barH + gap) / 2 + 3
            s += "<text x=\"\(fmt(labelW - 6))\" y=\"\(fmt(labelY))\" text-anchor=\"end\" class=\"label\">\(esc(truncate(row.0, 26)))</text>\n"
            for (i, cell) in row.1.enumerated() {
                let y = y0 + Double(i) * (barH + gap)
                let v = value(cell)
                let w = v.map { $0 / top * barMax } ?? 0
                if w > 0 {
                    s += "<rect x=\"\(fmt(labelW))\" y=\"\(fmt(y))\" width=\"\(fmt(w))\" height=\"\(fmt(barH))\" fill=\"\(colours[i % colours.count])\"/>"
                }
                s += "<text x=\"\(fmt(labelW + w + 4))\" y=\"\(fmt(y + barH - 2))\" class=\"value\">\(esc(cell.display(threshold: t.mark)))</text>\n"
            }
        }
        s += "<line x1=\"\(fmt(labelW))\" y1=\"\(fmt(legendH - 2))\" x2=\"\(fmt(labelW))\" y2=\"\(fmt(height - 2))\" stroke=\"#555\" stroke-width=\"1\"/>\n"
        s += "</svg>\n</figure>\n"
        return s
    }

    static func fmt(_ x: Double) -> String { x == x.rounded() ? String(Int(x)) : String(format: "%.1f", x) }
    static func truncate(_ s: String, _ n: Int) -> String { s.count <= n ? s : String(s.prefix(n - 1)) + "\u{2026}" }

    /// Escapes text for HTML element content and quoted attribute values (per scalar: `SafeText.html`).
    public static func esc(_ s: String) -> String { SafeText.html(s) }

    static let css = """

        :root { --ink: #1b1b1b; --muted: #5a5a5a; --rule: #c8c8c8; --band: #f3f6f9; }
        * { box-sizing: border-box; }
        body { font: 14px/1.4 "DejaVu Sans", "Liberation Sans", Arial, sans-serif; color: var(--ink); margin: 24px auto; max-width: 1000px; padding: 0 16px; }
        h1 { font-size: 22px; margin: 0 0 4px; }
        h2 { font-size: 16px; margin: 22px 0 6px; border-bottom: 2px solid #1d4f7a; padding-bottom: 2px; }
        .meta { color: var(--muted); margin: 0 0 6px; }
        .note { color: var(--muted); font-size: 12px; margin: 2px 0 6px; }
        .empty { font-style: italic; color: var(--muted); }
        table { border-collapse: collapse; width: 100%; font-size: 12.5px; font-variant-numeric: tabular-nums; }
        th, td { padding: 3px 6px; border-bottom: 1px solid var(--rule); }
        thead th { background: var(--band); font-weight: 600; text-align: right; vertical-align: bottom; }
        thead th.rowhead { text-align: left; }
        tbody th { text-align: left; font-weight: normal; }
        thead th.group { text-align: center; }
        td { text-align: right; white-space: nowrap; }
        td.prev { color: var(--muted); }
        td.change { color: var(--muted); font-size: 11.5px; }
        td.first, th.first { border-left: 1px solid var(--rule); }
        td.hidden { font-style: italic; }
        tbody tr:nth-child(even) { background: #fafbfc; }
        .charts { display: grid; grid-template-columns: 1fr 1fr; gap: 4px 24px; }
        figure { margin: 6px 0; break-inside: avoid; }
        figure svg { display: block; max-width: 480px; }
        figcaption { font-size: 13px; font-weight: 600; margin-bottom: 2px; }
        svg text { font-family: "DejaVu Sans", "Liberation Sans", Arial, sans-serif; fill: #1b1b1b; }
        svg .label { font-size: 11px; }
        svg .value { font-size: 10px; }
        svg .legend { font-size: 11px; }
        @page { size: A4 portrait; margin: 14mm 12mm; }
        @media print {
          body { font-size: 10pt; margin: 0; max-width: none; padding: 0; }
          table { font-size: 8.5pt; }
          h2 { break-after: avoid; }
          section.table { break-inside: avoid; }
          thead { display: table-header-group; }
          tbody tr:nth-child(even) { background: none; }
          figcaption { font-size: 9.5pt; }
        }

        """
}
