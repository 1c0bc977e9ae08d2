import ServiceConfig
import Notifications
import DisputeStore
import Foundation
import Logging

/// One poll as the daemon saw it, for what runs after it.
public struct PollOutcome: Sendable {
    /// The poll's `now` (read once, before the poll).
    public var now: Date
    /// How long it took (wall clock).
    public var duration: Duration
    public var succeeded: Bool
    public init(now: Date, duration: Duration, succeeded: Bool) {
        self.now = now; self.duration = duration; self.succeeded = succeeded
    }

    /// The duration in whole milliseconds.
    public var milliseconds: Int {
        Int(duration.components.seconds * 1000 + duration.components.attoseconds / 1_000_000_000_000_000)
    }
}

/// What the daemon does after each poll, inline on its loop (never in a detached task, so its
/// timing stays deterministic): records the poll (for `drwatch check` and the metrics), rewrites
/// `[metrics] textfile` (with the workload's loaded policies, never reloading them), and,
/// with `[retention] daily = true`, applies the retention schedule once a day. Each step is a
/// short write; failures are logged and never stop the daemon.
public struct Housekeeping: Sendable {
    public init() {}

    /// The hook for `DaemonParts.afterPoll`.
    public func afterPoll(_ outcome: PollOutcome, workload: DaemonWorkload, store: any DisputeRepository, logger: Logger) {
        // The poll record and retention live in migration 009-retention, on every backend.
        guard let backend = store as? any StoreBackend else { return }
        let config = workload.config
        do {
            try backend.recordPoll(at: outcome.now.addingTimeInterval(Double(outcome.milliseconds) / 1000),
                                  durationMs: outcome.milliseconds, succeeded: outcome.succeeded)
        } catch {
            logger.warning("Could not record the poll for monitoring", metadata: ["error": "\(error)"])
        }
        if let textfile = config.metrics.textfile, let runtime = workload.runtime {
            do {
                let text = PrometheusMetrics.render(try PrometheusMetrics.snapshot(store: backend, runtime: runtime, now: outcome.now))
                try PrometheusMetrics.writeTextfile(text, to: textfile)
            } catch {
                logger.warning("Could not write the metrics textfile", metadata: ["file": "\(textfile)", "error": "\(error)"])
            }
        }
        guard config.retention.daily, outcome.succeeded else { return }
        do {
            let last = try backend.pollRecord().lastPurgeAt
            guard Self.dailyRunDue(now: outcome.now, last: last) else { return }
            _ = try Retention.run(store: backend, config: config, now: outcome.now, apply: true, by: "daemon", logger: logger)
            try backend.recordDailyPurge(at: outcome.now)
        } catch {
            logger.error("Daily retention run failed; trying again after the next poll", metadata: ["error": "\(error)"])
        }
    }

    /// Whether the daily run is due: never run, a day since the last, or the clock went back. Pure.
    public static func dailyRunDue(now: Date, last: Date?) -> Bool {
        guard let last else { return true }
        return now.timeIntervalSince(last) >= 86_400 || now < last
    }
}
