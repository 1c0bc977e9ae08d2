import Foundation
import Testing

/// `drwatch calendar ...` through the built binary: the form other tools rely on.
@Suite("drwatch calendar (end to end)")
struct CalendarCLITests {
    @Test func holidaysForAYear() throws {
        let r = try Drwatch.run(["calendar", "holidays", "--year", "2026"])
        #expect(r.status == 0, "\(r.stderr)")
        #expect(r.stdout == """
            2026-01-01\tNew Year’s Day
            2026-04-03\tGood Friday
            2026-04-06\tEaster Monday
            2026-05-04\tEarly May bank holiday
            2026-05-25\tSpring bank holiday
            2026-08-31\tSummer bank holiday
            2026-12-25\tChristmas Day
            2026-12-28\tBoxing Day

            """)
        #expect(r.stderr.isEmpty)
    }

    @Test func holidaysForARangeAndADivision() throws {
        let r = try Drwatch.run(["calendar", "holidays", "--division", "scotland", "--from", "2022", "--to", "2023"])
        #expect(r.status == 0, "\(r.stderr)")
        let lines = r.stdout.split(separator: "\n")
        #expect(lines.count == 21)  // 9 + 2 one-offs in 2022, 9 + 1 in 2023
        #expect(lines.first == "2022-01-03\tNew Year’s Day")
        #expect(lines.contains("2022-09-19\tBank Holiday for the State Funeral of Queen Elizabeth II"))
        #expect(lines.last == "2023-12-26\tBoxing Day")
    }

    @Test(arguments: [
        (["add", "2026-12-24", "5"], "2027-01-05"),
        (["add", "--division", "scotland", "2026-12-24", "5"], "2027-01-06"),
        (["add", "2026-11-28", "0"], "2026-11-30"),
        (["add", "--closure", "2026-12-29", "--closure", "2026-12-30", "2026-12-24", "5"], "2027-01-07"),
        (["between", "2026-12-24", "2026-12-31"], "3"),
        (["between", "2026-12-31", "2026-12-24"], "-3"),
        (["between", "--division", "northern-ireland", "2026-07-10", "2026-07-14"], "1"),
    ])
    func arithmetic(args: [String], expected: String) throws {
        let r = try Drwatch.run(["calendar"] + args)
        #expect(r.status == 0, "\(r.stderr)")
        #expect(r.stdout == expected + "\n")
    }

    @Test func holidaysFileOverridesTheRules() throws {
        let dir = try Drwatch.tempDir()
        defer { try? FileManager.default.removeItem(at: dir) }
        let file = dir.appendingPathComponent("bank-holidays.json")
        try Data("""
            {"england-and-wales": {"division": "england-and-wales", "events": [
              {"title": "New Year’s Day", "date": "2026-01-01", "notes": "", "bunting": true},
              {"title": "Made-up holiday", "date": "2026-12-29", "notes": "", "bunting": true}]}}
            """.utf8).write(to: file)
        let list = try Drwatch.run(["calendar", "holidays", "--year", "2026", "--holidays-file", file.path])
        #expect(list.status == 0, "\(list.stderr)")
        #expect(list.stdout == "2026-01-01\tNew Year’s Day\n2026-12-29\tMade-up holiday\n")
        let add = try Drwatch.run(["calendar", "add", "--holidays-file", file.path, "2026-12-24", "2"])
        #expect(add.stdout == "2026-12-28\n")
    }

    /// (arguments, exit code, part of the one stderr line).
    @Test("Bad input: one clear line and a sysexits code", arguments: [
        (["holidays", "--year", "2026", "--division", "wales"], 64, "unknown division 'wales'"),
        (["holidays"], 64, "--year"),
        (["holidays", "--year", "2026", "--from", "2025", "--to", "2026"], 64, "not both"),
        (["holidays", "--from", "2025"], 64, "--from and --to"),
        (["holidays", "--year", "26"], 64, "not a year"),
        (["holidays", "--year", "2100"], 65, "1995 to 2099"),
        (["add", "2026-13-01", "5"], 64, "START '2026-13-01' is not a date"),
        (["add", "2026-12-24", "-3"], 64, "N must be 0 or more"),
        (["add", "2026-12-24", "five"], 64, "whole number"),
        (["add", "2026-12-24"], 64, "expected START"),
        (["add", "2100-01-04", "1"], 65, "outside the supported range"),
        (["add", "2099-12-30", "5"], 65, "end of the supported range"),
        (["add", "--closure", "29/12/2026", "2026-12-24", "1"], 64, "closure day '29/12/2026'"),
        (["between", "2026-12-24", "yesterday"], 64, "D2 'yesterday' is not a date"),
        (["between", "1994-12-30", "2026-01-01"], 65, "outside the supported range"),
        (["holidays", "--year", "2026", "--holidays-file", "/nonexistent/bank-holidays.json"], 66, "not found"),
    ])
    func badInput(args: [String], status: Int32, message: String) throws {
        let r = try Drwatch.run(["calendar"] + args)
        #expect(r.status == status, "\(r.stderr)")
        #expect(r.stdout.isEmpty)
        #expect(r.stderr.hasPrefix("drwatch: "), "\(r.stderr)")
        #expect(r.stderr.contains(message), "\(r.stderr)")
        #expect(r.stderr.split(separator: "\n").count == 1, "\(r.stderr)")
    }

    @Test func malformedHolidaysFileIsBadData() throws {
        let dir = try Drwatch.tempDir()
        defer { try? FileManager.default.removeItem(at: dir) }
        let file = dir.appendingPathComponent("bank-holidays.json")
        try Data(#"{"scotland": {"events": [{"title": "X", "date": "2026-02-30"}]}}"#.utf8).write(to: file)
        let r = try Drwatch.run(["calendar", "add", "--holidays-file", file.path, "2026-12-24", "5"])
        #expect(r.status == 65)
        #expect(r.stderr == "drwatch: holidays file \(file.path): scotland.events[0].date: expected a date YYYY-MM-DD, found \"2026-02-30\"\n")
    }
}
