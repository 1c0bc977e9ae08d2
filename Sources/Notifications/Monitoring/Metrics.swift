import DisputeCore
import DisputeStore
import Foundation
import ServiceConfig

/// The figures the Prometheus metrics show, read at one `now`.
public struct MetricsSnapshot: Sendable, Equatable {
    /// What the daemon recorded of its polls.
    public var polls: PollRecord
    /// Notifications per channel, counted by the store's triggers (never lowered by pruning).
    public var notifications: [NotificationCount]
    /// Messages held in the outbox now, by state.
    public var outbox: OutboxHealth
    /// Open disputes per engine state, in `DisputeState` order, zeros included (closed states left out).
    public var openByState: [OpenStateCount]
    /// When the snapshot was taken.
    public var now: Date

    public init(polls: PollRecord, notifications: [NotificationCount], outbox: OutboxHealth, openByState: [OpenStateCount], now: Date) {
        self.polls = polls; self.notifications = notifications; self.outbox = outbox; self.openByState = openByState; self.now = now
    }
}

/// Open disputes in one engine state.
public struct OpenStateCount: Sendable, Equatable {
    public var state: String
    public var count: Int
    public init(state: String, count: Int) { self.state = state; self.count = count }
}

/// drwatch's metrics in the Prometheus text exposition format (version 0.0.4): what the web
/// app serves at `/metrics` and the daemon writes to `[metrics] textfile` for node_exporter.
public enum PrometheusMetrics {
    /// The content type to serve the text with.
    public static let contentType = "text/plain; version=0.0.4; charset=utf-8"

    /// Reads the figures from the store and evaluates the open disputes at `now` (a dispute
    /// that cannot be evaluated is left out of `drwatch_open_disputes`).
    public static func snapshot(store: any StoreBackend, runtime: Runtime, now: Date) throws -> MetricsSnapshot {
        let polls = try store.pollRecord()
        let notifications = try store.notificationCounts()
        let outbox = try store.outboxHealth()
        let open = try store.read { try $0.disputes(openOnly: true) }
        let report = runtime.due(open, now: now)
        var counts: [String: Int] = [:]
        for e in report.evaluations { if let e, e.stage > 0 { counts[e.state.rawValue, default: 0] += 1 } }
        let states = DisputeState.allCases.filter { $0 != .resolved && $0 != .withdrawn }.map(\.rawValue)
        return MetricsSnapshot(polls: polls, notifications: notifications, outbox: outbox,
                               openByState: states.map { OpenStateCount(state: $0, count: counts[$0] ?? 0) }, now: now)
    }

    /// Renders `s` (pure): HELP and TYPE once before each family's samples, label values
    /// escaped, one trailing newline.
    public static func render(_ s: MetricsSnapshot) -> String {
        var out = ""
        func family(_ name: String, _ type: String, _ help: String, _ samples: [(suffix: String, labels: [(String, String)], value: String)]) {
            out += "# HELP \(name) \(help)\n# TYPE \(name) \(type)\n"
            for sample in samples {
                out += name + sample.suffix
                if !sample.labels.isEmpty {
                    out += "{" + sample.labels.map { "\($0.0)=\"\(escape($0.1))\"" }.joined(separator: ",") + "}"
                }
                out += " \(sample.value)\n"
            }
        }
        let p = s.polls
        family("drwatch_polls_total", "counter", "Successful polls recorded by the daemon.", [("", [], "\(p.polls)")])
        family("drwatch_poll_failures_total", "counter", "Failed polls recorded by the daemon.", [("", [], "\(p.failures)")])
        family("drwatch_poll_duration_seconds", "summary", "Duration of the daemon's successful polls.",
               [("_sum", [], number(Double(p.durationMsTotal) / 1000)), ("_count", [], "\(p.polls)")])
        family("drwatch_last_poll_duration_seconds", "gauge", "Duration of the last successful poll (NaN: none yet).",
               [("", [], p.lastDurationMs.map { number(Double($0) / 1000) } ?? "NaN")])
        family("drwatch_last_successful_poll_timestamp_seconds", "gauge", "When the last successful poll ended, Unix time (0: never).",
               [("", [], number(p.lastCompletedAt?.timeIntervalSince1970 ?? 0))])
        let channels = s.notifications
        family("drwatch_notifications_enqueued_total", "counter", "Notifications enqueued, by channel.",
               channels.map { ("", [("channel", $0.channel)], "\($0.enqueued)") })
        family("drwatch_notifications_sent_total", "counter", "Notifications sent, by channel.",
               channels.map { ("", [("channel", $0.channel)], "\($0.sent)") })
        family("drwatch_notifications_failed_total", "counter", "Failed delivery attempts (each is retried), by channel.",
               channels.map { ("", [("channel", $0.channel)], "\($0.failed)") })
        family("drwatch_notifications_parked_total", "counter", "Notifications parked after their last attempt, by channel.",
               channels.map { ("", [("channel", $0.channel)], "\($0.parked)") })
        family("drwatch_outbox_messages", "gauge", "Messages in the outbox not yet sent, by state.",
               [("", [("state", "pending")], "\(s.outbox.pending)"), ("", [("state", "failed")], "\(s.outbox.failed)"),
                ("", [("state", "parked")], "\(s.outbox.parked)")])
        family("drwatch_open_disputes", "gauge", "Open disputes by deadline state.",
               s.openByState.map { ("", [("state", $0.state)], "\($0.count)") })
        return out
    }

    /// Writes the text for node_exporter's textfile collector: to a temporary file in the same
    /// folder, then renamed over `path`, so the collector never reads half a file.
    ///
    /// - Throws: `MetricsFileError` naming the file and the system's reason.
    public static func writeTextfile(_ text: String, to path: String) throws {
        let folder = (path as NSString).deletingLastPathComponent
        let tmp = (folder as NSString).appendingPathComponent(".drwatch.prom.\(getpid()).tmp")
        do {
            try Data(text.utf8).write(to: URL(fileURLWithPath: tmp))
        } catch {
            throw MetricsFileError(description: "cannot write \(tmp): \(error.localizedDescription); check that \(folder) exists and drwatch may write to it")
        }
        chmod(tmp, 0o644)
        guard rename(tmp, path) == 0 else {
            let reason = String(cString: strerror(errno))
            unlink(tmp)
            throw MetricsFileError(description: "cannot rename \(tmp) to \(path): \(reason)")
        }
    }

    /// A label value escaped as the text format requires: backslash, double quote, line feed.
    static func escape(_ v: String) -> String {
        var o = ""
        for c in v.unicodeScalars {
            switch c {
            case "\\": o += "\\\\"
            case "\"": o += "\\\""
            case "\n": o += "\\n"
            default: o.unicodeScalars.append(c)
            }
        }
        return o
    }

    /// A sample value: whole numbers without a fraction, others as Swift prints a Double.
    static func number(_ d: Double) -> String {
        d == d.rounded() && abs(d) < 1e15 ? String(Int64(d)) : String(d)
    }
}

/// The metrics textfile could not be written.
public struct MetricsFileError: Error, CustomStringConvertible, Sendable {
    public var description: String
}
