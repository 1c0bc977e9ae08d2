import ArgumentParser
import DisputeCore
import DisputeService
import Notifications
import Recording
import ServiceConfig
import DisputeStore
import Foundation
import Logging
import TOML
import WorkingDays

/// `drwatch run`: the daemon. See README "Running as a service" and Host/Daemon.swift.
///
/// Exit codes: 0 after SIGTERM/SIGINT (also while waiting for the database), 75 when another
/// daemon runs on the same SQLite database (on PostgreSQL it stands by instead), 78 when the
/// config is missing or invalid or the PostgreSQL server refuses the login (user, password,
/// database name), 74/69 when the database cannot be opened. A PostgreSQL server that cannot be
/// reached at start is waited for (`Daemon`), not an exit.
///
/// Test-only (not in --help, and only in debug builds or builds with `-DDRWATCH_TEST_HOOKS`): `DRWATCH_FAKE_NOW` (an ISO 8601 instant, or the path of a file
/// holding one, re-read at each poll) and `DRWATCH_FAKE_SPEED` (clock seconds per real second)
/// replace the system clock; see `FakeDaemonClock`.
struct RunCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "run",
        abstract: "Run the daemon: poll the store, send what is due, until SIGTERM.",
        discussion: """
            Made for systemd (Type=notify): READY=1 once the config is valid and the database is \
            open, STATUS= after each poll, WATCHDOG=1 at half of WatchdogSec. SIGHUP reloads the \
            config and policies (invalid ones are refused and the running ones kept); SIGTERM or \
            SIGINT finish the message in flight and exit 0. One daemon per SQLite database (a second \
            exits 75); on PostgreSQL one sends and the others stand by and take over. A PostgreSQL \
            server that cannot be reached at start is waited for (READY=1 at once, STATUS=waiting \
            for database: REASON, retried after 1 s doubling to 30 s), then the daemon starts; a \
            login the server refuses (user, password, database name) exits 78. Logs go to \
            journald as fields (DRWATCH_DISPUTE_REF...) under systemd, else to stderr with journald \
            priority prefixes. With [web] serve_in_run = true it also serves the staff web app (as \
            drwatch serve), reloaded and stopped with the daemon.
            """)

    @OptionGroup var global: GlobalOptions

    @Option(name: .customLong("log-level"),
            help: ArgumentHelp("trace, debug, info (default), notice, warning or error.", valueName: "level"))
    var logLevel: String = "info"

    func validate() throws {
        guard Logger.Level(rawValue: logLevel) != nil else {
            throw ValidationError("unknown log level '\(logLevel)': use trace, debug, info, notice, warning or error")
        }
    }

    func run() async throws {
        disableCoreDumps()
        limitMallocArenas()
        let environment = ProcessInfo.processInfo.environment
        let level = Logger.Level(rawValue: logLevel) ?? .info
        let journal = JournalSocket.forStderr(environment: ProcessInfo.processInfo.environment)
        LoggingSystem.bootstrap { JournalLogHandler(label: $0, level: level, journal: journal) }
        let logger = Logger(label: "drwatch")
        let clock: any DaemonClock = try testHookClock(environment, logger: logger) ?? SystemDaemonClock()
        let configPath = global.config, database = global.database
        let web = DaemonWeb()
        var parts = DaemonParts(
            loadConfig: {
                var options = GlobalOptions()
                options.config = configPath
                options.database = database
                return try options.loadConfig(environment: environment)
            },
            makeWorkload: { config, store, logger in
                let workload = try DaemonWiring.workload(config: config, store: store, logger: logger)
                try web.update(config: config)
                return workload
            })
        parts.checkConfig = { _ = try DaemonWiring.load($0) }
        let housekeeping = Housekeeping()
        parts.afterPoll = { housekeeping.afterPoll($0, workload: $1, store: $2, logger: $3) }
        let zoneinfo = TimeZoneCheck.systemLondonPath(environment: environment)
        parts.timeZoneWarnings = { TimeZoneCheck.londonWarnings(path: zoneinfo) }
        do {
            try await Daemon(parts: parts, clock: clock, logger: logger, options: testHookOptions(environment)).run()
        } catch {
            await web.stop()
            throw error
        }
        await web.stop()
    }
}

/// Builds the daemon's work from a config: `Runtime.load` (policies, calendars: the loader
/// `check-config` uses, so the check and the daemon never disagree), the templates, and the
/// notification pipeline (`Poller`).
enum DaemonWiring {
    /// What the config names, loaded and checked without the store: policies, calendars, templates.
    static func load(_ config: DrwatchConfig) throws -> (Runtime, TemplateSet) {
        (try Runtime.load(config: config), try TemplateSet.load(config: config))
    }

    @Sendable static func workload(config: DrwatchConfig, store: any DisputeRepository, logger: Logger) throws -> DaemonWorkload {
        let (runtime, templates) = try load(config)
        for w in runtime.holidayWarnings { logger.warning("\(w)") }
        // One SMTP connection serves up to 20 messages; the Poller records each message as soon as
        // the server accepted it, so a kill mid-batch re-sends at most the message in flight
        // (DaemonCrashTests).
        let poller = try Poller(config: config, store: store, engine: { try runtime.engine(for: $0) },
                                templates: templates, logger: logger, emailBatchSize: 20)
        let names = runtime.policyNames
        // `[import] directory`: the drop folder is synced at the start of each poll.
        let work: any PollWork = config.imports.directory == nil ? poller
            : ImportingPollWork(dropFolder: DropFolderSync(runtime: runtime, store: store, templates: templates, logger: logger), work: poller)
        return DaemonWorkload(config: config, work: work,
                              oneOffsKnownThrough: runtime.calendars[config.division]?.oneOffsKnownThrough,
                              summary: "\(names.count) polic\(names.count == 1 ? "y" : "ies"): \(names.joined(separator: ", "))",
                              runtime: runtime)
    }
}
