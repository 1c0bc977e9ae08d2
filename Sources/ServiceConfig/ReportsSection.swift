import TOML

/// `[reports]`: settings of `drwatch report`.
public struct ReportsConfig: Equatable, Sendable {
    /// Counts from 1 to this - 1 are shown as "<threshold" (small-number suppression).
    public var suppressionThreshold = 5
    public init() {}
}

extension ReportsConfig {
    static func read(_ root: TOMLReader) throws(ConfigFileError) -> ReportsConfig {
        var reports = ReportsConfig()
        if let r = try root.optionalTable("reports") {
            reports.suppressionThreshold = try r.optionalInt("suppression_threshold", in: 1...100) ?? reports.suppressionThreshold
        }
        return reports
    }
}
