import Foundation

/// The figures `drwatch check` judges (and the metrics expose), read at one `now`.
public struct HealthFigures: Sendable, Equatable {
    /// Seconds since the daemon's last completed poll; `nil` when it never completed one.
    public var lastPollAgeSeconds: Int?
    public var parked: Int
    public var failed: Int
    /// Seconds since the oldest message not yet sent was enqueued (0 when none).
    public var oldestPendingAgeSeconds: Int
    /// Open disputes past their statutory total.
    public var statutoryBreached: Int
    /// The last year whose one-off bank holidays the calendar knows, and the current London year.
    public var calendarKnownThrough: Int
    public var currentYear: Int
    public init(lastPollAgeSeconds: Int?, parked: Int, failed: Int, oldestPendingAgeSeconds: Int, statutoryBreached: Int,
                calendarKnownThrough: Int, currentYear: Int) {
        self.lastPollAgeSeconds = lastPollAgeSeconds; self.parked = parked; self.failed = failed
        self.oldestPendingAgeSeconds = oldestPendingAgeSeconds; self.statutoryBreached = statutoryBreached
        self.calendarKnownThrough = calendarKnownThrough; self.currentYear = currentYear
    }
}

/// Warning and critical thresholds: a figure at or above one raises the state.
public struct HealthThresholds: Sendable, Equatable {
    public var pollAge: (warning: Int, critical: Int) = (300, 900)
    public var parked: (warning: Int, critical: Int) = (1, 10)
    public var failed: (warning: Int, critical: Int) = (5, 20)
    public var pendingAge: (warning: Int, critical: Int) = (1800, 7200)
    public var breached: (warning: Int, critical: Int) = (1, 10)
    public init() {}
    public static func == (a: Self, b: Self) -> Bool {
        a.pollAge == b.pollAge && a.parked == b.parked && a.failed == b.failed && a.pendingAge == b.pendingAge && a.breached == b.breached
    }
}

/// A monitoring-plugins verdict (Nagios, Icinga): the exit code, one line, perfdata.
public struct HealthVerdict: Sendable, Equatable {
    /// monitoring-plugins states; the raw value is the exit code.
    public enum State: Int32, Sendable, Comparable {
        case ok = 0, warning = 1, critical = 2, unknown = 3
        public static func < (a: State, b: State) -> Bool { a.rawValue < b.rawValue }
        public var label: String { ["OK", "WARNING", "CRITICAL", "UNKNOWN"][Int(rawValue)] }
    }
    public var state: State
    /// `DRWATCH OK - ... | perfdata`
    public var line: String
}

public enum HealthCheck {
    /// Judges `figures` against `thresholds` (pure). The line names each problem, worst first,
    /// then all the figures as perfdata (`'label'=value[UOM];warn;crit;min`).
    public static func judge(_ f: HealthFigures, _ t: HealthThresholds) -> HealthVerdict {
        var problems: [(HealthVerdict.State, String)] = []
        func level(_ value: Int, _ th: (warning: Int, critical: Int)) -> HealthVerdict.State {
            value >= th.critical ? .critical : value >= th.warning ? .warning : .ok
        }
        func add(_ value: Int, _ th: (warning: Int, critical: Int), _ text: String) {
            let l = level(value, th)
            if l != .ok { problems.append((l, "\(text) (\(l == .critical ? "critical" : "warning") at \(l == .critical ? th.critical : th.warning))")) }
        }
        if let age = f.lastPollAgeSeconds {
            add(age, t.pollAge, "last poll \(age) s ago")
        } else {
            problems.append((.critical, "the daemon has not completed a poll on this database"))
        }
        add(f.parked, t.parked, "\(f.parked) parked message\(f.parked == 1 ? "" : "s") (drwatch outbox --failed)")
        add(f.failed, t.failed, "\(f.failed) message\(f.failed == 1 ? "" : "s") failing")
        add(f.oldestPendingAgeSeconds, t.pendingAge, "oldest unsent message waiting \(f.oldestPendingAgeSeconds) s")
        add(f.statutoryBreached, t.breached, "\(f.statutoryBreached) dispute\(f.statutoryBreached == 1 ? "" : "s") past the statutory total")
        if f.calendarKnownThrough < f.currentYear + 1 {
            problems.append((.warning, "calendar knows one-off bank holidays only through \(f.calendarKnownThrough) (set holidays_file)"))
        }
        let state = problems.map(\.0).max() ?? .ok
        let summary = problems.isEmpty
            ? "last poll \(f.lastPollAgeSeconds ?? 0) s ago, \(f.parked) parked, \(f.failed) failing, \(f.statutoryBreached) statutory-breached"
            : problems.sorted { $0.0 > $1.0 }.map(\.1).joined(separator: "; ")
        var perf = [String]()
        perf.append("last_poll_age=\(f.lastPollAgeSeconds.map(String.init) ?? "U")s;\(t.pollAge.warning);\(t.pollAge.critical);0")
        perf.append("parked=\(f.parked);\(t.parked.warning);\(t.parked.critical);0")
        perf.append("failed=\(f.failed);\(t.failed.warning);\(t.failed.critical);0")
        perf.append("oldest_pending_age=\(f.oldestPendingAgeSeconds)s;\(t.pendingAge.warning);\(t.pendingAge.critical);0")
        perf.append("statutory_breached=\(f.statutoryBreached);\(t.breached.warning);\(t.breached.critical);0")
        perf.append("calendar_known_through=\(f.calendarKnownThrough);\(f.currentYear + 1):;;")
        return HealthVerdict(state: state, line: "DRWATCH \(state.label) - \(summary) | \(perf.joined(separator: " "))")
    }
}
