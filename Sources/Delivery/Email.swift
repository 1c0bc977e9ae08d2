import CCrypto
import DisputeCore
import Foundation

/// A file attached to an email (for example the deadline as an `.ics`).
public struct EmailAttachment: Hashable, Sendable {
    public var filename: String
    /// For example `text/calendar; method=PUBLISH`.
    public var mimeType: String
    public var bytes: Data
    public init(filename: String, mimeType: String, bytes: Data) {
        self.filename = filename; self.mimeType = mimeType; self.bytes = bytes
    }
}

/// One email ready to send. Delivery's own type: the service maps the engine's intents to it.
///
/// `to` and `cc` are the header lists; the envelope (the addresses SMTP delivers to) is
/// `envelopeRecipients`, which defaults to everyone in `to` and `cc`: copied roles are real
/// recipients. A retry after a partial failure keeps the headers and narrows the envelope to
/// the recipients still pending, so nobody receives the message twice.
public struct OutgoingEmail: Hashable, Sendable {
    /// The notification's stable identity (dispute, stage, event, recipient): the Message-ID
    /// derives from it, so a re-send is recognisably the same message.
    public var id: String
    /// `Name <address>` or a bare address.
    public var from: String
    public var to: [String]
    public var cc: [String]
    /// Who SMTP delivers to; defaults to `to + cc` without duplicates.
    public var envelopeRecipients: [String]
    public var subject: String
    public var textBody: String
    public var htmlBody: String?
    public var attachments: [EmailAttachment]
    /// The case reference, sent as `X-Drwatch-Case-Ref`.
    public var caseRef: String?
    /// The `Date:` header: when the message was composed (a parameter, never the clock).
    public var date: Date
    /// More headers (`X-...`); names are checked and values neutralised like every other.
    public var extraHeaders: [(name: String, value: String)]

    public init(id: String, from: String, to: [String], cc: [String] = [], envelopeRecipients: [String]? = nil,
                subject: String, textBody: String, htmlBody: String? = nil, attachments: [EmailAttachment] = [],
                caseRef: String? = nil, date: Date, extraHeaders: [(name: String, value: String)] = []) {
        self.id = id; self.from = from; self.to = to; self.cc = cc
        self.envelopeRecipients = envelopeRecipients ?? OutgoingEmail.unique(to + cc)
        self.subject = subject; self.textBody = textBody; self.htmlBody = htmlBody
        self.attachments = attachments; self.caseRef = caseRef; self.date = date; self.extraHeaders = extraHeaders
    }

    static func unique(_ list: [String]) -> [String] {
        var seen = Set<String>()
        return list.filter { seen.insert($0.lowercased()).inserted }
    }

    public static func == (a: OutgoingEmail, b: OutgoingEmail) -> Bool {
        a.id == b.id && a.from == b.from && a.to == b.to && a.cc == b.cc && a.envelopeRecipients == b.envelopeRecipients
            && a.subject == b.subject && a.textBody == b.textBody && a.htmlBody == b.htmlBody
            && a.attachments == b.attachments && a.caseRef == b.caseRef && a.date == b.date
            && a.extraHeaders.map { [$0.name, $0.value] } == b.extraHeaders.map { [$0.name, $0.value] }
    }

    public func hash(into h: inout Hasher) { h.combine(id); h.combine(envelopeRecipients) }

    /// `<sha256(id)@domain-of-from>`.
    public var messageID: String {
        let domain = (try? Mailbox(parsing: from).address.split(separator: "@").last.map(String.init)) ?? nil
        return "<\(sha256Hex(id).prefix(40))@\(domain ?? "drwatch.invalid")>"
    }
}

/// An address with an optional display name.
public struct Mailbox: Hashable, Sendable {
    public var name: String?
    public var address: String

    /// Parses `Name <address>`, `"Name" <address>` or `address`.
    ///
    /// - Throws: `DeliveryError` (`.invalidMessage`) when the address is not plausible.
    /// The one mailbox parser: the config's `from` and every header use it. Control characters,
    /// and `<` or `>` in the name, are refused.
    public init(parsing text: String) throws {
        let t = text.trimmingCharacters(in: .whitespaces)
        if t.unicodeScalars.contains(where: { $0.value < 32 || $0.value == 127 }) {
            throw DeliveryError(.invalidMessage, "not a valid mailbox: it contains control characters")
        }
        if let open = t.lastIndex(of: "<") {
            guard t.hasSuffix(">") else { throw DeliveryError(.invalidMessage, "not a valid mailbox: \"<\" without a closing \">\"") }
            address = String(t[t.index(after: open)..<t.index(before: t.endIndex)])
            var n = t[..<open].trimmingCharacters(in: .whitespaces)
            if n.contains("<") || n.contains(">") { throw DeliveryError(.invalidMessage, "not a valid mailbox: \"<\" or \">\" in the name") }
            if n.count >= 2, n.hasPrefix("\""), n.hasSuffix("\"") { n = String(n.dropFirst().dropLast()) }
            name = n.isEmpty ? nil : n
        } else {
            address = t; name = nil
        }
        try Mailbox.validate(address)
    }

    /// Throws unless `address` is a plausible address with no control characters or specials.
    public static func validate(_ address: String) throws {
        guard isPlausibleEmail(address) else {
            throw DeliveryError(.invalidMessage, "not a valid email address: \(String(reflecting: neutralise(address)))")
        }
    }
}

/// Hex SHA-256 of a string's UTF-8 bytes.
func sha256Hex(_ s: String) -> String {
    var digest = [UInt8](repeating: 0, count: Int(SHA256_DIGEST_LENGTH))
    let bytes = Array(s.utf8)
    _ = bytes.withUnsafeBufferPointer { b in SHA256(b.baseAddress, b.count, &digest) }
    return digest.map { String(format: "%02x", $0) }.joined()
}

/// Hex HMAC-SHA256 of `message` under `key`.
public func hmacSHA256Hex(key: Data, message: Data) -> String {
    var out = [UInt8](repeating: 0, count: Int(EVP_MAX_MD_SIZE))
    var len: UInt32 = 0
    key.withUnsafeBytes { k in
        message.withUnsafeBytes { m in
            _ = HMAC(EVP_sha256(), k.baseAddress, Int32(k.count),
                     m.baseAddress?.assumingMemoryBound(to: UInt8.self), m.count, &out, &len)
        }
    }
    return out.prefix(Int(len)).map { String(format: "%02x", $0) }.joined()
}

/// Replaces every control character (CR, LF, NUL, tab, DEL, NEL, Unicode line and paragraph
/// separators) with a space, so no value from the store can start a new header line.
func neutralise(_ s: String) -> String {
    var out = String.UnicodeScalarView()
    for u in s.unicodeScalars {
        switch u.value {
        case 0..<0x20, 0x7F, 0x80..<0xA0, 0x2028, 0x2029: out.append(" ")
        default: out.append(u)
        }
    }
    return String(out)
}
