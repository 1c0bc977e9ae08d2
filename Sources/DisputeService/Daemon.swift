import DisputeStore
import Foundation
import Logging
import WorkingDays

// `drwatch run`: the poll loop under systemd.
//
//   config (exit 78) -> instance lock (exit 75) -> open/migrate the store -> READY=1
//   loop: now = clock.now() (once) -> tick -> STATUS=... -> wait until the next poll
//         (poll_interval_seconds) or the work's next wake-up, whichever is first, or a signal.
//
// SIGTERM/SIGINT cancel the tick in flight (the work finishes the message it is sending and
// stops), then the loop ends: STOPPING=1, exit 0. A backstop exits after `stopTimeout` in any
// case (systemd's TimeoutStopSec is 15 s). SIGHUP reloads config and policies: RELOADING=1,
// validate the new ones whole, swap or keep the old ones (and log why), READY=1.
// The watchdog is fed from its own thread, so a slow poll is no reason to be killed, but a
// poll stuck for `stallLimit` stops the pings and lets systemd restart the service.

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
    public init(config: DrwatchConfig, work: any PollWork, oneOffsKnownThrough: Int?, summary: String) {
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
    /// Opens (and migrates) the store; called once.
    public var openStore: @Sendable (DrwatchConfig) throws -> any DisputeRepository
    /// Loads what the config names (policies, calendars) and builds the work; at start and on
    /// SIGHUP. Throwing keeps the running workload.
    public var makeWorkload: @Sendable (DrwatchConfig, any DisputeRepository, Logger) throws -> DaemonWorkload

    public init(loadConfig: @escaping @Sendable () throws -> DrwatchConfig,
                openStore: @escaping @Sendable (DrwatchConfig) throws -> any DisputeRepository = DaemonParts.openSQLite,
                makeWorkload: @escaping @Sendable (DrwatchConfig, any DisputeRepository, Logger) throws -> DaemonWorkload) {
        self.loadConfig = loadConfig
        self.openStore = openStore
        self.makeWorkload = makeWorkload
    }

    /// The embedded default: the SQLite file the config names, migrated.
    @Sendable public static func openSQLite(_ config: DrwatchConfig) throws -> any DisputeRepository {
        let store = try SQLiteStore(path: config.database)
        // A schema change waits for another writer (an import, say) for up to a minute: each
        // attempt already waits the store's busy timeout; then start fails with 75 (try again)
        // and systemd restarts the unit.
        var attempt = 1
        while true {
            do {
                try store.migrate()
                return store
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
        /// Another daemon holds the database's instance lock (exit 75, try again).
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

/// The daemon: see the comment at the top of this file.
public final class Daemon: @unchecked Sendable {
    /// Settings that are not in the config file.
    public struct Options: Sendable {
        /// Install the process's SIGTERM/SIGINT/SIGHUP handlers (off for in-process tests,
        /// which call `post(_:)` instead).
        public var handleSignals = true
        /// How long a stop may take before the process exits anyway.
        public var stopTimeout: Duration = .seconds(9)
        /// A poll running longer than this stops the watchdog pings.
        public var stallLimit: Duration = .seconds(600)
        /// Log a clock step backwards larger than this.
        public var backwardsTolerance: TimeInterval = 1
        public init() {}
    }

    private let parts: DaemonParts
    private let clock: any DaemonClock
    private let notifier: SystemdNotifier
    private let logger: Logger
    private let options: Options
    private let state = LoopState()

    public init(parts: DaemonParts, clock: any DaemonClock = SystemDaemonClock(),
                notifier: SystemdNotifier = SystemdNotifier(), logger: Logger, options: Options = Options()) {
        self.parts = parts
        self.clock = clock
        self.notifier = notifier
        self.logger = logger
        self.options = options
    }

    /// Delivers a signal's request to the loop (what the signal handlers do).
    public func post(_ signal: DaemonSignal) {
        if case .stop(let s) = signal {
            if state.requestStop() {
                guard options.handleSignals else { return }
                logger.warning("Second stop signal: exiting now", metadata: ["signal": "\(s)"])
                _exit(0)
            }
            logger.notice("Stopping: finishing the message in flight", metadata: ["signal": "\(Self.signalName(s))"])
            notifier.stopping()
            guard options.handleSignals else { state.post(signal); return }
            let timeout = options.stopTimeout
            let logger = self.logger
            DispatchQueue.global().asyncAfter(deadline: .now() + .milliseconds(Int(timeout.components.seconds * 1000))) {
                logger.error("The poll in flight did not finish in time; exiting anyway (the outbox keeps every message's state)")
                _exit(0)
            }
        }
        state.post(signal)
    }

    /// Starts, runs until SIGTERM/SIGINT (or `post(.stop)`), and returns (exit 0).
    ///
    /// - Throws: `DaemonError` (`.alreadyRunning`, `.config`, `.io`), `ConfigFileError` and
    ///   `StoreError` when the daemon cannot start. Once ready, it never throws.
    public func run() async throws {
        if options.handleSignals {
            DaemonSignals.install { [self] in post($0) }
        }
        let config: DrwatchConfig
        do {
            config = try parts.loadConfig()
        } catch let missing as ConfigFileMissing {
            throw DaemonError(.config, missing.description)
        }
        let lock: InstanceLock
        do {
            lock = try InstanceLock(database: config.database)
        } catch let failure as InstanceLock.Failure {
            throw DaemonError(failure.isHeldByAnother ? .alreadyRunning : .io, failure.description)
        }
        defer { withExtendedLifetime(lock) {} }
        let store = try parts.openStore(config)
        var workload = try parts.makeWorkload(config, store, logger)

        let watchdog = Watchdog(notifier: notifier, state: state, stallLimit: options.stallLimit, logger: logger)
        watchdog.start()
        defer { watchdog.stop() }

        notifier.ready(status: "ready; first poll")
        logger.info("drwatch started", metadata: [
            "config": "\(config.file)", "database": "\(config.database)",
            "poll_interval_seconds": "\(config.pollIntervalSeconds)", "workload": "\(workload.summary)",
        ])

        var lastNow: Date?
        var lastCoverageWarning: Date?
        var lastStatus = "ready; first poll"
        var failures = 0
        loop: while !state.isStopRequested {
            let now = clock.now()
            if let last = lastNow, now < last.addingTimeInterval(-options.backwardsTolerance) {
                logger.warning("The clock went backwards; nothing is sent twice (notifications are kept by identity)",
                               metadata: ["from": "\(Self.iso(last))", "to": "\(Self.iso(now))"])
            }
            lastNow = now
            if let through = workload.oneOffsKnownThrough,
               Self.coverageWarningDue(now: now, knownThrough: through, lastWarning: lastCoverageWarning) {
                lastCoverageWarning = now
                logger.warning("Calendar: one-off bank holidays known only through \(through); set holidays_file to a current gov.uk bank-holidays.json",
                               metadata: ["known_through": "\(through)"])
            }

            var report: PollReport?
            let pollStart = ContinuousClock.now
            state.beginPoll()
            do {
                report = try await state.runTick { [workload] in try await workload.work.poll(now: now) }
                failures = 0
            } catch {
                if state.isStopRequested { state.endPoll(); break }
                failures += 1
                logger.error("Poll failed; retrying at the next poll", metadata: [
                    "error": "\(error)", "consecutive_failures": "\(failures)",
                ])
                lastStatus = "last poll failed (\(failures) in a row), retrying: \(Self.oneLine(error))"
                notifier.status(lastStatus)
            }
            state.endPoll()
            let took = ContinuousClock.now - pollStart
            logger.debug("Poll took", metadata: ["duration_ms": "\(took.components.seconds * 1000 + took.components.attoseconds / 1_000_000_000_000_000)"])
            if let report {
                lastStatus = report.statusLine
                notifier.status(report.statusLine)
            }
            if state.isStopRequested { break }

            let next = Self.nextPoll(after: now, interval: TimeInterval(workload.config.pollIntervalSeconds),
                                     nextWakeUp: report?.nextWakeUp)
            logger.debug("Sleeping until the next poll", metadata: ["until": "\(Self.iso(next))"])
            switch await wait(until: next) {
            case .timer: continue
            case .stop: break loop
            case .reload: reload(&workload, store: store, status: lastStatus)   // then poll at once
            }
        }
        logger.info("drwatch stopped")
    }

    private enum Wake: Equatable { case timer, reload, stop }

    /// Waits until `deadline` on the clock, or until a signal arrives.
    private func wait(until deadline: Date) async -> Wake {
        let clock = self.clock, state = self.state
        return await withTaskGroup(of: Wake?.self) { group in
            group.addTask {
                do { try await clock.sleep(until: deadline) } catch { return nil }
                return .timer
            }
            group.addTask {
                switch await state.nextSignal() {
                case .reload?: return .reload
                case .stop?: return .stop
                case nil: return nil
                }
            }
            var result: Wake = .timer
            while let next = await group.next() {
                if let next { result = next; break }
            }
            group.cancelAll()
            return result
        }
    }

    private func reload(_ workload: inout DaemonWorkload, store: any DisputeRepository, status: String) {
        notifier.reloading()
        logger.notice("SIGHUP: reloading the config and policies", metadata: ["config": "\(workload.config.file)"])
        do {
            let config = try parts.loadConfig()
            guard config.database == workload.config.database else {
                throw DaemonError(.config, "the new config names the database \(config.database), but this daemon runs on \(workload.config.database); a different database needs a restart (systemctl restart drwatch)")
            }
            workload = try parts.makeWorkload(config, store, logger)
            logger.notice("Reloaded the config and policies", metadata: ["workload": "\(workload.summary)"])
        } catch {
            logger.error("Reload refused: the new config or a policy is invalid; keeping the running ones. Fix it and reload again (systemctl reload drwatch)",
                         metadata: ["error": "\(error)"])
        }
        notifier.ready(status: status)
    }

    // MARK: Pure decisions

    /// When to poll next: after `interval`, or at `nextWakeUp` when that is sooner, but never
    /// sooner than one second after `now` (no busy loop when something is overdue).
    public static func nextPoll(after now: Date, interval: TimeInterval, nextWakeUp: Date?) -> Date {
        let regular = now.addingTimeInterval(interval)
        guard let wake = nextWakeUp, wake < regular else { return regular }
        return max(wake, now.addingTimeInterval(min(1, interval)))
    }

    /// Whether to warn (at start, then daily) that the calendar does not know next year's
    /// one-off bank holidays.
    public static func coverageWarningDue(now: Date, knownThrough: Int, lastWarning: Date?) -> Bool {
        // The London year from CivilTime's offset table, not Foundation's Calendar (which loads ICU).
        let year = CivilTime.london.localDate(epochSeconds: Int(now.timeIntervalSince1970.rounded(.down))).year
        guard knownThrough < year + 1 else { return false }
        guard let last = lastWarning else { return true }
        return now.timeIntervalSince(last) >= 86_400 || now < last
    }

    /// `2026-11-25T10:00:00Z`, as `ISO8601DateFormatter` writes it, without loading ICU.
    static func iso(_ d: Date) -> String { CivilTime.utcISO8601(d) }

    static func oneLine(_ error: Error) -> String {
        String("\(error)".map { $0 == "\n" || $0 == "\r" ? " " : $0 }.prefix(200))
    }

    static func signalName(_ s: Int32) -> String {
        switch s {
        case SIGTERM: "SIGTERM"
        case SIGINT: "SIGINT"
        case SIGHUP: "SIGHUP"
        default: "signal \(s)"
        }
    }
}

/// The loop's shared state: pending signals, the tick in flight, the phase for the watchdog.
final class LoopState: @unchecked Sendable {
    private let lock = NSLock()
    private var pending: [DaemonSignal] = []
    private var waiter: CheckedContinuation<DaemonSignal?, Never>?
    private var stopRequested = false
    private var cancelTick: (() -> Void)?
    private var pollStarted: ContinuousClock.Instant?

    var isStopRequested: Bool { lock.withLock { stopRequested } }

    /// Marks the stop; returns true if one was already requested.
    func requestStop() -> Bool {
        lock.withLock {
            let was = stopRequested
            stopRequested = true
            return was
        }
    }

    func post(_ signal: DaemonSignal) {
        lock.lock()
        if case .stop = signal { cancelTick?() }
        if let w = waiter {
            waiter = nil
            lock.unlock()
            w.resume(returning: signal)
            return
        }
        pending.append(signal)
        lock.unlock()
    }

    /// The next signal (a stop before any reload), or nil when the task is cancelled.
    func nextSignal() async -> DaemonSignal? {
        await withTaskCancellationHandler {
            await withCheckedContinuation { (c: CheckedContinuation<DaemonSignal?, Never>) in
                lock.lock()
                if let i = pending.firstIndex(where: { if case .stop = $0 { true } else { false } }) ?? (pending.isEmpty ? nil : 0) {
                    let s = pending.remove(at: i)
                    lock.unlock()
                    c.resume(returning: s)
                } else if Task.isCancelled {
                    lock.unlock()
                    c.resume(returning: nil)
                } else {
                    waiter = c
                    lock.unlock()
                }
            }
        } onCancel: {
            lock.lock()
            let w = waiter
            waiter = nil
            lock.unlock()
            w?.resume(returning: nil)
        }
    }

    /// Runs one tick as a child task that a stop cancels.
    func runTick(_ body: @escaping @Sendable () async throws -> PollReport) async throws -> PollReport {
        let task = Task { try await body() }
        lock.withLock {
            cancelTick = { task.cancel() }
            if stopRequested { task.cancel() }
        }
        defer { lock.withLock { cancelTick = nil } }
        return try await task.value
    }

    func beginPoll() { lock.withLock { pollStarted = .now } }
    func endPoll() { lock.withLock { pollStarted = nil } }
    /// How long the poll in flight has run (nil between polls).
    var pollRunningFor: Duration? { lock.withLock { pollStarted.map { .now - $0 } } }
}

/// Feeds systemd's watchdog (WATCHDOG=1 at half of WatchdogSec) from its own thread, so a
/// busy cooperative pool cannot starve it; stops feeding when a poll is stuck.
final class Watchdog: @unchecked Sendable {
    private let notifier: SystemdNotifier
    private let state: LoopState
    private let stallLimit: Duration
    private let logger: Logger
    private let condition = NSCondition()
    private var stopped = false

    init(notifier: SystemdNotifier, state: LoopState, stallLimit: Duration, logger: Logger) {
        self.notifier = notifier
        self.state = state
        self.stallLimit = stallLimit
        self.logger = logger
    }

    func start() {
        guard let interval = notifier.watchdogInterval else { return }
        let seconds = Double(interval.components.seconds) + Double(interval.components.attoseconds) / 1e18
        let thread = Thread { [self] in
            var warned = false
            while true {
                if let running = state.pollRunningFor, running > stallLimit {
                    if !warned {
                        logger.critical("A poll has run for \(running); no longer feeding the watchdog, so systemd restarts drwatch")
                        warned = true
                    }
                } else {
                    warned = false
                    notifier.watchdog()
                }
                condition.lock()
                let deadline = Date().addingTimeInterval(seconds)
                while !stopped && Date() < deadline { _ = condition.wait(until: deadline) }
                let done = stopped
                condition.unlock()
                if done { return }
            }
        }
        thread.name = "drwatch-watchdog"
        thread.start()
    }

    func stop() {
        condition.lock()
        stopped = true
        condition.signal()
        condition.unlock()
    }
}
