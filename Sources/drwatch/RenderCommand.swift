import ArgumentParser
import DisputeCore
import DisputeService
import Notifications
import Recording
import ServiceConfig
import Foundation

/// `drwatch render REF --event EVENT [--at TIME] [--html]`: prints the messages the pipeline
/// would send for one event of a dispute at a time, without sending or writing anything.
/// EVENT is a notification event as in identities (`opened`, `reminder-2wd`, `breach`,
/// `statutory-warning-5wd`...) or a template name (`reminder`, `due-today`, `escalation`...).
/// Exit 65 when the dispute is unknown or no such notification is due then.
struct RenderCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "render",
        abstract: "Print a dispute's notification for an event, as it would be sent, without sending it.")

    @OptionGroup var global: GlobalOptions
    @Argument(help: ArgumentHelp("The case reference.", valueName: "ref")) var ref: String
    @Option(help: ArgumentHelp("The event: opened, reminder-2wd, breach, statutory-warning-5wd... or a template name.", valueName: "event"))
    var event: String
    @Option(help: ArgumentHelp("As at this time (ISO 8601; Europe/London without an offset).", valueName: "time"))
    var at: String?
    @Flag(help: "Print the HTML part too.") var html = false

    func run() throws {
        let session = try Session(global)
        let now = try parseAt(at)
        guard let dispute = try session.store.dispute(ref: ref) else { throw noSuchDispute(ref) }
        let engine = try session.runtime.engine(for: dispute)
        let evaluation = try engine.evaluate(dispute, now: now)
        let matching = evaluation.intents.filter { $0.event.name == event || templateName(for: $0) == event }
        guard !matching.isEmpty else {
            let due = Set(evaluation.intents.map(\.event.name)).sorted()
            throw CommandFailure("no \(event) notification is due for \(ref) at \(iso(now)); "
                                 + (due.isEmpty ? "none is due then (try another --at)" : "due then: \(due.joined(separator: ", "))"),
                                 code: Sysexits.dataErr)
        }
        let templates = try TemplateSet.load(config: session.runtime.config)
        let config = session.runtime.config
        var out = ""
        for intent in matching {
            let r = route(intent, dispute: dispute, config: config)
            let m = compose(intent, of: Evaluated(dispute: dispute, evaluation: evaluation, engine: engine), route: r,
                            templates: templates).message
            out += "Identity: \(intent.identity)\n"
            out += "To: \(r.to.joined(separator: ", "))\n"
            if !r.cc.isEmpty { out += "Cc: \(r.cc.joined(separator: ", "))\n" }
            if !r.webhooks.isEmpty { out += "Webhooks: \(r.webhooks.joined(separator: ", "))\n" }
            out += "Subject: \(m.subject)\n\n\(m.text)"
            if html { out += "\n\(m.html)" }
            out += "\n"
        }
        writeOut(out)
    }
}
