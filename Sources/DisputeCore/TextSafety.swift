// Escaping of stored text for every output format, in one place (docs/security.md).
//
// Every function here works on Unicode scalars, never on Characters: Swift's Character is an
// extended grapheme cluster, and a cluster can hide markup. U+0600 (ARABIC NUMBER SIGN, a
// "prepend" mark) followed by `<` is one Character that is not equal to "<", and "\r\n" is one
// Character that is neither "\r" nor "\n"; a comparison of Characters lets both through.

/// The escapes for HTML, CSV, Markdown, log lines and terminals.
public enum SafeText {
    /// Escapes text for HTML element content and quoted attribute values: `& < > " '` become
    /// entities; control characters other than LF and TAB become spaces.
    public static func html(_ s: String) -> String {
        // One pass over the UTF-8 bytes (every scalar it changes is ASCII, or a C1 control: 0xC2 0x80-0x9F);
        // text with nothing to change is returned as it is (most of a message).
        var s = s
        return s.withUTF8 { u -> String? in
            var i = 0
            while i < u.count {
                let b = u[i]
                if b < 0x20 ? (b != 0x0A && b != 0x09) : (b == 0x26 || b == 0x3C || b == 0x3E || b == 0x22 || b == 0x27 || b == 0x7F
                                                           || (b == 0xC2 && i + 1 < u.count && u[i + 1] >= 0x80 && u[i + 1] <= 0x9F)) { break }
                i += 1
            }
            if i == u.count { return nil }
            var out: [UInt8] = []
            out.reserveCapacity(u.count + 16)
            out.append(contentsOf: UnsafeBufferPointer(rebasing: u[0..<i]))
            while i < u.count {
                let b = u[i]
                switch b {
                case 0x26: out.append(contentsOf: "&amp;".utf8)
                case 0x3C: out.append(contentsOf: "&lt;".utf8)
                case 0x3E: out.append(contentsOf: "&gt;".utf8)
                case 0x22: out.append(contentsOf: "&quot;".utf8)
                case 0x27: out.append(contentsOf: "&#39;".utf8)
                case 0x0A, 0x09: out.append(b)
                case 0..<0x20, 0x7F: out.append(0x20)
                case 0xC2 where i + 1 < u.count && u[i + 1] >= 0x80 && u[i + 1] <= 0x9F: out.append(0x20); i += 1
                default: out.append(b)
                }
                i += 1
            }
            return String(decoding: out, as: UTF8.self)
        } ?? s
    }

    /// One CSV field (RFC 4180): text that a spreadsheet would read as a formula (it starts
    /// with = + - @ TAB or CR and is not a number) is prefixed with `'`; a field holding a
    /// comma, a quote, CR or LF anywhere is quoted, its quotes doubled.
    public static func csvField(_ s: String) -> String {
        var v = s
        if let first = v.unicodeScalars.first, "=+-@\t\r".unicodeScalars.contains(first), Double(v) == nil {
            v = "'" + v
        }
        if v.unicodeScalars.contains(where: { $0 == "," || $0 == "\"" || $0 == "\n" || $0 == "\r" }) {
            var q = "\""
            for c in v.unicodeScalars {
                if c == "\"" { q += "\"\"" } else { q.unicodeScalars.append(c) }
            }
            v = q + "\""
        }
        return v
    }

    /// Markdown inline text: the punctuation Markdown reads as markup is backslash-escaped;
    /// line breaks and other control characters become spaces, so a value stays on its line
    /// (a table row stays one row).
    public static func markdown(_ s: String) -> String {
        var out = ""
        out.reserveCapacity(s.utf8.count)
        for c in s.unicodeScalars {
            if isControl(c) || c == "\u{2028}" || c == "\u{2029}" { out += " "; continue }
            if "\\`*_{}[]<>()#+!|~&".unicodeScalars.contains(c) { out += "\\" }
            out.unicodeScalars.append(c)
        }
        return out
    }

    /// One log line's text: CR and LF become `\r` and `\n`, any other control character
    /// (and U+2028, U+2029) `\u{XX}`, so a value can never start a line of its own (a journald
    /// priority prefix such as `<2>` in a value stays inside the line).
    public static func logLine(_ s: String) -> String {
        guard s.unicodeScalars.contains(where: { isControl($0) || $0 == "\u{2028}" || $0 == "\u{2029}" }) else { return s }
        var out = ""
        for c in s.unicodeScalars {
            switch c {
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case "\t": out += "\\t"
            default:
                if isControl(c) || c == "\u{2028}" || c == "\u{2029}" {
                    out += "\\u{" + String(c.value, radix: 16) + "}"
                } else {
                    out.unicodeScalars.append(c)
                }
            }
        }
        return out
    }

    /// Text for a terminal: LF and TAB are kept; every other control character (ESC, NUL,
    /// CR, BEL, DEL, the C1 controls) and the bidirectional overrides become U+FFFD, so stored
    /// text can neither send escape sequences to the terminal nor reorder what is shown.
    public static func terminal(_ s: String) -> String {
        guard s.unicodeScalars.contains(where: isTerminalUnsafe) else { return s }
        var out = String.UnicodeScalarView()
        for c in s.unicodeScalars { out.append(isTerminalUnsafe(c) ? "\u{FFFD}" : c) }
        return String(out)
    }

    /// C0 controls, DEL and the C1 controls.
    @inline(__always)
    public static func isControl(_ c: Unicode.Scalar) -> Bool {
        c.value < 0x20 || (0x7F...0x9F).contains(c.value)
    }

    static func isTerminalUnsafe(_ c: Unicode.Scalar) -> Bool {
        if c == "\n" || c == "\t" { return false }
        return isControl(c) || (0x202A...0x202E).contains(c.value) || (0x2066...0x2069).contains(c.value)
    }
}
