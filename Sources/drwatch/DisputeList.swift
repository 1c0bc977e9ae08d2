import ArgumentParser
import DisputeCore
import DisputeService
import Notifications
import Recording
import ServiceConfig

/// `drwatch dispute list [--open|--all] [--json]`: the recorded disputes, oldest first, from the
/// store alone (no policy needed): reference, kind, policy, recorded stage, status, when opened.
struct DisputeList: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "list", abstract: "List disputes (open ones by default).")

    enum Which: String, EnumerableFlag {
        case open, all
        static func help(for value: Which) -> ArgumentHelp? {
            value == .open ? "Only disputes not resolved or withdrawn (the default)." : "Every dispute."
        }
    }

    @OptionGroup var global: GlobalOptions
    @Flag var which: Which = .open
    @Flag(help: "Print JSON.") var json = false

    func run() throws {
        let session = try Session(global)
        let disputes = try session.store.disputes(openOnly: which == .open)
        func status(_ d: Dispute) -> (stage: Int, status: String) {
            var stage = 0, status = "open"
            for ev in d.events {
                switch ev.change {
                case .opened(let s), .escalated(let s, _): stage = s
                case .paused: status = "paused"
                case .resumed: status = "open"
                case .resolved: status = "resolved"
                case .withdrawn: status = "withdrawn"
                default: break
                }
            }
            return (stage, status)
        }
        if json {
            var out = ""
            JSON.array(disputes.map { d in
                let s = status(d)
                return .object([("ref", .string(d.ref)), ("kind", .string(d.kind.rawValue)), ("policy", .string(d.policy)),
                                ("stage", .int(s.stage)), ("status", .string(s.status)), ("opened_at", .string(d.events.first.map { iso($0.at) })),
                                ("category", .string(d.category.rawValue)), ("type", .string(d.type.rawValue)),
                                ("division", .string(d.division.rawValue)), ("team", .string(d.team)), ("child_ref", .string(d.childRef))])
            }).write(to: &out)
            writeOut(out + "\n")
            return
        }
        let rows = disputes.map { d -> [String] in
            let s = status(d)
            return [d.ref, d.kind.rawValue, d.policy, s.stage == 0 ? "-" : String(s.stage), s.status, d.events.first.map { iso($0.at) } ?? "-"]
        }
        writeOut(table(["REF", "KIND", "POLICY", "STAGE", "STATUS", "OPENED"], rows))
    }
}
