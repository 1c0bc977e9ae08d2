import Foundation

/// A wall-clock time of day (hours and minutes), e.g. close of business "17:00".
public struct LocalTime: Hashable, Comparable, Sendable, CustomStringConvertible {
    public var hour: Int
    public var minute: Int
    public init?(hour: Int, minute: Int) {
        guard (0...23).contains(hour), (0...59).contains(minute) else { return nil }
        self.hour = hour; self.minute = minute
    }
    /// Parses `HH:MM`.
    public init?(_ text: String) {
        let parts = text.split(separator: ":", omittingEmptySubsequences: false)
        guard parts.count == 2, parts[0].count == 2, parts[1].count == 2,
              let h = Int(parts[0]), let m = Int(parts[1]) else { return nil }
        self.init(hour: h, minute: m)
    }
    public var minutesOfDay: Int { hour * 60 + minute }
    public var description: String { "\(pad(hour, 2)):\(pad(minute, 2))" }
    public static func < (a: LocalTime, b: LocalTime) -> Bool { a.minutesOfDay < b.minutesOfDay }
}

/// Conversions between instants and civil time in a zone (Europe/London by default),
/// daylight saving included. Pure: never reads the clock.
public struct CivilTime: Sendable {
    /// The zone; for `london`, made on first use only (a named TimeZone loads ICU's zone data,
    /// which the daemon otherwise never needs: see `OffsetTable.london`).
    public var zone: TimeZone { storedZone ?? TimeZone(identifier: identifier)! }
    private let storedZone: TimeZone?
    private let identifier: String
    /// Europe/London, its offsets computed from the UK/EU summer-time rules rather than ICU
    /// (identical from 1990 to 2110: `WorkingDaysTests/CivilTimeTests`).
    public static let london = CivilTime(identifier: "Europe/London", offsets: OffsetTable.london)

    /// UTC-offset transitions for the fast conversions (shared per zone).
    @usableFromInline let offsets: OffsetTable

    public init(zone: TimeZone) {
        self.storedZone = zone; self.identifier = zone.identifier; self.offsets = OffsetTable.table(for: zone)
    }

    private init(identifier: String, offsets: OffsetTable) {
        self.storedZone = nil; self.identifier = identifier; self.offsets = offsets
    }

    private var calendar: Calendar {
        var c = Calendar(identifier: .gregorian)
        c.timeZone = zone
        return c
    }

    /// The instant at which the wall clock in this zone shows `time` on `date`.
    /// A time skipped by the spring change resolves to the next valid instant.
    public func instant(_ date: LocalDate, _ time: LocalTime) -> Date {
        let c = date.civil
        var comps = DateComponents()
        comps.year = c.year; comps.month = c.month; comps.day = c.day
        comps.hour = time.hour; comps.minute = time.minute; comps.second = 0
        return calendar.date(from: comps)!
    }

    /// The local calendar day of an instant.
    public func localDate(of instant: Date) -> LocalDate {
        let comps = calendar.dateComponents([.year, .month, .day], from: instant)
        return LocalDate(year: comps.year!, month: comps.month!, day: comps.day!)!
    }

    /// The local time of day (minute precision) of an instant.
    public func localTime(of instant: Date) -> LocalTime {
        let comps = calendar.dateComponents([.hour, .minute], from: instant)
        return LocalTime(hour: comps.hour!, minute: comps.minute!)!
    }

    /// ISO 8601 with the zone's offset at that instant, e.g. `2026-11-27T17:00:00+00:00`.
    public func iso8601(_ instant: Date) -> String {
        let t = instant.timeIntervalSince1970
        if t.isFinite, t > Double(OffsetTable.lowerBound), t < Double(OffsetTable.upperBound) {
            let s = Int(t.rounded(.down))
            let o = offsets.offset(at: s)
            let a = abs(o) / 60
            return Self.isoDateTime(epochSeconds: s + o) + (o < 0 ? "-" : "+") + pad(a / 60, 2) + ":" + pad(a % 60, 2)
        }
        let f = ISO8601DateFormatter()
        f.timeZone = zone
        f.formatOptions = [.withInternetDateTime]
        var s = f.string(from: instant)
        if s.hasSuffix("Z") { s.removeLast(); s += "+00:00" }
        return s
    }

