import Testing
@testable import WorkingDays

private let ew = Division.englandAndWales, sc = Division.scotland, ni = Division.northernIreland

private func calendar(_ division: Division) -> WorkingCalendar { try! WorkingCalendar(division: division) }
private func d(_ iso: String) -> LocalDate { LocalDate(iso: iso)! }
private func lines(_ division: Division, _ year: Int) throws -> [String] {
    try calendar(division).holidays(year: year).map { "\($0.date.iso) \($0.title)" }
}

@Suite("Bank holidays by rule")
struct HolidayRulesTests {
    @Test("Complete 2026 lists, all three divisions", arguments: [
        (ew, ["2026-01-01 New Year’s Day", "2026-04-03 Good Friday", "2026-04-06 Easter Monday",
              "2026-05-04 Early May bank holiday", "2026-05-25 Spring bank holiday", "2026-08-31 Summer bank holiday",
              "2026-12-25 Christmas Day", "2026-12-28 Boxing Day"]),
        (sc, ["2026-01-01 New Year’s Day", "2026-01-02 2nd January", "2026-04-03 Good Friday",
              "2026-05-04 Early May bank holiday", "2026-05-25 Spring bank holiday", "2026-06-15 World Cup bank holiday",
              "2026-08-03 Summer bank holiday", "2026-11-30 St Andrew’s Day", "2026-12-25 Christmas Day", "2026-12-28 Boxing Day"]),
        (ni, ["2026-01-01 New Year’s Day", "2026-03-17 St Patrick’s Day", "2026-04-03 Good Friday", "2026-04-06 Easter Monday",
              "2026-05-04 Early May bank holiday", "2026-05-25 Spring bank holiday",
              "2026-07-13 Battle of the Boyne (Orangemen’s Day)", "2026-08-31 Summer bank holiday",
              "2026-12-25 Christmas Day", "2026-12-28 Boxing Day"]),
    ])
    func completeYear2026(division: Division, expected: [String]) throws {
        #expect(try lines(division, 2026) == expected)
    }

    @Test("Complete lists of years with one-offs", arguments: [
        (ew, 1995, ["1995-01-02 New Year’s Day", "1995-04-14 Good Friday", "1995-04-17 Easter Monday",
                    "1995-05-08 Early May bank holiday (VE day)", "1995-05-29 Spring bank holiday", "1995-08-28 Summer bank holiday",
                    "1995-12-25 Christmas Day", "1995-12-26 Boxing Day"]),
        (ew, 2022, ["2022-01-03 New Year’s Day", "2022-04-15 Good Friday", "2022-04-18 Easter Monday",
                    "2022-05-02 Early May bank holiday", "2022-06-02 Spring bank holiday", "2022-06-03 Platinum Jubilee bank holiday",
                    "2022-08-29 Summer bank holiday", "2022-09-19 Bank Holiday for the State Funeral of Queen Elizabeth II",
                    "2022-12-26 Boxing Day", "2022-12-27 Christmas Day"]),
        (sc, 2012, ["2012-01-02 New Year’s Day", "2012-01-03 2nd January", "2012-04-06 Good Friday",
                    "2012-05-07 Early May bank holiday", "2012-06-04 Spring bank holiday", "2012-06-05 Queen’s Diamond Jubilee",
                    "2012-08-06 Summer bank holiday", "2012-11-30 St Andrew’s Day", "2012-12-25 Christmas Day", "2012-12-26 Boxing Day"]),
        (ni, 2022, ["2022-01-03 New Year’s Day", "2022-03-17 St Patrick’s Day", "2022-04-15 Good Friday", "2022-04-18 Easter Monday",
                    "2022-05-02 Early May bank holiday", "2022-06-02 Spring bank holiday", "2022-06-03 Platinum Jubilee bank holiday",
                    "2022-07-12 Battle of the Boyne (Orangemen’s Day)", "2022-08-29 Summer bank holiday",
                    "2022-09-19 Bank Holiday for the State Funeral of Queen Elizabeth II",
                    "2022-12-26 Boxing Day", "2022-12-27 Christmas Day"]),
        (sc, 2002, ["2002-01-01 New Year’s Day", "2002-01-02 2nd January", "2002-03-29 Good Friday",
                    "2002-05-06 Early May bank holiday", "2002-06-03 Queen’s Golden Jubilee", "2002-06-04 Spring bank holiday",
                    "2002-08-05 Summer bank holiday", "2002-12-25 Christmas Day", "2002-12-26 Boxing Day"]),
    ])
    func completeOneOffYears(division: Division, year: Int, expected: [String]) throws {
        #expect(try lines(division, year) == expected)
    }

