import ServiceConfig
import Recording
import Delivery
import DisputeCore
import DisputeStore
import Foundation
import WorkingDays

// The pure decisions of the pipeline: what to enqueue for an evaluation, and what to do with a
// delivery result. The Poller does the I/O around them.

/// One dispute evaluated at the poll, with the engine that did it (policy, settings).
public struct Evaluated: Sendable {
    public var dispute: Dispute
    public var evaluation: Evaluation
    public var engine: Engine
    /// The store's id of the dispute: the opaque number in the web app's address of its page.
    public var storeID: Int64?
    public init(dispute: Dispute, evaluation: Evaluation, engine: Engine, storeID: Int64? = nil) {
        self.dispute = dispute; self.evaluation = evaluation; self.engine = engine; self.storeID = storeID
    }
}

/// An intent with its route and the outbox identities it produces (before rendering).
public struct Candidate: Sendable {
    public var intent: NotificationIntent
    public var route: Route
    /// Mail (when the route has addresses) and one per webhook: `(channel, identity)`.
    public var identities: [(channel: Channel, identity: String)]
    /// Index into the evaluated list.
    public var source: Int
}

/// The outbox identity of an intent on a channel: the intent's identity for mail,
/// `IDENTITY@WEBHOOK` for a webhook (`webhookIdentity`).
public func outboxIdentity(_ intent: NotificationIntent, channel: Channel, mail: Channel) -> String {
    channel == mail ? intent.identity : webhookIdentity(intent.identity, hook: channel.description)
}

/// `IDENTITY@HOOK`: the outbox identity of a webhook's copy of a notification. The one place
/// this format is written (`KnownIdentities.hash(_:hook:)` hashes the same bytes without
/// building the string; a test holds them equal).
public func webhookIdentity(_ identity: String, hook: String) -> String { "\(identity)@\(hook)" }

/// Routes every intent of every evaluation.
///
/// - Parameter isKnown: identities already in the outbox; an intent whose every possible
///   identity is known is skipped before routing (the fast path of a poll with nothing new).
public func candidates(_ evaluated: [Evaluated], config: DrwatchConfig, isKnown: (String) -> Bool = { _ in false }) -> [Candidate] {
    let mail = Channel.mail(config)
    let hooksByRole = config.webhooksByRole
    var out: [Candidate] = []
    for (i, e) in evaluated.enumerated() {
        for intent in e.evaluation.intents {
            let id = intent.identity
            if isKnown(id), (hooksByRole[intent.role] ?? []).allSatisfy({ isKnown(webhookIdentity(id, hook: $0)) }) { continue }
            let r = route(intent, dispute: e.dispute, config: config)
            var ids: [(Channel, String)] = []
            if !r.envelope.isEmpty { ids.append((mail, intent.identity)) }
            for hook in r.webhooks { ids.append((.webhook(hook), outboxIdentity(intent, channel: .webhook(hook), mail: mail))) }
            out.append(Candidate(intent: intent, route: r, identities: ids, source: i))
        }
    }
    return out
}

/// What the mail channel needs beyond subject and bodies (kept in the outbox's payload column).
public struct MailPayload: Codable, Equatable, Sendable {
    /// Header lists (the envelope is the outbox's recipients).
    public var to: [String]
    public var cc: [String]
    /// The deadline, for an `.ics` attachment.
    public var due: Date?
}

/// What a webhook needs (kept in the payload column); the body is built and signed at send time.
public struct WebhookPayload: Codable, Equatable, Sendable {
    public var ref: String
    public var event: String
    public var stage: Int?
    public var due: Date?
    public var reason: String
    public var roles: [String]
}

/// A message the poll decided to enqueue, with why.
public struct PlannedMessage: Sendable {
    public var item: OutboxItem
    public var channel: Channel
    public var reason: String
    /// Roles that had no address (logged; the message says so).
    public var unroutable: [String]
}

