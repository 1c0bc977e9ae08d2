import ServiceConfig
import Recording
import Notifications
import Foundation

/// The loop's shared state: pending signals, the tick in flight, the phase for the watchdog.
final class LoopState: @unchecked Sendable {
    private let lock = NSLock()
    private var pending: [DaemonSignal] = []
    private var waiter: CheckedContinuation<DaemonSignal?, Never>?
    private var stopRequested = false
    private var cancelTick: (() -> Void)?
    private var pollStarted: ContinuousClock.Instant?

    var isStopRequested: Bool { lock.withLock { stopRequested } }

    /// Marks the stop; returns true if one was already requested.
    func requestStop() -> Bool {
        lock.withLock {
            let was = stopRequested
            stopRequested = true
            return was
        }
    }

    func post(_ signal: DaemonSignal) {
        lock.lock()
        if case .stop = signal { cancelTick?() }
        if let w = waiter {
            waiter = nil
            lock.unlock()
            w.resume(returning: signal)
            return
        }
        pending.append(signal)
        lock.unlock()
    }

    /// The next signal (a stop before any reload), or nil when the task is cancelled.
    func nextSignal() async -> DaemonSignal? {
        await withTaskCancellationHandler {
            await withCheckedContinuation { (c: CheckedContinuation<DaemonSignal?, Never>) in
                lock.lock()
                if let i = pending.firstIndex(where: { if case .stop = $0 { true } else { false } }) ?? (pending.isEmpty ? nil : 0) {
                    let s = pending.remove(at: i)
                    lock.unlock()
                    c.resume(returning: s)
                } else if Task.isCancelled {
                    lock.unlock()
                    c.resume(returning: nil)
                } else {
                    waiter = c
                    lock.unlock()
                }
            }
        } onCancel: {
            lock.lock()
            let w = waiter
            waiter = nil
            lock.unlock()
            w?.resume(returning: nil)
        }
    }

    /// Runs one tick as a child task that a stop cancels.
    func runTick(_ body: @escaping @Sendable () async throws -> PollReport) async throws -> PollReport {
        let task = Task { try await body() }
        lock.withLock {
            cancelTick = { task.cancel() }
            if stopRequested { task.cancel() }
        }
        defer { lock.withLock { cancelTick = nil } }
        return try await task.value
    }

    func beginPoll() { lock.withLock { pollStarted = .now } }
    func endPoll() { lock.withLock { pollStarted = nil } }
    /// How long the poll in flight has run (nil between polls).
    var pollRunningFor: Duration? { lock.withLock { pollStarted.map { .now - $0 } } }
}
