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
    private let store: any DisputeRepository
    private let engineFor: @Sendable (Dispute) throws -> Engine
    private let templates: TemplateSet
    private let channels: DeliveryChannels
    private let logger: Logger
    private let backoff: Backoff
    private let jitter: @Sendable () -> Double
    private let work = WorkQueue(label: "drwatch.poller")
    /// Messages per SMTP connection (cancellation is checked between batches).
    private let emailBatchSize: Int

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

    // MARK: Plan and enqueue

    private func enqueue(now: Date, dryRun: Bool) async throws -> TickSummary {
        let (store, engineFor, config, templates, logger) = (self.store, self.engineFor, self.config, self.templates, self.logger)
        return try await work.run {
            var summary = TickSummary(now: now)
            let disputes = try store.disputes(openOnly: true)
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
            let cands = candidates(evaluated, config: config)
            let ids = cands.flatMap { $0.identities.map(\.identity) }
            // Rendering happens inside the transaction, for the identities not yet in the outbox only.
            func planNew(_ r: any DisputeReading) throws -> [PlannedMessage] {
                plan(cands, evaluated: evaluated, known: try r.knownIdentities(among: ids), templates: templates, now: now)
            }
            let planned: [PlannedMessage]
            if ids.isEmpty { planned = [] }
            else if dryRun { planned = try store.read { try planNew($0) } }
            else { planned = try store.write { tx in let p = try planNew(tx); try tx.enqueue(p.map(\.item)); return p } }
            summary.planned = planned
            summary.enqueued = planned.count
            for p in planned {
                var meta: Logger.Metadata = ["dispute.ref": "\(p.item.ref ?? "")", "identity": "\(p.item.identity)",
                                             "channel": "\(p.channel)", "recipients": "\(p.item.recipients.count)",
                                             "reason": "\(p.reason)"]
                if !p.unroutable.isEmpty { meta["unroutable"] = "\(p.unroutable.joined(separator: ","))" }
                logger.info(dryRun ? "Would enqueue notification" : "Notification enqueued", metadata: meta)
                if !p.unroutable.isEmpty {
                    logger.warning("No address for role; told the admin role instead", metadata: [
                        "dispute.ref": "\(p.item.ref ?? "")", "roles": "\(p.unroutable.joined(separator: ","))"])
                }
            }
            return summary
        }
    }

    // MARK: Deliver

    private func deliver(now: Date, summary: inout TickSummary) async throws {
        var rounds = 0
        while rounds < 50, !Task.isCancelled {
            rounds += 1
            let due = try await work.run { [store] in try store.duePending(now: now, limit: 200) }
            if due.isEmpty { return }
            var byChannel: [String: [OutboxEntry]] = [:]
            var order: [String] = []
            for e in due {
                if byChannel[e.item.channel] == nil { order.append(e.item.channel) }
                byChannel[e.item.channel, default: []].append(e)
            }
            for name in order {
                let entries = byChannel[name]!
                var start = 0
                while start < entries.count {
                    if Task.isCancelled { return }
                    let chunk = Array(entries[start..<min(start + emailBatchSize, entries.count)])
                    start += chunk.count
                    let results = await send(chunk, channel: Channel(stored: name), now: now)
                    for (entry, result) in zip(chunk, results) {
                        try await record(entry, delivered: result.delivered, error: result.error, now: now, summary: &summary)
                    }
                }
            }
            if due.count < 200 { return }
        }
    }

    /// One message's outcome: the recipients that accepted it, and the error that stopped the rest.
    struct Outcome: Sendable { var delivered: [String]; var error: DeliveryError? }

    private func send(_ entries: [OutboxEntry], channel: Channel, now: Date) async -> [Outcome] {
        switch channel {
        case .email, .files:
            var emails: [OutgoingEmail?] = []
            var outcomes = [Outcome?](repeating: nil, count: entries.count)
            for (i, e) in entries.enumerated() {
                if e.pendingRecipients.isEmpty { outcomes[i] = Outcome(delivered: [], error: nil); emails.append(nil); continue }
                do { emails.append(try channels.email(for: e)) } catch {
                    outcomes[i] = Outcome(delivered: [], error: error as? DeliveryError ?? DeliveryError(.invalidMessage, "\(error)"))
                    emails.append(nil)
                }
            }
            let batch = emails.compactMap { $0 }
            var results: [Outcome] = []
            if channel == .files {
                let files = channels.files
                results = (try? await work.run {
                    batch.map { email -> Outcome in
                        do { try files.write(email); return Outcome(delivered: email.envelopeRecipients, error: nil) } catch {
                            return Outcome(delivered: [], error: error as? DeliveryError ?? DeliveryError(.io, "cannot write the message file"))
                        }
                    }
                }) ?? []
            } else if let smtp = channels.smtp {
                results = await smtp.send(batch).map(Self.outcome)
            } else {
                let e = DeliveryError(.configuration, "[email] is no longer configured; requeue with drwatch outbox retry after fixing the config")
                results = batch.map { _ in Outcome(delivered: [], error: e) }
            }
            var k = 0
            for i in entries.indices where outcomes[i] == nil {
                outcomes[i] = k < results.count ? results[k] : Outcome(delivered: [], error: DeliveryError(.other, "no result"))
                k += 1
            }
            return outcomes.map { $0! }
        case .webhook(let name):
            guard let transport = channels.webhooks[name] else {
                let e = DeliveryError(.configuration, "webhook \(name) is no longer configured; requeue with drwatch outbox retry after fixing the config")
                return entries.map { _ in Outcome(delivered: [], error: e) }
            }
            var outcomes = [Outcome?](repeating: nil, count: entries.count)
            var batch: [OutgoingWebhook] = []
            for (i, e) in entries.enumerated() {
                do { batch.append(try DeliveryChannels.webhook(for: e)) } catch {
                    outcomes[i] = Outcome(delivered: [], error: error as? DeliveryError ?? DeliveryError(.invalidMessage, "\(error)"))
                }
            }
            let results = await transport.send(batch, at: now)
            var k = 0
            for i in entries.indices where outcomes[i] == nil {
                let r = k < results.count ? results[k] : nil; k += 1
                outcomes[i] = Outcome(delivered: [], error: r.map(\.error) ?? DeliveryError(.other, "no result"))
            }
            return outcomes.map { $0! }
        }
    }

    /// An SMTP result as an outcome: a permanent recipient error wins over a retryable one, so
    /// a refused address is parked rather than hammered.
    static func outcome(_ r: EmailResult) -> Outcome {
        let errors = r.recipients.compactMap(\.error) + (r.error.map { [$0] } ?? [])
        return Outcome(delivered: r.delivered, error: errors.first { !$0.isRetryable } ?? errors.first)
    }

    private func record(_ entry: OutboxEntry, delivered: [String], error: DeliveryError?, now: Date,
                        summary: inout TickSummary) async throws {
        let action = decide(entry, error: error, backoff: backoff, now: now, jitter: jitter())
        let (store, config, templates) = (self.store, self.config, self.templates)
        let notice: (OutboxItem, Channel)? = {
            if case .park(let reason, true) = action { return parkedNotice(for: entry, reason: reason, config: config, templates: templates, now: now) }
            return nil
        }()
        try await work.run {
            try store.write { tx in
                for address in delivered where entry.pendingRecipients.contains(address) {
                    try tx.markRecipientSent(id: entry.id, address: address, at: now)
                }
                switch action {
                case .sent: try tx.markSent(id: entry.id, at: now)
                case .retry(let at, let error): try tx.markAttemptFailed(id: entry.id, error: error, nextAttemptAt: at)
                case .park(let reason, _):
                    try tx.markAttemptFailed(id: entry.id, error: reason, nextAttemptAt: now)
                    try tx.park(id: entry.id, error: reason)
                    if let notice { try tx.enqueue([notice.0]) }
                }
            }
        }
        var meta: Logger.Metadata = ["dispute.ref": "\(entry.item.ref ?? "")", "identity": "\(entry.item.identity)",
                                     "channel": "\(entry.item.channel)", "attempt": "\(entry.attempts + 1)"]
        switch action {
        case .sent:
            summary.sent += 1
            logger.info("Notification delivered", metadata: meta)
        case .retry(let at, let error):
            summary.failed += 1
            meta["error"] = "\(error)"; meta["next_attempt"] = "\(ISO8601DateFormatter().string(from: at))"
            if !delivered.isEmpty { meta["delivered"] = "\(delivered.count)" }
            logger.warning("Delivery failed; will retry", metadata: meta)
        case .park(let reason, let notify):
            summary.parked += 1
            meta["error"] = "\(reason)"
            if let notice { meta["admin_notice"] = "\(notice.1)" }
            logger.error(notify && notice == nil ? "Notification parked; no other channel to tell the admin" : "Notification parked", metadata: meta)
        }
    }
}
