/// Bank holidays by rule (Banking and Financial Dealings Act 1971, St Andrew's Day Bank Holiday
/// (Scotland) Act 2007) plus every one-off day proclaimed since 1995. Titles and the substitute
/// convention follow gov.uk's `bank-holidays.json`: the title is the holiday's name and the date
/// is the day off work (a substitute keeps the name; `isSubstitute` says it moved).
enum HolidayRules {
    /// The last year whose one-off proclamations this table was checked against
    /// (Scotland's 15 June 2026 World Cup holiday, proclaimed Feb 2026, is the latest known).
    static let oneOffsKnownThrough = 2026

    struct Day {
        var date: LocalDate
        var title: String
        var isSubstitute = false
    }

    /// The bank holidays of `year` in `division`, in date order.
    static func holidays(year y: Int, division: Division) -> [Day] {
        func date(_ m: Int, _ d: Int) -> LocalDate { LocalDate(year: y, month: m, day: d)! }
        let scotland = division == .scotland, ni = division == .northernIreland

        // Fixed-date holidays: a weekend one moves to the next weekday that is not already a holiday.
        var fixed: [Day] = [Day(date: date(1, 1), title: "New Year’s Day")]
        if scotland { fixed.append(Day(date: date(1, 2), title: "2nd January")) }
        if ni {
            fixed.append(Day(date: date(3, 17), title: "St Patrick’s Day"))
            fixed.append(Day(date: date(7, 12), title: "Battle of the Boyne (Orangemen’s Day)"))
        }
        if scotland && y >= 2007 { fixed.append(Day(date: date(11, 30), title: "St Andrew’s Day")) }
        fixed.append(Day(date: date(12, 25), title: "Christmas Day"))
        fixed.append(Day(date: date(12, 26), title: "Boxing Day"))

        // Holidays that always fall on a weekday (and the one-offs, which are proclaimed on weekdays).
        let easter = easterSunday(y)
        var moving: [Day] = [Day(date: easter.adding(days: -2), title: "Good Friday")]
        if !scotland { moving.append(Day(date: easter.adding(days: 1), title: "Easter Monday")) }
        var earlyMay = Day(date: firstMonday(y, 5), title: "Early May bank holiday")
        var spring = Day(date: lastMonday(y, 5), title: "Spring bank holiday")
        let summer = Day(date: scotland ? firstMonday(y, 8) : lastMonday(y, 8), title: "Summer bank holiday")
        var extra: [Day] = []

        // One-off proclamations since 1995 (UK-wide unless noted).
        switch y {
        case 1995: earlyMay = Day(date: date(5, 8), title: "Early May bank holiday (VE day)")
        case 1999: extra.append(Day(date: date(12, 31), title: "Millennium celebrations"))
        case 2002:
            spring.date = date(6, 4)
            extra.append(Day(date: date(6, 3), title: "Queen’s Golden Jubilee"))
        case 2011: extra.append(Day(date: date(4, 29), title: "Royal wedding"))
        case 2012:
            spring.date = date(6, 4)
            extra.append(Day(date: date(6, 5), title: "Queen’s Diamond Jubilee"))
        case 2020: earlyMay = Day(date: date(5, 8), title: "Early May bank holiday (VE day)")
        case 2022:
            spring.date = date(6, 2)
            extra.append(Day(date: date(6, 3), title: "Platinum Jubilee bank holiday"))
            extra.append(Day(date: date(9, 19), title: "Bank Holiday for the State Funeral of Queen Elizabeth II"))
        case 2023: extra.append(Day(date: date(5, 8), title: "Bank holiday for the coronation of King Charles III"))
        case 2026:
            if scotland { extra.append(Day(date: date(6, 15), title: "World Cup bank holiday")) }
        default: break
        }
        moving += [earlyMay, spring, summer] + extra

        var taken = Set(moving.map(\.date.dayNumber))
        for f in fixed where !f.date.isWeekend { taken.insert(f.date.dayNumber) }
        for i in fixed.indices where fixed[i].date.isWeekend {
            var d = fixed[i].date
            while d.isWeekend || taken.contains(d.dayNumber) { d = d.adding(days: 1) }
            fixed[i].date = d
            fixed[i].isSubstitute = true
            taken.insert(d.dayNumber)
        }
        // gov.uk names Scotland's days off after a Sunday New Year as "New Year’s Day" (substitute)
        // on the 2nd and "2nd January" (substitute) on the 3rd; the dates are the same either way.
        if scotland && date(1, 1).weekday == 7 {
            fixed[0].date = date(1, 2)
            fixed[1].date = date(1, 3)
            fixed[1].isSubstitute = true
        }
        return (fixed + moving).sorted { $0.date < $1.date }
    }

    /// Easter Sunday (Gregorian; the anonymous "Meeus/Jones/Butcher" computus).
    static func easterSunday(_ y: Int) -> LocalDate {
        let a = y % 19, b = y / 100, c = y % 100
        let d = b / 4, e = b % 4
        let f = (b + 8) / 25, g = (b - f + 1) / 3
        let h = (19 * a + b - d - g + 15) % 30
        let i = c / 4, k = c % 4
        let l = (32 + 2 * e + 2 * i - h - k) % 7
        let m = (a + 11 * h + 22 * l) / 451
        let month = (h + l - 7 * m + 114) / 31
        let day = (h + l - 7 * m + 114) % 31 + 1
        return LocalDate(year: y, month: month, day: day)!
    }

    static func firstMonday(_ y: Int, _ month: Int) -> LocalDate {
        let first = LocalDate(year: y, month: month, day: 1)!
        return first.adding(days: (8 - first.weekday) % 7)
    }

    static func lastMonday(_ y: Int, _ month: Int) -> LocalDate {
        let last = LocalDate(year: y, month: month, day: LocalDate.daysIn(month: month, year: y))!
        return last.adding(days: -((last.weekday + 6) % 7))
    }
}
