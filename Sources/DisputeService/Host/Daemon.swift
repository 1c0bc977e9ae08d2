import ServiceConfig
import Recording
import Notifications
import DisputeStore
import Foundation
import Logging
import WorkingDays

// `drwatch run`: the poll loop under systemd.
//
//   config (exit 78) -> open the store (a server database not reachable yet is waited for)
//   -> instance lock (SQLite: exit 75) -> migrate -> READY=1
//   loop: now = clock.now() (once) -> tick -> STATUS=... -> wait until the next poll
//         (poll_interval_seconds) or the work's next wake-up, whichever is first, or a signal.
//
// On a server database (PostgreSQL) several daemons may run on one store: each takes READY=1,
// then at the top of every loop turn the one holding the sender lease checks it still does (a
// round trip) and the others try to take it every `standbyRetry`, logging once that they stand
// by and naming the sender in STATUS=. A lease lost (its session ended) or a transaction refused
// by the store's fence sends the instance back to standing by. A poll that fails because the
// database went away is retried after a backoff (1 s doubling to 30 s); the loss and the recovery
// are logged once each. On SQLite a second daemon exits 75 at start, as it always did.
//
// A daemon started while its server database cannot be reached waits for it (`openStore`):
// READY=1 at once with STATUS=waiting for database: REASON (systemd's start timeout would
// otherwise kill a long wait, and `systemctl start` would hang on it), the wait logged once,
// SIGTERM and SIGHUP answered, the same backoff as above; once connected (logged once) it starts
// as any daemon does. Errors that waiting cannot fix stop it at once: the config (78), and a
// login the server refuses (wrong user, password or database name: 78).
//
// SIGTERM/SIGINT cancel the tick in flight (the work finishes the message it is sending and
// stops), then the loop ends: STOPPING=1, exit 0. A backstop exits after `stopTimeout` in any
// case (systemd's TimeoutStopSec is 15 s). SIGHUP reloads config and policies: RELOADING=1,
// validate the new ones whole, swap or keep the old ones (and log why), READY=1.
// The watchdog is fed from its own thread, so a slow poll is no reason to be killed, but a
// poll stuck for `stallLimit` stops the pings and lets systemd restart the service.

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
        /// On a server database: how often an instance standing by tries to take the right to
        /// send (real time, whatever the daemon's clock).
        public var standbyRetry: Duration = .seconds(5)
        /// On a server database: the wait after a failure to reach it, doubled at each further
        /// failure up to `reconnectCap` (real time).
        public var reconnectFirst: Duration = .seconds(1)
        public var reconnectCap: Duration = .seconds(30)
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
        var config: DrwatchConfig
        do {
            config = try parts.loadConfig()
        } catch let missing as ConfigFileMissing {
            throw DaemonError(.config, missing.description)
        }
        let watchdog = Watchdog(notifier: notifier, state: state, stallLimit: options.stallLimit, logger: logger)
        defer { watchdog.stop() }
        guard let store = try await openStore(&config, watchdog: watchdog) else {
            logger.info("drwatch stopped")
            return
        }
        // A server database: standby and takeover, reconnecting. SQLite: one daemon, as shipped.
        let shared: Bool = { if case .postgresql = store.location { true } else { false } }()
        var lease: (any SenderLease)?
        if !shared {
            do {
                lease = try store.claimSender(instance: Self.instanceName())
            } catch let e as StoreError where e.code == .heldByAnother {
                throw DaemonError(.alreadyRunning, e.message)
            } catch let e as StoreError where e.code == .io {
                throw DaemonError(.io, e.message)
            }
        }
        defer { lease?.release() }
        try DaemonParts.migrate(store)
        var workload = try parts.makeWorkload(config, store, logger)

        watchdog.start()

        notifier.ready(status: "ready; first poll")
        logger.info("drwatch started", metadata: [
            "config": "\(config.file)", "database": "\(config.database)",
            "poll_interval_seconds": "\(config.pollIntervalSeconds)", "workload": "\(workload.summary)",
        ])

        var lastNow: Date?
        var lastCoverageWarning: Date?
        var lastTimeZoneCheck: Date?
        var lastStatus = "ready; first poll"
        var failures = 0
        var role = SenderRole.starting
        var outage = DatabaseOutage(first: options.reconnectFirst, cap: options.reconnectCap)
        loop: while !state.isStopRequested {
            if shared, let pause = senderTurn(&lease, store: store, role: &role, outage: &outage, status: &lastStatus) {
                switch await wait(for: pause) {
                case .timer: continue
                case .stop: break loop
                case .reload: reload(&workload, store: store, status: lastStatus); continue
                }
            }
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

            if let check = parts.timeZoneWarnings, Housekeeping.dailyRunDue(now: now, last: lastTimeZoneCheck) {
                lastTimeZoneCheck = now
                for w in check() { logger.warning("\(w)") }
            }
            var report: PollReport?
            let pollStart = ContinuousClock.now
            state.beginPoll()
            do {
                report = try await state.runTick { [workload] in try await workload.work.poll(now: now) }
                failures = 0
                if shared, let attempts = outage.succeeded() {
                    logger.notice("Database connection restored", metadata: ["failed_attempts": "\(attempts)"])
                }
            } catch {
                if state.isStopRequested { state.endPoll(); break }
                if shared, DatabaseOutage.isLostLease(error) {
                    // The store's fence refused a claim or a mark: stop sending now.
                    state.endPoll()
                    lease?.release()
                    lease = nil
                    role = .lost
                    logger.warning("Lost the right to send during a poll; stopped sending, taking it again when it is free",
                                   metadata: ["error": "\(error)"])
                    continue
                }
                if shared, DatabaseOutage.isOutage(error) {
                    let (delay, began) = outage.failed()
                    if began {
                        logger.error("Lost the connection to the database; reconnecting with backoff (nothing is lost: each message is marked sent only after delivery)",
                                     metadata: ["error": "\(error)"])
                    }
                    lastStatus = "database unavailable (\(outage.failures) failed attempts), reconnecting: \(Self.oneLine(error))"
                    notifier.status(lastStatus)
                    state.endPoll()
                    switch await wait(for: delay) {
                    case .timer: continue loop
                    case .stop: break loop
                    case .reload: reload(&workload, store: store, status: lastStatus); continue loop
                    }
                }
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
            // Housekeeping (recording the poll, daily retention, the metrics textfile) inline, before
            // STATUS: whoever waits for STATUS sees the poll recorded, and the loop's timing stays
            // what it was (STATUS, then at once the sleep).
            parts.afterPoll?(PollOutcome(now: now, duration: took, succeeded: report != nil), workload, store, logger)
            if let report {
                lastStatus = shared ? "sending; \(report.statusLine)" : report.statusLine
                notifier.status(lastStatus)
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
        let clock = self.clock
        return await wait { try await clock.sleep(until: deadline) }
    }

    /// Waits for `duration` of real time, or until a signal arrives.
    private func wait(for duration: Duration) async -> Wake {
        await wait { try await Task.sleep(for: duration) }
    }

    private func wait(_ sleep: @escaping @Sendable () async throws -> Void) async -> Wake {
        let state = self.state
        return await withTaskGroup(of: Wake?.self) { group in
            group.addTask {
                do { try await sleep() } catch { return nil }
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

    /// A server database's turn about the right to send, at the top of each loop turn: keeps it
    /// (nil: poll now), or takes it, or stands by / waits for the database (the pause before
    /// trying again). Logs each change of role once; STATUS names the sender while standing by.
    private func senderTurn(_ lease: inout (any SenderLease)?, store: any StoreBackend, role: inout SenderRole,
                            outage: inout DatabaseOutage, status: inout String) -> Duration? {
        if let held = lease {
            if held.isHeld { return nil }
            held.release()
            lease = nil
            role = .lost
            logger.warning("Lost the right to send (its database session ended); stopped sending, taking it again when it is free")
        }
        do {
            lease = try store.claimSender(instance: Self.instanceName())
            if let attempts = outage.succeeded() {
                logger.notice("Database connection restored", metadata: ["failed_attempts": "\(attempts)"])
            }
            logger.notice(role == .starting ? "This instance sends for the database" : "Took over as the sender for the database",
                          metadata: ["instance": "\(Self.instanceName())"])
            role = .sending
            status = "sending; first poll"
            notifier.status(status)
            return nil
        } catch let error as StoreError where error.code == .heldByAnother {
            if let attempts = outage.succeeded() {
                logger.notice("Database connection restored", metadata: ["failed_attempts": "\(attempts)"])
            }
            let sender = SenderRole.shortName((try? store.currentSender()) ?? nil)
            if case .standingBy(let before) = role {
                if before != sender { logger.info("Standing by; the sender is now another instance", metadata: ["sender": "\(sender)"]) }
            } else {
                logger.notice("Standing by: another instance sends for this database; this one takes over when it stops",
                              metadata: ["sender": "\(sender)", "retry_seconds": "\(Double(options.standbyRetry.components.seconds) + Double(options.standbyRetry.components.attoseconds) / 1e18)"])
            }
            role = .standingBy(sender: sender)
            // STATUS only when it changes: a standby retries every few seconds for as long as
            // the sender lives.
            let line = "standby; sender is \(sender)"
            if line != status {
                status = line
                notifier.status(status)
            }
            return options.standbyRetry
        } catch {
            let (delay, began) = outage.failed()
            if began {
                logger.error("Cannot reach the database; retrying with backoff", metadata: ["error": "\(error)"])
            }
            status = "database unavailable (\(outage.failures) failed attempts), reconnecting: \(Self.oneLine(error))"
            notifier.status(status)
            return delay
        }
    }

    /// Opens the store the config names. A server database that cannot be reached yet is waited
    /// for (see the comment at the top of this file); SQLite opens or fails as it always did.
    ///
    /// While it waits, SIGHUP loads the config again (refused and the running one kept when
    /// invalid, as in any reload); the next attempt uses it.
    ///
    /// - Returns: the store, or nil when a stop arrived while waiting.
    /// - Throws: what opening throws, but never `.unavailable` for a server database; a login the
    ///   server refuses as `DaemonError(.config)`; what `checkConfig` throws at the first failure.
    private func openStore(_ config: inout DrwatchConfig, watchdog: Watchdog) async throws -> (any StoreBackend)? {
        var status = ""
        let wait = DatabaseWait(first: options.reconnectFirst, cap: options.reconnectCap, logger: logger)
        do {
            return try await wait.open({ try parts.openStore(config) }, beforeWaiting: { _ in
                // What the database is not needed for is checked now, so a bad policy still
                // stops the daemon at once rather than once the database is back.
                try parts.checkConfig?(config)
            }, waiting: { error, first in
                status = "waiting for database: " + Self.reason(error)
                if first {
                    watchdog.start()
                    notifier.ready(status: status)
                } else {
                    notifier.status(status)
                }
            }, wait: { delay in
                switch await self.wait(for: delay) {
                case .timer: return .retry
                case .stop: return .stop
                case .reload:
                    reload(status: status, file: config.file) { new in
                        try parts.checkConfig?(new)
                        config = new
                        return "still waiting for the database \(new.database)"
                    }
                    return .retry
                }
            })
        } catch let error as StoreError where error.code == .cantOpen
                    && ((try? StoreLocation(setting: config.database)).map { !$0.isSQLite } ?? false) {
            // The server answered and refused the login: waiting will not change that.
            throw DaemonError(.config, error.description)
        }
    }

    private func reload(_ workload: inout DaemonWorkload, store: any DisputeRepository, status: String) {
        reload(status: status, file: workload.config.file) { config in
            guard config.database == workload.config.database else {
                throw DaemonError(.config, "the new config names the database \(config.database), but this daemon runs on \(workload.config.database); a different database needs a restart (systemctl restart drwatch)")
            }
            workload = try parts.makeWorkload(config, store, logger)
            return workload.summary
        }
    }

    /// SIGHUP: loads the config again and hands it to `adopt` (which returns a summary for the
    /// log), or keeps the running one and says why; RELOADING=1 before, READY=1 after.
    private func reload(status: String, file: String, adopt: (DrwatchConfig) throws -> String) {
        notifier.reloading()
        logger.notice("SIGHUP: reloading the config and policies", metadata: ["config": "\(file)"])
        do {
            let summary = try adopt(try parts.loadConfig())
            logger.notice("Reloaded the config and policies", metadata: ["workload": "\(summary)"])
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
    /// one-off bank holidays (`CalendarCoverage.warningDue`).
    public static func coverageWarningDue(now: Date, knownThrough: Int, lastWarning: Date?) -> Bool {
        CalendarCoverage.warningDue(now: now, knownThrough: knownThrough, lastWarning: lastWarning)
    }

    /// `2026-11-25T10:00:00Z`, as `ISO8601DateFormatter` writes it, without loading ICU.
    static func iso(_ d: Date) -> String { CivilTime.utcISO8601(d) }

    /// This process as other instances and status lines name it: `host:pid`.
    static func instanceName() -> String {
        "\(ProcessInfo.processInfo.hostName.prefix(64)):\(ProcessInfo.processInfo.processIdentifier)"
    }

    /// Why the database cannot be reached, for STATUS: the server's or libpq's first line
    /// (host and port, never the URL's other parts or a password).
    static func reason(_ error: StoreError) -> String {
        let first = error.message.components(separatedBy: "; ").first ?? error.message
        return String(first.map { $0.isNewline || $0 == "\t" ? " " : $0 }.prefix(200))
    }

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