    /// (division, date, title): the day off and its gov.uk name.
    @Test("Substitute days, Easter extremes and division specifics", arguments: [
        // Christmas on a Saturday: both move (2021, 2027).
        (ew, "2021-12-27", "Christmas Day"), (ew, "2021-12-28", "Boxing Day"),
        (ew, "2027-12-27", "Christmas Day"), (ew, "2027-12-28", "Boxing Day"),
        (sc, "2021-12-27", "Christmas Day"), (ni, "2027-12-28", "Boxing Day"),
        // Christmas on a Sunday: Boxing Day stays on Monday, Christmas takes Tuesday (2022, 2016).
        (ew, "2022-12-26", "Boxing Day"), (ew, "2022-12-27", "Christmas Day"),
        (ew, "2016-12-26", "Boxing Day"), (ew, "2016-12-27", "Christmas Day"),
        // Boxing Day on a Saturday (2020, 2026) or Sunday (2021 handled above).
        (ew, "2020-12-28", "Boxing Day"), (sc, "2026-12-28", "Boxing Day"),
        // New Year on a Saturday or Sunday.
        (ew, "2022-01-03", "New Year’s Day"), (ew, "2023-01-02", "New Year’s Day"), (ew, "2017-01-02", "New Year’s Day"),
        // Scotland: New Year on a Sunday (2023, 2017): days off 2 and 3 January.
        (sc, "2023-01-02", "New Year’s Day"), (sc, "2023-01-03", "2nd January"),
        (sc, "2017-01-02", "New Year’s Day"), (sc, "2017-01-03", "2nd January"),
        // Scotland: New Year on a Saturday (2022, 2011): Monday and Tuesday; 2 January on a Saturday (2021).
        (sc, "2022-01-03", "New Year’s Day"), (sc, "2022-01-04", "2nd January"),
        (sc, "2011-01-03", "New Year’s Day"), (sc, "2011-01-04", "2nd January"),
        (sc, "2021-01-01", "New Year’s Day"), (sc, "2021-01-04", "2nd January"),
        // Easter at its earliest in range (Easter Sunday 23 Mar 2008) and latest (25 Apr 2038).
        (ew, "2008-03-21", "Good Friday"), (ew, "2008-03-24", "Easter Monday"),
        (ew, "2038-04-23", "Good Friday"), (ew, "2038-04-26", "Easter Monday"),
        (sc, "2038-04-23", "Good Friday"), (ni, "2038-04-26", "Easter Monday"),
        // Northern Ireland: St Patrick's Day and the Boyne with substitutes.
        (ni, "2024-03-18", "St Patrick’s Day"), (ni, "2019-03-18", "St Patrick’s Day"), (ni, "2029-03-19", "St Patrick’s Day"),
        (ni, "2020-07-13", "Battle of the Boyne (Orangemen’s Day)"), (ni, "2025-07-14", "Battle of the Boyne (Orangemen’s Day)"),
        // Scotland: St Andrew's Day since 2007, with substitutes (2019, 2024 on a Saturday; 2025 on a Sunday).
        (sc, "2007-11-30", "St Andrew’s Day"), (sc, "2019-12-02", "St Andrew’s Day"),
        (sc, "2024-12-02", "St Andrew’s Day"), (sc, "2025-12-01", "St Andrew’s Day"),
        // Summer bank holiday: first Monday of August in Scotland, last elsewhere.
        (sc, "2026-08-03", "Summer bank holiday"), (ni, "2026-08-31", "Summer bank holiday"),
    ])
    func namedDayOff(division: Division, date: String, title: String) throws {
        let cal = calendar(division)
        let day = d(date)
        #expect(try cal.holidays(year: day.year).first { $0.date == day }?.title == title)
        #expect(try cal.isWorkingDay(day) == false)
    }

    /// Weekdays that are NOT days off in that division (moved holidays, division differences).
    @Test("Working days that look like holidays", arguments: [
        (ew, "1995-05-01"), (ew, "2020-05-04"), (sc, "2020-05-04"), (ni, "2020-05-04"),  // May Day moved to 8 May
        (ew, "2002-05-27"), (sc, "2002-05-27"), (ew, "2012-05-28"), (ni, "2012-05-28"),  // spring moved to June
        (ew, "2022-05-30"), (sc, "2022-05-30"),                                          // spring moved to 2 June
        (sc, "2026-04-06"), (sc, "2008-03-24"),                                          // no Easter Monday in Scotland
        (sc, "2026-08-31"), (ew, "2026-08-03"),                                          // summer differs
        (sc, "2006-11-30"),                                                              // St Andrew's Day before 2007
        (ew, "2026-03-17"), (ew, "2026-07-13"), (ew, "2026-01-02"), (ew, "2026-11-30"), // other divisions' days
        (ew, "2026-06-15"), (ni, "2026-06-15"),                                          // Scotland's World Cup day
        (ew, "2023-01-03"), (ew, "2022-12-28"),                                          // only one substitute needed
    ])
    func workingDay(division: Division, date: String) throws {
        #expect(try calendar(division).isWorkingDay(d(date)))
    }

