import Foundation
import Testing
@testable import Delivery

let composedAt = Date(timeIntervalSince1970: 1_796_113_800) // 2026-12-01 08:30:00 UTC

func sampleEmail(subject: String = "Stage 2 response due Fri 4 Dec: case ABC-123", caseRef: String = "ABC-123",
                 attachments: [EmailAttachment] = []) -> OutgoingEmail {
    OutgoingEmail(id: "ABC-123/stage-2/reminder/team-manager", from: "drwatch <drwatch@council.example>",
                  to: ["tm@council.example"], cc: ["hos@council.example", "records@council.example"],
                  subject: subject, textBody: "Stage 2 of case ABC-123 is due on Friday.\nReply = by 17:00.",
                  htmlBody: "<p>Stage 2 of case <b>ABC-123</b> is due on Friday.</p>", attachments: attachments,
                  caseRef: caseRef, date: composedAt)
}

func render(_ e: OutgoingEmail) throws -> String {
    String(decoding: try MIMEBuilder.render(e), as: UTF8.self)
}

/// Decodes quoted-printable (test oracle).
func decodeQP(_ s: String) -> String {
    var bytes: [UInt8] = []
    let joined = s.replacingOccurrences(of: "=\r\n", with: "")
    var i = joined.utf8.startIndex
    let u = joined.utf8
    while i < u.endIndex {
        if u[i] == UInt8(ascii: "="), let end = u.index(i, offsetBy: 3, limitedBy: u.endIndex),
           let b = UInt8(String(decoding: u[u.index(after: i)..<end], as: UTF8.self), radix: 16) {
            bytes.append(b); i = end
        } else { bytes.append(u[i]); i = u.index(after: i) }
    }
    return String(decoding: bytes, as: UTF8.self)
}

/// Decodes `=?utf-8?B?...?=` words (test oracle).
func decodeWords(_ s: String) -> String {
    s.split(separator: " ").map { w -> String in
        guard w.hasPrefix("=?utf-8?B?"), w.hasSuffix("?=") else { return String(w) }
        return String(decoding: Data(base64Encoded: String(w.dropFirst(10).dropLast(2))) ?? Data(), as: UTF8.self)
    }.joined()
}

@Suite struct MIMEBuilderSpec {
    @Test func messageHasHeadersAndAlternativeTextAndHTMLParts() throws {
        let raw = try render(sampleEmail())
        #expect(!raw.replacingOccurrences(of: "\r\n", with: "").contains("\n"), "only CRLF line endings")
        #expect(header(raw, "From") == "drwatch <drwatch@council.example>")
        #expect(header(raw, "To") == "tm@council.example")
        #expect(header(raw, "Cc") == "hos@council.example, records@council.example")
        #expect(header(raw, "Date") == "Tue, 01 Dec 2026 08:30:00 +0000")
        #expect(header(raw, "MIME-Version") == "1.0")
        #expect(header(raw, "X-Drwatch-Case-Ref") == "ABC-123")
        #expect(header(raw, "Content-Type")?.hasPrefix("multipart/alternative; boundary=") == true)
        #expect(raw.contains("Content-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: quoted-printable"))
        #expect(raw.contains("Content-Type: text/html; charset=utf-8"))
        #expect(raw.contains("Reply =3D by 17:00."))
    }

    /// Instants (UTC, ISO 8601) and the `Date:` header they give: Europe/London local time with its offset.
    static let dateHeaders: [(String, String)] = [
        ("2026-12-01T08:30:00Z", "Tue, 01 Dec 2026 08:30:00 +0000"),   // winter: GMT
        ("2026-07-01T08:30:00Z", "Wed, 01 Jul 2026 09:30:00 +0100"),   // summer: BST
        ("2026-06-30T23:30:00Z", "Wed, 01 Jul 2026 00:30:00 +0100"),   // the local day, not the UTC one
        ("2026-03-29T00:59:59Z", "Sun, 29 Mar 2026 00:59:59 +0000"),   // the second before the spring change
        ("2026-03-29T01:00:00Z", "Sun, 29 Mar 2026 02:00:00 +0100"),   // and the change itself
    ]

    @Test(arguments: dateHeaders)
    func dateHeaderIsLondonLocalTimeWithItsOffset(utc: String, expected: String) throws {
        var e = sampleEmail()
        e.date = try #require(ISO8601DateFormatter().date(from: utc))
        #expect(header(try render(e), "Date") == expected)
    }

    @Test func messageIDDerivesFromIdentityAndSenderDomain() throws {
        let a = sampleEmail(), b = sampleEmail(subject: "other")
        #expect(a.messageID == b.messageID)
        #expect(a.messageID.range(of: #"^<[0-9a-f]{40}@council\.example>$"#, options: .regularExpression) != nil)
        var c = sampleEmail(); c.id = "ABC-123/stage-3/reminder/team-manager"
        #expect(c.messageID != a.messageID)
        #expect(header(try render(a), "Message-ID") == a.messageID)
    }

    @Test(arguments: ["Reminder\r\nBcc: attacker@example.org", "Reminder\nBcc: attacker@example.org",
                      "Reminder\rBcc: attacker@example.org", "Reminder\u{2028}Bcc: attacker@example.org"])
    func crlfInSubjectOrCaseRefCannotInjectAHeader(_ evil: String) throws {
        let raw = try render(sampleEmail(subject: evil, caseRef: evil))
        let lines = headerLines(raw)
        #expect(!lines.contains { $0.lowercased().hasPrefix("bcc:") })
        #expect(lines.filter { $0.hasPrefix("Subject:") }.count == 1)
        #expect(decodeWords(header(raw, "Subject") ?? "").contains("Reminder"))
    }

