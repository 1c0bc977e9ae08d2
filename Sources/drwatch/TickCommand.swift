import ArgumentParser
import DisputeService
import DisputeStore
import Notifications
import Recording
import ServiceConfig
import Foundation
import Logging

/// `drwatch tick [--at TIME] [--dry-run]`: one poll of the notification pipeline (what the
/// daemon does every poll): evaluate every open dispute, enqueue new notifications, deliver
/// what is due. With `--dry-run`, prints what would be enqueued and delivered, and why, and
/// writes and sends nothing. With `[import] directory`, it first syncs the drop folder as the
/// daemon does: the files there unchanged for at least `poll_interval_seconds` (a tick has no
/// earlier listing to compare with); `--dry-run` only names them.
/// Exit 0; 66/78 config problems; 74/75 store problems.
struct TickCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "tick",
        abstract: "Run one poll: plan, enqueue and deliver notifications (--dry-run: only say what would happen).")

    @OptionGroup var global: GlobalOptions
    @Option(help: ArgumentHelp("Poll as if it were this time (ISO 8601; Europe/London without an offset).", valueName: "time"))
    var at: String?
    @Flag(name: .customLong("dry-run"), help: "Print what would be sent and why; write and send nothing.")
    var dryRun = false

    func run() async throws {
        let session = try Session(global)
        let now = try parseAt(at)
        // The right to send, as `drwatch run` takes it: a tick beside a running daemon could deliver
        // a message the daemon is delivering too. A dry run writes and sends nothing: it needs none.
        let lease = dryRun ? nil : try Self.claimSender(session)
        defer { lease?.release() }
        let logger = commandLogger(level: dryRun ? .warning : .info)
        var out = ""
        let config = session.runtime.config
        if config.imports.directory != nil {
            let folder = DropFolderSync(runtime: session.runtime, store: session.store,
                                        templates: try TemplateSet.load(config: config), logger: logger)
            let cutoff = Date().addingTimeInterval(-Double(config.pollIntervalSeconds))
            for o in try folder.pollOnce(now: now, settledBefore: cutoff, dryRun: dryRun) {
                out += o.folder.isEmpty ? "\(o.summary)\n" : "imported \(o.file) (moved to \(o.folder)/): \(o.summary)\n"
            }
        }
        let poller = try Poller(runtime: session.runtime, store: session.store, logger: logger)
        let s = try await poller.tick(now: now, dryRun: dryRun)
        for skip in s.skipped { warn("skipped \(skip.ref): \(skip.reason)") }
        for p in s.planned {
            out += "\(dryRun ? "would enqueue" : "enqueued") \(p.item.identity) via \(p.channel) to \(p.item.recipients.count) recipient(s): \(p.reason)"
            if !p.unroutable.isEmpty { out += " [no address for \(p.unroutable.joined(separator: ", ")): sent to admin]" }
            out += "\n"
        }
        if s.enqueued > s.planned.count {
            out += "... and \(s.enqueued - s.planned.count) more enqueued (drwatch outbox --pending lists them)\n"
        }
        if dryRun {
            for e in s.due { out += "would deliver #\(e.id) \(e.item.identity) via \(e.item.channel) (attempt \(e.attempts + 1))\n" }
            out += "dry run at \(iso(now)): \(s.enqueued) to enqueue, \(s.due.count) to deliver; nothing written\n"
        } else {
            out += "tick at \(iso(now)): \(s.enqueued) enqueued, \(s.sent) sent, \(s.failed) failed, \(s.parked) parked\n"
        }
        out += s.statusLine + (s.nextWakeUp.map { "; next wake-up \(iso($0))" } ?? "") + "\n"
        writeOut(out)
    }
}

extension TickCommand {
    /// Takes the sender right for one tick, or throws `.heldByAnother` (exit 75) saying what to do.
    static func claimSender(_ session: Session) throws -> any SenderLease {
        do {
            return try session.store.claimSender(instance: "drwatch-tick \(ProcessInfo.processInfo.hostName.prefix(64)):\(getpid())")
        } catch let e as StoreError where e.code == .heldByAnother {
            throw StoreError(.heldByAnother, operation: "take the sender lock",
                             message: "\(e.message). drwatch tick delivers as the daemon does, so it runs only while no daemon sends; run drwatch tick --dry-run to see what it would do")
        }
    }
}

/// A logger for a command: journald-style lines on stderr (never bootstrapped globally).
func commandLogger(level: Logger.Level) -> Logger {
    let journal = JournalSocket.forStderr(environment: ProcessInfo.processInfo.environment)
    var logger = Logger(label: "drwatch") { JournalLogHandler(label: $0, level: level, journal: journal) }
    logger.logLevel = level
    return logger
}
