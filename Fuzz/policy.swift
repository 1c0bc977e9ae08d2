// libFuzzer target: a policy file (TOML, then the policy loader's checks) on any bytes.
// Property: Policy.parse returns a policy or a ConfigFileError naming the file; it never
// crashes (no arithmetic trap on a huge number, no stack overflow).
// Built by scripts/fuzz with Sources/TOML, Sources/WorkingDays and Sources/DisputeCore.
import Foundation

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let text = String(decoding: UnsafeBufferPointer(start: data, count: size), as: UTF8.self)
    do {
        _ = try Policy.parse(text: text, file: "fuzz.toml")
    } catch {
        if error.file != "fuzz.toml" { fatalError("error names another file: \(error)") }
    }
    return 0
}
