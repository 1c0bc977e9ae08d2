import ArgumentParser
import Foundation

/// sysexits(3) codes used by every command.
enum Sysexits {
    static let usage: Int32 = 64
    static let dataErr: Int32 = 65
    static let noInput: Int32 = 66
    static let unavailable: Int32 = 69
    static let software: Int32 = 70
    static let cantCreate: Int32 = 73
    static let ioErr: Int32 = 74
    static let tempFail: Int32 = 75
    static let config: Int32 = 78
}

/// An error a command reports as one line on stderr, with its sysexits code.
struct CommandFailure: Error, CustomStringConvertible {
    var description: String
    var code: Int32
    init(_ description: String, code: Int32) { self.description = description; self.code = code }
}

/// Prints the one-line message for `error` on stderr and exits with its sysexits code.
/// Help and version requests print to stdout and exit 0, as argument-parser does.
func fail(_ error: Error) -> Never {
    if let failure = error as? CommandFailure {
        writeErr("drwatch: \(failure.description)\n")
        exit(failure.code)
    }
    if let mapped = mapDomainError(error) {
        writeErr("drwatch: \(mapped.description)\n")
        exit(mapped.code)
    }
    // argument-parser: usage errors exit 64 (not its default 64? it uses EX_USAGE = 64), help exits 0.
    let code = Drwatch.exitCode(for: error)
    let message = Drwatch.fullMessage(for: error)
    if code == .success {
        if !message.isEmpty { print(message) }
        exit(0)
    }
    if !message.isEmpty { writeErr(message.hasSuffix("\n") ? message : message + "\n") }
    exit(code.rawValue == 1 ? Sysexits.usage : code.rawValue)
}
