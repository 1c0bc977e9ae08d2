import Foundation
import WorkingDays

/// The days a report covers: local calendar days (Europe/London), both ends included.
public struct ReportPeriod: Hashable, Sendable, CustomStringConvertible {
    public enum Shape: Hashable, Sendable {
        case quarter(year: Int, quarter: Int)
        case year(Int)
        case range
    }

    public var from: LocalDate
    public var to: LocalDate
    public var shape: Shape

    public init(from: LocalDate, to: LocalDate, shape: Shape = .range) {
        self.from = from; self.to = to; self.shape = shape
    }

    /// Calendar quarter `q` (1...4) of `year`: Q1 is January to March.
    public static func quarter(_ year: Int, _ q: Int) -> ReportPeriod {
        let first = LocalDate(year: year, month: (q - 1) * 3 + 1, day: 1)!
        let next = q == 4 ? LocalDate(year: year + 1, month: 1, day: 1)! : LocalDate(year: year, month: q * 3 + 1, day: 1)!
        return ReportPeriod(from: first, to: next.adding(days: -1), shape: .quarter(year: year, quarter: q))
    }

    /// The calendar year.
    public static func year(_ year: Int) -> ReportPeriod {
        ReportPeriod(from: LocalDate(year: year, month: 1, day: 1)!, to: LocalDate(year: year, month: 12, day: 31)!, shape: .year(year))
    }

    /// Parses `2026Q3` (also `2026-Q3`, lower-case q); `nil` when malformed.
    public static func parseQuarter(_ text: String) -> ReportPeriod? {
        let t = text.uppercased().replacingOccurrences(of: "-", with: "")
        guard t.count == 6, t.dropFirst(4).first == "Q", let y = Int(t.prefix(4)), let q = Int(t.suffix(1)),
              (1...4).contains(q), (1995...2099).contains(y) else { return nil }
        return quarter(y, q)
    }

    /// The period just before: the previous quarter, the previous year, or for a range the same
    /// number of days ending the day before `from`.
    public var previous: ReportPeriod {
        switch shape {
        case .quarter(let y, let q): return q == 1 ? .quarter(y - 1, 4) : .quarter(y, q - 1)
        case .year(let y): return .year(y - 1)
        case .range:
            let days = to.dayNumber - from.dayNumber + 1
            return ReportPeriod(from: from.adding(days: -days), to: from.adding(days: -1))
        }
    }

    /// The calendar quarter containing `day`.
    public static func quarter(containing day: LocalDate) -> ReportPeriod { quarter(day.year, (day.month - 1) / 3 + 1) }

    /// The `count` calendar quarters ending with the one that contains `to`, oldest first.
    public func trailingQuarters(_ count: Int) -> [ReportPeriod] {
        var q = ReportPeriod.quarter(containing: to)
        var out = [q]
        while out.count < count { q = q.previous; out.append(q) }
        return out.reversed()
    }

    public func contains(_ d: LocalDate) -> Bool { d >= from && d <= to }

    /// `2026 Q3`, `2026`, or `2026-07-01 to 2026-08-15`.
    public var label: String {
        switch shape {
        case .quarter(let y, let q): "\(y) Q\(q)"
        case .year(let y): "\(y)"
        case .range: "\(from.iso) to \(to.iso)"
        }
    }

    /// `2026-Q3`, `2026`, `2026-07-01..2026-08-15`: for CSV cells and file names.
    public var key: String {
        switch shape {
        case .quarter(let y, let q): "\(y)-Q\(q)"
        case .year(let y): "\(y)"
        case .range: "\(from.iso)..\(to.iso)"
        }
    }

    public var description: String { label }
}
