import Testing
@testable import WorkingDays

private let ew = Division.englandAndWales, sc = Division.scotland, ni = Division.northernIreland
private let calendars: [Division: WorkingCalendar] = Dictionary(uniqueKeysWithValues: Division.allCases.map { ($0, try! WorkingCalendar(division: $0)) })
private func d(_ iso: String) -> LocalDate { LocalDate(iso: iso)! }

@Suite("Working-day arithmetic")
struct ArithmeticTests {
    /// (division, start, N, deadline): the Nth working day strictly after start.
    @Test("Within N working days of D", arguments: [
        // A deadline across the Easter bank-holiday weekend (Thu 2 Apr 2026).
        (ew, "2026-04-02", 1, "2026-04-07"), (ew, "2026-04-02", 5, "2026-04-13"),
        (sc, "2026-04-02", 1, "2026-04-06"), (ni, "2026-04-02", 5, "2026-04-13"),
        // Across Christmas and New Year (the demo): Thu 24 Dec 2026 + 5.
        (ew, "2026-12-24", 5, "2027-01-05"), (sc, "2026-12-24", 5, "2027-01-06"),
        // Across the state funeral and the VE-day Friday.
        (ew, "2022-09-16", 1, "2022-09-20"), (ew, "2020-05-07", 1, "2020-05-11"),
        // A start on a Saturday (and a Sunday).
        (ew, "2026-11-28", 1, "2026-11-30"), (sc, "2026-11-28", 1, "2026-12-01"), (ew, "2026-11-29", 5, "2026-12-04"),
        // A start on a bank holiday.
        (ew, "2026-12-25", 1, "2026-12-29"), (ew, "2026-04-06", 1, "2026-04-07"), (sc, "2026-06-15", 1, "2026-06-16"),
        // N = 0: the day itself when working, else the next working day.
        (ew, "2026-11-27", 0, "2026-11-27"), (ew, "2026-11-28", 0, "2026-11-30"),
        (ew, "2026-12-25", 0, "2026-12-29"), (sc, "2026-11-28", 0, "2026-12-01"),
        // The statutory 20 working days.
        (ew, "2026-12-01", 20, "2026-12-31"),
        // Ends of the range.
        (ew, "1995-01-01", 0, "1995-01-03"), (ew, "1995-01-01", 1, "1995-01-03"), (ew, "2099-12-30", 1, "2099-12-31"),
        (ew, "2099-12-31", 0, "2099-12-31"),
    ])
    func addWorkingDays(division: Division, start: String, n: Int, expected: String) throws {
        #expect(try calendars[division]!.addWorkingDays(n, to: d(start)) == d(expected))
    }

    /// (division, D1, D2, count of working days d with D1 < d <= D2).
    @Test("Elapsed working days", arguments: [
        (ew, "2026-12-24", "2026-12-31", 3), (ew, "2026-12-31", "2026-12-24", -3),
        (ew, "2026-12-24", "2026-12-24", 0), (ew, "2026-12-25", "2026-12-28", 0),
        (ew, "2026-11-28", "2026-11-29", 0), (ew, "2026-11-27", "2026-11-30", 1),
        (sc, "2026-11-27", "2026-11-30", 0), (ew, "2026-04-02", "2026-04-07", 1),
        (ew, "2026-01-01", "2026-12-31", 253), (ew, "2025-12-31", "2026-12-31", 253),
        (sc, "2025-12-31", "2026-12-31", 251), (ni, "2025-12-31", "2026-12-31", 251),
    ])
    func between(division: Division, a: String, b: String, expected: Int) throws {
        let cal = calendars[division]!
        #expect(try cal.workingDaysBetween(d(a), d(b)) == expected)
        #expect(try cal.workingDaysBetween(d(b), d(a)) == -expected)
    }

    @Test("Local closures are days off") func closures() throws {
        let cal = try WorkingCalendar(division: ew, closures: [d("2026-12-29"), d("2026-12-30"), d("2026-12-25"), d("2026-12-26")])
        #expect(try cal.addWorkingDays(5, to: d("2026-12-24")) == d("2027-01-07"))
        #expect(try cal.workingDaysBetween(d("2026-12-24"), d("2026-12-31")) == 1)
        #expect(cal.closures == [d("2026-12-25"), d("2026-12-29"), d("2026-12-30")])  // Saturday 26th is moot
        let december = try cal.holidays(year: 2026).filter { $0.date.month == 12 }.map { "\($0.date.iso) \($0.title)" }
        #expect(december == ["2026-12-25 Christmas Day", "2026-12-28 Boxing Day", "2026-12-29 Local closure", "2026-12-30 Local closure"])
        // Other divisions' calendars are separate.
        #expect(try calendars[ew]!.isWorkingDay(d("2026-12-29")))
    }

