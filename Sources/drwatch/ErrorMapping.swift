import Delivery
import DisputeCore
import DisputeService
import Notifications
import Recording
import ServiceConfig
import TOML
import DisputeStore
import WorkingDays

/// Maps errors from our modules to a one-line message and a sysexits code.
/// Each module's error type gets its line here; argument-parser errors are left to `fail`.
func mapDomainError(_ error: Error) -> CommandFailure? {
    switch error {
    case let e as CalendarError: return CommandFailure(e.description, code: Sysexits.dataErr)
    case let e as ConfigFileMissing: return CommandFailure(e.description, code: Sysexits.noInput)
    case let e as ConfigFileError: return CommandFailure(e.description, code: Sysexits.config)
    case let e as StoreError: return CommandFailure(e.description, code: storeExitCode(e))
    case let e as StoreLocation.Invalid: return CommandFailure(e.description, code: Sysexits.config)
    case let e as StoreCopyError:
        let code: Int32 = switch e.kind {
        case .sameStore: Sysexits.usage
        case .sourceMissing: Sysexits.noInput
        case .schemaDiffers: Sysexits.unavailable
        case .targetNotEmpty: Sysexits.cantCreate
        case .copyDiffers: Sysexits.dataErr
        }
        return CommandFailure(e.description, code: code)
    case let e as DaemonError:
        let code: Int32 = switch e.code {
        case .alreadyRunning: Sysexits.tempFail
        case .config: Sysexits.config
        case .io: Sysexits.ioErr
        case .usage: Sysexits.usage
        }
        return CommandFailure(e.description, code: code)
    case let e as DomainError: return CommandFailure(e.message(naming: option(for:)), code: Sysexits.dataErr)
    case let e as DeliveryError: return CommandFailure(e.description, code: e.kind == .configuration ? Sysexits.config : Sysexits.unavailable)
    default: return nil
    }
}

/// Busy/locked/server unreachable/sender held by another -> 75 (try again); this backend cannot -> 69; refused data -> 65; a database from a newer drwatch -> 69;
/// the file itself (permissions, disk, damage) -> 74; a bug -> 70.
private func storeExitCode(_ e: StoreError) -> Int32 {
    if e.isRetryable { return Sysexits.tempFail }
    switch e.code {
    case .duplicate, .notFound, .invalidState, .constraint: return Sysexits.dataErr
    case .schemaTooNew, .unsupported: return Sysexits.unavailable
    case .heldByAnother: return Sysexits.tempFail
    case .corrupt, .io, .full, .readOnly, .cantOpen, .invalidRow: return Sysexits.ioErr
    default: return Sysexits.software
    }
}
