/// A UK division whose bank holidays apply.
public enum Division: String, CaseIterable, Sendable, Codable {
    case englandAndWales = "england-and-wales"
    case scotland = "scotland"
    case northernIreland = "northern-ireland"
}

/// A day off work and why.
public struct Holiday: Hashable, Sendable {
    public var date: LocalDate
    public var title: String
    public init(date: LocalDate, title: String) { self.date = date; self.title = title }
}

/// An error from the calendar. Says what was wrong and how to fix it.
public struct CalendarError: Error, CustomStringConvertible, Equatable, Sendable {
    public var description: String
    public init(_ description: String) { self.description = description }
}

/// The working-day calendar of one division: weekends, bank holidays (by rule, one-offs,
/// overridden by a gov.uk file) and local closure days.
///
/// Semantics (DESIGN.md): "within N working days of D" is the Nth working day strictly after D
/// (N = 0: D if a working day, else the next); elapsed working days from D1 to D2 count the
/// working days d with D1 < d <= D2 (negative when D2 < D1).
///
/// Arithmetic is constant time: the initialiser precomputes, over the whole supported range,
/// a prefix count of working days and the position of every working day, so `addWorkingDays`
/// is two array reads and `workingDaysBetween` a subtraction. A date (or a result) outside
/// `supported` is a `CalendarError`, never a wrong answer.
public struct WorkingCalendar: Sendable {
    public let division: Division
    /// First and last supported days (1995-01-01 ... 2099-12-31).
    public static let supported: ClosedRange<LocalDate> =
        LocalDate(year: 1995, month: 1, day: 1)!...LocalDate(year: 2099, month: 12, day: 31)!
    /// The years the rules cover.
    public static let supportedYears: ClosedRange<Int> = 1995...2099
    /// The last year for which the built-in table of one-off proclamations was checked.
    public static let builtInOneOffsKnownThrough = HolidayRules.oneOffsKnownThrough

    /// Years (within `supportedYears`, ascending) whose days off come from the holidays file
    /// instead of the rules.
    public let yearsFromFile: [Int]
    /// The last year for which this calendar knows the one-off days (moved or extra bank
    /// holidays): the built-in table's year, or the file's last year for this division if later.
    /// The daemon warns when next year is beyond it (a fresh gov.uk file fixes that).
    public let oneOffsKnownThrough: Int
    /// The local closure days in effect (weekdays within the supported range), ascending.
    public let closures: [LocalDate]

    /// The precomputed tables, behind one reference: copying a calendar is one retain.
    @usableFromInline
    final class Tables: Sendable {
        @usableFromInline let base: Int
        /// `prefix[i + 1]` = working days among the first i + 1 supported days; `prefix[0]` = 0.
        @usableFromInline let prefix: [Int32]
        /// `workdays[k]` = index (from `base`) of the (k + 1)th working day of the range.
        @usableFromInline let workdays: [Int32]
        /// Days off work that are not weekends, in date order.
        /// Days covered (`prefix.count - 1`), a plain value for the range check.
        @usableFromInline let dayCount: Int
        let daysOff: [Holiday]
        init(base: Int, prefix: [Int32], workdays: [Int32], daysOff: [Holiday]) {
            self.base = base; self.prefix = prefix; self.workdays = workdays; self.daysOff = daysOff
            self.dayCount = prefix.count - 1
        }
    }
    @usableFromInline let tables: Tables
    private var daysOff: [Holiday] { tables.daysOff }

    public init(division: Division, holidaysFile: HolidaysFile? = nil, closures: [LocalDate] = []) throws {
        self.division = division
        let range = Self.supported
        for c in closures where !range.contains(c) {
            throw CalendarError("closure day \(c.iso) is outside the supported range \(range.lowerBound.iso) to \(range.upperBound.iso)")
        }
        let fileEvents = holidaysFile?.events[division] ?? []
        let fileYears = Set(fileEvents.map(\.date.year)).filter { Self.supportedYears.contains($0) }
        self.yearsFromFile = fileYears.sorted()
        self.oneOffsKnownThrough = max(HolidayRules.oneOffsKnownThrough, yearsFromFile.last ?? Int.min)

        // Days off: the rules for every year the file does not cover, the file's events, then closures.
        var off: [Holiday] = []
        for y in Self.supportedYears where !fileYears.contains(y) {
            off += HolidayRules.holidays(year: y, division: division).map { Holiday(date: $0.date, title: $0.title) }
        }
        off += fileEvents.filter { fileYears.contains($0.date.year) }
        let effectiveClosures = Set(closures.filter { !$0.isWeekend }).sorted()
        self.closures = effectiveClosures
        off += effectiveClosures.map { Holiday(date: $0, title: "Local closure") }

        let base = range.lowerBound.dayNumber
        let count = range.upperBound.dayNumber - base + 1
        var isOff = [Bool](repeating: false, count: count)
        var listed: [Holiday] = []
        for h in off.sorted(by: { $0.date < $1.date }) where !h.date.isWeekend {
            let i = h.date.dayNumber - base
            if isOff[i] { continue }  // one line per day: the first title wins (bank holiday before closure)
            isOff[i] = true
            listed.append(h)
        }
        var prefix = [Int32](repeating: 0, count: count + 1)
        var workdays: [Int32] = []
        workdays.reserveCapacity(count * 5 / 7 + 1)
        var d = range.lowerBound
        for i in 0..<count {
            let working = !d.isWeekend && !isOff[i]
            if working { workdays.append(Int32(i)) }
            prefix[i + 1] = prefix[i] + (working ? 1 : 0)
            d = d.adding(days: 1)
        }
        self.tables = Tables(base: base, prefix: prefix, workdays: workdays, daysOff: listed)
    }

