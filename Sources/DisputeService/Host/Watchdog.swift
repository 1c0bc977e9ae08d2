import ServiceConfig
import Recording
import Notifications
import Foundation
import Logging

/// Feeds systemd's watchdog (WATCHDOG=1 at half of WatchdogSec) from its own thread, so a
/// busy cooperative pool cannot starve it; stops feeding when a poll is stuck.
final class Watchdog: @unchecked Sendable {
    private let notifier: SystemdNotifier
    private let state: LoopState
    private let stallLimit: Duration
    private let logger: Logger
    private let condition = NSCondition()
    private var stopped = false
    private var started = false

    init(notifier: SystemdNotifier, state: LoopState, stallLimit: Duration, logger: Logger) {
        self.notifier = notifier
        self.state = state
        self.stallLimit = stallLimit
        self.logger = logger
    }

    /// Starts feeding (once: a second call does nothing).
    func start() {
        guard let interval = notifier.watchdogInterval else { return }
        let first = condition.withLock {
            defer { started = true }
            return !started
        }
        guard first else { return }
        let seconds = Double(interval.components.seconds) + Double(interval.components.attoseconds) / 1e18
        let thread = Thread { [self] in
            var warned = false
            while true {
                if let running = state.pollRunningFor, running > stallLimit {
                    if !warned {
                        logger.critical("A poll has run for \(running); no longer feeding the watchdog, so systemd restarts drwatch")
                        warned = true
                    }
                } else {
                    warned = false
                    notifier.watchdog()
                }
                condition.lock()
                let deadline = Date().addingTimeInterval(seconds)
                while !stopped && Date() < deadline { _ = condition.wait(until: deadline) }
                let done = stopped
                condition.unlock()
                if done { return }
            }
        }
        thread.name = "drwatch-watchdog"
        thread.start()
    }

    func stop() {
        condition.lock()
        stopped = true
        condition.signal()
        condition.unlock()
    }
}
