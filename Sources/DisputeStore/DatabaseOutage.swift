import Foundation

/// Consecutive failures to reach the database, and how long to wait before the next attempt:
/// `first`, doubled at each failure, never more than `cap`. The loop logs the first failure and
/// the recovery, never each retry.
public struct DatabaseOutage: Sendable, Equatable {
    public private(set) var failures = 0
    public let first: Duration
    public let cap: Duration

    public init(first: Duration = .seconds(1), cap: Duration = .seconds(30)) {
        self.first = first
        self.cap = cap
    }

    /// Records one more failure; returns the wait before the next attempt, and whether this one
    /// began the outage (the one to log).
    public mutating func failed() -> (delay: Duration, began: Bool) {
        failures += 1
        return (Self.delay(afterFailures: failures, first: first, cap: cap), failures == 1)
    }

    /// Records a success; returns how many attempts had failed when it ends an outage, else nil.
    public mutating func succeeded() -> Int? {
        defer { failures = 0 }
        return failures == 0 ? nil : failures
    }

    /// `first * 2^(failures-1)`, at most `cap`.
    public static func delay(afterFailures failures: Int, first: Duration, cap: Duration) -> Duration {
        var d = first
        var n = 1
        while n < failures && d < cap { d = d * 2; n += 1 }
        return min(d, cap)
    }

    /// True for the errors a lost or unreachable database server gives (a retry may succeed).
    public static func isOutage(_ error: any Error) -> Bool {
        (error as? StoreError)?.code == .unavailable
    }

    /// True when a fenced store refused a transaction because this process's lease was lost.
    public static func isLostLease(_ error: any Error) -> Bool {
        (error as? StoreError)?.code == .heldByAnother
    }
}
