// libFuzzer target: ISO 8601 times as users type them (CivilTime.parse, `--at`, CSV `at`).
// Property: any text parses to an instant or nil, never a crash; a parsed instant formats back
// (CivilTime.iso8601) to text that parses to the same instant.
// Built by scripts/fuzz with Sources/WorkingDays.
import Foundation

let london = CivilTime.london

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let text = String(decoding: UnsafeBufferPointer(start: data, count: size), as: UTF8.self)
    guard let instant = london.parse(text) else { return 0 }
    let back = london.iso8601(instant)
    guard let again = london.parse(back) else { fatalError("\(text.debugDescription) -> \(back) does not parse") }
    if abs(again.timeIntervalSince(instant)) >= 1 { fatalError("\(text.debugDescription) -> \(back) -> \(again) != \(instant)") }
    return 0
}
