import Foundation

/// Builds RFC 5322 / MIME messages (CRLF line endings) from `OutgoingEmail`. Pure.
///
/// - Bodies: `multipart/alternative` (text/plain + text/html, quoted-printable, UTF-8);
///   wrapped in `multipart/mixed` when there are attachments (base64).
/// - Headers: every value is neutralised (control characters, CR and LF become spaces),
///   non-ASCII or over-long values become RFC 2047 encoded words, and lines are folded
///   under 78 characters. Addresses are validated; names of extra headers are checked.
public enum MIMEBuilder {
    /// The message, ready for SMTP DATA or an `.eml` file.
    ///
    /// - Throws: `DeliveryError` (`.invalidMessage`) for an invalid address or header name.
    public static func render(_ email: OutgoingEmail) throws -> Data {
        let from = try Mailbox(parsing: email.from)
        for a in email.to + email.cc + email.envelopeRecipients { try Mailbox.validate(a) }
        guard !email.envelopeRecipients.isEmpty else {
            throw DeliveryError(.invalidMessage, "message \(neutralise(email.id)) has no recipients")
        }
        let idHash = sha256Hex(email.id)
        var h: [String] = []
        h.append(header("From", mailbox(from)))
        if !email.to.isEmpty { h.append(foldList("To", email.to)) }
        if !email.cc.isEmpty { h.append(foldList("Cc", email.cc)) }
        h.append(header("Subject", encodedText(email.subject)))
        h.append(header("Date", rfc5322Date(email.date)))
        h.append(header("Message-ID", email.messageID))
        h.append("MIME-Version: 1.0")
        h.append(header("X-Drwatch-Id", encodedText(email.id)))
        if let ref = email.caseRef { h.append(header("X-Drwatch-Case-Ref", encodedText(ref))) }
        h.append("Auto-Submitted: auto-generated")
        for (name, value) in email.extraHeaders {
            guard !name.isEmpty, name.utf8.allSatisfy({ $0 > 32 && $0 < 127 && $0 != UInt8(ascii: ":") }),
                  !reservedHeaders.contains(name.lowercased()) else {
                throw DeliveryError(.invalidMessage, "invalid or reserved header name \(String(reflecting: neutralise(name)))")
            }
            h.append(header(name, encodedText(value)))
        }

        let altBoundary = "=_drw_alt_\(idHash.prefix(24))"
        var alt: [String] = []
        alt.append("Content-Type: multipart/alternative;\r\n boundary=\"\(altBoundary)\"")
        alt.append("")
        alt.append("--\(altBoundary)")
        alt.append(contentsOf: textPart("plain", email.textBody))
        if let html = email.htmlBody {
            alt.append("--\(altBoundary)")
            alt.append(contentsOf: textPart("html", html))
        }
        alt.append("--\(altBoundary)--")

        var lines = h
        if email.attachments.isEmpty {
            lines.append(contentsOf: alt)
        } else {
            let mixed = "=_drw_mix_\(idHash.prefix(24))"
            lines.append("Content-Type: multipart/mixed;\r\n boundary=\"\(mixed)\"")
            lines.append("")
            lines.append("--\(mixed)")
            lines.append(contentsOf: alt)
            for a in email.attachments {
                lines.append("--\(mixed)")
                let type = neutralise(a.mimeType)
                guard type.range(of: #"^[A-Za-z0-9.+-]+/[A-Za-z0-9.+-]+(;[ A-Za-z0-9=.+\-"]*)*$"#, options: .regularExpression) != nil else {
                    throw DeliveryError(.invalidMessage, "invalid attachment type \(String(reflecting: type))")
                }
                let name = safeFilename(a.filename)
                lines.append("Content-Type: \(type); name=\"\(name)\"")
                lines.append("Content-Disposition: attachment; filename=\"\(name)\"")
                lines.append("Content-Transfer-Encoding: base64")
                lines.append("")
                lines.append(contentsOf: base64Lines(a.bytes))
            }
            lines.append("--\(mixed)--")
        }
        return Data((lines.joined(separator: "\r\n") + "\r\n").utf8)
    }

    static let reservedHeaders: Set<String> = [
        "from", "to", "cc", "bcc", "subject", "date", "message-id", "mime-version", "content-type",
        "content-transfer-encoding", "sender", "reply-to", "return-path", "x-drwatch-id", "x-drwatch-case-ref",
    ]

    static func textPart(_ subtype: String, _ body: String) -> [String] {
        ["Content-Type: text/\(subtype); charset=utf-8", "Content-Transfer-Encoding: quoted-printable", "",
         quotedPrintable(body)]
    }

    static func safeFilename(_ s: String) -> String {
        let cleaned = String(neutralise(s).unicodeScalars.map {
            CharacterSet.alphanumerics.contains($0) && $0.isASCII || "._-".unicodeScalars.contains($0) ? Character($0) : "_"
        })
        return cleaned.isEmpty ? "attachment" : String(cleaned.prefix(60))
    }

    // MARK: Headers

    /// `Name: value`, folded at spaces so no line exceeds 78 characters where possible.
    static func header(_ name: String, _ value: String) -> String {
        fold("\(name): \(value)")
    }

    static func fold(_ line: String) -> String {
        guard line.count > 78 else { return line }
        var out: [String] = []
        var current = ""
        for word in line.split(separator: " ", omittingEmptySubsequences: false) {
            if current.isEmpty { current = String(word); continue }
            if current.count + 1 + word.count > 78 {
                out.append(current); current = " " + word
            } else {
                current += " " + word
            }
        }
        out.append(current)
        return out.joined(separator: "\r\n")
    }

