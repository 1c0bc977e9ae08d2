import ServiceConfig
import Recording
import Notifications
import DisputeStore
import Foundation
import Logging
import WorkingDays

// What the daemon runs: the poll work, the workload built from a config, the parts the
// executable wires, and the errors that stop it before it is ready.

/// What one poll reports to the daemon.
public struct PollReport: Sendable, Equatable {
    /// One line for systemd's STATUS, e.g. "12 open disputes, 2 overdue, 0 pending".
    public var statusLine: String
    /// The earliest moment something becomes due (a reminder's send time, a retry), if known.
    public var nextWakeUp: Date?
    public init(statusLine: String, nextWakeUp: Date?) {
        self.statusLine = statusLine
        self.nextWakeUp = nextWakeUp
    }
}

/// One poll of the store: evaluate, enqueue, deliver. The daemon calls it with the `now` it
/// read once for this poll.
public protocol PollWork: Sendable {
    /// Runs one poll at `now`.
    ///
    /// Should check `Task.isCancelled` between messages: a cancelled poll finishes the message
    /// in flight and returns (or throws `CancellationError`).
    /// - Throws: anything; the daemon logs it and polls again at the next interval.
    func poll(now: Date) async throws -> PollReport
}

/// What the daemon runs with: a validated config and the work built from it.
public struct DaemonWorkload: Sendable {
    public var config: DrwatchConfig
    public var work: any PollWork
    /// The last year for which the calendar knows the one-off bank holidays
    /// (`WorkingCalendar.oneOffsKnownThrough`), for the coverage warning; `nil` to skip it.
    public var oneOffsKnownThrough: Int?
    /// A few words for the log, e.g. "5 policies".
    public var summary: String
    /// The policies and calendars the work was built from, for what runs after a poll (the
    /// metrics textfile), so it never loads them again; `nil` when the work has none.
    public var runtime: Runtime?
    public init(config: DrwatchConfig, work: any PollWork, oneOffsKnownThrough: Int?, summary: String, runtime: Runtime? = nil) {
        self.runtime = runtime
        self.config = config
        self.work = work
        self.oneOffsKnownThrough = oneOffsKnownThrough
        self.summary = summary
    }
}

/// How the daemon gets its config, store and work: the executable wires the real ones; tests
/// may pass their own.
public struct DaemonParts: Sendable {
    /// Loads and validates the config file (at start and on SIGHUP).
    public var loadConfig: @Sendable () throws -> DrwatchConfig
    /// Opens the store; called once. The daemon then takes the right to send and migrates.
    public var openStore: @Sendable (DrwatchConfig) throws -> any StoreBackend
    /// Loads what the config names (policies, calendars) and builds the work; at start and on
    /// SIGHUP. Throwing keeps the running workload.
    public var makeWorkload: @Sendable (DrwatchConfig, any DisputeRepository, Logger) throws -> DaemonWorkload
    /// Checks what the config names without the store (policies, calendars, templates), so that
    /// a daemon waiting for its database still stops at once on a bad one (exit 78); `nil`: no
    /// check. Called only while the database cannot be reached (else `makeWorkload` checks).
    public var checkConfig: (@Sendable (DrwatchConfig) throws -> Void)? = nil
    /// Runs after each poll, inline on the loop before the daemon sleeps (`Housekeeping`:
    /// recording the poll, the daily retention run, the metrics textfile); `nil` for nothing.
    /// It must be short: the next poll waits for it.
    public var afterPoll: (@Sendable (PollOutcome, DaemonWorkload, any DisputeRepository, Logger) -> Void)? = nil
    /// Compares the built-in Europe/London rule with the system's tzdata (`TimeZoneCheck`);
    /// the daemon logs each returned line as a warning, at start and then daily. `nil`: no check.
    public var timeZoneWarnings: (@Sendable () -> [String])? = nil

    public init(loadConfig: @escaping @Sendable () throws -> DrwatchConfig,
                openStore: @escaping @Sendable (DrwatchConfig) throws -> any StoreBackend = DaemonParts.openConfigured,
                makeWorkload: @escaping @Sendable (DrwatchConfig, any DisputeRepository, Logger) throws -> DaemonWorkload) {
        self.loadConfig = loadConfig
        self.openStore = openStore
        self.makeWorkload = makeWorkload
    }

    /// The store the config's `database` names.
    @Sendable public static func openConfigured(_ config: DrwatchConfig) throws -> any StoreBackend {
        try config.openStore()
    }

    /// Brings the schema up to date.
    static func migrate(_ store: any StoreBackend) throws {
        // A schema change waits for another writer (an import, say) for up to a minute: each
        // attempt already waits the store's busy timeout; then start fails with 75 (try again)
        // and systemd restarts the unit.
        var attempt = 1
        while true {
            do {
                try store.migrate()
                return
            } catch let error as StoreError where error.isRetryable && attempt < 12 {
                attempt += 1
                Thread.sleep(forTimeInterval: 0.5)
            }
        }
    }
}

/// An error that stops the daemon before it is ready.
public struct DaemonError: Error, CustomStringConvertible, Sendable {
    /// Why the daemon could not start.
    public enum Code: Sendable, Equatable {
        /// Another daemon holds the SQLite database's instance lock (exit 75, try again). On
        /// PostgreSQL a second daemon stands by instead (`Daemon`).
        case alreadyRunning
        /// The config is missing or invalid (exit 78).
        case config
        /// The lock file cannot be created (exit 74).
        case io
        /// A malformed test-only setting (exit 64).
        case usage
    }
    public var code: Code
    public var description: String
    public init(_ code: Code, _ description: String) {
        self.code = code
        self.description = description
    }
}
