import Testing
@testable import DisputeCore

// Issue 12: escapes that compared whole Characters let markup through inside a grapheme cluster
// (U+0600 + "<", U+0600 + ",", "\r\n"). Every escape now works per Unicode scalar.

@Suite("Escaping per Unicode scalar")
struct SafeTextTests {
    static let html: [(String, String)] = [
        ("\u{600}<a href=https://evil.example/login x=", "\u{600}&lt;a href=https://evil.example/login x="),
        ("a\u{301}<b>", "a\u{301}&lt;b&gt;"),
        ("Tom & \"Jerry\" 'x'", "Tom &amp; &quot;Jerry&quot; &#39;x&#39;"),
        ("bell\u{07}nul\u{0}line\nend\r\n", "bell nul line\nend \n"),
        ("del\u{7F}c1\u{85}x\u{9F}\u{80}é\u{A0}\u{2028}\ttab", "del c1 x  é\u{A0}\u{2028}\ttab"),
        ("plain text, nothing to escape", "plain text, nothing to escape"),
        ("", ""),
        ("<", "&lt;"),
        ("ends with &", "ends with &amp;"),
    ]

    @Test("HTML escapes every scalar", arguments: html)
    func htmlEscapesEveryScalar(_ c: (String, String)) {
        #expect(SafeText.html(c.0) == c.1)
        #expect(ReportHTML.esc(c.0) == c.1)
    }

    static let csv: [(String, String)] = [
        ("North\r\n=1+2", "\"North\r\n=1+2\""),
        ("\u{600},x", "\"\u{600},x\""),
        ("\u{600}\"", "\"\u{600}\"\"\""),
        ("=1+2", "'=1+2"),
        ("-5", "-5"),
        ("North", "North"),
        ("say \"hi\"", "\"say \"\"hi\"\"\""),
    ]

    @Test("CSV fields are quoted when any scalar needs it", arguments: csv)
    func csvQuotesPerScalar(_ c: (String, String)) {
        #expect(ReportCSV.field(c.0) == c.1)
    }

    @Test func csvFieldWithCRLFStaysOneRecord() {
        let line = ["North\r\n=1+2", "5"].map(ReportCSV.field).joined(separator: ",") + "\r\n"
        // A record parser that honours quotes finds one record of two fields.
        #expect(parseCSVRecords(line) == [["North\r\n=1+2", "5"]])
    }

    static let markdown: [(String, String)] = [
        ("North\r\n| x | y |", "North  \\| x \\| y \\|"),
        ("\u{600}|", "\u{600}\\|"),
        ("\u{600}<b>", "\u{600}\\<b\\>"),
        ("a\u{2028}b", "a b"),
    ]

    @Test("Markdown escapes per scalar and keeps one line", arguments: markdown)
    func markdownEscapesPerScalar(_ c: (String, String)) {
        #expect(ReportMarkdown.escape(c.0) == c.1)
    }

    static let log: [(String, String)] = [
        ("reload failed\r\n<2>forged", "reload failed\\r\\n<2>forged"),
        ("x\n<2>y", "x\\n<2>y"),
        ("nul\u{0}esc\u{1B}[31m", "nul\\u{0}esc\\u{1b}[31m"),
        ("plain", "plain"),
    ]

    @Test("log lines escape every control scalar", arguments: log)
    func logLineEscapes(_ c: (String, String)) {
        #expect(SafeText.logLine(c.0) == c.1)
        #expect(!SafeText.logLine(c.0).unicodeScalars.contains { $0.value < 0x20 })
    }

    static let terminal: [(String, String)] = [
        ("\u{1B}]0;pwned\u{07}note", "\u{FFFD}]0;pwned\u{FFFD}note"),
        ("a\u{0}b\rc", "a\u{FFFD}b\u{FFFD}c"),
        ("line1\nline2\tcol", "line1\nline2\tcol"),
        ("\u{9B}31m\u{202E}txt", "\u{FFFD}31m\u{FFFD}txt"),
    ]

    @Test("terminal text loses escape sequences and NULs", arguments: terminal)
    func terminalSanitises(_ c: (String, String)) {
        #expect(SafeText.terminal(c.0) == c.1)
    }
}

/// RFC 4180 records (quotes honoured), for checking what a spreadsheet would read.
func parseCSVRecords(_ text: String) -> [[String]] {
    var records: [[String]] = [], fields: [String] = [], field = String.UnicodeScalarView()
    var quoted = false, i = text.unicodeScalars.startIndex
    let s = text.unicodeScalars
    while i < s.endIndex {
        let c = s[i]
        if quoted {
            if c == "\"" {
                let n = s.index(after: i)
                if n < s.endIndex, s[n] == "\"" { field.append("\""); i = n } else { quoted = false }
            } else { field.append(c) }
        } else if c == "\"" { quoted = true }
        else if c == "," { fields.append(String(field)); field = .init() }
        else if c == "\r", s.index(after: i) < s.endIndex, s[s.index(after: i)] == "\n" {
            fields.append(String(field)); field = .init(); records.append(fields); fields = []; i = s.index(after: i)
        } else { field.append(c) }
        i = s.index(after: i)
    }
    if !field.isEmpty || !fields.isEmpty { fields.append(String(field)); records.append(fields) }
    return records
}
