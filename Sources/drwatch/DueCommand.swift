import ArgumentParser
import DisputeCore
import DisputeService
import Notifications
import Recording
import ServiceConfig
import DisputeStore
import Foundation

/// `drwatch due [--at TIME] [--json]`: every open dispute with its stage, owner, stage deadline,
/// working days left (negative when overdue), statutory deadline and state, most urgent first.
/// A dispute that cannot be evaluated is named on stderr and skipped; the others are shown.
struct DueCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "due", abstract: "What is due: every open dispute, most urgent first.")

    @OptionGroup var global: GlobalOptions
    @Option(help: ArgumentHelp("Evaluate at this time (default: now).", valueName: "time")) var at: String?
    @Flag(help: "Print a JSON array.") var json = false

    func run() throws {
        let session = try Session(global)
        let now = try parseAt(at)
        // One snapshot: the open disputes and, for repeat alerts, the earlier records of each child.
        // A dispute the store cannot read (a bad row) is named and skipped like one it cannot evaluate.
        let (disputes, contexts, unreadable) = try session.store.read { r in
            var unreadable: [UnreadableDispute] = []
            let open = try r.disputes(openOnly: true, unreadable: &unreadable)
            return (open, try repeatContexts(store: r, for: open), unreadable)
        }
        let report = session.runtime.due(disputes, contexts: contexts, now: now)
        for u in unreadable { warn("\(u.ref) skipped: \(u.reason)") }
        for s in report.skipped { warn("\(s.ref) skipped: \(s.reason)") }
        if json {
            var out = "["
            out.reserveCapacity(1 << 22)
            for (n, i) in report.order.enumerated() {
                out += n == 0 ? "\n{" : ",\n{"
                writeDueFields(report.disputes[i], report.evaluations[i]!, into: &out)
                out += "}"
                // Written in 4 MiB pieces: one 50 MB string costs more in page faults than the writes.
                if out.utf8.count > (1 << 22) - 4096 { writeOut(out); out.removeAll(keepingCapacity: true) }
            }
            out += report.order.isEmpty ? "]\n" : "\n]\n"
            writeOut(out)
            return
        }
        let table = table(["REF", "KIND", "POLICY", "STAGE", "OWNER", "STAGE DUE", "LEFT", "STATUTORY DUE", "STATE"], report.order.map { i in
            let d = report.disputes[i], e = report.evaluations[i]!
            return [d.ref, d.kind.rawValue, d.policy, e.stage == 0 ? "-" : String(e.stage), e.owner ?? "-",
                    e.stageDeadline.map(local) ?? "-", e.stageWorkingDaysLeft.map(String.init) ?? "-",
                    e.statutoryDeadline.map(local) ?? "-", e.state.rawValue]
        })
        writeOut(table)
    }

    /// "2026-11-27 17:00", local (Europe/London) time, for the table.
    private func local(_ date: Date) -> String {
        let s = iso(date)
        return String(s.prefix(10)) + " " + String(s.dropFirst(11).prefix(5))
    }
}
