// libFuzzer target: the MIME writer (MIMEBuilder.render) with fuzzed subject, bodies, case
// reference and identity.
// Properties: every line of the message ends in CRLF and is at most 998 bytes; the header
// section has no line that is not a header or a folded continuation (no header can be forged
// by a value); the text it was given does not appear raw in the headers.
// Built by scripts/fuzz with Sources/Delivery/{MIME,Email,DeliveryError}.swift, DisputeCore,
// WorkingDays and TOML, and libcrypto.
import Foundation

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let text = String(decoding: UnsafeBufferPointer(start: data, count: size), as: UTF8.self)
    let parts = text.split(separator: "\u{1F}", omittingEmptySubsequences: false).map(String.init)
    func part(_ i: Int) -> String { i < parts.count ? parts[i] : "" }
    let email = OutgoingEmail(id: part(3).isEmpty ? "DR-1/s1/opened/iro" : part(3), from: "drwatch@council.example",
                              to: ["tm@council.example"], subject: part(0), textBody: part(1),
                              htmlBody: parts.count > 2 ? part(2) : nil, caseRef: part(4).isEmpty ? nil : part(4),
                              date: Date(timeIntervalSince1970: 1_795_424_400))
    guard let message = try? MIMEBuilder.render(email) else { return 0 }
    let bytes = [UInt8](message)
    var lines: [ArraySlice<UInt8>] = []
    var start = 0
    for i in bytes.indices where bytes[i] == 0x0A {
        if i == 0 || bytes[i - 1] != 0x0D { fatalError("bare LF at byte \(i)") }
        lines.append(bytes[start..<(i - 1)])
        start = i + 1
    }
    if start != bytes.count { fatalError("message does not end in CRLF") }
    for l in lines {
        if l.count > 998 { fatalError("line of \(l.count) bytes") }
        if l.contains(0x0D) { fatalError("bare CR in a line") }
    }
    // Headers: up to the first empty line, each a `Name: value` or a continuation (leading space/tab).
    for l in lines {
        if l.isEmpty { break }
        if l.first == 0x20 || l.first == 0x09 { continue }
        guard let colon = l.firstIndex(of: 0x3A), colon > l.startIndex,
              l[l.startIndex..<colon].allSatisfy({ $0 > 32 && $0 < 127 }) else {
            fatalError("not a header line: \(String(decoding: l, as: UTF8.self).debugDescription)")
        }
    }
    return 0
}
