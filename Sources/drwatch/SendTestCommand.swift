import ArgumentParser
import Delivery
import DisputeService
import Notifications
import Recording
import ServiceConfig
import Foundation

/// `drwatch send-test --to ROLE|ADDRESS [--webhook NAME]`: sends a test message through the
/// configured transport (SMTP when [email] is set, else the file transport; `--webhook` posts
/// to that webhook instead) and prints exactly what the server said. The fire-alarm check to
/// run after installing. Exit 0 when delivered, 69 when not, 78 for a config problem.
struct SendTestCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "send-test",
        abstract: "Send a test message through the configured transport and print the server's replies.")

    @OptionGroup var global: GlobalOptions
    @Option(help: ArgumentHelp("A role of [roles] or an email address.", valueName: "role|address")) var to: String
    @Option(help: ArgumentHelp("Post to this [[webhook]] instead of email.", valueName: "name")) var webhook: String?

    func run() async throws {
        let config = try global.loadConfig()
        let templates = try TemplateSet.load(config: config)
        let channels = try DeliveryChannels(config: config, logger: commandLogger(level: .warning))
        let now = Date()
        let message = templates.render("test", facts: ["to": to])
        let id = "test/\(Int(now.timeIntervalSince1970))"
        if let webhook {
            guard let transport = channels.webhooks[webhook] else {
                throw CommandFailure("no [[webhook]] named \(webhook) in \(config.file); use one of: \(config.webhooks.map(\.name).joined(separator: ", "))", code: Sysexits.config)
            }
            let result = await transport.send([OutgoingWebhook(id: id, ref: "TEST", event: "test", reason: "drwatch send-test",
                                                               roles: [to], title: message.subject, text: message.text)], at: now)[0]
            writeOut("webhook \(webhook): HTTP \(result.status.map(String.init) ?? "none") \(result.response)\n")
            if let e = result.error { throw CommandFailure("not delivered: \(e)", code: Sysexits.unavailable) }
            writeOut("delivered\n")
            return
        }
        let addresses: [String]
        if to.contains("@") { addresses = [to] } else {
            guard let a = config.roles[to], !a.isEmpty else {
                throw CommandFailure("role \(to) has no address in [roles] of \(config.file); give a role listed there or an email address", code: Sysexits.usage)
            }
            addresses = a
        }
        let email = OutgoingEmail(id: id, from: channels.from, to: addresses, subject: message.subject, textBody: message.text,
                                  htmlBody: message.html, date: now)
        guard let smtp = channels.smtp else {
            let url = try channels.files.write(email)
            writeOut("file transport: wrote \(url.path)\ndelivered\n")
            return
        }
        let result = await smtp.send(email)
        writeOut(result.transcript.joined(separator: "\n") + "\n")
        for r in result.recipients { writeOut("\(r.address): \(r.error.map { "refused: \($0)" } ?? "accepted")\n") }
        if !result.isComplete {
            throw CommandFailure("not delivered: \(result.error?.description ?? result.recipients.compactMap(\.error).first?.description ?? "unknown")",
                                 code: Sysexits.unavailable)
        }
        writeOut("delivered\n")
    }
}
