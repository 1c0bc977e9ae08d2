import ServiceConfig
import Recording
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
    /// Closed disputes still evaluated after the poll, until their closing notices are in the outbox.
    public var closedAwaitingNotices = 0
    /// Disputes whose stage is overdue or whose statutory total is breached.
    public var overdue = 0
    /// Messages added to the outbox (dry run: that would be added).
    public var enqueued = 0
    /// Transactions that added them (each commits at most the Poller's `enqueueBatchSize`).
    public var enqueueBatches = 0
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
    /// The messages enqueued (or, in a dry run, that would be), with why: after a poll that wrote,
    /// the first `plannedKept` of them only (`enqueued` counts them all).
    public var planned: [PlannedMessage] = []
    /// In a dry run: the outbox messages that would be delivered now.
    public var due: [OutboxEntry] = []

    /// `12 open disputes, 2 overdue, 0 pending` (systemd STATUS=).
    public var statusLine: String {
        "\(openDisputes) open dispute\(openDisputes == 1 ? "" : "s"), \(overdue) overdue, \(pending) pending"
            + (skipped.isEmpty ? "" : ", \(skipped.count) skipped")
    }
}

/// What the polls of one Poller share: the open disputes and the outbox identities known to be
/// enqueued. Touched only on the Poller's serial work queue.
final class PollState: @unchecked Sendable {
    let open = OpenDisputes()
    var known = KnownIdentities()
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
/// new notifications in bounded batches (each its own transaction), deliver what is due,
/// record each result.
///
/// The daemon calls `tick` once per poll; `drwatch tick` calls it once. Nothing here reads the
/// clock: `now` is the parameter.
public final class Poller: Sendable {
    public let config: DrwatchConfig
    let store: any DisputeRepository
    let engineFor: @Sendable (Dispute) throws -> Engine
    let templates: TemplateSet
    let channels: DeliveryChannels
    let logger: Logger
    let backoff: Backoff
    let jitter: @Sendable () -> Double
    let work = WorkQueue(label: "drwatch.poller")
    /// The open disputes, kept from poll to poll and refreshed from the store's changes, and the
    /// identities known to be in the outbox: a poll with nothing new reads only the change
    /// counter, evaluates in memory, and writes nothing.
    private let state = PollState()
    /// Messages per SMTP connection (cancellation is checked between batches).
    let emailBatchSize: Int
    /// Notices rendered and enqueued per transaction: a poll that finds more due commits them in
    /// batches of this many, one after the other.
    let enqueueBatchSize: Int
    /// Messages a summary lists in `planned` after a poll that wrote (a dry run lists them all).
    let plannedKept: Int