    /// The years a TIME from outside may name (found by Fuzz/iso8601.swift: year 1026 parsed,
    /// then printed with a -00:01:15 offset that does not parse).
    public static let parsedYears = 1970...2199

    /// `2026-11-27T17:00:00Z`: what `ISO8601DateFormatter()` writes (UTC, whole seconds rounded
    /// down), without Foundation's formatter (and the ICU it loads).
    public static func utcISO8601(_ instant: Date) -> String {
        let t = instant.timeIntervalSince1970
        guard t.isFinite, abs(t) < 200_000_000_000 else { return ISO8601DateFormatter().string(from: instant) }
        return isoDateTime(epochSeconds: Int(t.rounded(.down))) + "Z"
    }

    /// `YYYY-MM-DDTHH:MM:SS` of a count of seconds since 1970-01-01T00:00 (in whatever zone).
    static func isoDateTime(epochSeconds t: Int) -> String {
        let day = t >= 0 ? t / 86_400 : (t - 86_399) / 86_400
        let sec = t - day * 86_400
        return LocalDate(dayNumber: day).iso + "T" + pad(sec / 3600, 2) + ":" + pad(sec / 60 % 60, 2) + ":" + pad(sec % 60, 2)
    }

    /// Parses a user-supplied TIME: `2026-11-23`, `2026-11-23T14:30`, `2026-11-23T14:30:05`,
    /// optionally followed by `Z` or `±HH:MM`. Without an offset it is local time in this zone;
    /// a date alone is the start of that day. Years outside `parsedYears` are refused (`nil`):
    /// before 1847 London kept local mean time (-00:01:15), which no TIME can write back.
    public func parse(_ text: String) -> Date? {
        if let d = LocalDate(iso: text) {
            guard Self.parsedYears.contains(d.year) else { return nil }
            return instant(d, LocalTime(hour: 0, minute: 0)!)
        }
        guard text.count >= 16, let d = LocalDate(iso: text.prefix(10)), Self.parsedYears.contains(d.year) else { return nil }
        let rest = Array(text.dropFirst(10))
        guard rest.first == "T" || rest.first == " " else { return nil }
        var i = 1
        func two() -> Int? {
            guard i + 2 <= rest.count, let v = Int(String(rest[i..<i + 2])), rest[i].isASCII, rest[i].isNumber, rest[i + 1].isNumber else { return nil }
            i += 2; return v
        }
        guard let h = two(), i < rest.count, rest[i] == ":" else { return nil }
        i += 1
        guard let m = two() else { return nil }
        var s = 0
        if i < rest.count, rest[i] == ":" {
            i += 1
            guard let sec = two(), sec < 60 else { return nil }
            s = sec
        }
        guard let t = LocalTime(hour: h, minute: m) else { return nil }
        if i == rest.count {
            return instant(d, t).addingTimeInterval(TimeInterval(s))
        }
        var offsetSeconds = 0
        if rest[i] == "Z", i + 1 == rest.count {
            offsetSeconds = 0
        } else if rest[i] == "+" || rest[i] == "-" {
            let sign = rest[i] == "-" ? -1 : 1
            i += 1
            guard let oh = two(), i < rest.count, rest[i] == ":" else { return nil }
            i += 1
            guard let om = two(), i == rest.count, oh <= 23, om <= 59 else { return nil }
            offsetSeconds = sign * (oh * 3600 + om * 60)
        } else { return nil }
        let epochSeconds = d.dayNumber * 86_400 + h * 3600 + m * 60 + s - offsetSeconds
        return Date(timeIntervalSince1970: TimeInterval(epochSeconds))
    }
}

// MARK: - Fast path (epoch seconds, precomputed UTC-offset transitions)

