import ArgumentParser
import DisputeService
import Notifications
import Recording
import ServiceConfig
import Foundation

/// The `drwatch` command: the daemon (`drwatch run`) and the tools around it.
@main
struct Drwatch: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "drwatch",
        abstract: "Watches the timescales of dispute resolution in children's services.",
        discussion: "Deadlines are computed on the UK bank-holiday calendar; reminders and escalations go to named roles by email and webhook.",
        version: BuildInfo.text,
        subcommands: [
            RunCommand.self,
            ServeCommand.self,
            InitCommand.self,
            CheckConfigCommand.self,
            DisputeCommand.self,
            DueCommand.self,
            ImportCommand.self,
            TickCommand.self,
            OutboxCommand.self,
            RenderCommand.self,
            SendTestCommand.self,
            CalendarCommand.self,
            ReportCommand.self,
            BackupCommand.self,
            CopyStoreCommand.self,
            PurgeCommand.self,
            CheckCommand.self,
            MetricsCommand.self,
            ExportCommand.self,
        ]
    )

    /// Runs the command and maps errors to sysexits codes with one clear line on stderr.
    static func main() async {
        // On the main thread, before anything else: undo a parent's blocked SIGTERM (see DaemonSignals).
        DaemonSignals.resetInheritedState()
        do {
            var command = try parseAsRoot()
            if var asyncCommand = command as? AsyncParsableCommand {
                try await asyncCommand.run()
            } else {
                try command.run()
            }
        } catch {
            fail(error)
        }
    }
}
