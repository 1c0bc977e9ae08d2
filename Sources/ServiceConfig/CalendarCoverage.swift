import Foundation
import WorkingDays

/// Whether the calendar knows next year's one-off bank holidays: the daemon warns at start and
/// daily, the web app's outbox page shows it.
public enum CalendarCoverage {
    /// Whether to warn now: the one-offs are known only through this year or earlier, and the
    /// last warning (if any) was a day ago or more (or the clock went back).
    public static func warningDue(now: Date, knownThrough: Int, lastWarning: Date?) -> Bool {
        // The London year from CivilTime's offset table, not Foundation's Calendar (which loads ICU).
        let year = CivilTime.london.localDate(epochSeconds: Int(now.timeIntervalSince1970.rounded(.down))).year
        guard knownThrough < year + 1 else { return false }
        guard let last = lastWarning else { return true }
        return now.timeIntervalSince(last) >= 86_400 || now < last
    }
}
