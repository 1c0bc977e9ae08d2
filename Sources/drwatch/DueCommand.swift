import ArgumentParser
import DisputeCore
import DisputeService
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
        let (rows, skipped) = session.runtime.due(try session.store.disputes(openOnly: true), now: now)
        for s in skipped { warn("\(s.ref) skipped: \(s.reason)") }
        if json {
            var out = "["
            out.reserveCapacity(rows.count * 420)
            for (i, r) in rows.enumerated() {
                out += i == 0 ? "\n" : ",\n"
                JSON.object(dueFields(r.dispute, r.evaluation)).write(to: &out)
            }
            out += rows.isEmpty ? "]\n" : "\n]\n"
            writeOut(out)
            return
        }
        let table = table(["REF", "KIND", "POLICY", "STAGE", "OWNER", "STAGE DUE", "LEFT", "STATUTORY DUE", "STATE"], rows.map { r in
            let e = r.evaluation
            return [r.dispute.ref, r.dispute.kind.rawValue, r.dispute.policy, e.stage == 0 ? "-" : String(e.stage), e.owner ?? "-",
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
