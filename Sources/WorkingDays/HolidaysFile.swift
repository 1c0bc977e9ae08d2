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
    public init(events: [Division: [Holiday]]) { self.events = events }

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
        var events: [Division: [Holiday]] = [:]
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
        }
        if events.isEmpty {
            throw CalendarError("\(source): none of the divisions \(Self.divisionList) is present")
        }
        return HolidaysFile(events: events)
    }

    static let divisionList = Division.allCases.map(\.rawValue).joined(separator: ", ")

    private static func reason(_ error: Error) -> String {
        let ns = error as NSError
        if let detail = ns.userInfo[NSDebugDescriptionErrorKey] as? String { return detail }
        return ns.localizedDescription
    }
}
