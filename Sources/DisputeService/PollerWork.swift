import ServiceConfig
import Recording
import Notifications
import Foundation

/// The daemon polls through the notification pipeline.
extension Poller: PollWork {
    public func poll(now: Date) async throws -> PollReport {
        let summary = try await tick(now: now, dryRun: false)
        return PollReport(statusLine: summary.statusLine, nextWakeUp: summary.nextWakeUp)
    }
}
