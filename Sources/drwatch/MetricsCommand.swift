import ArgumentParser
import DisputeService
import Notifications
import Recording
import ServiceConfig
import Foundation

/// `drwatch metrics`: prints the Prometheus metrics (what `[metrics] textfile` and the web
/// app's `/metrics` hold), for a look or a cron job.
struct MetricsCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "metrics",
        abstract: "Print the Prometheus metrics (text format 0.0.4).")

    @OptionGroup var global: GlobalOptions
    @Option(help: ArgumentHelp("Evaluate the open disputes as at this time (ISO 8601).", valueName: "time")) var at: String?

    func run() throws {
        let session = try Session(global)
        let now = try parseAt(at)
        writeOut(PrometheusMetrics.render(try PrometheusMetrics.snapshot(store: session.store, runtime: session.runtime, now: now)))
    }
}