/// The UTC-offset transitions of a zone from 1990 to 2110, computed once per zone identifier.
/// Lets the engine convert without Foundation's Calendar in its hot path; instants near a
/// transition (within 14 hours) fall back to Foundation so gaps and overlaps resolve exactly as
/// `instant(_:_:)` does.
@usableFromInline
final class OffsetTable: Sendable {
    /// Transition instants (epoch seconds), ascending.
    let transitions: [Int]
    /// Offset (seconds east of UTC) from each transition on.
    let offsetsAfter: [Int]
    let offsetBefore: Int
    @inlinable static var lowerBound: Int { 631_152_000 }      // 1990-01-01T00:00Z
    @inlinable static var upperBound: Int { 4_417_977_600 }    // 2110-01-01T00:00Z
    /// The day number of `lowerBound`.
    @inlinable static var firstDay: Int { 7305 }
    /// Per UTC day from `firstDay`: the offset in force from 14 hours before the day begins to 14
    /// hours after it ends, or `noOffset` when a transition falls in that window. One array read
    /// replaces the binary search for every day but the few around a change.
    @usableFromInline let dayOffsets: [Int32]
    @inlinable static var noOffset: Int32 { .min }

    convenience init(zone: TimeZone) {
        var ts: [Int] = [], offs: [Int] = []
        var cursor = Date(timeIntervalSince1970: TimeInterval(Self.lowerBound))
        let before = zone.secondsFromGMT(for: cursor)
        while let next = zone.nextDaylightSavingTimeTransition(after: cursor), Int(next.timeIntervalSince1970) < Self.upperBound {
            ts.append(Int(next.timeIntervalSince1970))
            offs.append(zone.secondsFromGMT(for: next))
            cursor = next
        }
        self.init(transitions: ts, offsetsAfter: offs, offsetBefore: before)
    }

    /// Europe/London from its rules (tzdata GB-Eire, then EU from 1996): BST (+1) from 01:00 UTC
    /// on the last Sunday of March to 01:00 UTC on the Sunday on or after 22 October (to 1995),
    /// then the last Sunday of October. ICU projects the same rule to 2110.
    static let london: OffsetTable = {
        var ts: [Int] = [], offs: [Int] = []
        func sundayOnOrBefore(_ d: LocalDate) -> Int { d.dayNumber - d.weekday % 7 }
        for year in 1990..<2110 {
            let start = sundayOnOrBefore(LocalDate(year: year, month: 3, day: 31)!)
            let end = year <= 1995 ? sundayOnOrBefore(LocalDate(year: year, month: 10, day: 28)!)
                                   : sundayOnOrBefore(LocalDate(year: year, month: 10, day: 31)!)
            ts += [start * 86_400 + 3600, end * 86_400 + 3600]
            offs += [3600, 0]
        }
        return OffsetTable(transitions: ts, offsetsAfter: offs, offsetBefore: 0)
    }()

    init(transitions ts: [Int], offsetsAfter offs: [Int], offsetBefore: Int) {
        self.offsetBefore = offsetBefore
        transitions = ts; offsetsAfter = offs
        let margin = 14 * 3600
        var days = [Int32](repeating: Self.noOffset, count: (Self.upperBound - Self.lowerBound) / 86_400)
        for k in days.indices {
            let lo = (Self.firstDay + k) * 86_400 - margin, hi = (Self.firstDay + k + 1) * 86_400 + margin
            var i = 0, j = ts.count
            while i < j { let mid = (i + j) >> 1; if ts[mid] <= lo { i = mid + 1 } else { j = mid } }
            if i < ts.count && ts[i] <= hi { continue }   // a transition in (lo, hi]
            if i > 0 && ts[i - 1] == lo { continue }       // or exactly at lo
            days[k] = Int32(i == 0 ? offsetBefore : offs[i - 1])
        }
        dayOffsets = days
    }

    /// Index of the first transition > t.
    @inline(__always) func upper(_ t: Int) -> Int {
        var lo = 0, hi = transitions.count
        while lo < hi { let mid = (lo + hi) >> 1; if transitions[mid] <= t { lo = mid + 1 } else { hi = mid } }
        return lo
    }