    @Test("Out of range is an error, never an answer", arguments: ["1994-12-31", "2100-01-01", "1970-01-01", "9999-12-31"])
    func outOfRange(date: String) throws {
        let cal = calendars[ew]!
        #expect(throws: CalendarError.self) { try cal.isWorkingDay(d(date)) }
        #expect(throws: CalendarError.self) { try cal.addWorkingDays(1, to: d(date)) }
        #expect(throws: CalendarError.self) { try cal.workingDaysBetween(d(date), d("2026-01-01")) }
        #expect(throws: CalendarError.self) { try cal.workingDaysBetween(d("2026-01-01"), d(date)) }
        #expect(throws: CalendarError.self) { try WorkingCalendar(division: ew, closures: [d(date)]) }
    }

    @Test("Errors say what was wrong") func errorMessages() throws {
        let cal = calendars[ew]!
        #expect(throws: CalendarError("the number of working days must be 0 or more, not -1")) {
            try cal.addWorkingDays(-1, to: d("2026-01-05"))
        }
        #expect(throws: CalendarError("date 2100-01-01 is outside the supported range 1995-01-01 to 2099-12-31")) {
            try cal.isWorkingDay(d("2100-01-01"))
        }
        #expect(throws: CalendarError.self) { try cal.addWorkingDays(2, to: d("2099-12-30")) }
        #expect(throws: CalendarError.self) { try cal.addWorkingDays(1, to: d("2099-12-31")) }
        #expect(throws: CalendarError.self) { try cal.addWorkingDays(Int.max, to: d("2026-01-05")) }
        #expect(throws: CalendarError.self) { try cal.holidays(fromYear: 1994, toYear: 1995) }
        #expect(throws: CalendarError.self) { try cal.holidays(fromYear: 2099, toYear: 2100) }
        #expect(throws: CalendarError.self) { try cal.holidays(fromYear: 2027, toYear: 2026) }
        #expect(try cal.holidays(fromYear: 2025, toYear: 2026).count == 16)
    }

    /// The precomputed tables against a naive day-by-day walk over the holiday list, on random
    /// dates (fixed seed) and across the whole range.
    @Test("Matches a naive day-walking reference", arguments: Division.allCases)
    func property(division: Division) throws {
        let cal = try WorkingCalendar(division: division, closures: [d("2026-12-29"), d("2031-07-01")])
        let off = Set(try cal.holidays(fromYear: 1995, toYear: 2099).map(\.date))
        func working(_ x: LocalDate) -> Bool { !x.isWeekend && !off.contains(x) }
        func naiveAdd(_ n: Int, _ start: LocalDate) -> LocalDate {
            var cur = start
            if n == 0 { while !working(cur) { cur = cur.adding(days: 1) }; return cur }
            var left = n
            while left > 0 { cur = cur.adding(days: 1); if working(cur) { left -= 1 } }
            return cur
        }
        func naiveBetween(_ a: LocalDate, _ b: LocalDate) -> Int {
            if b < a { return -naiveBetween(b, a) }
            var n = 0, cur = a
            while cur < b { cur = cur.adding(days: 1); if working(cur) { n += 1 } }
            return n
        }
        let lo = WorkingCalendar.supported.lowerBound.dayNumber
        let span = WorkingCalendar.supported.upperBound.dayNumber - lo - 200
        var rng = SplitMix64(seed: 0x5EED_0002)
        var failures: [String] = []
        for _ in 0..<5_000 {
            let a = LocalDate(dayNumber: lo + Int(rng.next() % UInt64(span)))
            let b = a.adding(days: Int(rng.next() % 400) - 200)
            let n = Int(rng.next() % 60)
            guard WorkingCalendar.supported.contains(b) else { continue }
            if try cal.isWorkingDay(a) != working(a) { failures.append("isWorkingDay \(a)") }
            let end = try cal.addWorkingDays(n, to: a)
            if end != naiveAdd(n, a) { failures.append("\(a) + \(n) = \(end)") }
            let between = try cal.workingDaysBetween(a, b)
            if between != naiveBetween(a, b) { failures.append("\(a) .. \(b) = \(between)") }
            // add(between) lands on b when b is a working day after a; between(add) gives back N.
            if b > a, working(b), try cal.addWorkingDays(between, to: a) != b { failures.append("add(between) \(a) .. \(b)") }
            if n > 0, try cal.workingDaysBetween(a, end) != n { failures.append("between(add) \(a) + \(n)") }
        }
        // Every day of the range: the day-off flag and the next working day (N = 0).
        var x = WorkingCalendar.supported.lowerBound
        var next = naiveAdd(0, x)
        while x <= WorkingCalendar.supported.upperBound {
            if x > next { next = naiveAdd(0, x) }
            if try cal.isWorkingDay(x) != working(x) || cal.addWorkingDays(0, to: x) != next { failures.append("day \(x)") }
            x = x.adding(days: 1)
        }
        #expect(failures.isEmpty, "\(failures.prefix(10))")
    }
}

/// A small deterministic generator (SplitMix64) so the property test is reproducible.
struct SplitMix64 {
    var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}
