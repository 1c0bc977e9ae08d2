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
        let lines = text.split(separator: "\n", omittingEmptySubsequences: false).count
        if error.line < 0 || error.line > lines + 1 { fatalError("error line \(error.line) outside the file (\(lines) lines): \(error)") }
    }
    return 0
}
