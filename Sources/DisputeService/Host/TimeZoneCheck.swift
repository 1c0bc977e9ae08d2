import Foundation
import WorkingDays

/// Compares the built-in Europe/London rule (drwatch's own, so the daemon never loads ICU)
/// with the system's tzdata, for the warning the daemon logs at start and daily.
public enum TimeZoneCheck {
    /// The system's compiled Europe/London: `$TZDIR/Europe/London`, else /usr/share/zoneinfo's.
    public static func systemLondonPath(environment: [String: String]) -> String {
        let dir = environment["TZDIR"].flatMap { $0.isEmpty ? nil : $0 } ?? "/usr/share/zoneinfo"
        return (dir as NSString).appendingPathComponent("Europe/London")
    }

    /// What to warn about (empty: the system's tzdata agrees with the built-in rule).
    public static func londonWarnings(path: String) -> [String] {
        guard let data = FileManager.default.contents(atPath: path), data.count <= 1_000_000 else {
            return ["Time zone: cannot read the system's tzdata at \(path) to compare with the built-in Europe/London rule; install tzdata"]
        }
        return TZifCheck.londonDisagreements(tzif: Array(data)).map {
            "Time zone: the system's tzdata (\(path)) disagrees with drwatch's built-in Europe/London rule: \($0). Deadlines use the built-in rule; if the UK has changed its clocks, upgrade drwatch"
        }
    }
}