    @Test func nonASCIISubjectIsEncodedAndDecodesBack() throws {
        let subject = "Délai dépassé — étape 2 – case ABC-123 ✓"
        let raw = try render(sampleEmail(subject: subject))
        let value = try #require(header(raw, "Subject"))
        #expect(value.unicodeScalars.allSatisfy { $0.isASCII })
        #expect(value.hasPrefix("=?utf-8?B?"))
        #expect(decodeWords(value) == subject)
    }

    @Test func longHeadersAreFoldedUnder78Characters() throws {
        let subject = Array(repeating: "escalation", count: 30).joined(separator: " ")
        let raw = try render(sampleEmail(subject: subject))
        let head = raw.components(separatedBy: "\r\n\r\n")[0]
        #expect(head.components(separatedBy: "\r\n").allSatisfy { $0.count <= 78 })
        #expect(header(raw, "Subject") == subject)
        let noSpaces = String(repeating: "x", count: 300)
        let raw2 = try render(sampleEmail(subject: noSpaces))
        #expect(raw2.components(separatedBy: "\r\n\r\n")[0].components(separatedBy: "\r\n").allSatisfy { $0.count <= 78 })
        #expect(decodeWords(header(raw2, "Subject")!) == noSpaces)
    }

    @Test func quotedPrintableBodyKeepsLinesShortAndRoundTrips() throws {
        let text = String(repeating: "Le délai de l'étape 2 = 5 jours ouvrés. ", count: 10) + "\nend  "
        let qp = MIMEBuilder.quotedPrintable(text)
        #expect(qp.components(separatedBy: "\r\n").allSatisfy { $0.count <= 76 })
        #expect(decodeQP(qp) == text.replacingOccurrences(of: "\n", with: "\r\n"))
    }

    @Test func attachmentMakesMultipartMixedWithBase64Part() throws {
        let ics = ICSBuilder.deadlineEvent(id: "x", due: composedAt.addingTimeInterval(86400), summary: "Due", stamp: composedAt)
        let raw = try render(sampleEmail(attachments: [ICSBuilder.attachment(ics)]))
        #expect(header(raw, "Content-Type")?.hasPrefix("multipart/mixed; boundary=") == true)
        #expect(raw.contains("Content-Type: multipart/alternative;\r\n boundary="))
        #expect(raw.contains("Content-Disposition: attachment; filename=\"deadline.ics\""))
        #expect(raw.contains(ics.base64EncodedString().prefix(76)))
    }

    @Test(arguments: ["not-an-address", "a@b", "x@example.org\r\nBcc: attacker@example.org", "a b@example.org", "<a@example.org>"])
    func invalidRecipientIsRefused(_ address: String) {
        var e = sampleEmail(); e.to = [address]; e.envelopeRecipients = [address]
        #expect(throws: DeliveryError.self) { try MIMEBuilder.render(e) }
    }

    @Test func envelopeIncludesCopiedRolesWithoutDuplicates() {
        let e = OutgoingEmail(id: "i", from: "a@x.example", to: ["tm@x.example"], cc: ["hos@x.example", "TM@x.example"],
                              subject: "s", textBody: "t", date: composedAt)
        #expect(e.envelopeRecipients == ["tm@x.example", "hos@x.example"])
    }

    @Test func reservedOrInvalidExtraHeaderNameIsRefused() {
        var e = sampleEmail(); e.extraHeaders = [("Bcc", "attacker@example.org")]
        #expect(throws: DeliveryError.self) { try MIMEBuilder.render(e) }
        e.extraHeaders = [("X-Bad\r\nBcc", "v")]
        #expect(throws: DeliveryError.self) { try MIMEBuilder.render(e) }
        e.extraHeaders = [("X-Drwatch-Stage", "2\r\nBcc: attacker@example.org")]
        #expect(!headerLines((try? render(e)) ?? "").contains { $0.lowercased().hasPrefix("bcc:") })
    }
}

@Suite struct ICSBuilderSpec {
    @Test func eventEndsAtTheDeadlineWithStableUIDAndGivenStamp() {
        let due = Date(timeIntervalSince1970: 1_796_490_000) // 2026-12-05 17:00:00 UTC
        let ics = String(decoding: ICSBuilder.deadlineEvent(id: "ABC-123/2/reminder", due: due, summary: "Stage 2 due; case ABC-123, reply",
                                                            description: "Line 1\nLine 2", stamp: composedAt), as: UTF8.self)
        let lines = ics.components(separatedBy: "\r\n")
        #expect(lines.first == "BEGIN:VCALENDAR")
        #expect(lines.contains("DTEND:20261205T170000Z"))
        #expect(lines.contains("DTSTART:20261205T163000Z"))
        #expect(lines.contains("DTSTAMP:20261201T083000Z"))
        #expect(lines.contains("SUMMARY:Stage 2 due\\; case ABC-123\\, reply"))
        #expect(lines.contains("DESCRIPTION:Line 1\\nLine 2"))
        let uid = lines.first { $0.hasPrefix("UID:") }
        let again = String(decoding: ICSBuilder.deadlineEvent(id: "ABC-123/2/reminder", due: due, summary: "x", stamp: due), as: UTF8.self)
        #expect(again.contains(uid!))
    }

    @Test func longLinesAreFoldedAt75Octets() {
        let ics = ICSBuilder.deadlineEvent(id: "i", due: composedAt, summary: String(repeating: "é", count: 100), stamp: composedAt)
        let text = String(decoding: ics, as: UTF8.self)
        #expect(text.components(separatedBy: "\r\n").allSatisfy { $0.utf8.count <= 75 })
        #expect(text.replacingOccurrences(of: "\r\n ", with: "").contains("SUMMARY:" + String(repeating: "é", count: 100)))
    }
}
