// libFuzzer target: gov.uk bank-holidays.json (HolidaysFile.parse) on any bytes, and a calendar
// built from what parses.
// Property: a file parses or throws a CalendarError naming the source; a calendar from a parsed
// file either builds or refuses with an error; nothing crashes.
// Built by scripts/fuzz with Sources/WorkingDays.
import Foundation

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let bytes = Data(UnsafeBufferPointer(start: data, count: size))
    do {
        let file = try HolidaysFile.parse(bytes, source: "fuzz.json")
        for division in Division.allCases {
            guard let cal = try? WorkingCalendar(division: division, holidaysFile: file) else { continue }
            for year in file.years(for: division).prefix(3) where (1995...2099).contains(year) {
                _ = try? cal.holidays(year: year)
            }
        }
    } catch let error as CalendarError {
        if !error.description.hasPrefix("fuzz.json") { fatalError("error without its source: \(error)") }
    } catch {
        fatalError("unexpected error type: \(error)")
    }
    return 0
}
