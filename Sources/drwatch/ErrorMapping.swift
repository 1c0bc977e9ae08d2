import DisputeService
import TOML
import WorkingDays

/// Maps errors from our modules to a one-line message and a sysexits code.
/// Each module's error type gets its line here; argument-parser errors are left to `fail`.
func mapDomainError(_ error: Error) -> CommandFailure? {
    switch error {
    case let e as CalendarError: return CommandFailure(e.description, code: Sysexits.dataErr)
    case let e as ConfigFileMissing: return CommandFailure(e.description, code: Sysexits.noInput)
    case let e as ConfigFileError: return CommandFailure(e.description, code: Sysexits.config)
    default: return nil
    }
}
