import WorkingDays

/// Maps errors from our modules to a one-line message and a sysexits code.
/// Each module's error type gets its line here; argument-parser errors are left to `fail`.
func mapDomainError(_ error: Error) -> CommandFailure? {
    switch error {
    case let e as CalendarError: return CommandFailure(e.description, code: Sysexits.dataErr)
    default: return nil
    }
}
