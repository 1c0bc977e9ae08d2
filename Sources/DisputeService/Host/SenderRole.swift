import DisputeStore
import Foundation

// On a server database (PostgreSQL) several daemons may run: one sends, the others stand by
// and take over when its database session ends. This is the pure part of that: the role the
// loop is in (the backoff while the database is away is `DatabaseOutage`, in DisputeStore:
// the web app uses it too).

/// What this daemon is doing about the right to send (server databases only).
enum SenderRole: Equatable {
    /// Not asked yet (the first poll).
    case starting
    /// Holds the right: plans and sends.
    case sending
    /// Another instance sends (as the database names it): waits and retries.
    case standingBy(sender: String)
    /// Held it and lost it (its session ended, or the fence refused a write).
    case lost

    /// The sender as status lines show it (`HOST:PID`, from `currentSender()`), or "unknown".
    static func shortName(_ instance: String?) -> String {
        guard let name = instance, !name.isEmpty else { return "unknown" }
        return name
    }
}
