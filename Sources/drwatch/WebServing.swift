import DisputeCore
import DisputeService
import DisputeStore
import Notifications
import Recording
import ServiceConfig
import Foundation
import Logging
import Web

// The web app's life in a process: `drwatch serve` (alone) and `drwatch run` with
// `[web] serve_in_run = true` (beside the daemon). Both reload it on SIGHUP the daemon's way:
// the new config is validated whole, then swapped in, or refused and the running one kept.

enum WebServing {
    /// Loads what a reload needs from `config`, checked as the daemon checks it: the policies
    /// and calendars (`Runtime.load`, as `check-config`) and the templates.
    static func runtime(for config: DrwatchConfig) throws -> Runtime {
        let runtime = try Runtime.load(config: config)
        _ = try TemplateSet.load(config: config)
        return runtime
    }

    /// `drwatch serve`: serves until SIGTERM or SIGINT (exit 0): the app drains (new connections
    /// refused, requests in flight completed, at most `WebApp.drainLimit`); a second SIGTERM or
    /// SIGINT stops at once. SIGHUP reloads.
    ///
    /// - Parameter loadConfig: reads and validates the config file (at each SIGHUP).
    static func serve(_ app: WebApp, database: String, loadConfig: @escaping @Sendable () throws -> DrwatchConfig, logger: Logger) async throws {
        let (signals, continuation) = AsyncStream.makeStream(of: DaemonSignal.self)
        DaemonSignals.install { continuation.yield($0) }
        let web = app.web
        let serving = Task {
            try await app.run {
                logger.notice("Serving the web app", metadata: ["listen": "\(web.host):\(web.port)", "base_url": "\(web.baseURL)"])
            }
        }
        Task {
            _ = await serving.result
            continuation.finish()
        }
        var stopping = false
        for await signal in signals {
            switch signal {
            case .stop(let s):
                let name = s == SIGINT ? "SIGINT" : "SIGTERM"
                guard !stopping else {
                    logger.warning("Stopping the web app now: requests in flight are cut off", metadata: ["signal": "\(name)"])
                    serving.cancel()
                    continue
                }
                stopping = true
                logger.notice("Stopping the web app: no new connections, finishing the requests in flight", metadata: ["signal": "\(name)"])
                await app.drain()
            case .reload:
                reload(app, database: database, loadConfig: loadConfig, logger: logger)
            }
        }
        try await serving.value
        logger.info("The web app stopped")
    }

    /// SIGHUP: the config, policies and templates are re-read and checked whole; a bad one is
    /// refused (logged) and the running one kept.
    static func reload(_ app: WebApp, database: String, loadConfig: () throws -> DrwatchConfig, logger: Logger) {
        logger.notice("SIGHUP: reloading the web app's config, policies and templates")
        do {
            let config = try loadConfig()
            guard config.database == database else {
                throw CommandFailure("the new config names the database \(config.database), but the web app serves \(database); a different database needs a restart", code: Sysexits.config)
            }
            try app.reload(runtime: try runtime(for: config), web: config.web ?? WebConfig())
            logger.notice("Reloaded the web app's config and policies", metadata: ["policies": "\(app.runtime.policyNames.joined(separator: ", "))"])
        } catch {
            logger.error("Reload refused: the new config, a policy or a template is invalid; keeping the running ones. Fix it and reload again",
                         metadata: ["error": "\(error)"])
        }
    }
}

/// The web app inside `drwatch run` (`[web] serve_in_run = true`): started with the daemon's
/// first workload, reloaded with each new one (SIGHUP; the daemon refuses the whole reload when
/// the web's part fails), stopped after the daemon's loop ends (SIGTERM).
final class DaemonWeb: @unchecked Sendable {
    private let lock = NSLock()
    private var app: WebApp?
    private var task: Task<Void, Never>?
    private let logger = Logger(label: "drwatch-web")

    /// Called with each config the daemon accepts (at start, then at each SIGHUP).
    func update(config: DrwatchConfig) throws {
        lock.lock(); defer { lock.unlock() }
        guard let web = config.web, web.serveInRun else {
            if app != nil { logger.warning("[web] serve_in_run is off in the new config; the web app stops at the next restart") }
            return
        }
        let runtime = try WebServing.runtime(for: config)
        if let app {
            try app.reload(runtime: runtime, web: web)
            logger.notice("Reloaded the web app's config and policies")
            return
        }
        let started = try WebApp(runtime: runtime, web: web, database: try StoreLocation(setting: config.database), password: try config.databasePassword(), logger: logger)
        let logger = self.logger
        app = started
        task = Task {
            do {
                try await started.run {
                    logger.notice("Serving the web app", metadata: ["listen": "\(web.host):\(web.port)", "base_url": "\(web.baseURL)"])
                }
            } catch {
                logger.error("The web app stopped: it could not serve; the daemon goes on sending reminders. Fix [web] listen and restart",
                             metadata: ["error": "\(error)"])
            }
        }
    }

    /// Stops serving (after the daemon's loop has ended): drains as `drwatch serve` does on
    /// SIGTERM (requests in flight complete, at most `WebApp.drainLimit`).
    func stop() async {
        let (task, app) = lock.withLock { (self.task, self.app) }
        guard let task else { return }
        await app?.drain()
        await task.value
        logger.info("The web app stopped")
    }
}