    /// Every one-off proclaimed since 1995: (date, title, divisions where it is a day off).
    @Test("Every one-off since 1995", arguments: [
        ("1995-05-08", "Early May bank holiday (VE day)", [ew, sc, ni]),
        ("1999-12-31", "Millennium celebrations", [ew, sc, ni]),
        ("2002-06-03", "Queen’s Golden Jubilee", [ew, sc, ni]),
        ("2002-06-04", "Spring bank holiday", [ew, sc, ni]),
        ("2011-04-29", "Royal wedding", [ew, sc, ni]),
        ("2012-06-04", "Spring bank holiday", [ew, sc, ni]),
        ("2012-06-05", "Queen’s Diamond Jubilee", [ew, sc, ni]),
        ("2020-05-08", "Early May bank holiday (VE day)", [ew, sc, ni]),
        ("2022-06-02", "Spring bank holiday", [ew, sc, ni]),
        ("2022-06-03", "Platinum Jubilee bank holiday", [ew, sc, ni]),
        ("2022-09-19", "Bank Holiday for the State Funeral of Queen Elizabeth II", [ew, sc, ni]),
        ("2023-05-08", "Bank holiday for the coronation of King Charles III", [ew, sc, ni]),
        ("2026-06-15", "World Cup bank holiday", [sc]),
    ])
    func oneOff(date: String, title: String, divisions: [Division]) throws {
        let day = d(date)
        for division in Division.allCases {
            let cal = calendar(division)
            let entry = try cal.holidays(year: day.year).first { $0.date == day }
            if divisions.contains(division) {
                #expect(entry?.title == title, "\(division.rawValue)")
                #expect(try cal.isWorkingDay(day) == false, "\(division.rawValue)")
            } else {
                #expect(entry == nil, "\(division.rawValue)")
                #expect(try cal.isWorkingDay(day), "\(division.rawValue)")
            }
        }
    }

    /// Substitutes never collide: every year has exactly its rule count of weekday days off,
    /// plus the one-offs.
    @Test("Days off per year, 1995-2099", arguments: Division.allCases)
    func countsPerYear(division: Division) throws {
        let cal = calendar(division)
        let extras: [Int: Int] = [1999: 1, 2002: 1, 2011: 1, 2012: 1, 2022: 2, 2023: 1]
        for year in 1995...2099 {
            let days = try cal.holidays(year: year)
            var expected: Int
            switch division {
            case .englandAndWales: expected = 8
            case .scotland: expected = year >= 2007 ? 9 : 8
            case .northernIreland: expected = 10
            }
            expected += extras[year] ?? 0
            if division == .scotland && year == 2026 { expected += 1 }
            #expect(days.count == expected, "\(year)")
            #expect(days.allSatisfy { !$0.date.isWeekend && $0.date.year == year }, "\(year)")
            #expect(Set(days.map(\.date)).count == days.count, "\(year)")
            #expect(days.map(\.date) == days.map(\.date).sorted(), "\(year)")
        }
    }

    /// Easter against an independent computus (Gauss's, with the Gregorian corrections) for every year.
    @Test func easterMatchesGauss() {
        for y in 1995...2099 {
            let a = y % 19, b = y % 4, c = y % 7
            let k = y / 100, p = (13 + 8 * k) / 25, q = k / 4
            let m = (15 - p + k - q) % 30, n = (4 + k - q) % 7
            let dd = (19 * a + m) % 30, e = (2 * b + 4 * c + 6 * dd + n) % 7
            var day = 22 + dd + e, month = 3
            if day > 31 { day -= 31; month = 4 }
            if dd == 29 && e == 6 && month == 4 && day == 26 { day = 19 }
            if dd == 28 && e == 6 && (11 * m + 11) % 30 < 19 && month == 4 && day == 25 { day = 18 }
            #expect(HolidayRules.easterSunday(y) == LocalDate(year: y, month: month, day: day)!, "\(y)")
        }
        #expect(HolidayRules.easterSunday(2008) == d("2008-03-23"))
        #expect(HolidayRules.easterSunday(2038) == d("2038-04-25"))
    }
}