    /// - Parameters:
    ///   - config: the loaded config (roles, transports, `[delivery]`).
    ///   - store: the open, migrated store.
    ///   - engine: the engine for a dispute (`Runtime.engine(for:)`); throws when its policy is not loaded.
    ///   - templates: the message templates (`TemplateSet.load(config:)`).
    ///   - logger: one line per decision and delivery, with `dispute.ref`.
    ///   - channels: the transports; built from `config` when nil.
    ///   - jitter: a random value in `[0, 1]` for the retry backoff (tests pass a constant).
    ///   - emailBatchSize: messages per SMTP connection.
    ///   - enqueueBatchSize: notices rendered and enqueued per transaction (default 1,000).
    ///   - plannedKept: messages a summary lists in `planned` after a poll that wrote; `enqueued`
    ///     counts them all (default 1,000).
    /// - Throws: `DeliveryError` (`.configuration`) when a transport cannot be built.
    public init(config: DrwatchConfig, store: any DisputeRepository, engine: @escaping @Sendable (Dispute) throws -> Engine,
                templates: TemplateSet, logger: Logger, channels: DeliveryChannels? = nil,
                jitter: @escaping @Sendable () -> Double = { Double.random(in: 0...1) }, emailBatchSize: Int = 20,
                enqueueBatchSize: Int = 1_000, plannedKept: Int = 1_000) throws {
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
        self.enqueueBatchSize = max(1, enqueueBatchSize)
        self.plannedKept = max(0, plannedKept)
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
        try await enqueuePauseRequestNotices(now: now, dryRun: dryRun, summary: &summary)
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
        let (store, engineFor, config, templates, logger, state) = (self.store, self.engineFor, self.config, self.templates, self.logger, self.state)
        let (enqueueBatchSize, plannedKept) = (self.enqueueBatchSize, self.plannedKept)
        return try await work.run {
            var summary = TickSummary(now: now)
            let open = state.open
            // Only what changed since the last poll (everything at the first one, or when the store was rebuilt).
            let refresh = try store.read { r in
                let refresh = try open.refresh(from: r, now: now) {
                    state.known.removeAll()
                    try r.forEachOutboxIdentityOfOpenDisputes { state.known.insert($0) }
                }
                // Repeat contexts count every earlier record of the child, closed ones included (same snapshot).
                try open.updateContexts { try r.earlierRecordCounts() }
                return refresh
            }
            if refresh != .unchanged {
                logger.debug("Open disputes refreshed", metadata: ["refresh": "\(refresh)", "open": "\(open.count)"])
            }
            // Bad rows (an impossible date...): logged and skipped by reference at every poll; the others are served.
            for u in open.unreadable {
                summary.skipped.append(TickSkip(ref: u.ref, reason: u.reason))
                logger.error("Dispute skipped", metadata: ["dispute.ref": "\(u.ref)", "reason": "\(u.reason)"])
            }
            summary.openDisputes = open.count

            let hooksByRole = config.webhooksByRole
            /// Whether every outbox identity the intent can produce (mail, each webhook of its role) is known.
            func isKnown(_ intent: NotificationIntent) -> Bool {
                let id = intent.identity
                guard state.known.contains(id) else { return false }
                guard let hooks = hooksByRole[intent.role] else { return true }
                return hooks.allSatisfy { state.known.contains(hash: KnownIdentities.hash(id, hook: $0)) }
            }

            // Evaluate every open dispute; keep the ones with an intent not known to be in the outbox.
            // A Pending is 24 bytes (100,000 of them after a bulk import): the batch path's
            // evaluation stays in its group's batch and its engine is the group's; only a dispute
            // evaluated one by one keeps its own (`single`).
            struct Pending { var id: Int64; var group: Int32; var index: Int32; var single: Int32 }
            var pending: [Pending] = []
            var groupEngines: [Engine?] = Array(repeating: nil, count: open.groups.count)
            var singles: [(evaluation: Evaluation, engine: Engine)] = []
            var skipped: [(id: Int64, skip: TickSkip)] = []
            // Closed disputes whose closing notices are all in the outbox: no longer evaluated after this poll.
            var closingDone: [Int64] = []
            func count(_ state: DisputeState, _ wake: Date?) {
                if state == .overdue || state == .statutoryBreached { summary.overdue += 1 }
                if let w = wake { summary.nextWakeUp = min(summary.nextWakeUp ?? w, w) }
            }
            for (gi, g) in open.groups.enumerated() where !g.disputes.isEmpty {
                g.batch.removeAll()
                if let engine = try? engineFor(g.disputes[0]),
                   (try? engine.evaluateAll(g.disputes, contexts: g.contexts, now: now, into: &g.batch)) != nil {
                    groupEngines[gi] = engine
                    for i in 0..<g.batch.count {
                        let entry = g.batch.entries[i]
                        count(entry.state, entry.nextWakeUp)
                        if entry.intentsDue > 0, !g.batch.intents(i).allSatisfy(isKnown) {
                            pending.append(Pending(id: g.ids[i], group: Int32(gi), index: Int32(i), single: -1))
                        } else if !open.closedIDs.isEmpty, open.closedIDs.contains(g.ids[i]) {
                            closingDone.append(g.ids[i])
                        }
                    }
                    continue
                }
                // The group's policy is not loaded, or a dispute cannot be evaluated: one by one, skipping those that fail.
                for i in g.disputes.indices {
                    do {
                        let engine = try engineFor(g.disputes[i])
                        let e = try engine.evaluate(g.disputes[i], context: g.contexts[i], now: now)
                        count(e.state, e.nextWakeUp)
                        if !e.intents.isEmpty, !e.intents.allSatisfy(isKnown) {
                            singles.append((e, engine))
                            pending.append(Pending(id: g.ids[i], group: Int32(gi), index: Int32(i), single: Int32(singles.count - 1)))
                        } else if open.closedIDs.contains(g.ids[i]) {
                            closingDone.append(g.ids[i])
                        }
                    } catch {
                        skipped.append((g.ids[i], TickSkip(ref: g.disputes[i].ref, reason: "\(error)")))
                    }
                }
            }
            for (_, s) in skipped.sorted(by: { $0.id < $1.id }) {
                summary.skipped.append(s)
                logger.error("Dispute skipped", metadata: ["dispute.ref": "\(s.ref)", "reason": "\(s.reason)"])
            }

            // Route and render only those, with their people read from the store, in store order,
            // in batches of at most `enqueueBatchSize` notices: each rendered and enqueued in its own
            // transaction, committed before the next is rendered (memory holds one batch; a kill
            // keeps every committed batch, and the next poll finds those in the outbox).
            pending.sort { $0.id < $1.id }
            var batch = EnqueueBatch(limit: enqueueBatchSize)
            var flushes = 0
            func flush(_ b: EnqueueBatch) throws {
                flushes += 1
                let ids = b.identities
                func planNew(_ r: any DisputeReading) throws -> [PlannedMessage] {
                    let known = try r.knownIdentities(among: ids)
                    state.known.insert(known)
                    return plan(b.candidates, evaluated: b.evaluated, known: known, templates: templates, now: now)
                }
                let planned: [PlannedMessage]
                if dryRun { planned = try store.read { try planNew($0) } }
                else {
                    planned = try store.write { tx in let p = try planNew(tx); try tx.enqueue(p.map(\.item)); return p }
                    state.known.insert(planned.map(\.item.identity))
                    summary.enqueueBatches += 1
                    logger.debug("Enqueue batch committed", metadata: ["batch": "\(summary.enqueueBatches)", "enqueued": "\(planned.count)"])
                }
                let before = summary.enqueued
                summary.enqueued += planned.count
                let room = dryRun ? planned.count : max(0, plannedKept - summary.planned.count)
                summary.planned.append(contentsOf: planned.prefix(room))
                self.log(planned, dryRun: dryRun, alreadyLogged: before, batch: flushes, total: summary.enqueued)
            }
            var start = 0
            while start < pending.count {
                let chunk = pending[start..<min(start + 500, pending.count)]
                start += chunk.count
                let people = try store.read { try $0.disputes(ids: chunk.map(\.id)) }
                for p in chunk {
                    let g = open.groups[Int(p.group)]
                    guard let stored = people[p.id] else { continue }
                    var d = g.disputes[Int(p.index)]
                    d.people = stored.people
                    let (evaluation, engine) = p.single >= 0 ? singles[Int(p.single)] : (g.batch.evaluation(Int(p.index)), groupEngines[Int(p.group)]!)
                    let e = Evaluated(dispute: d, evaluation: evaluation, engine: engine, storeID: p.id)
                    var cands = candidates([e], config: config, isKnown: { state.known.contains($0) })
                    for i in cands.indices { cands[i].identities.removeAll { state.known.contains($0.identity) } }
                    try batch.add(e, candidates: cands, flush: flush)
                }
            }
            if !batch.isEmpty { try flush(batch) }
            if !dryRun {
                // A closed dispute evaluated now has every notice in the outbox (enqueued, or found there).
                for p in pending where open.closedIDs.contains(p.id) { closingDone.append(p.id) }
                open.dropClosed(closingDone)
            }
            summary.closedAwaitingNotices = open.closedIDs.count
            return summary
        }
    }

