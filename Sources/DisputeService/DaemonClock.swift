#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Foundation

/// Where the daemon reads `now` (once per poll) and how it waits for a moment of that time.
///
/// The daemon never reads `Date()` itself: production passes `SystemDaemonClock`, tests a
/// clock they drive.
public protocol DaemonClock: Sendable {
    /// The current instant on this clock.
    func now() -> Date
    /// Suspends until `deadline` on this clock has come (or at once if it has).
    ///
    /// - Throws: `CancellationError` when the task is cancelled.
    func sleep(until deadline: Date) async throws
}

/// The system's wall clock for `now`; waits are measured on the monotonic clock, so a wall
/// clock stepped backwards or forwards (NTP, an admin) never stretches a wait.
public struct SystemDaemonClock: DaemonClock {
    public init() {}
    public func now() -> Date { Date() }
    public func sleep(until deadline: Date) async throws {
        let seconds = deadline.timeIntervalSince(Date())
        guard seconds > 0 else { return }
        try await Task.sleep(for: .milliseconds(Int64((seconds * 1000).rounded(.up))))
    }
}

/// A test-only clock for end-to-end tests of the built binary (`DRWATCH_FAKE_NOW`, never in
/// `--help`): time starts at a given instant and runs `speed` times faster than real time;
/// or, when the value is a file path, `now` is the instant written in that file, re-read on
/// every call, so a test can move time (also backwards) by rewriting the file.
///
///     DRWATCH_FAKE_NOW=2026-11-30T09:00:00Z DRWATCH_FAKE_SPEED=3600 drwatch run ...
///     DRWATCH_FAKE_NOW=/tmp/t/now DRWATCH_FAKE_SPEED=60 drwatch run ...
///
/// Waits last (clock time) / `speed` of real time, at least 20 ms.
public struct FakeDaemonClock: DaemonClock {
    enum Source: Sendable { case start(Date), file(String) }
    let source: Source
    let speed: Double
    let realStart: ContinuousClock.Instant

    /// Reads `DRWATCH_FAKE_NOW` and `DRWATCH_FAKE_SPEED`; `nil` when the first is unset.
    ///
    /// - Throws: `ConfigFileError`-free plain message (`DaemonError`) when a value is malformed.
    public static func fromEnvironment(_ environment: [String: String]) throws -> FakeDaemonClock? {
        guard let value = environment["DRWATCH_FAKE_NOW"], !value.isEmpty else { return nil }
        var speed = 1.0
        if let s = environment["DRWATCH_FAKE_SPEED"], !s.isEmpty {
            guard let v = Double(s), v > 0, v.isFinite else {
                throw DaemonError(.usage, "DRWATCH_FAKE_SPEED \"\(s)\" is not a positive number")
            }
            speed = v
        }
        if value.hasPrefix("/") {
            let clock = FakeDaemonClock(source: .file(value), speed: speed, realStart: .now)
            guard clock.readFile() != nil else {
                throw DaemonError(.usage, "DRWATCH_FAKE_NOW file \(value) does not hold an ISO 8601 instant")
            }
            return clock
        }
        guard let start = parseInstant(value) else {
            throw DaemonError(.usage, "DRWATCH_FAKE_NOW \"\(value)\" is not an ISO 8601 instant such as 2026-11-30T09:00:00Z")
        }
        return FakeDaemonClock(source: .start(start), speed: speed, realStart: .now)
    }

    static func parseInstant(_ text: String) -> Date? {
        let f = ISO8601DateFormatter()
        f.formatOptions = [.withInternetDateTime]
        if let d = f.date(from: text) { return d }
        f.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        return f.date(from: text)
    }

    func readFile() -> Date? {
        guard case .file(let path) = source,
              let data = FileManager.default.contents(atPath: path) else { return nil }
        return Self.parseInstant(String(decoding: data, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines))
    }

    private var lastFileValue: Date { readFile() ?? Date(timeIntervalSince1970: 0) }

    public func now() -> Date {
        switch source {
        case .start(let start):
            let elapsed = ContinuousClock.now - realStart
            let seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
            return start.addingTimeInterval(seconds * speed)
        case .file:
            return lastFileValue
        }
    }

    public func sleep(until deadline: Date) async throws {
        let clockSeconds = max(0, deadline.timeIntervalSince(now()))
        let real = max(0.02, clockSeconds / speed)
        try await Task.sleep(for: .milliseconds(Int64((real * 1000).rounded(.up))))
    }
}