/// Renders the candidates' identities that are not yet in the outbox into outbox items.
///
/// - Parameters:
///   - candidates: from `candidates(_:config:)`.
///   - evaluated: the evaluations they came from.
///   - known: identities already in the outbox (they are not added again).
///   - templates: the message templates.
///   - now: the poll's time (`createdAt`, the first due time).
/// - Returns: the new messages, in evaluation order.
public func plan(_ candidates: [Candidate], evaluated: [Evaluated], known: Set<String>, templates: TemplateSet,
                 now: Date) -> [PlannedMessage] {
    var out: [PlannedMessage] = []
    let encoder = JSONEncoder()
    encoder.outputFormatting = .sortedKeys
    let wanted = candidates.filter { $0.identities.contains { !known.contains($0.identity) } }
    // Rendering is most of a bulk poll's work: a batch's messages are composed on every core
    // (pure work; the results keep the candidates' order).
    let messages = parallelMap(wanted, minimumPerThread: 32) { c in
        compose(c.intent, of: evaluated[c.source], route: c.route, templates: templates)
    }
    for (c, composed) in zip(wanted, messages) {
        let missing = c.identities.filter { !known.contains($0.identity) }
        let message = composed.message
        let due = composed.facts.deadline?.due
        let urgency: OutboxUrgency = c.intent.urgency == .urgent ? .urgent : .normal
        for (channel, identity) in missing {
            var item = OutboxItem(identity: identity, ref: c.intent.ref, event: c.intent.event.name, urgency: urgency,
                                  recipients: [], channel: channel.description, subject: message.subject, body: message.text,
                                  createdAt: now)
            switch channel {
            case .webhook:
                item.payload = try? encoder.encode(WebhookPayload(ref: c.intent.ref, event: c.intent.event.name,
                                                                  stage: c.intent.stage == 0 ? nil : c.intent.stage, due: due,
                                                                  reason: c.intent.reason, roles: [c.intent.role]))
            case .email, .files:
                item.recipients = c.route.envelope
                item.html = message.html
                item.payload = try? encoder.encode(MailPayload(to: c.route.to, cc: c.route.cc, due: due))
            }
            out.append(PlannedMessage(item: item, channel: channel, reason: c.intent.reason, unroutable: c.route.unroutable))
        }
    }
    return out
}

/// `transform` of each item, in order, computed on up to `ProcessInfo.activeProcessorCount`
/// threads (this one and Dispatch's, never the Swift concurrency pool's) with at least
/// `minimumPerThread` items each; on this thread alone when there are few.
func parallelMap<T: Sendable, R: Sendable>(_ items: [T], minimumPerThread: Int, _ transform: @Sendable (T) -> R) -> [R] {
    let threads = min(ProcessInfo.processInfo.activeProcessorCount, items.count / max(1, minimumPerThread))
    if threads < 2 { return items.map(transform) }
    return [R](unsafeUninitializedCapacity: items.count) { buffer, initialized in
        let out = ParallelOutput(base: buffer.baseAddress!)
        withoutActuallyEscaping(transform) { transform in
            DispatchQueue.concurrentPerform(iterations: threads) { t in
                let lo = items.count * t / threads, hi = items.count * (t + 1) / threads
                for i in lo..<hi { (out.base + i).initialize(to: transform(items[i])) }
            }
        }
        initialized = items.count
    }
}

/// `parallelMap`'s output, written by each thread at its own indices only.
private struct ParallelOutput<R>: @unchecked Sendable { let base: UnsafeMutablePointer<R> }

// MARK: - After an attempt

/// What to record after an attempt to deliver one outbox message.
public enum DeliveryAction: Equatable, Sendable {
    /// Every recipient has it.
    case sent
    /// Try again at this time (the recipients who accepted keep it).
    case retry(at: Date, error: String)
    /// Give up until an admin retries; tell the admin unless the message is itself an admin notice.
    case park(reason: String, notifyAdmin: Bool)
}