    /// Messages of one poll logged one by one at info level; the rest at debug level, with one
    /// info line per batch (a bulk first poll enqueues 100,000).
    static let noticesLoggedPerPoll = 50

    /// One line per message enqueued (or, in a dry run, that would be), with why: at info level
    /// for the poll's first `noticesLoggedPerPoll`, then at debug level, each batch beyond them
    /// summed up in one info line (and its messages for roles without an address in one warning).
    ///
    /// - Parameters:
    ///   - alreadyLogged: messages of this poll in earlier batches.
    ///   - batch: the batch's number in the poll; `total`: messages of the poll so far, this batch included.
    private func log(_ planned: [PlannedMessage], dryRun: Bool, alreadyLogged: Int, batch: Int, total: Int) {
        let limit = Self.noticesLoggedPerPoll
        var unroutableRoles = Set<String>(), unroutableCount = 0
        for (i, p) in planned.enumerated() {
            let oneByOne = alreadyLogged + i < limit
            var meta: Logger.Metadata = ["dispute.ref": "\(p.item.ref ?? "")", "identity": "\(p.item.identity)",
                                         "channel": "\(p.channel)", "recipients": "\(p.item.recipients.count)",
                                         "reason": "\(p.reason)"]
            if !p.unroutable.isEmpty { meta["unroutable"] = "\(p.unroutable.joined(separator: ","))" }
            logger.log(level: oneByOne ? .info : .debug, "\(dryRun ? "Would enqueue notification" : "Notification enqueued")", metadata: meta)
            if !p.unroutable.isEmpty {
                if oneByOne {
                    logger.warning("No address for role; the admin role receives it instead", metadata: [
                        "dispute.ref": "\(p.item.ref ?? "")", "roles": "\(p.unroutable.joined(separator: ","))"])
                } else {
                    unroutableRoles.formUnion(p.unroutable); unroutableCount += 1
                }
            }
        }
        guard alreadyLogged + planned.count > limit, !planned.isEmpty else { return }
        let counted = min(planned.count, alreadyLogged + planned.count - limit)
        logger.info("\(dryRun ? "Would enqueue notifications" : "Notifications enqueued") (one line each at debug level)", metadata: [
            "batch": "\(batch)", "notifications": "\(counted)", "total": "\(total)"])
        if unroutableCount > 0 {
            logger.warning("No address for role; the admin role receives it instead", metadata: [
                "roles": "\(unroutableRoles.sorted().joined(separator: ","))", "notifications": "\(unroutableCount)"])
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
