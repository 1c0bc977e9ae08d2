import ArgumentParser
import DisputeCore
import Foundation
import WorkingDays

// Options shared by the commands that read or record disputes: times and actors.

/// Parses `--at TIME` (ISO 8601; Europe/London without an offset); the clock is read only when absent.
///
/// - Throws: `CommandFailure` 65 for a time that is not ISO 8601.
func parseAt(_ text: String?) throws -> Date {
    guard let text else { return Date() }
    guard let date = CivilTime.london.parse(text) else {
        throw CommandFailure("--at \(text) is not a time; write 2026-11-23, 2026-11-23T14:30 or 2026-11-23T14:30+00:00 (Europe/London without an offset)",
                             code: Sysexits.dataErr)
    }
    return date
}

/// Checks the syntax of a `ROLE:EMAIL` option in `validate()` (exit 64 when malformed).
func validateActor(_ text: String?, option: String) throws {
    guard let text else { return }
    guard Actor(parsing: text) != nil else {
        throw ValidationError("\(option) \(text) is not ROLE:EMAIL, e.g. \(option) iro:jo.bloggs@council.example")
    }
}

/// Parses an option already checked by `validateActor`.
func actor(_ text: String?) -> Actor? { text.flatMap(Actor.init(parsing:)) }