/// Decides what to do after an attempt.
///
/// - Parameters:
///   - entry: the message as it was before the attempt (`attempts` failed attempts so far).
///   - error: the failure, or `nil` when every pending recipient accepted it.
///   - backoff: the retry policy (`[delivery]`).
///   - now: the poll's time.
///   - jitter: a random value in `[0, 1]` (passed in: tests are deterministic).
public func decide(_ entry: OutboxEntry, error: DeliveryError?, backoff: Backoff, now: Date, jitter: Double) -> DeliveryAction {
    guard let error else { return .sent }
    let isNotice = isAdminNotice(entry.item)
    switch backoff.decide(after: entry.attempts + 1, error: error, now: now, jitter: jitter) {
    case .retry(let at): return .retry(at: at, error: error.description)
    case .park(let reason): return .park(reason: reason, notifyAdmin: !isNotice)
    }
}

/// Admin notices (about parked messages) are never the subject of another notice.
public func isAdminNotice(_ item: OutboxItem) -> Bool { item.event.hasPrefix("admin-") }

/// The channel for the admin's notice about a message parked on `failed`: by another channel
/// where one is configured (mail failed: the admin's webhook, else the file transport; a
/// webhook failed: the mail channel).
///
/// - Returns: `nil` when no other channel can carry it (it is logged instead).
public func adminChannel(failed: Channel, config: DrwatchConfig) -> Channel? {
    switch failed {
    case .webhook:
        return Channel.mail(config)
    case .email, .files:
        if let hook = config.webhooks.first(where: { $0.roles.contains(adminRole) }) { return .webhook(hook.name) }
        if failed == .email { return .files }
        return nil
    }
}

/// The admin's notice that `entry` was parked, or `nil` when it must not be sent (the entry is
/// itself a notice, or no other channel can carry it).
public func parkedNotice(for entry: OutboxEntry, reason: String, config: DrwatchConfig, templates: TemplateSet,
                         now: Date) -> (OutboxItem, Channel)? {
    guard !isAdminNotice(entry.item) else { return nil }
    let failed = Channel(stored: entry.item.channel)
    guard let channel = adminChannel(failed: failed, config: config) else { return nil }
    let admin = config.roles[adminRole] ?? []
    if channel == .email && admin.isEmpty { return nil }
    let identity = "admin/parked/\(entry.id)/\(Int(now.timeIntervalSince1970))"
    let encoder = JSONEncoder()
    encoder.outputFormatting = .sortedKeys
    var item: OutboxItem
    switch channel {
    case .webhook:
        // A webhook may be a third-party cloud (Teams, Slack): the message identity, the channel
        // and where to look only; the addresses and the server's reply stay on the server.
        let note = "parked after \(entry.attempts + 1) attempt\(entry.attempts == 0 ? "" : "s"); see drwatch outbox on the server"
        item = OutboxItem(identity: identity, ref: entry.item.ref, event: "admin-parked", urgency: .urgent, recipients: [],
                          channel: channel.description,
                          subject: "drwatch: message \(oneLine(entry.item.identity)) on \(entry.item.channel) was not delivered",
                          body: "Message \(oneLine(entry.item.identity)) on channel \(entry.item.channel) was \(note) (drwatch outbox --failed, then drwatch outbox retry \(entry.id)).\n",
                          createdAt: now)
        item.payload = try? encoder.encode(WebhookPayload(ref: entry.item.ref ?? "", event: "admin-parked", stage: nil, due: nil,
                                                          reason: note, roles: [adminRole]))
    case .email, .files:
        // Mail stays in-house: the full detail (the error, with the server's reply).
        let facts: [String: Any] = [
            "identity": entry.item.identity, "channel": entry.item.channel, "attempts": entry.attempts + 1, "error": reason,
            "id": entry.id, "ref": entry.item.ref ?? "", "partial": entry.recipients.contains(where: \.isSent),
        ]
        let message = templates.render("admin-parked", facts: facts)
        item = OutboxItem(identity: identity, ref: entry.item.ref, event: "admin-parked", urgency: .urgent, recipients: [],
                          channel: channel.description, subject: message.subject, body: message.text, createdAt: now)
        let to = admin.isEmpty ? ["admin@drwatch.invalid"] : admin
        item.recipients = to
        item.html = message.html
        item.payload = try? encoder.encode(MailPayload(to: to, cc: [], due: nil))
    }
    return (item, channel)
}
