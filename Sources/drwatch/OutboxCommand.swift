import ArgumentParser
import DisputeService
import Notifications
import Recording
import ServiceConfig
import DisputeStore
import Foundation

/// `drwatch outbox [--pending|--failed|--all] [--json]` lists notifications; `drwatch outbox
/// retry ID` requeues a failed or parked one (recipients who already have it are not sent it again).
struct OutboxCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "outbox",
        abstract: "List notifications in the outbox, or requeue one.",
        subcommands: [List.self, Retry.self],
        defaultSubcommand: List.self)

    struct List: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "List outbox messages (default: pending and failed ones waiting for a retry).")

        @OptionGroup var global: GlobalOptions
        @Flag(help: "Which messages: pending (default: waiting, including failed ones due for a retry), failed (failed or parked), all.")
        var filter: Which = .pending
        @Flag(help: "One JSON array.") var json = false

        enum Which: String, EnumerableFlag { case pending, failed, all }

        func run() throws {
            let session = try Session(global)
            let entries = try session.store.outbox(filter: OutboxFilter(rawValue: filter.rawValue)!)
            if json {
                let rows: [JSON] = entries.map { e in
                    .object([
                        ("id", .int(Int(e.id))), ("identity", .string(e.item.identity)), ("ref", .string(e.item.ref)),
                        ("event", .string(e.item.event)), ("urgency", .string(e.item.urgency.rawValue)),
                        ("channel", .string(e.item.channel)), ("state", .string(e.state.rawValue)), ("attempts", .int(e.attempts)),
                        ("subject", .string(e.item.subject)), ("created_at", .string(iso(e.item.createdAt))),
                        ("next_attempt_at", .string(e.state == .sent ? nil : iso(e.nextAttemptAt))),
                        ("sent_at", .string(e.sentAt.map(iso))), ("last_error", .string(e.lastError)),
                        ("recipients", .array(e.recipients.map { r in
                            .object([("address", .string(r.address)), ("sent_at", .string(r.sentAt.map(iso)))])
                        })),
                    ])
                }
                var text = ""
                JSON.array(rows).write(to: &text)
                writeOut(text + "\n")
                return
            }
            var out = ""
            for e in entries {
                var line = "#\(e.id)\t\(e.state.rawValue)\t\(e.item.channel)\t\(e.item.identity)\tattempts \(e.attempts)"
                if e.state == .sent, let s = e.sentAt { line += "\tsent \(iso(s))" }
                else if e.state != .parked { line += "\tnext \(iso(e.nextAttemptAt))" }
                let done = e.recipients.filter(\.isSent).count
                if !e.recipients.isEmpty { line += "\t\(done)/\(e.recipients.count) recipients" }
                if let err = e.lastError, e.state != .sent { line += "\t\(err)" }
                out += line + "\n"
            }
            if entries.isEmpty { out = "no \(filter == .all ? "" : "\(filter.rawValue) ")messages in the outbox\n" }
            writeOut(out)
        }
    }

    struct Retry: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Requeue a failed or parked message now, attempts reset; recipients who have it are not sent it again.")

        @OptionGroup var global: GlobalOptions
        @Argument(help: ArgumentHelp("The message id (the #N of drwatch outbox).", valueName: "id")) var id: String

        func run() throws {
            guard let n = Int64(id.hasPrefix("#") ? String(id.dropFirst()) : id) else {
                throw CommandFailure("outbox id \(id) is not a number; take it from drwatch outbox --failed", code: Sysexits.usage)
            }
            let session = try Session(global)
            try session.store.retry(id: n, now: Date())
            writeOut("requeued #\(n); the next poll (or drwatch tick) delivers it\n")
        }
    }
}