    // The arithmetic is inlinable: the engine calls it a few dozen times per record.

    /// Whether `d` is a working day (a weekday, not a bank holiday, not a closure).
    @inlinable @inline(__always)
    public func isWorkingDay(_ d: LocalDate) throws -> Bool {
        let i = try index(d)
        let prefix = tables.prefix
        return prefix[i + 1] != prefix[i]
    }

    /// The Nth working day strictly after `d` (N = 0: `d` if working, else the next working day).
    @inlinable @inline(__always)
    public func addWorkingDays(_ n: Int, to d: LocalDate) throws -> LocalDate {
        let i = try index(d)
        guard n >= 0 else { throw Self.negativeCount(n) }
        let t = tables
        let upTo = Int(t.prefix[i + 1])  // working days up to and including d
        if n == 0 && upTo != Int(t.prefix[i]) { return d }
        let step = n == 0 ? 1 : n
        guard step <= t.workdays.count - upTo else { throw Self.beyondRange(n, d) }
        return LocalDate(dayNumber: t.base + Int(t.workdays[upTo + step - 1]))
    }

    /// Working days d with a < d <= b; negative when b < a.
    @inlinable @inline(__always)
    public func workingDaysBetween(_ a: LocalDate, _ b: LocalDate) throws -> Int {
        let i = try index(a), j = try index(b)
        let prefix = tables.prefix
        return Int(prefix[j + 1]) - Int(prefix[i + 1])
    }

    /// Days off work (bank holidays and closures, not weekends) in the given years, in date order.
    public func holidays(fromYear: Int, toYear: Int) throws -> [Holiday] {
        let years = Self.supportedYears
        guard years.contains(fromYear), years.contains(toYear) else {
            throw CalendarError("years must be within \(years.lowerBound) to \(years.upperBound), not \(fromYear == toYear ? "\(fromYear)" : "\(fromYear) to \(toYear)")")
        }
        guard fromYear <= toYear else {
            throw CalendarError("the first year (\(fromYear)) is after the last year (\(toYear))")
        }
        let lo = LocalDate(year: fromYear, month: 1, day: 1)!, hi = LocalDate(year: toYear, month: 12, day: 31)!
        let start = lowerBound(lo)
        var result: [Holiday] = []
        var k = start
        while k < daysOff.count, daysOff[k].date <= hi { result.append(daysOff[k]); k += 1 }
        return result
    }

    /// The days off of one year, in date order.
    public func holidays(year: Int) throws -> [Holiday] { try holidays(fromYear: year, toYear: year) }

    private func lowerBound(_ d: LocalDate) -> Int {
        var lo = 0, hi = daysOff.count
        while lo < hi { let mid = (lo + hi) / 2; if daysOff[mid].date < d { lo = mid + 1 } else { hi = mid } }
        return lo
    }

    @inlinable @inline(__always)
    func index(_ d: LocalDate) throws -> Int {
        let i = d.dayNumber &- tables.base
        guard i >= 0, i < tables.dayCount else { throw Self.outOfRange(d) }
        return i
    }

    @usableFromInline
    static func negativeCount(_ n: Int) -> CalendarError {
        CalendarError("the number of working days must be 0 or more, not \(n)")
    }

    @usableFromInline
    static func beyondRange(_ n: Int, _ d: LocalDate) -> CalendarError {
        CalendarError("\(n) working days after \(d.iso) is beyond \(Self.supported.upperBound.iso), the end of the supported range")
    }

    @usableFromInline
    static func outOfRange(_ d: LocalDate) -> CalendarError {
        CalendarError("date \(d.iso) is outside the supported range \(supported.lowerBound.iso) to \(supported.upperBound.iso)")
    }
}
