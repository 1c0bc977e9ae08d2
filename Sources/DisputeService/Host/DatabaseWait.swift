import DisputeStore
import Foundation
import Logging

/// Waiting at start for a server database that cannot be reached yet (drwatch up first at boot,
/// a failover in progress): `drwatch run` and `drwatch serve` both wait this way instead of
/// exiting. Each attempt that fails with `.unavailable` is followed by `DatabaseOutage`'s
/// backoff (1 s, 2 s, 4 s... up to 30 s); the wait is logged once, and so is the connection.
/// Anything else an attempt throws (a refused login, a bad config) ends the wait at once.
public struct DatabaseWait {
    /// What the caller's `wait` decided.
    public enum Next: Sendable { case retry, stop }

    public var first: Duration
    public var cap: Duration
    public let logger: Logger

    public init(first: Duration = .seconds(1), cap: Duration = .seconds(30), logger: Logger) {
        self.first = first
        self.cap = cap
        self.logger = logger
    }

    /// Tries `open` until it stops throwing `.unavailable`.
    ///
    /// - Parameters:
    ///   - open: one attempt (it may read a config that a reload changed since the last one).
    ///   - beforeWaiting: at the first failure, before the wait is logged: checks what the
    ///     database is not needed for, so a bad config still stops at once (throw to stop).
    ///   - waiting: after each failure (`first` true once), e.g. for the service manager's status.
    ///   - wait: waits the backoff's delay (or until a signal): `.stop` ends the wait.
    /// - Returns: what `open` returned, or nil when `wait` said stop.
    public func open<T>(_ open: () throws -> T, beforeWaiting: (StoreError) throws -> Void = { _ in },
                        waiting: (StoreError, _ first: Bool) -> Void = { _, _ in },
                        wait: (Duration) async -> Next) async throws -> T? {
        var outage = DatabaseOutage(first: first, cap: cap)
        let began = ContinuousClock.now
        while true {
            do {
                let opened = try open()
                if let attempts = outage.succeeded() {
                    logger.notice("Connected to the database; starting", metadata: [
                        "failed_attempts": "\(attempts)", "waited_seconds": "\((ContinuousClock.now - began).components.seconds)",
                    ])
                }
                return opened
            } catch let error as StoreError where error.code == .unavailable {
                let (delay, isFirst) = outage.failed()
                if isFirst {
                    try beforeWaiting(error)
                    logger.error("Waiting for the database: it cannot be reached; retrying with backoff, and starting once it answers",
                                 metadata: ["error": "\(error)"])
                }
                waiting(error, isFirst)
                if await wait(delay) == .stop { return nil }
            }
        }
    }
}