    @inline(__always) func offset(at t: Int) -> Int {
        let i = upper(t)
        return i == 0 ? offsetBefore : offsetsAfter[i - 1]
    }

    /// Whether a transition lies within `margin` seconds of t.
    @inline(__always) func nearTransition(_ t: Int, margin: Int) -> Bool {
        let i = upper(t - margin)
        return i < transitions.count && transitions[i] <= t + margin
    }

    /// Equal transitions and offsets (for the tests).
    func sameOffsets(as other: OffsetTable) -> Bool {
        transitions == other.transitions && offsetsAfter == other.offsetsAfter && offsetBefore == other.offsetBefore
    }

    private static let cache = OffsetTableCache()
    static func table(for zone: TimeZone) -> OffsetTable { cache.table(for: zone) }
}

private final class OffsetTableCache: @unchecked Sendable {
    private let lock = NSLock()
    private var tables: [String: OffsetTable] = [:]
    func table(for zone: TimeZone) -> OffsetTable {
        lock.lock(); defer { lock.unlock() }
        if let t = tables[zone.identifier] { return t }
        let t = OffsetTable(zone: zone)
        tables[zone.identifier] = t
        return t
    }
}

extension CivilTime {
    /// `instant(date, time)` in whole epoch seconds, without Foundation in the common case.
    ///
    /// - Parameters:
    ///   - date: the local day.
    ///   - minutesOfDay: the local time, 0 ..< 1440.
    /// - Returns: the same instant as `instant(_:_:)`, as seconds since 1970.
    @inlinable
    public func epochSeconds(_ date: LocalDate, minutesOfDay: Int) -> Int {
        // Fast path: a day with no offset change within 14 hours of it (one array read).
        let local = date.dayNumber &* 86_400 &+ minutesOfDay &* 60
        if minutesOfDay >= 0, minutesOfDay < 1440,
           local > OffsetTable.lowerBound + 86_400, local < OffsetTable.upperBound - 86_400 {
            let o = offsets.dayOffsets[date.dayNumber &- OffsetTable.firstDay]
            if o != OffsetTable.noOffset { return local &- Int(o) }
        }
        return epochSecondsNearTransition(date, minutesOfDay: minutesOfDay)
    }

    @usableFromInline
    func epochSecondsNearTransition(_ date: LocalDate, minutesOfDay: Int) -> Int {
        let local = date.dayNumber * 86_400 + minutesOfDay * 60
        let table = offsets
        if local > OffsetTable.lowerBound + 86_400, local < OffsetTable.upperBound - 86_400,
           !table.nearTransition(local, margin: 14 * 3600) {
            return local - table.offset(at: local)
        }
        return Int(instant(date, LocalTime(hour: minutesOfDay / 60, minute: minutesOfDay % 60)!).timeIntervalSince1970)
    }

    /// `localDate(of:)` for an instant in epoch seconds, without Foundation in the common case.
    @inlinable
    public func localDate(epochSeconds t: Int) -> LocalDate {
        if t > OffsetTable.lowerBound, t < OffsetTable.upperBound {
            let o = offsets.dayOffsets[t / 86_400 &- OffsetTable.firstDay]
            if o != OffsetTable.noOffset {
                let local = t &+ Int(o)
                return LocalDate(dayNumber: local >= 0 ? local / 86_400 : (local - 86_399) / 86_400)
            }
        }
        return localDateNearTransition(epochSeconds: t)
    }

    @usableFromInline
    func localDateNearTransition(epochSeconds t: Int) -> LocalDate {
        if t > OffsetTable.lowerBound, t < OffsetTable.upperBound {
            let local = t + offsets.offset(at: t)
            return LocalDate(dayNumber: local >= 0 ? local / 86_400 : (local - 86_399) / 86_400)
        }
        return localDate(of: Date(timeIntervalSince1970: TimeInterval(t)))
    }
}
