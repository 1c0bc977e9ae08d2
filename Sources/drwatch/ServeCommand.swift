import ArgumentParser
import DisputeService
import Notifications
import Recording
import ServiceConfig
import Foundation
import Logging
import Web

/// `drwatch serve`: the staff web app (README "Web app"), on the config's `[web] listen`
/// (default 127.0.0.1:8080), from the same store as the daemon.
///
/// SIGHUP re-reads the config, policies and templates (a bad new config is refused, logged, and
/// the running one kept). Exit codes: 0 after SIGTERM/SIGINT; 66/69 when the database is missing or older (run
/// `drwatch init`); 78 for a bad config (a `[web] listen` that is not loopback among them).
/// A PostgreSQL that cannot be reached at start is waited for (`DatabaseWait`, the daemon's
/// wait); one that goes away later gets the 503 page until it is back (`DatabaseHealth`).
struct ServeCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "serve",
        abstract: "Serve the staff web app (plain HTTP on loopback, behind the council's TLS proxy).",
        discussion: """
            Staff sign in with a one-time link emailed through the configured transport, see their \
            work, and record what they did. Settings: the [web] section of the config (listen, \
            base_url, session_hours, manager_roles, admin_roles, raiser_roles). SIGHUP reloads the \
            config, policies and templates (an invalid one is refused and the running one kept); \
            SIGTERM or SIGINT stop it (exit 0). Or let `drwatch run` serve it: [web] serve_in_run = true.
            """)

    @OptionGroup var global: GlobalOptions

    @Option(name: .customLong("log-level"), help: ArgumentHelp("trace, debug, info (default), notice, warning or error.", valueName: "level"))
    var logLevel: String = "info"

    func validate() throws {
        guard Logger.Level(rawValue: logLevel) != nil else {
            throw ValidationError("unknown log level '\(logLevel)': use trace, debug, info, notice, warning or error")
        }
    }

    func run() async throws {
        let level = Logger.Level(rawValue: logLevel) ?? .info
        let journal = JournalSocket.forStderr(environment: ProcessInfo.processInfo.environment)
        LoggingSystem.bootstrap { JournalLogHandler(label: $0, level: level, journal: journal) }
        let logger = Logger(label: "drwatch-web")
        // A server database that cannot be reached yet is waited for, as `drwatch run` waits
        // (the config and policies are checked first: a bad one still exits 78 at once).
        // SIGTERM while it waits stops it (the signal's own action; systemd counts it a clean stop).
        DaemonSignals.resetInheritedState()
        let options = testHookOptions(ProcessInfo.processInfo.environment)
        let global = self.global
        guard let session = try await DatabaseWait(first: options.reconnectFirst, cap: options.reconnectCap, logger: logger)
            .open({ try Session(global) }, wait: { delay in
                (try? await Task.sleep(for: delay)) == nil ? .stop : .retry
            }) else { return }
        let web = session.runtime.config.web ?? WebConfig()
        let app = try WebApp(runtime: session.runtime, web: web, database: session.store.location, password: try session.runtime.config.databasePassword(), logger: logger)
        try await WebServing.serve(app, database: session.runtime.config.database, loadConfig: { try global.loadConfig() }, logger: logger)
    }
}
