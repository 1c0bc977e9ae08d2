import Foundation
import Notifications

/// What the poll benchmarks (`tick`, `firstpoll`) share: running an async poll from synchronous
/// benchmark code, and timing.
protocol PollBenchmark {}

extension PollBenchmark {
    /// Runs an async poll from synchronous benchmark code.
    static func syncTick(_ body: @escaping @Sendable () async throws -> TickSummary) throws -> TickSummary {
        let box = TickResultBox()
        let done = DispatchSemaphore(value: 0)
        Task { do { box.result = .success(try await body()) } catch { box.result = .failure(error) }; done.signal() }
        done.wait()
        return try box.result!.get()
    }

    /// How long `body` took, in seconds.
    static func time(_ body: () throws -> Void) throws -> Double {
        let t0 = DispatchTime.now().uptimeNanoseconds
        try body()
        return Double(DispatchTime.now().uptimeNanoseconds - t0) / 1e9
    }

    static func ms(_ seconds: Double) -> Int { Int((seconds * 1000).rounded()) }
}

/// Carries a poll's result from its task back to the waiting benchmark (the semaphore orders the accesses).
final class TickResultBox: @unchecked Sendable { var result: Result<TickSummary, Error>? }
