import Delivery
import DisputeCore
import DisputeStore
import Foundation
import Logging

/// The delivery half of a poll: take the due outbox entries, send them per channel, record each
/// result (sent, retry with backoff, or parked with a notice to the admin role).
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
                    let results = await send(chunk, channel: Channel(stored: name), now: now)
                    for (entry, result) in zip(chunk, results) {
                        try await record(entry, delivered: result.delivered, error: result.error, now: now, summary: &summary)
                    }
                }
            }
            // Admin notices enqueued by this round are due now: one more round delivers them.
            if due.count < 200 && summary.parked == parkedBefore { return }
        }
    }

    /// One message's outcome: the recipients that accepted it, and the error that stopped the rest.
    struct Outcome: Sendable { var delivered: [String]; var error: DeliveryError? }

    func send(_ entries: [OutboxEntry], channel: Channel, now: Date) async -> [Outcome] {
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

    func record(_ entry: OutboxEntry, delivered: [String], error: DeliveryError?, now: Date,
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
