// libFuzzer target: the escapes every writer uses (SafeText: HTML for mail and reports,
// Markdown, journald lines, terminal output).
// Properties, per Unicode scalar: HTML output has no < > " ' and every & starts one of our
// entities; Markdown output has no line break and every markup character is backslash-escaped;
// a log line has no control character; terminal text has no control character but LF and TAB.
// Built by scripts/fuzz with Sources/DisputeCore/TextSafety.swift.
import Foundation

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let text = String(decoding: UnsafeBufferPointer(start: data, count: size), as: UTF8.self)

    let html = Array(SafeText.html(text).unicodeScalars)
    for (i, c) in html.enumerated() {
        if c == "<" || c == ">" || c == "\"" || c == "'" { fatalError("unescaped \(c) in HTML of \(text.debugDescription)") }
        if c == "&" {
            // Compared per scalar: String.hasPrefix compares Characters, and "&#39;" followed by a
            // combining mark (U+07FD) is not a Character-prefix of itself (found by this target).
            let rest = html[i...].prefix(6)
            guard ["&amp;", "&lt;", "&gt;", "&quot;", "&#39;"].contains(where: { rest.starts(with: $0.unicodeScalars) }) else {
                fatalError("bare & in HTML of \(text.debugDescription)")
            }
        }
        if SafeText.isControl(c) && c != "\n" && c != "\t" { fatalError("control in HTML of \(text.debugDescription)") }
    }

    let md = Array(SafeText.markdown(text).unicodeScalars)
    var escaped = false
    for c in md {
        if SafeText.isControl(c) || c == "\u{2028}" || c == "\u{2029}" { fatalError("line break in Markdown of \(text.debugDescription)") }
        if escaped { escaped = false; continue }
        if c == "\\" { escaped = true; continue }
        if "`*_{}[]<>()#+!|~&".unicodeScalars.contains(c) { fatalError("unescaped \(c) in Markdown of \(text.debugDescription)") }
    }

    if SafeText.logLine(text).unicodeScalars.contains(where: { SafeText.isControl($0) || $0 == "\u{2028}" || $0 == "\u{2029}" }) {
        fatalError("control in log line of \(text.debugDescription)")
    }
    if SafeText.terminal(text).unicodeScalars.contains(where: { SafeText.isControl($0) && $0 != "\n" && $0 != "\t" }) {
        fatalError("control in terminal text of \(text.debugDescription)")
    }
    return 0
}
