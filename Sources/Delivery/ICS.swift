import Foundation

/// Builds an iCalendar (RFC 5545) file with one event ending at a deadline. Pure.
public enum ICSBuilder {
    /// A `VCALENDAR` with one `VEVENT` from `due - duration` to `due`.
    ///
    /// - Parameters:
    ///   - id: the notification identity; the UID derives from it, so a calendar updates the
    ///     same event instead of adding another.
    ///   - due: the deadline.
    ///   - summary: the event title (for example "Stage 2 response due: case ABC-123").
    ///   - description: longer text.
    ///   - stamp: when the message was composed (DTSTAMP): a parameter, never the clock.
    ///   - duration: how long before the deadline the event starts (30 minutes by default).
    public static func deadlineEvent(id: String, due: Date, summary: String, description: String = "",
                                     stamp: Date, duration: TimeInterval = 1800) -> Data {
        var lines = [
            "BEGIN:VCALENDAR",
            "VERSION:2.0",
            "PRODID:-//drwatch//drwatch//EN",
            "CALSCALE:GREGORIAN",
            "METHOD:PUBLISH",
            "BEGIN:VEVENT",
            "UID:\(sha256Hex(id).prefix(40))@drwatch",
            "DTSTAMP:\(utc(stamp))",
            "DTSTART:\(utc(due.addingTimeInterval(-duration)))",
            "DTEND:\(utc(due))",
            "SUMMARY:\(escape(summary))",
        ]
        if !description.isEmpty { lines.append("DESCRIPTION:\(escape(description))") }
        lines += ["TRANSP:TRANSPARENT", "END:VEVENT", "END:VCALENDAR"]
        return Data(lines.map(fold).joined(separator: "\r\n").appending("\r\n").utf8)
    }

    /// The attachment for `OutgoingEmail`.
    public static func attachment(_ ics: Data, filename: String = "deadline.ics") -> EmailAttachment {
        EmailAttachment(filename: filename, mimeType: "text/calendar; charset=utf-8; method=PUBLISH", bytes: ics)
    }

    /// `20261201T170000Z`.
    static func utc(_ d: Date) -> String {
        var cal = Calendar(identifier: .gregorian)
        cal.timeZone = TimeZone(identifier: "UTC")!
        let c = cal.dateComponents([.year, .month, .day, .hour, .minute, .second], from: d)
        func p(_ n: Int, _ w: Int) -> String { String(repeating: "0", count: max(0, w - String(n).count)) + String(n) }
        return "\(p(c.year!, 4))\(p(c.month!, 2))\(p(c.day!, 2))T\(p(c.hour!, 2))\(p(c.minute!, 2))\(p(c.second!, 2))Z"
    }

    /// TEXT escaping: backslash, semicolon, comma, newline; other control characters dropped.
    static func escape(_ s: String) -> String {
        var out = ""
        for u in s.replacingOccurrences(of: "\r\n", with: "\n").unicodeScalars {
            switch u {
            case "\\": out += "\\\\"
            case ";": out += "\\;"
            case ",": out += "\\,"
            case "\n", "\r": out += "\\n"
            default: if u.value >= 0x20 && u.value != 0x7F { out.unicodeScalars.append(u) }
            }
        }
        return out
    }

    /// Folds a content line at 75 octets without splitting a UTF-8 sequence.
    static func fold(_ line: String) -> String {
        var out: [String] = []
        var current = ""
        var bytes = 0
        for ch in line {
            let n = String(ch).utf8.count
            if bytes + n > (out.isEmpty ? 75 : 74) {
                out.append(current); current = ""; bytes = 0
            }
            current.append(ch); bytes += n
        }
        out.append(current)
        return out.joined(separator: "\r\n ")
    }
}
