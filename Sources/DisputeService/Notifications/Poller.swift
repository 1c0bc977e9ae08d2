import Delivery
import DisputeCore
import DisputeStore
import Foundation
import Logging

/// A dispute the poll could not serve (its policy left the config, a bad row...): by reference only.
public struct TickSkip: Sendable, Equatable {
    public var ref: String
    public var reason: String
}

/// What one poll did.
public struct TickSummary: Sendable {
    /// The poll's `now`.
    public var now: Date
    public var openDisputes = 0
    /// Disputes whose stage is overdue or whose statutory total is breached.
    public var overdue = 0
    /// Messages added to the outbox (dry run: that would be added).
    public var enqueued = 0
    /// Messages delivered to every recipient in this poll.
    public var sent = 0
    /// Attempts that failed and will be retried.
    public var failed = 0
    /// Messages parked in this poll (retries ran out, or a permanent error).
    public var parked = 0
    /// Messages still waiting (pending or failed) after the poll.
    public var pending = 0
    /// When the next poll should run at the latest: the earliest engine trigger or retry.
    public var nextWakeUp: Date?
    /// Disputes skipped, with why.
    public var skipped: [TickSkip] = []
    /// The messages enqueued (or, in a dry run, that would be), with why.
    public var planned: [PlannedMessage] = []
    /// In a dry run: the outbox messages that would be delivered now.
    public var due: [OutboxEntry] = []

    /// `12 open disputes, 2 overdue, 0 pending` (systemd STATUS=).
    public var statusLine: String {
        "\(openDisputes) open dispute\(openDisputes == 1 ? "" : "s"), \(overdue) overdue, \(pending) pending"
            + (skipped.isEmpty ? "" : ", \(skipped.count) skipped")
    }
}

/// A set of outbox identities shared by the polls of one Poller.
final class IdentityCache: @unchecked Sendable {
    private let lock = NSLock()
    private var set = Set<String>()
    func unknown(_ ids: [String]) -> [String] { lock.lock(); defer { lock.unlock() }; return ids.filter { !set.contains($0) } }
    func withSet<T>(_ body: (Set<String>) -> T) -> T { lock.lock(); defer { lock.unlock() }; return body(set) }
    func insert<S: Sequence>(_ ids: S) where S.Element == String { lock.lock(); set.formUnion(ids); lock.unlock() }
}

/// Runs blocking work (SQLite, evaluation of every dispute, file writes) on its own serial
/// queue, never on the two threads of the Swift concurrency pool.
final class WorkQueue: Sendable {
    private let queue: DispatchQueue
    init(label: String) { queue = DispatchQueue(label: label) }

    func run<T: Sendable>(_ body: @escaping @Sendable () throws -> T) async throws -> T {
        try await withCheckedThrowingContinuation { cont in
            queue.async { cont.resume(with: Result { try body() }) }
        }
    }
}

/// One poll of the notification pipeline: evaluate every open dispute at `now`, enqueue the
/// new notifications in one transaction, deliver what is due, record each result.
///
/// The daemon calls `tick` once per poll; `drwatch tick` calls it once. Nothing here reads the
/// clock: `now` is the parameter.
public final class Poller: Sendable {
    public let config: DrwatchConfig
    let store: any DisputeRepository
    private let engineFor: @Sendable (Dispute) throws -> Engine
    let templates: TemplateSet
    let channels: DeliveryChannels
    let logger: Logger
    let backoff: Backoff
    let jitter: @Sendable () -> Double
    let work = WorkQueue(label: "drwatch.poller")
    /// Identities known to be in the outbox (rows are never deleted, so this only grows): a
    /// poll with nothing new asks the store nothing and writes nothing.
    private let inOutbox = IdentityCache()
    /// Messages per SMTP connection (cancellation is checked between batches).
    let emailBatchSize: Int

    /// - Parameters:
    ///   - config: the loaded config (roles, transports, `[delivery]`).
    ///   - store: the open, migrated store.
    ///   - engine: the engine for a dispute (`Runtime.engine(for:)`); throws when its policy is not loaded.
    ///   - templates: the message templates (`TemplateSet.load(config:)`).
    ///   - logger: one line per decision and delivery, with `dispute.ref`.
    ///   - channels: the transports; built from `config` when nil.
    ///   - jitter: a random value in `[0, 1]` for the retry backoff (tests pass a constant).
    ///   - emailBatchSize: messages per SMTP connection.
    /// - Throws: `DeliveryError` (`.configuration`) when a transport cannot be built.
    public init(config: DrwatchConfig, store: any DisputeRepository, engine: @escaping @Sendable (Dispute) throws -> Engine,
                templates: TemplateSet, logger: Logger, channels: DeliveryChannels? = nil,
                jitter: @escaping @Sendable () -> Double = { Double.random(in: 0...1) }, emailBatchSize: Int = 20) throws {
        self.config = config
        self.store = store
        self.engineFor = engine
        self.templates = templates
        self.logger = logger
        self.channels = try channels ?? DeliveryChannels(config: config, logger: logger)
        self.backoff = Backoff(base: TimeInterval(config.delivery.backoffSeconds), cap: 6 * 3600,
                               maxAttempts: config.delivery.maxAttempts)
        self.jitter = jitter
        self.emailBatchSize = max(1, emailBatchSize)
    }

