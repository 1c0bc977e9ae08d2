import Foundation

/// The report as one tidy CSV table (RFC 4180, CRLF): every section's figures, one figure per
/// line, with a `section` column (docs/reports.md "CSV").
///
///     section,row,measure,period,value,previous_period,previous_value,change
///
/// Numbers are plain numbers (shares without %, changes with a minus sign when negative);
/// a suppressed count is `<5`, a withheld figure `*`, nothing to show is empty. Text that
/// comes from the data (team names, case references) and starts with = + - @ or a tab or
/// carriage return is prefixed with `'`, so a spreadsheet never reads it as a formula.
public enum ReportCSV {
    public static let header = ["section", "row", "measure", "period", "value", "previous_period", "previous_value", "change"]

    public static func render(_ t: ReportTables) -> String {
        var lines: [[String]] = [header]
        let cur = t.period.key, pre = t.previousPeriod.key
        // The report's own facts first, so the file explains itself.
        let meta: [(String, String)] = [
            ("from", t.period.from.iso), ("to", t.period.to.iso),
            ("previous_from", t.previousPeriod.from.iso), ("previous_to", t.previousPeriod.to.iso),
            ("as_of", t.asOf.iso), ("suppression_threshold", t.threshold.map(String.init) ?? "none"),
        ]
        for (k, v) in meta { lines.append(["report", "all", k, cur, v, "", "", ""]) }
        for s in t.sections {
            for r in s.rows {
                for (m, v) in zip(s.measures, r.values) {
                    let row = s.rowsAreMeasures ? "all" : r.key
                    let measure = s.rowsAreMeasures ? r.key : m.key
                    if s.comparesPeriods {
                        lines.append([s.id, row, measure, cur, v.current.csv(threshold: t.mark), pre,
                                      v.previous.csv(threshold: t.mark), v.change.csv(threshold: t.mark)])
                    } else {
                        lines.append([s.id, row, measure, cur, v.current.csv(threshold: t.mark), "", "", ""])
                    }
                }
            }
        }
        return lines.map { $0.map(field).joined(separator: ",") }.joined(separator: "\r\n") + "\r\n"
    }

    /// One field: protected against formula injection when it is text, quoted when needed (`SafeText.csvField`).
    static func field(_ s: String) -> String { SafeText.csvField(s) }
}

/// The report as Markdown, for pasting into an email: one pipe table per section.
public enum ReportMarkdown {
    public static func render(_ t: ReportTables) -> String {
        var out = "# \(escape(t.title))\n\n"
        out += "Period: \(t.period.from.longDescription) to \(t.period.to.longDescription), compared with "
        out += "\(t.previousPeriod.label) (\(t.previousPeriod.from.longDescription) to \(t.previousPeriod.to.longDescription)). "
        out += "Figures as of \(t.asOf.longDescription).\n\n"
        for n in t.notes { out += "> \(escape(n))\n" }
        for s in t.sections {
            out += "\n## \(escape(s.title))\n\n"
            if let note = s.note { out += "\(escape(note))\n\n" }
            guard !s.rows.isEmpty else { out += "None in this period.\n"; continue }
            var head = [escape(s.rowHeading)]
            if s.rowsAreMeasures {
                head += [t.period.label, t.previousPeriod.label, "Change"]
            } else {
                for m in s.measures {
                    head += s.comparesPeriods
                        ? ["\(escape(m.label)) \(t.period.label)", "\(escape(m.label)) \(t.previousPeriod.label)", "Change"]
                        : [escape(m.label)]
                }
            }
            out += "| " + head.joined(separator: " | ") + " |\n"
            out += "|" + ["---"].joined() + String(repeating: "|---:", count: head.count - 1) + "|\n"
            for r in s.rows {
                var cells = [escape(r.label)]
                for v in r.values {
                    cells.append(v.current.display(threshold: t.mark))
                    if s.comparesPeriods {
                        cells.append(v.previous.display(threshold: t.mark))
                        cells.append(v.change.display(threshold: t.mark))
                    }
                }
                out += "| " + cells.joined(separator: " | ") + " |\n"
            }
        }
        return out
    }

    /// Backslash-escapes the punctuation Markdown would read as markup (text from the data; `SafeText.markdown`).
    static func escape(_ s: String) -> String { SafeText.markdown(s) }
}
