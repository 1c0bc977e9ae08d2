#if canImport(Glibc)
import ServiceConfig
import Recording
import Notifications
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Foundation
import WorkingDays

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
        if let d = parseInternetDateTime(text) { return d }
        // Anything the fast parser does not take is left to Foundation's (which loads ICU).
        let f = ISO8601DateFormatter()
        f.formatOptions = [.withInternetDateTime]
        if let d = f.date(from: text) { return d }
        f.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        return f.date(from: text)
    }

    /// `YYYY-MM-DDTHH:MM:SS[.fff](Z|±HH:MM)`: the common forms `ISO8601DateFormatter` takes with
    /// `.withInternetDateTime` (and `.withFractionalSeconds`, up to milliseconds); nil otherwise.
    static func parseInternetDateTime(_ text: String) -> Date? {
        let b = Array(text.utf8)
        guard b.count >= 20 else { return nil }
        func num(_ at: Int, _ n: Int) -> Int? {
            guard at + n <= b.count else { return nil }
            var v = 0
            for c in b[at..<at + n] { guard c >= 48, c <= 57 else { return nil }; v = v * 10 + Int(c - 48) }
            return v
        }
        guard let y = num(0, 4), b[4] == UInt8(ascii: "-"), let mo = num(5, 2), b[7] == UInt8(ascii: "-"), let d = num(8, 2),
              b[10] == UInt8(ascii: "T"), let h = num(11, 2), b[13] == UInt8(ascii: ":"), let mi = num(14, 2),
              b[16] == UInt8(ascii: ":"), let s = num(17, 2), h < 24, mi < 60, s < 60,
              let day = LocalDate(year: y, month: mo, day: d) else { return nil }
        var i = 19, millis = 0
        if b[i] == UInt8(ascii: ".") {
            var n = 0
            i += 1
            while i < b.count, b[i] >= 48, b[i] <= 57 { millis = millis * 10 + Int(b[i] - 48); n += 1; i += 1 }
            guard (1...3).contains(n) else { return nil }
            for _ in n..<3 { millis *= 10 }
        }
        var offset = 0
        if i + 1 == b.count, b[i] == UInt8(ascii: "Z") {
            offset = 0
        } else if i + 6 == b.count, b[i] == UInt8(ascii: "+") || b[i] == UInt8(ascii: "-"),
                  let oh = num(i + 1, 2), b[i + 3] == UInt8(ascii: ":"), let om = num(i + 4, 2), oh < 24, om < 60 {
            offset = (b[i] == UInt8(ascii: "-") ? -1 : 1) * (oh * 3600 + om * 60)
        } else { return nil }
        let seconds = day.dayNumber * 86_400 + h * 3600 + mi * 60 + s - offset
        return Date(timeIntervalSince1970: TimeInterval(seconds) + TimeInterval(millis) / 1000)
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