    /// One poll at `now`.
    ///
    /// - Parameters:
    ///   - now: the poll's time, read once by the caller.
    ///   - dryRun: plan and report, write and send nothing.
    /// - Returns: what was done (or would be).
    /// - Throws: `StoreError` when the store cannot be read or written (the poll changed
    ///   nothing it had not committed); cancellation stops delivery between messages.
    public func tick(now: Date, dryRun: Bool = false) async throws -> TickSummary {
        var summary = try await enqueue(now: now, dryRun: dryRun)
        if dryRun {
            summary.due = try await work.run { [store] in try store.duePending(now: now, limit: 10_000) }
        } else {
            try await deliver(now: now, summary: &summary)
        }
        let (counts, next) = try await work.run { [store] in (try store.outboxCounts(), try store.nextAttemptAt()) }
        summary.pending = counts.pending + counts.failed
        if let next { summary.nextWakeUp = min(summary.nextWakeUp ?? next, max(next, now)) }
        logger.info("Poll done", metadata: ["status": "\(summary.statusLine)", "enqueued": "\(summary.enqueued)",
                                            "sent": "\(summary.sent)", "failed": "\(summary.failed)", "parked": "\(summary.parked)"])
        return summary
    }

    /// The first half of a poll: evaluate and enqueue, deliver nothing (benchmarks, tools).
    public func enqueueOnly(now: Date) async throws -> TickSummary {
        try await enqueue(now: now, dryRun: false)
    }

    // MARK: Plan and enqueue

    private func enqueue(now: Date, dryRun: Bool) async throws -> TickSummary {
        let (store, engineFor, config, templates, logger, inOutbox) = (self.store, self.engineFor, self.config, self.templates, self.logger, self.inOutbox)
        return try await work.run {
            var summary = TickSummary(now: now)
            let (disputes, unreadable) = try openDisputes(store: store, logger: logger)   // bad rows: logged, skipped
            summary.skipped = unreadable
            summary.openDisputes = disputes.count
            let contexts = childContexts(disputes)
            var evaluated: [Evaluated] = []
            evaluated.reserveCapacity(disputes.count)
            for (d, context) in zip(disputes, contexts) {
                do {
                    let engine = try engineFor(d)
                    let e = try engine.evaluate(d, context: context, now: now)
                    if e.state == .overdue || e.state == .statutoryBreached { summary.overdue += 1 }
                    if let w = e.nextWakeUp { summary.nextWakeUp = min(summary.nextWakeUp ?? w, w) }
                    if !e.intents.isEmpty { evaluated.append(Evaluated(dispute: d, evaluation: e, engine: engine)) }
                } catch {
                    summary.skipped.append(TickSkip(ref: d.ref, reason: "\(error)"))
                    logger.error("Dispute skipped", metadata: ["dispute.ref": "\(d.ref)", "reason": "\(error)"])
                }
            }
            let cands = inOutbox.withSet { known in candidates(evaluated, config: config, isKnown: { known.contains($0) }) }
            let ids = inOutbox.unknown(cands.flatMap { $0.identities.map(\.identity) })
            // Rendering happens inside the transaction, for the identities not yet in the outbox only.
            func planNew(_ r: any DisputeReading) throws -> [PlannedMessage] {
                let known = try r.knownIdentities(among: ids)
                inOutbox.insert(known)
                let fresh = Set(ids).subtracting(known)
                let relevant = cands.filter { $0.identities.contains { fresh.contains($0.identity) } }
                let notFresh = Set(relevant.flatMap { $0.identities.map(\.identity) }).subtracting(fresh)
                return plan(relevant, evaluated: evaluated, known: notFresh, templates: templates, now: now)
            }
            let planned: [PlannedMessage]
            if ids.isEmpty { planned = [] }
            else if dryRun { planned = try store.read { try planNew($0) } }
            else {
                planned = try store.write { tx in let p = try planNew(tx); try tx.enqueue(p.map(\.item)); return p }
                inOutbox.insert(planned.map(\.item.identity))
            }
            summary.planned = planned
            summary.enqueued = planned.count
            for p in planned {
                var meta: Logger.Metadata = ["dispute.ref": "\(p.item.ref ?? "")", "identity": "\(p.item.identity)",
                                             "channel": "\(p.channel)", "recipients": "\(p.item.recipients.count)",
                                             "reason": "\(p.reason)"]
                if !p.unroutable.isEmpty { meta["unroutable"] = "\(p.unroutable.joined(separator: ","))" }
                logger.info(dryRun ? "Would enqueue notification" : "Notification enqueued", metadata: meta)
                if !p.unroutable.isEmpty {
                    logger.warning("No address for role; the admin role receives it instead", metadata: [
                        "dispute.ref": "\(p.item.ref ?? "")", "roles": "\(p.unroutable.joined(separator: ","))"])
                }
            }
            return summary
        }
    }
}

extension Poller {
    /// The poller of a loaded runtime (config, policies, calendars): what `drwatch run` and
    /// `drwatch tick` use.
    ///
    /// - Parameters:
    ///   - runtime: from `Runtime.load(config:)`.
    ///   - store: the open, migrated store.
    ///   - logger: one line per decision and delivery.
    ///   - templates: the message templates; loaded from the config (`templates_dir` over the
    ///     shipped ones) when nil.
    /// - Throws: `ConfigFileError` for a missing or broken template, `DeliveryError` for a
    ///   transport the config cannot describe.
    public convenience init(runtime: Runtime, store: any DisputeRepository, logger: Logger,
                            templates: TemplateSet? = nil) throws {
        try self.init(config: runtime.config, store: store, engine: { try runtime.engine(for: $0) },
                      templates: try templates ?? TemplateSet.load(config: runtime.config), logger: logger)
    }
}
