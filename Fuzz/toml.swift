// libFuzzer target: the TOML parser (config and policy files) on any bytes.
// Property: it returns a table or a TOMLError with a line inside the file; it never crashes,
// overflows the stack or hangs (nesting and size are bounded: TOMLLimits).
// Built by scripts/fuzz with Sources/TOML compiled into the same module.
import Foundation

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let text = String(decoding: UnsafeBufferPointer(start: data, count: size), as: UTF8.self)
    do {
        let table = try parseTOML(text, file: "fuzz.toml")
        let reader = TOMLReader(table, file: "fuzz.toml")
        for key in table.keys { _ = reader.contains(key); _ = reader.line(of: key) }
    } catch {
        // Lines by LF bytes, as the parser counts them: splitting the String on "\n" would miss
        // the LF of every CRLF (one Character in Swift) and count too few.
        let lines = text.utf8.reduce(1) { $1 == 0x0A ? $0 + 1 : $0 }
        if error.line < 0 || error.line > lines + 1 { fatalError("error line \(error.line) outside the file (\(lines) lines): \(error)") }
    }
    return 0
}
