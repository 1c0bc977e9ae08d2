import Foundation
import Testing
@testable import WorkingDays

private func d(_ iso: String) -> LocalDate { LocalDate(iso: iso)! }

/// A small file in gov.uk's format: England and Wales for 2026 with a made-up extra day and
/// without Easter Monday, Scotland for 2027 and 2028.
let sampleHolidaysJSON = """
{
  "england-and-wales": {"division": "england-and-wales", "events": [
    {"title": "New Year’s Day", "date": "2026-01-01", "notes": "", "bunting": true},
    {"title": "Good Friday", "date": "2026-04-03", "notes": "", "bunting": false},
    {"title": "Made-up holiday", "date": "2026-07-01", "notes": "Extra bank holiday", "bunting": true},
    {"title": "Christmas Day", "date": "2026-12-25", "notes": "", "bunting": true},
    {"title": "Boxing Day", "date": "2026-12-28", "notes": "Substitute day", "bunting": true}
  ]},
  "scotland": {"division": "scotland", "events": [
    {"title": "New Year’s Day", "date": "2027-01-01", "notes": "", "bunting": true},
    {"title": "Extra day", "date": "2028-03-01", "notes": "", "bunting": true}
  ]}
}
"""

@Suite("gov.uk bank-holidays.json")
struct HolidaysFileTests {
    @Test func parsesTheGovUkFormat() throws {
        let file = try HolidaysFile.parse(Data(sampleHolidaysJSON.utf8))
        #expect(file.events[.englandAndWales]?.count == 5)
        #expect(file.events[.scotland]?.map(\.title) == ["New Year’s Day", "Extra day"])
        #expect(file.events[.northernIreland] == nil)
        #expect(file.years(for: .scotland) == [2027, 2028])
    }

    @Test func fileEventsReplaceTheRulesForTheYearsItCovers() throws {
        let file = try HolidaysFile.parse(Data(sampleHolidaysJSON.utf8))
        let ew = try WorkingCalendar(division: .englandAndWales, holidaysFile: file)
        #expect(try ew.holidays(year: 2026).map(\.date.iso) == ["2026-01-01", "2026-04-03", "2026-07-01", "2026-12-25", "2026-12-28"])
        #expect(try ew.isWorkingDay(d("2026-04-06")))        // Easter Monday is not in the file
        #expect(try !ew.isWorkingDay(d("2026-07-01")))
        #expect(try ew.holidays(year: 2027).count == 8)       // other years: still the rules
        #expect(try ew.addWorkingDays(1, to: d("2026-06-30")) == d("2026-07-02"))
        #expect(ew.yearsFromFile == [2026])
        #expect(ew.oneOffsKnownThrough == WorkingCalendar.builtInOneOffsKnownThrough)

        let sc = try WorkingCalendar(division: .scotland, holidaysFile: file)
        #expect(try sc.holidays(year: 2027).map(\.date.iso) == ["2027-01-01"])
        #expect(try sc.holidays(year: 2026).count == 10)      // the file has no Scottish 2026: rules
        #expect(sc.yearsFromFile == [2027, 2028])
        #expect(sc.oneOffsKnownThrough == 2028)

        let ni = try WorkingCalendar(division: .northernIreland, holidaysFile: file)
        #expect(ni.yearsFromFile.isEmpty)
        #expect(try ni.holidays(year: 2026).count == 10)
    }

    @Test func withoutAFileTheBuiltInTableSaysHowFarItKnowsOneOffs() throws {
        let cal = try WorkingCalendar(division: .englandAndWales)
        #expect(cal.yearsFromFile.isEmpty)
        #expect(cal.oneOffsKnownThrough == 2026)
    }

    /// (file content, the part of the message that says what and where).
    @Test("A malformed file is a clear error", arguments: [
        ("", "not valid JSON"),
        ("{\"england-and-wales\": ", "not valid JSON"),
        ("[1, 2]", "expected a JSON object"),
        ("{\"wales\": {\"events\": []}}", "unknown division \"wales\"; use england-and-wales, scotland, northern-ireland"),
        ("{\"england-and-wale\": {\"events\": []}, \"scotland\": {\"events\": []}}", "unknown division \"england-and-wale\""),
        ("{\"notes\": \"x\"}", "none of the divisions"),
        ("{\"scotland\": []}", "scotland: expected an object"),
        ("{\"scotland\": {\"division\": \"scotland\"}}", "scotland: expected an \"events\" list"),
        ("{\"scotland\": {\"events\": [42]}}", "scotland.events[0]: expected an object"),
        ("{\"scotland\": {\"events\": [{\"title\": \"X\"}]}}", "scotland.events[0]: missing \"date\""),
        ("{\"scotland\": {\"events\": [{\"title\": \"X\", \"date\": \"2026-02-30\"}]}}", "scotland.events[0].date: expected a date YYYY-MM-DD, found \"2026-02-30\""),
        ("{\"scotland\": {\"events\": [{\"title\": \"X\", \"date\": \"1 Jan 2026\"}]}}", "found \"1 Jan 2026\""),
        ("{\"northern-ireland\": {\"events\": [{\"title\": \"A\", \"date\": \"2026-01-01\"}, {\"date\": \"2026-03-17\"}]}}", "northern-ireland.events[1]: missing \"title\" for 2026-03-17"),
    ])
    func malformed(content: String, expected: String) {
        do {
            _ = try HolidaysFile.parse(Data(content.utf8), source: "holidays file x.json")
            Issue.record("parsed a malformed file")
        } catch let error as CalendarError {
            #expect(error.description.hasPrefix("holidays file x.json: "), "\(error)")
            #expect(error.description.contains(expected), "\(error)")
        } catch {
            Issue.record("unexpected error \(error)")
        }
    }

    @Test func aYearWithTooFewEventsIsNamedInAWarning() throws {
        let file = try HolidaysFile.parse(Data(sampleHolidaysJSON.utf8), source: "h.json")
        #expect(file.warnings == [
            "h.json: england-and-wales has 5 events in 2026, where a year has at least 8 bank holidays; the file replaces all of 2026's, so the others become working days: use gov.uk's complete bank-holidays.json",
            "h.json: scotland has 1 event in 2027, where a year has at least 9 bank holidays; the file replaces all of 2027's, so the others become working days: use gov.uk's complete bank-holidays.json",
            "h.json: scotland has 1 event in 2028, where a year has at least 9 bank holidays; the file replaces all of 2028's, so the others become working days: use gov.uk's complete bank-holidays.json",
        ])
    }
}
