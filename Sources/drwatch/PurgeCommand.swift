import ArgumentParser
import DisputeService
import Notifications
import Recording
import ServiceConfig
import DisputeStore
import Foundation
import Logging
import WorkingDays

/// `drwatch purge [--yes]`: applies `[retention]`. A dry run by default (what would go);
/// `--yes` removes closed disputes past retention with their events, people and messages,
/// keeps their counts without references, prunes old sent messages and files, and records it
/// all in the retention log (`drwatch purge --log`).
struct PurgeCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "purge",
        abstract: "Remove closed disputes past retention and old sent messages ([retention]); a dry run unless --yes.",
        discussion: "Closed disputes are kept [retention] closed_years after closure (default 6); sent messages and the file transport's files [retention] sent_messages_days (default 365). Open disputes are never removed.")

    @OptionGroup var global: GlobalOptions
    @Flag(help: "Remove what the dry run lists (without it, nothing is written).") var yes = false
    @Flag(help: "Print the retention log (every purge: when, the cut-off, how many) and stop.") var log = false
    @Option(help: ArgumentHelp("Apply the schedule as at this time instead of now (ISO 8601).", valueName: "time")) var at: String?

    func run() throws {
        let session = try Session(global)
        if log {
            var out = ""
            for e in try session.store.retentionLog() {
                out += "\(iso(e.at))\t\(e.what)\tbefore \(iso(e.cutoff))\t\(e.disputes) disputes\t\(e.events) events\t\(e.people) people\t\(e.messages) messages\t\(e.audit) audit rows\t\(e.files) files"
                out += "\tnewest \(e.newest.map(iso) ?? "-")\tby \(e.by)\n"
            }
            writeOut(out.isEmpty ? "nothing has been purged\n" : out)
            return
        }
        let now = try parseAt(at)
        let config = session.runtime.config
        let result = try Retention.run(store: session.store, config: config, now: now, apply: yes, by: "drwatch purge",
                                       logger: Logger(label: "drwatch.purge", factory: { _ in SwiftLogNoOpLogHandler() }))
        let p = result.purge
        let verb = yes ? "removed" : "would remove"
        func n(_ count: Int, _ noun: String) -> String { "\(count) \(noun)\(count == 1 ? "" : "s")" }
        var out = "\(verb) \(n(p.disputes, "closed dispute")) closed before \(iso(p.cutoff)) "
            + "([retention] closed_years = \(config.retention.closedYears)): \(n(p.events, "event")), \(p.people) people, \(n(p.messages, "message")), \(n(p.auditRows, "audit row"))"
        if let newest = p.newestClosure { out += "; the latest closed \(iso(newest))" }
        out += "\n\(verb) \(n(result.sentMessages, "sent message")) and \(n(result.files, "file")) "
            + "sent before \(iso(result.sentCutoff)) ([retention] sent_messages_days = \(config.retention.sentMessagesDays))\n"
        if !yes { out += "dry run: nothing was removed; run drwatch purge --yes to remove it\n" }
        writeOut(out)
    }
}
