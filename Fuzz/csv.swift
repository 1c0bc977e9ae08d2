// libFuzzer target: the import CSV parser (parseCSV, Sources/Recording/CSV.swift) and the
// report's CSV writer (SafeText.csvField).
// Properties: parsing any bytes never crashes and lines only grow; a record written with
// SafeText.csvField parses back to the same fields (formula prefix aside), as one record.
import Foundation

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let bytes = Array(UnsafeBufferPointer(start: data, count: size))
    var last = 0
    for r in parseCSV(bytes) {
        if r.line < last { fatalError("record lines go backwards: \(r.line) after \(last)") }
        last = r.line
    }
    // Round trip: split the input into up to 4 fields at 0x1F bytes, write, read back.
    let text = String(decoding: bytes, as: UTF8.self)
    let fields = text.split(separator: "\u{1F}", omittingEmptySubsequences: false).prefix(4).map(String.init)
    let line = fields.map(SafeText.csvField).joined(separator: ",") + "\r\n"
    let back = parseCSV(Array(line.utf8))
    // A record of one empty field is a blank line, which the parser skips.
    if fields == [""] || text.hasPrefix("\u{FEFF}") { return 0 }   // blank line; BOM skipped at the start
    guard back.count == 1, back[0].problem == nil else { fatalError("\(fields) wrote \(line.debugDescription): \(back.count) records") }
    let parsed = back[0].fields.map { String(decoding: $0, as: UTF8.self) }
    for (a, b) in zip(fields, parsed) where a != b && "'" + a != b {
        fatalError("field \(a.debugDescription) read back as \(b.debugDescription)")
    }
    if parsed.count != fields.count { fatalError("\(fields.count) fields read back as \(parsed.count)") }
    return 0
}
