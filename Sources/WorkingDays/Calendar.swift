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
/// TODO(issue 2): rules, one-offs, gov.uk override and O(1) arithmetic are filled in by the
/// calendar work; this placeholder knows weekends only.
public struct WorkingCalendar: Sendable {
    public let division: Division
    /// First and last supported days (1995-01-01 ... 2099-12-31).
    public static let supported: ClosedRange<LocalDate> =
        LocalDate(year: 1995, month: 1, day: 1)!...LocalDate(year: 2099, month: 12, day: 31)!

    public init(division: Division, holidaysFile: HolidaysFile? = nil, closures: [LocalDate] = []) throws {
        self.division = division
    }

    public func isWorkingDay(_ d: LocalDate) throws -> Bool {
        try check(d)
        return !d.isWeekend
    }

    /// The Nth working day strictly after `d` (N = 0: `d` if working, else the next working day).
    public func addWorkingDays(_ n: Int, to d: LocalDate) throws -> LocalDate {
        try check(d)
        guard n >= 0 else { throw CalendarError("the number of working days must be 0 or more, not \(n)") }
        var cur = d
        if n == 0 { while !(try isWorkingDay(cur)) { cur = cur.adding(days: 1) }; return cur }
        var left = n
        while left > 0 { cur = cur.adding(days: 1); if try isWorkingDay(cur) { left -= 1 } }
        return cur
    }

    /// Working days d with a < d <= b; negative when b < a.
    public func workingDaysBetween(_ a: LocalDate, _ b: LocalDate) throws -> Int {
        try check(a); try check(b)
        if b < a { return -(try workingDaysBetween(b, a)) }
        var n = 0
        var cur = a
        while cur < b { cur = cur.adding(days: 1); if try isWorkingDay(cur) { n += 1 } }
        return n
    }

    /// Days off work (bank holidays and closures, not weekends) in the given years, in date order.
    public func holidays(fromYear: Int, toYear: Int) throws -> [Holiday] { [] }

    func check(_ d: LocalDate) throws {
        guard Self.supported.contains(d) else {
            throw CalendarError("date \(d.iso) is outside the supported range \(Self.supported.lowerBound.iso) to \(Self.supported.upperBound.iso)")
        }
    }
}

/// Bank holidays read from a file in the gov.uk `bank-holidays.json` format.
public struct HolidaysFile: Sendable {
    /// Events per division.
    public var events: [Division: [Holiday]]
    public init(events: [Division: [Holiday]]) { self.events = events }
}
