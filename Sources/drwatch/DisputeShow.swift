import Foundation
import ArgumentParser
import DisputeCore
import DisputeService
import Notifications
import Recording
import ServiceConfig
import DisputeStore

/// `drwatch dispute show REF [--at TIME] [--json]`: state, deadlines and history. `--json` gives the
/// fields of `drwatch due --json` plus `events`.
struct DisputeShow: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "show", abstract: "Show a dispute's state, deadlines and history.")

    @OptionGroup var global: GlobalOptions
    @Argument(help: ArgumentHelp("The dispute's case reference.", valueName: "ref")) var ref: String
    @Option(help: ArgumentHelp("Evaluate at this time (default: now).", valueName: "time")) var at: String?
    @Flag(help: "Print JSON.") var json = false

    func run() throws {
        let session = try Session(global)
        let now = try parseAt(at)
        guard let stored = try session.store.disputesWithOrigins(refs: [ref])[ref] else { throw noSuchDispute(ref) }
        let d = stored.dispute
        let origins = d.events.indices.map { $0 < stored.origins.count ? stored.origins[$0] : .unknown }
        let e = try session.runtime.evaluate(d, context: try repeatContexts(store: session.store, for: [d])[0], now: now)
        let skips = try bypasses(d, session: session)
        if json {
            var out = "{"
            writeDueFields(d, e, into: &out)
            out += ",\"child_status\":"
            JSON.string(d.childStatus?.rawValue).write(to: &out)
            out += ",\"bypasses\":"
            JSON.array(skips.map { b in JSON.object([("at", .string(iso(b.at))), ("from_stage", .int(b.from)), ("to_stage", .int(b.to)),
                                                     ("reason", .string(b.reason))]) }).write(to: &out)
            out += ",\"events\":"
            JSON.array(zip(d.events, origins).map { eventJSON($0, origin: $1, openingReason: d.openingReason) }).write(to: &out)
            writeOut(out + "}\n")
            return
        }
        var lines = ["\(d.ref): \(d.kind.rawValue) under \(d.policy); category \(d.category.rawValue), type \(d.type.rawValue), division \(d.division.rawValue)"
                     + (d.team.map { ", team \($0)" } ?? "") + (d.childRef != d.ref ? ", child \(d.childRef)" : "")
                     + (d.subject.map { ", subject \($0)" } ?? "")]
        if let status = d.childStatus { lines.append("child status: \(status.rawValue) (\(status.title))") }
        lines.append("state: \(e.state.rawValue)")
        if e.stage > 0 { lines.append("stage: \(e.stage)" + (e.stageName.map { " \($0)" } ?? "") + (e.owner.map { " (owner \($0))" } ?? "")) }
        if let due = e.stageDeadline {
            lines.append("stage due: \(iso(due))" + (e.stageWorkingDaysLeft.map { ", \($0) working day\(abs($0) == 1 ? "" : "s") left" } ?? ""))
        }
        if let st = e.statutoryDeadline {
            lines.append("statutory total due: \(iso(st))" + (e.statutoryWorkingDaysLeft.map { ", \($0) working day\(abs($0) == 1 ? "" : "s") left" } ?? ""))
        }
        if let at = e.respondedAt {
            let by = d.events.last { if case .responded = $0.change { $0.at == at } else { false } }?.by
            let days = e.responseWorkingDays ?? 0
            lines.append("response: \(iso(at))" + (by.map { " by \($0)" } ?? "")
                         + ", \(days) working day\(days == 1 ? "" : "s") into stage \(e.stage), "
                         + (e.respondedWithinTimescale == true ? "within its timescale" : "after its deadline"))
        }
        for b in skips {
            lines.append("bypass: \(b.from == 0 ? "raised" : "stage \(b.from)") to stage \(b.to) at \(iso(b.at)); reason: \(b.reason ?? "(none recorded)")")
        }
        if !d.people.isEmpty {
            lines.append("people: " + d.people.keys.sorted().map { "\($0)=\(d.people[$0]!.joined(separator: ","))" }.joined(separator: " "))
        }
        lines.append("history:")
        for ev in d.events {
            let opening = if case .opened = ev.change, let r = d.openingReason { " (\(r))" } else { "" }
            lines.append("  \(iso(ev.at))  \(describe(ev.change))\(opening)" + (ev.by.map { "  by \($0)" } ?? ""))
        }
        writeOut(lines.joined(separator: "\n") + "\n")
    }

    /// Every move above the next step (raising above the first step, or an escalation that skips
    /// stages), with its reason: the stage before is the engine's just before the event (derived
    /// escalations included); raising at the record's subject row level is not a bypass.
    func bypasses(_ d: Dispute, session: Session) throws -> [(at: Date, from: Int, to: Int, reason: String?)] {
        var out: [(at: Date, from: Int, to: Int, reason: String?)] = []
        for (i, ev) in d.events.enumerated() {
            switch ev.change {
            case .opened(let s):
                let rowStage = d.subject.flatMap { session.runtime.policies[d.policy]?.policy.kinds[d.kind]?.subject($0)?.stage }
                let from = rowStage == s ? s - 1 : 0
                if s - from > 1 { out.append((ev.at, from, s, d.openingReason)) }
            case .escalated(let to, let reason):
                var before = d
                before.events = Array(d.events[..<i])
                let from = try session.runtime.evaluate(before, now: ev.at).stage
                if to - from > 1 { out.append((ev.at, from, to, reason)) }
            default: break
            }
        }
        return out
    }
}

/// One event as JSON: `at`, `event`, `by_role`, `by_email`, `source` (`cli`, `web`, `import:FILE`,
/// or null when recorded before drwatch kept it), `event_id` (the export's own id, or null), and
/// the fields of its kind (an `opened` event: its `stage` and the raising `reason`).
func eventJSON(_ ev: DisputeEvent, origin: EventOrigin = .unknown, openingReason: String? = nil) -> JSON {
    var pairs: [(String, JSON)] = [("at", .string(iso(ev.at))), ("event", .string(ev.change.name)),
                                   ("by_role", .string(ev.by?.role)), ("by_email", .string(ev.by?.email)),
                                   ("source", .string(origin.source)), ("event_id", .string(origin.eventID))]
    switch ev.change {
    case .opened(let s): pairs += [("stage", .int(s)), ("reason", .string(openingReason))]
    case .escalated(let s, let r): pairs += [("stage", .int(s)), ("reason", .string(r))]
    case .paused(let a, let r): pairs += [("approver_role", .string(a.role)), ("approver_email", .string(a.email)), ("reason", .string(r))]
    case .resumed, .cafcassReferral: break
    case .extended(let n, let a): pairs += [("working_days", .int(n)), ("approver_role", .string(a.role)), ("approver_email", .string(a.email))]
    case .note(let t), .responded(let t): pairs.append(("text", .string(t)))
    case .cafcassIntended(let r): pairs.append(("reason", .string(r)))
    case .resolved(let o): pairs.append(("outcome", .string(o)))
    case .withdrawn(let r): pairs.append(("reason", .string(r)))
    }
    return .object(pairs)
}
