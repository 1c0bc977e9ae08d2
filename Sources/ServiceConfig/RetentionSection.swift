import TOML

/// `[retention]`: how long drwatch keeps what it holds (docs/operations.md "Retention").
///
/// ```toml
/// [retention]
/// closed_years = 6          # closed disputes are purged this many years after closure
/// sent_messages_days = 365  # sent notifications (outbox rows, file-transport files) kept this long
/// daily = false             # the daemon purges once a day (else run drwatch purge --yes)
/// ```
public struct RetentionConfig: Equatable, Sendable {
    /// Closed disputes are kept this many years after their closure (1...100). Default 6: the
    /// "date of resolution + 6 years" that councils' schedules (the LGA/IRMS retention
    /// guidelines for complaints and case reviews) set, from the Limitation Act 1980's six years.
    /// The child's own case file, kept far longer, lives in the case-management system, not here.
    public var closedYears = 6
    /// Sent notifications, and the file transport's files, are kept this many days (1...36500).
    public var sentMessagesDays = 365
    /// The daemon runs the purge (and the pruning) once a day.
    public var daily = false
    /// The line of `[retention]` (0 when absent).
    public var line = 0
    public init() {}

    /// Reads `[retention]` from the root of the config; defaults when absent.
    static func read(_ root: TOMLReader) throws(ConfigFileError) -> RetentionConfig {
        var config = RetentionConfig()
        guard let r = try root.optionalTable("retention") else { return config }
        config.line = r.line
        config.closedYears = try r.optionalInt("closed_years", in: 1...100) ?? config.closedYears
        config.sentMessagesDays = try r.optionalInt("sent_messages_days", in: 1...36_500) ?? config.sentMessagesDays
        config.daily = try r.optionalBool("daily") ?? config.daily
        return config
    }
}
