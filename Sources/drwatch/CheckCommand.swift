import ArgumentParser
import DisputeCore
import DisputeService
import Notifications
import Recording
import ServiceConfig
import DisputeStore
import Foundation
import WorkingDays

/// `drwatch check`: a Nagios/Icinga plugin. Exit 0 OK, 1 WARNING, 2 CRITICAL, 3 UNKNOWN (the
/// config or the database cannot be read), one line with perfdata, as monitoring-plugins do.
struct CheckCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "check",
        abstract: "Monitoring plugin (Nagios, Icinga): exit 0 OK, 1 WARNING, 2 CRITICAL, 3 UNKNOWN, with perfdata.",
        discussion: "Judges the age of the daemon's last completed poll, parked and failing messages, the oldest unsent message, open disputes past the statutory total, and calendar coverage. A figure at or above a threshold raises the state.")

    @OptionGroup var global: GlobalOptions
    @Option(help: ArgumentHelp("Judge as at this time instead of now (ISO 8601).", valueName: "time")) var at: String?
    @Option(name: .customLong("poll-age"), help: ArgumentHelp("Seconds since the last completed poll: WARN,CRIT.", valueName: "w,c"))
    var pollAge = "300,900"
    @Option(help: ArgumentHelp("Parked messages: WARN,CRIT.", valueName: "w,c")) var parked = "1,10"
    @Option(help: ArgumentHelp("Failing messages (retrying): WARN,CRIT.", valueName: "w,c")) var failed = "5,20"
    @Option(name: .customLong("pending-age"), help: ArgumentHelp("Seconds the oldest unsent message has waited: WARN,CRIT.", valueName: "w,c"))
    var pendingAge = "1800,7200"
    @Option(help: ArgumentHelp("Open disputes past the statutory total: WARN,CRIT.", valueName: "w,c")) var breached = "1,10"

    /// "W,C" with 0 <= W <= C <= 10^9.
    static func pair(_ text: String, _ option: String) throws -> (warning: Int, critical: Int) {
        let parts = text.split(separator: ",", omittingEmptySubsequences: false)
        guard parts.count == 2, let w = Int(parts[0]), let c = Int(parts[1]), w >= 0, w <= c, c <= 1_000_000_000 else {
            throw ValidationError("--\(option) \(text) is not WARN,CRIT (two whole numbers, WARN <= CRIT), e.g. --\(option) 1,10")
        }
        return (w, c)
    }

    func validate() throws {
        _ = try Self.pair(pollAge, "poll-age"); _ = try Self.pair(parked, "parked"); _ = try Self.pair(failed, "failed")
        _ = try Self.pair(pendingAge, "pending-age"); _ = try Self.pair(breached, "breached")
    }

    func run() throws {
        var t = HealthThresholds()
        t.pollAge = try Self.pair(pollAge, "poll-age"); t.parked = try Self.pair(parked, "parked"); t.failed = try Self.pair(failed, "failed")
        t.pendingAge = try Self.pair(pendingAge, "pending-age"); t.breached = try Self.pair(breached, "breached")
        let figures: HealthFigures
        var sender: String?
        do {
            let session = try Session(global)
            sender = Self.senderLine(session.store)
            figures = try gather(session)
        } catch {
            let message = (error as? CommandFailure)?.description ?? mapDomainError(error)?.description ?? "\(error)"
            writeOut("DRWATCH UNKNOWN - \(message.split(separator: "\n").first ?? "")\n" + (sender.map { $0 + "\n" } ?? ""))
            Foundation.exit(HealthVerdict.State.unknown.rawValue)
        }
        let verdict = HealthCheck.judge(figures, t)
        writeOut(verdict.line + "\n" + (sender.map { $0 + "\n" } ?? ""))
        Foundation.exit(verdict.state.rawValue)
    }

    /// A server database (several daemons): which one sends, as a second line (the plugin's long
    /// text: the status line and perfdata stay as they are). None on SQLite (one daemon).
    static func senderLine(_ store: any StoreBackend) -> String? {
        guard case .postgresql = store.location else { return nil }
        do {
            return "sender: " + (try store.currentSender() ?? "none (no drwatch run holds the right to send)")
        } catch {
            return "sender: unknown (\(error))"
        }
    }

    private func gather(_ session: Session) throws -> HealthFigures {
        let now = try parseAt(at)
        func age(_ d: Date?) -> Int? { d.map { max(0, Int(now.timeIntervalSince($0).rounded(.down))) } }
        let polls = try session.store.pollRecord()
        let outbox = try session.store.outboxHealth()
        let open = try session.store.read { try $0.disputes(openOnly: true) }
        let report = session.runtime.due(open, now: now)
        let breached = report.evaluations.filter { $0?.state == .statutoryBreached }.count
        let config = session.runtime.config
        let known = session.runtime.calendars[config.division]?.oneOffsKnownThrough ?? WorkingCalendar.builtInOneOffsKnownThrough
        return HealthFigures(lastPollAgeSeconds: age(polls.lastCompletedAt), parked: outbox.parked, failed: outbox.failed,
                             oldestPendingAgeSeconds: age(outbox.oldestUnsentAt) ?? 0, statutoryBreached: breached,
                             calendarKnownThrough: known, currentYear: CivilTime.london.localDate(of: now).year)
    }
}
