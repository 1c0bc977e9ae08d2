import ServiceConfig
import Notifications
import DisputeStore
import Foundation
import Logging
import WorkingDays

/// What one retention run removed (or, in a dry run, would remove).
public struct RetentionRun: Sendable, Equatable {
    /// The closed disputes past retention, with their events, people and messages.
    public var purge: PurgeSummary
    /// Sent outbox messages older than `[retention] sent_messages_days` (not of open disputes).
    public var sentMessages: Int
    /// Sent-message cut-off.
    public var sentCutoff: Date
    /// The file transport's files older than that.
    public var files: Int
    /// True when nothing was removed (a dry run).
    public var dryRun: Bool
}

/// The retention schedule applied: `drwatch purge` and the daemon's daily run share this.
public enum Retention {
    /// Closures before this instant are past retention: 00:00 Europe/London on the same
    /// date `years` years before `now`'s London date (29 February gives 28 February). Pure.
    public static func closedCutoff(now: Date, years: Int) -> Date {
        let today = CivilTime.london.localDate(of: now)
        let (y, m, d) = today.civil
        let day = min(d, LocalDate.daysIn(month: m, year: y - years))
        return CivilTime.london.instant(LocalDate(year: y - years, month: m, day: day)!, LocalTime(hour: 0, minute: 0)!)
    }

    /// Messages sent before this instant are pruned: `days` × 24 hours before `now`. Pure.
    public static func sentCutoff(now: Date, days: Int) -> Date {
        now.addingTimeInterval(-Double(days) * 86_400)
    }

    /// Applies `[retention]` at `now`: purges closed disputes past retention, prunes sent
    /// messages and the file transport's old files; with `apply == false`, only counts.
    ///
    /// - Parameters:
    ///   - by: who runs it, for the retention log (`drwatch purge`, `daemon`).
    /// - Throws: `StoreError`; a file that cannot be removed is logged and skipped.
    public static func run(store: any StoreBackend, config: DrwatchConfig, now: Date, apply: Bool, by: String,
                           logger: Logger) throws -> RetentionRun {
        let r = config.retention
        let closed = closedCutoff(now: now, years: r.closedYears)
        let sent = sentCutoff(now: now, days: r.sentMessagesDays)
        // The file transport's folder: `[files]`, else outbox/ next to the database (admin notices).
        let folder = config.fileTransportDirectory
        guard apply else {
            return RetentionRun(purge: try store.purgePlan(closedBefore: closed),
                                sentMessages: try store.prunableSentMessages(sentBefore: sent, afterPurgeBefore: closed), sentCutoff: sent,
                                files: oldFiles(in: folder, before: sent).count, dryRun: true)
        }
        let purge = try store.purge(closedBefore: closed, now: now, by: by)
        var removedFiles = 0
        for file in oldFiles(in: folder, before: sent) {
            if unlink(file) == 0 {
                removedFiles += 1
            } else {
                logger.warning("Retention: cannot remove an old file of the file transport", metadata: [
                    "file": "\(file)", "error": "\(String(cString: strerror(errno)))"])
            }
        }
        let messages = try store.pruneSentMessages(sentBefore: sent, files: removedFiles, now: now, by: by)
        logger.info("Retention applied", metadata: [
            "closed_before": "\(CivilTime.utcISO8601(closed))", "disputes": "\(purge.disputes)", "events": "\(purge.events)",
            "people": "\(purge.people)", "dispute_messages": "\(purge.messages)", "audit_rows": "\(purge.auditRows)",
            "sent_before": "\(CivilTime.utcISO8601(sent))", "sent_messages": "\(messages)", "files": "\(removedFiles)"])
        return RetentionRun(purge: purge, sentMessages: messages, sentCutoff: sent, files: removedFiles, dryRun: false)
    }

    /// The file transport's message files (`.eml`, `.json`) last modified before `cutoff`.
    static func oldFiles(in folder: String?, before cutoff: Date) -> [String] {
        guard let folder, let names = try? FileManager.default.contentsOfDirectory(atPath: folder) else { return [] }
        var out: [String] = []
        for name in names.sorted() where name.hasSuffix(".eml") || name.hasSuffix(".json") {
            let path = (folder as NSString).appendingPathComponent(name)
            var st = stat()
            guard lstat(path, &st) == 0, (st.st_mode & S_IFMT) == S_IFREG else { continue }
            if Double(st.st_mtim.tv_sec) < cutoff.timeIntervalSince1970 { out.append(path) }
        }
        return out
    }
}