    static func foldList(_ name: String, _ addresses: [String]) -> String {
        var out = "\(name): "
        var lineLen = out.count
        for (i, a) in addresses.enumerated() {
            let piece = a + (i < addresses.count - 1 ? "," : "")
            if lineLen + piece.count > 78 && lineLen > name.count + 2 {
                out += "\r\n "; lineLen = 1
            }
            out += piece; lineLen += piece.count
            if i < addresses.count - 1 { out += " "; lineLen += 1 }
        }
        return out
    }

    static func mailbox(_ m: Mailbox) -> String {
        guard let name = m.name.map(neutralise)?.trimmingCharacters(in: .whitespaces), !name.isEmpty else { return m.address }
        if name.unicodeScalars.allSatisfy({ $0.isASCII && (CharacterSet.alphanumerics.contains($0) || " !#$%&'*+-/=?^_`{|}~".unicodeScalars.contains($0)) }) {
            return "\(name) <\(m.address)>"
        }
        if name.unicodeScalars.allSatisfy(\.isASCII) && name.count < 60 {
            let q = name.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "\"", with: "\\\"")
            return "\"\(q)\" <\(m.address)>"
        }
        return "\(encodedWords(name)) <\(m.address)>"
    }

    /// Unstructured header text: neutralised; RFC 2047 encoded words when non-ASCII, when it
    /// could be mistaken for an encoded word, or when a word is too long to fold.
    static func encodedText(_ raw: String) -> String {
        let s = neutralise(raw)
        let needsEncoding = !s.unicodeScalars.allSatisfy(\.isASCII) || s.contains("=?")
            || s.split(separator: " ").contains { $0.count > 70 }
        return needsEncoding ? encodedWords(s) : s
    }

    /// `=?utf-8?B?...?=` words of at most 75 characters, split on character boundaries and
    /// separated by spaces (the header folder breaks lines between them).
    static func encodedWords(_ s: String) -> String {
        var words: [String] = []
        var chunk = Data()
        let maxBytes = 45 // 45 bytes -> 60 base64 chars; + 12 of framing = 72 <= 75
        for ch in s {
            let b = Data(String(ch).utf8)
            if chunk.count + b.count > maxBytes && !chunk.isEmpty {
                words.append("=?utf-8?B?\(chunk.base64EncodedString())?=")
                chunk = Data()
            }
            chunk.append(b)
        }
        if !chunk.isEmpty { words.append("=?utf-8?B?\(chunk.base64EncodedString())?=") }
        return words.joined(separator: " ")
    }

    // MARK: Bodies

    /// Quoted-printable (RFC 2045) of the UTF-8 text with lines normalised to CRLF.
    static func quotedPrintable(_ text: String) -> String {
        let normalised = text.replacingOccurrences(of: "\r\n", with: "\n").replacingOccurrences(of: "\r", with: "\n")
        var out: [String] = []
        for line in normalised.split(separator: "\n", omittingEmptySubsequences: false) {
            let bytes = Array(line.utf8)
            var encoded: [String] = []
            for (i, b) in bytes.enumerated() {
                let last = i == bytes.count - 1
                if (b >= 33 && b <= 126 && b != UInt8(ascii: "=")) || ((b == 32 || b == 9) && !last) {
                    encoded.append(String(UnicodeScalar(b)))
                } else {
                    encoded.append(String(format: "=%02X", b))
                }
            }
            // Soft line breaks: at most 76 characters per line including the trailing '='.
            var current = ""
            for token in encoded {
                if current.count + token.count > 75 {
                    out.append(current + "="); current = ""
                }
                current += token
            }
            out.append(current)
        }
        return out.joined(separator: "\r\n")
    }

    static func base64Lines(_ data: Data) -> [String] {
        let s = data.base64EncodedString()
        var lines: [String] = []
        var i = s.startIndex
        while i < s.endIndex {
            let j = s.index(i, offsetBy: 76, limitedBy: s.endIndex) ?? s.endIndex
            lines.append(String(s[i..<j])); i = j
        }
        return lines
    }

    /// The zone of the `Date:` header: councils read local times (RFC 5322 allows any offset).
    static let headerZone = TimeZone(identifier: "Europe/London")!

    /// `instant` as Europe/London local time with that moment's offset: `Tue, 01 Dec 2026 08:30:00 +0000`
    /// in winter, `Wed, 01 Jul 2026 09:30:00 +0100` in summer. The instant is a parameter, never the clock.
    public static func rfc5322Date(_ date: Date) -> String {
        // Whole seconds (the header has no fraction), so the local fields and the offset agree.
        let date = Date(timeIntervalSince1970: date.timeIntervalSince1970.rounded(.down))
        var cal = Calendar(identifier: .gregorian)
        cal.timeZone = headerZone
        let c = cal.dateComponents([.year, .month, .day, .hour, .minute, .second, .weekday], from: date)
        let offset = headerZone.secondsFromGMT(for: date) / 60
        let days = ["Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"]
        let months = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]
        func two(_ n: Int) -> String { n < 10 ? "0\(n)" : "\(n)" }
        return "\(days[c.weekday! - 1]), \(two(c.day!)) \(months[c.month! - 1]) \(c.year!) "
            + "\(two(c.hour!)):\(two(c.minute!)):\(two(c.second!)) \(offset < 0 ? "-" : "+")\(two(abs(offset) / 60))\(two(abs(offset) % 60))"
    }
}
