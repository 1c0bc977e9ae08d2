import Foundation

/// Bank holidays read from a file in the gov.uk `bank-holidays.json` format:
/// `{"england-and-wales": {"division": ..., "events": [{"title", "date", "notes", "bunting"}, ...]}, "scotland": ..., "northern-ireland": ...}`.
///
/// The module only parses bytes; reading the file happens at the edge (CLI, service).
/// A division's events replace the computed holidays for every year in which the file has
/// an event for that division.
public struct HolidaysFile: Sendable, Equatable {
    /// Events per division, in file order. A division missing from the file has no entry.
    public var events: [Division: [Holiday]]
    /// What looks wrong but is accepted: a year of a division with fewer events than that
    /// division ever has bank holidays (the file replaces the whole year, so the missing ones
    /// would become working days). Shown by `check-config`, the `calendar` commands and the daemon.
    public var warnings: [String] = []
    public init(events: [Division: [Holiday]]) { self.events = events }

    /// The fewest bank holidays a year has in each division (England and Wales 8, Scotland 9,
    /// Northern Ireland 10).
    public static func minimumPerYear(_ division: Division) -> Int {
        switch division {
        case .englandAndWales: 8
        case .scotland: 9
        case .northernIreland: 10
        }
    }

    /// The years in which the file has at least one event for `division`, ascending.
    public func years(for division: Division) -> [Int] {
        Set((events[division] ?? []).map(\.date.year)).sorted()
    }

    /// Parses the gov.uk format. `source` names the file in error messages.
    /// Unknown top-level keys are ignored (gov.uk may add some), but at least one division
    /// must be present; each event needs a `title` (text) and a `date` (`YYYY-MM-DD`).
    public static func parse(_ data: Data, source: String = "holidays file") throws -> HolidaysFile {
        let top: Any
        do {
            top = try JSONSerialization.jsonObject(with: data, options: [])
        } catch {
            throw CalendarError("\(source): not valid JSON (\(Self.reason(error))); expected gov.uk's bank-holidays.json format")
        }
        guard let object = top as? [String: Any] else {
            throw CalendarError("\(source): expected a JSON object with the keys \(Self.divisionList) at the top level")
        }
        // A key holding an events list must be a division: a misspelled one would silently leave
        // that division on the built-in rules.
        for key in object.keys.sorted() where Division(rawValue: key) == nil {
            if let entry = object[key] as? [String: Any], entry["events"] != nil {
                throw CalendarError("\(source): unknown division \"\(key.prefix(40))\"; use \(Self.divisionList)")
            }
        }
        var events: [Division: [Holiday]] = [:]
        var warnings: [String] = []
        for division in Division.allCases {
            guard let value = object[division.rawValue] else { continue }
            let at = "\(source): \(division.rawValue)"
            guard let entry = value as? [String: Any] else {
                throw CalendarError("\(at): expected an object with an \"events\" list")
            }
            guard let list = entry["events"] as? [Any] else {
                throw CalendarError("\(at): expected an \"events\" list")
            }
            var holidays: [Holiday] = []
            holidays.reserveCapacity(list.count)
            for (i, item) in list.enumerated() {
                let here = "\(at).events[\(i)]"
                guard let event = item as? [String: Any] else {
                    throw CalendarError("\(here): expected an object with \"title\" and \"date\"")
                }
                guard let dateText = event["date"] as? String else {
                    throw CalendarError("\(here): missing \"date\" (YYYY-MM-DD)")
                }
                guard let date = LocalDate(iso: dateText) else {
                    throw CalendarError("\(here).date: expected a date YYYY-MM-DD, found \"\(dateText.prefix(40))\"")
                }
                guard let title = event["title"] as? String, !title.trimmingCharacters(in: .whitespaces).isEmpty else {
                    throw CalendarError("\(here): missing \"title\" for \(date.iso)")
                }
                holidays.append(Holiday(date: date, title: title))
            }
            events[division] = holidays
            var perYear: [Int: Int] = [:]
            for h in holidays { perYear[h.date.year, default: 0] += 1 }
            let least = minimumPerYear(division)
            for (year, n) in perYear.sorted(by: { $0.key < $1.key }) where n < least {
                warnings.append("\(source): \(division.rawValue) has \(n) event\(n == 1 ? "" : "s") in \(year), where a year has at least \(least) bank holidays; the file replaces all of \(year)'s, so the others become working days: use gov.uk's complete bank-holidays.json")
            }
        }
        if events.isEmpty {
            throw CalendarError("\(source): none of the divisions \(Self.divisionList) is present")
        }
        var file = HolidaysFile(events: events)
        file.warnings = warnings
        return file
    }

    static let divisionList = Division.allCases.map(\.rawValue).joined(separator: ", ")

    private static func reason(_ error: Error) -> String {
        let ns = error as NSError
        if let detail = ns.userInfo[NSDebugDescriptionErrorKey] as? String { return detail }
        return ns.localizedDescription
    }
}
