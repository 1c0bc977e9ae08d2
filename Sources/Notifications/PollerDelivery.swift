import ServiceConfig
import Recording
import Delivery
import DisputeCore
import DisputeStore
import Foundation
import Logging
import WorkingDays

/// The delivery half of a poll: take the due outbox entries, send them per channel, record each
/// result (sent, retry with backoff, or parked with a notice to the admin role).
///
/// Exactly once in effect: each message's result is written to the store in its own small
/// transaction as soon as the transport has the server's final reply to it, before the next
/// message of the batch is sent (the transports call back on their own thread). A kill at any
/// instant re-sends at most the one message in flight, while one connection still serves a
/// whole batch. Cancellation (SIGTERM) is checked between messages: the message in flight is
/// finished and recorded, the rest stay pending.
extension Poller {
    func deliver(now: Date, summary: inout TickSummary) async throws {
        var rounds = 0
        while rounds < 50, !Task.isCancelled {
            rounds += 1
            let due = try await work.run { [store] in try store.duePending(now: now, limit: 200) }
            if due.isEmpty { return }
            let parkedBefore = summary.parked
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
                    let recorded = RecordedActions()
                    defer { for a in recorded.actions { Self.count(a, in: &summary) } }
                    await send(chunk, channel: Channel(stored: name), now: now, recorded: recorded)
                    if let error = recorded.error { throw error }
                }
            }
            // Admin notices enqueued by this round are due now: one more round delivers them.
            if due.count < 200 && summary.parked == parkedBefore { return }
        }
    }

    /// What the messages of one chunk were recorded as (written from the transport's thread),
    /// and the store error that stopped the chunk, if any.
    final class RecordedActions: @unchecked Sendable {
        private let lock = NSLock()
        private var _actions: [DeliveryAction] = []
        private var _error: (any Error)?
        var actions: [DeliveryAction] { lock.lock(); defer { lock.unlock() }; return _actions }
        var error: (any Error)? { lock.lock(); defer { lock.unlock() }; return _error }
        func add(_ a: DeliveryAction) { lock.lock(); _actions.append(a); lock.unlock() }
        func fail(_ e: any Error) { lock.lock(); if _error == nil { _error = e }; lock.unlock() }
    }

    /// Records one result now, on the calling thread; `false` (and the error kept) when the
    /// store refused it: the transport must stop before sending anything else.
    private func recordNow(_ entry: OutboxEntry, _ result: DeliveryResult, now: Date, into recorded: RecordedActions) -> Bool {
        guard recorded.error == nil else { return false }
        do {
            recorded.add(try commit(entry, delivered: result.delivered, error: result.error, now: now))
            return true
        } catch {
            recorded.fail(error)
            return false
        }
    }

    /// Sends `entries` (one channel) through its transport and records each message as soon as
    /// its result is known. The same for every transport (`Transport`).
    func send(_ entries: [OutboxEntry], channel: Channel, now: Date, recorded: RecordedActions) async {
        let transport = channels.transport(for: channel)
        // Messages that cannot be sent (nothing pending, cannot be built) are recorded first.
        var batch: [OutgoingMessage] = []
        var batchEntries: [OutboxEntry] = []
        for e in entries {
            if transport.messageKind == .email && e.pendingRecipients.isEmpty {
                guard recordNow(e, DeliveryResult(id: e.item.identity, delivered: [], error: nil), now: now, into: recorded) else { return }
                continue
            }
            do { batch.append(try channels.message(for: e, kind: transport.messageKind)); batchEntries.append(e) } catch {
                let err = error as? DeliveryError ?? DeliveryError(.invalidMessage, "\(error)")
                guard recordNow(e, DeliveryResult(id: e.item.identity, delivered: [], error: err), now: now, into: recorded) else { return }
            }
        }
        if batch.isEmpty { return }
        let sending = batchEntries
        await transport.deliver(batch, at: now) { [self] i, result in
            recordNow(sending[i], result, now: now, into: recorded)
        }
    }

    /// Writes one message's outcome in its own transaction and logs it. Blocking: runs on the
    /// transport's thread (or the poller's queue), never on the concurrency pool.
    ///
    /// - Throws: `StoreError` when the store refused the write (nothing of it was committed).
    func commit(_ entry: OutboxEntry, delivered: [String], error: DeliveryError?, now: Date) throws -> DeliveryAction {
        let action = decide(entry, error: error, backoff: backoff, now: now, jitter: jitter())
        let notice: (OutboxItem, Channel)? = {
            if case .park(let reason, true) = action { return parkedNotice(for: entry, reason: reason, config: config, templates: templates, now: now) }
            return nil
        }()
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
        var meta: Logger.Metadata = ["dispute.ref": "\(entry.item.ref ?? "")", "identity": "\(entry.item.identity)",
                                     "channel": "\(entry.item.channel)", "attempt": "\(entry.attempts + 1)"]
        switch action {
        case .sent:
            logger.info("Notification delivered", metadata: meta)
        case .retry(let at, let error):
            meta["error"] = "\(error)"; meta["next_attempt"] = "\(CivilTime.utcISO8601(at))"
            if !delivered.isEmpty { meta["delivered"] = "\(delivered.count)" }
            logger.warning("Delivery failed; will retry", metadata: meta)
        case .park(let reason, let notify):
            meta["error"] = "\(reason)"
            if let notice { meta["admin_notice"] = "\(notice.1)" }
            logger.error(notify && notice == nil ? "Notification parked; no other channel to tell the admin" : "Notification parked", metadata: meta)
        }
        return action
    }

    static func count(_ action: DeliveryAction, in summary: inout TickSummary) {
        switch action {
        case .sent: summary.sent += 1
        case .retry: summary.failed += 1
        case .park: summary.parked += 1
        }
    }
}
