import DisputeCore
import Foundation

/// A dispute the store could not read (a bad row: an impossible date, an unknown kind...): by
/// case reference only, with the store's reason.
public struct UnreadableDispute: Sendable, Equatable {
    public var ref: String
    public var reason: String
    public init(ref: String, reason: String) { self.ref = ref; self.reason = reason }
}

/// A dispute row the store could not read whole (`disputeRecords(...unreadable:)`): its store id
/// and closed flag, and the dispute by reference with the store's reason.
public struct UnreadableRecord: Sendable, Equatable {
    public var id: Int64
    public var isClosed: Bool
    public var dispute: UnreadableDispute
    public init(id: Int64, isClosed: Bool, dispute: UnreadableDispute) { self.id = id; self.isClosed = isClosed; self.dispute = dispute }
}

/// Where one recorded event came from (the `events` columns `source` and `event_id`).
public struct EventOrigin: Sendable, Hashable {
    /// `cli`, `web` or `import:FILE`; `nil` for an event recorded before drwatch kept it.
    public var source: String?
    /// The case-management export's own id of the event, when it has one (unique per dispute).
    public var eventID: String?
    public init(source: String?, eventID: String? = nil) { self.source = source; self.eventID = eventID }

    /// Recorded before drwatch kept the source.
    public static let unknown = EventOrigin(source: nil)
    /// `drwatch dispute ...`
    public static let cli = EventOrigin(source: "cli")
    /// The staff web app.
    public static let web = EventOrigin(source: "web")
    /// Read from an import file (its name as given, without folders).
    public static func `import`(file: String, eventID: String? = nil) -> EventOrigin {
        EventOrigin(source: "import:" + file, eventID: eventID)
    }
    /// The event was read from an import (any file).
    public var isImport: Bool { source?.hasPrefix("import:") ?? false }
}

/// A stored dispute with the origin of each event (parallel to `dispute.events`): what a
/// repeated import compares an export with.
public struct DisputeWithOrigins: Sendable {
    public var dispute: Dispute
    public var origins: [EventOrigin]
    public init(dispute: Dispute, origins: [EventOrigin]) { self.dispute = dispute; self.origins = origins }
}

/// Reads that see one consistent snapshot of the store.
public protocol DisputeReading {
    /// The dispute with this case reference and its whole history, or nil.
    func dispute(ref: String) throws -> Dispute?
    /// Every dispute (or only those not resolved or withdrawn) with events and people, by insertion order.
    /// A dispute with a bad row (an impossible date...) is left out: use
    /// `disputes(openOnly:unreadable:)` to log it by reference.
    func disputes(openOnly: Bool) throws -> [Dispute]
    /// The same, adding each dispute left out for a bad row (`StoreError` `.invalidRow`) to `unreadable`.
    func disputes(openOnly: Bool, unreadable: inout [UnreadableDispute]) throws -> [Dispute]
    /// The case references among `refs` that are already recorded (one pass, for imports).
    func existingRefs(among refs: Set<String>) throws -> Set<String>
    /// How many events are recorded, over every dispute.
    func eventCount() throws -> Int
    /// The disputes among `refs` that are recorded, by reference, with their events' origins
    /// (a repeated import: one pass however many references).
    func disputesWithOrigins(refs: Set<String>) throws -> [String: DisputeWithOrigins]
    /// For each dispute, how many records of the same kind were raised earlier for the same
    /// child (`child_ref`), over every record, closed ones included (by opening time, then
    /// reference): one query; only the references with a count above zero.
    func earlierRecordCounts() throws -> [String: Int]
    /// Outbox messages due for an attempt at `now` (pending or failed, next attempt not later
    /// than `now`), urgent first, then oldest first; at most `limit`.
    func duePending(now: Date, limit: Int) throws -> [OutboxEntry]
    /// Outbox messages matching `filter`, oldest first.
    func outbox(filter: OutboxFilter) throws -> [OutboxEntry]
    /// How many outbox messages are in each state, for a status line.
    func outboxCounts() throws -> OutboxCounts
    /// The identities among `identities` that are already in the outbox (so a poll renders
    /// only new notifications).
    func knownIdentities(among identities: [String]) throws -> Set<String>
    /// The earliest `next_attempt_at` of a pending or failed message, or nil.
    func nextAttemptAt() throws -> Date?

    // Change tracking, for a reader that keeps the open disputes in memory (the daemon's poller).

    /// Where the store's history of dispute changes is now; nil when this store does not track
    /// changes (the reader then reloads everything each time).
    func changeToken() throws -> ChangeToken?
    /// Disputes with their store ids and closed flags, by id: every one (`changedAfter` nil) or
    /// those changed after a token's `seq` (closed ones included, so a reader can drop them).
    ///
    /// - Parameters:
    ///   - openOnly: only disputes not resolved or withdrawn.
    ///   - people: read each dispute's people too (else `people` is empty: enough for the engine).
    ///   - shareStrings: keep one copy of repeated strings (addresses, roles, policy names)
    ///     among the disputes read, for a reader that keeps them long.
    /// A dispute with a bad row (an impossible date...) is left out: use
    /// `disputeRecords(openOnly:changedAfter:people:shareStrings:unreadable:)` to log it by reference.
    func disputeRecords(openOnly: Bool, changedAfter seq: Int64?, people: Bool, shareStrings: Bool) throws -> [DisputeRecord]
    /// The same, adding each dispute left out for a bad row (`StoreError` `.invalidRow`) to
    /// `unreadable`, with its store id and closed flag (so a reader can drop what it kept of it).
    func disputeRecords(openOnly: Bool, changedAfter seq: Int64?, people: Bool, shareStrings: Bool,
                        unreadable: inout [UnreadableRecord]) throws -> [DisputeRecord]
    /// The disputes with these store ids, with events and people (ids not found, or with a bad row, are left out).
    func disputes(ids: [Int64]) throws -> [Int64: Dispute]
    /// The disputes resolved or withdrawn at or after `since` (their `closed_at`), without people:
    /// what a reader needs to send closing notices after a restart, bounded by the window it gives.
    func closedRecords(since: Date, shareStrings: Bool, unreadable: inout [UnreadableRecord]) throws -> [DisputeRecord]
    /// Calls `body` with the identity of every outbox message about a dispute that is not closed.
    func forEachOutboxIdentityOfOpenDisputes(_ body: (String) throws -> Void) throws
}

/// A point in the store's history of dispute changes (`DisputeReading.changeToken()`).
public struct ChangeToken: Sendable, Hashable {
    /// Changes when a reader must reload everything (a dispute row was deleted).
    public var epoch: Int64
    /// Grows with every change to a dispute, its events or its people.
    public var seq: Int64
    public init(epoch: Int64, seq: Int64) { self.epoch = epoch; self.seq = seq }
}

/// A dispute as stored: its row id and whether it is closed.
public struct DisputeRecord: Sendable {
    public var id: Int64
    public var isClosed: Bool
    public var dispute: Dispute
    public init(id: Int64, isClosed: Bool, dispute: Dispute) { self.id = id; self.isClosed = isClosed; self.dispute = dispute }
}

/// Writes made inside one transaction (`DisputeRepository.write`); reads see the writes so far.
///
/// The object is valid only inside the closure that received it: never keep it.
public protocol DisputeWriting: DisputeReading {
    /// Records a new dispute with its events and people.
    ///
    /// - Parameters:
    ///   - origins: where each event came from, parallel to `dispute.events` (missing ones are `.unknown`).
    ///   - summary: the `disputes` row's stage, paused and closed columns as the engine replays the
    ///     record (`Engine.summary`, passed by the recorder); nil only for fixtures (then read from
    ///     the recorded events alone, without derived escalations).
    /// - Throws: `StoreError` `.duplicate` when a dispute with the same reference exists.
    func insert(_ dispute: Dispute, origins: [EventOrigin], summary: DisputeSummary?) throws
    /// Records many new disputes (a bulk import) inside this transaction.
    ///
    /// - Parameters:
    ///   - origins: per dispute, where each event came from (may be empty).
    ///   - summaries: per dispute, its engine summary (may be empty: see `insert`).
    /// - Throws: the first `StoreError`, with `index` set to the failing dispute's position.
    func insertMany(_ disputes: [Dispute], origins: [[EventOrigin]], summaries: [DisputeSummary]) throws
    /// Appends one event to a dispute's history and updates its current stage and state
    /// (`summary`: the engine's, after the event; nil only for fixtures, see `insert`).
    ///
    /// - Throws: `StoreError` `.notFound` when no dispute has this reference; `.duplicate`
    ///   when the dispute already has an event with `origin.eventID`.
    func append(_ event: DisputeEvent, toRef ref: String, origin: EventOrigin, summary: DisputeSummary?) throws
    /// Adds outbox messages; one whose identity is already in the outbox is left as it is.
    ///
    /// - Returns: how many were new.
    @discardableResult
    func enqueue(_ items: [OutboxItem]) throws -> Int
    /// Records that `address` accepted message `id`; when every recipient has it, the message is sent.
    ///
    /// - Throws: `.notFound` when the message has no such recipient.
    func markRecipientSent(id: Int64, address: String, at: Date) throws
    /// Records that message `id` was delivered to every remaining recipient (or, for a message
    /// with no recipient addresses such as a webhook, that it was delivered).
    func markSent(id: Int64, at: Date) throws
    /// Records a failed attempt (state `failed`) and when to try again.
    ///
    /// - Returns: the number of failed attempts so far, for the caller's retry limit.
    @discardableResult
    func markAttemptFailed(id: Int64, error: String, nextAttemptAt: Date) throws -> Int
    /// Gives up on message `id` (state `parked`) until an admin retries it.
    func park(id: Int64, error: String) throws
    /// Puts a failed or parked message back in the queue, due at `now`, with its attempts reset.
    /// Recipients who already received it are not sent it again.
    ///
    /// - Throws: `.notFound`, or `.invalidState` when the message was already sent or is pending.
    func retry(id: Int64, now: Date) throws
}

/// Where disputes and notifications are kept. SQLite (`SQLiteStore`) is the embedded default;
/// a hosted PostgreSQL implementation can come later behind the same protocol.
///
/// Implementations provide `migrate`, `read` and `write`; the single-operation methods in the
/// extension below are each one transaction.
public protocol DisputeRepository: AnyObject, Sendable {
    /// Brings the schema up to date (idempotent).
    ///
    /// - Returns: the names of the migrations applied now.
    /// - Throws: `.schemaTooNew` for a database written by a newer drwatch.
    @discardableResult
    func migrate() throws -> [String]
    /// Runs `body` on one consistent snapshot.
    func read<T>(_ body: (any DisputeReading) throws -> T) throws -> T
    /// Runs `body` in one write transaction: everything it does is committed together when it
    /// returns, and nothing when it throws (the error is rethrown). Do not nest.
    func write<T>(_ body: (any DisputeWriting) throws -> T) throws -> T
}

extension DisputeWriting {
    /// Records a new dispute whose events' origins are not known.
    public func insert(_ dispute: Dispute) throws { try insert(dispute, origins: [], summary: nil) }
    public func insert(_ dispute: Dispute, origins: [EventOrigin]) throws { try insert(dispute, origins: origins, summary: nil) }
    /// Records many new disputes whose events' origins are not known.
    public func insertMany(_ disputes: [Dispute]) throws { try insertMany(disputes, origins: [], summaries: []) }
    public func insertMany(_ disputes: [Dispute], origins: [[EventOrigin]]) throws { try insertMany(disputes, origins: origins, summaries: []) }
    /// Appends one event whose origin is not known.
    public func append(_ event: DisputeEvent, toRef ref: String) throws { try append(event, toRef: ref, origin: .unknown, summary: nil) }
    public func append(_ event: DisputeEvent, toRef ref: String, origin: EventOrigin) throws {
        try append(event, toRef: ref, origin: origin, summary: nil)
    }

    /// One `insert` per dispute; a store may do better (SQLite does).
    public func insertMany(_ disputes: [Dispute], origins: [[EventOrigin]], summaries: [DisputeSummary]) throws {
        for (index, dispute) in disputes.enumerated() {
            do {
                try insert(dispute, origins: index < origins.count ? origins[index] : [],
                           summary: index < summaries.count ? summaries[index] : nil)
            } catch var error as StoreError {
                error.index = index
                throw error
            }
        }
    }
}

extension DisputeRepository {
    public func insert(_ dispute: Dispute) throws { try write { try $0.insert(dispute) } }

    /// Inserts every dispute in one transaction: all or nothing (for CSV import).
    ///
    /// - Throws: the first `StoreError`, with `index` set to the failing dispute's position.
    public func insertAll(_ disputes: [Dispute]) throws {
        try write { try $0.insertMany(disputes) }
    }

    public func append(_ event: DisputeEvent, toRef ref: String) throws { try write { try $0.append(event, toRef: ref) } }
    public func append(_ event: DisputeEvent, toRef ref: String, origin: EventOrigin) throws {
        try write { try $0.append(event, toRef: ref, origin: origin) }
    }
    public func dispute(ref: String) throws -> Dispute? { try read { try $0.dispute(ref: ref) } }
    public func disputes(openOnly: Bool) throws -> [Dispute] { try read { try $0.disputes(openOnly: openOnly) } }
    public func disputes(openOnly: Bool, unreadable: inout [UnreadableDispute]) throws -> [Dispute] {
        let (found, bad) = try read { r in
            var bad: [UnreadableDispute] = []
            return (try r.disputes(openOnly: openOnly, unreadable: &bad), bad)
        }
        unreadable += bad
        return found
    }
    public func existingRefs(among refs: Set<String>) throws -> Set<String> { try read { try $0.existingRefs(among: refs) } }
    public func disputesWithOrigins(refs: Set<String>) throws -> [String: DisputeWithOrigins] { try read { try $0.disputesWithOrigins(refs: refs) } }
    public func earlierRecordCounts() throws -> [String: Int] { try read { try $0.earlierRecordCounts() } }
    @discardableResult
    public func enqueue(_ items: [OutboxItem]) throws -> Int { try write { try $0.enqueue(items) } }
    public func duePending(now: Date, limit: Int) throws -> [OutboxEntry] { try read { try $0.duePending(now: now, limit: limit) } }
    public func markRecipientSent(id: Int64, address: String, at: Date) throws {
        try write { try $0.markRecipientSent(id: id, address: address, at: at) }
    }
    public func markSent(id: Int64, at: Date) throws { try write { try $0.markSent(id: id, at: at) } }
    @discardableResult
    public func markAttemptFailed(id: Int64, error: String, nextAttemptAt: Date) throws -> Int {
        try write { try $0.markAttemptFailed(id: id, error: error, nextAttemptAt: nextAttemptAt) }
    }
    public func park(id: Int64, error: String) throws { try write { try $0.park(id: id, error: error) } }
    public func retry(id: Int64, now: Date) throws { try write { try $0.retry(id: id, now: now) } }
    public func outbox(filter: OutboxFilter) throws -> [OutboxEntry] { try read { try $0.outbox(filter: filter) } }
    public func outboxCounts() throws -> OutboxCounts { try read { try $0.outboxCounts() } }
    public func knownIdentities(among identities: [String]) throws -> Set<String> { try read { try $0.knownIdentities(among: identities) } }
    public func nextAttemptAt() throws -> Date? { try read { try $0.nextAttemptAt() } }
    public func changeToken() throws -> ChangeToken? { try read { try $0.changeToken() } }
}

// MARK: Outbox values (plain data: Delivery and the engine never see the store's types)

/// How soon a notification must go out.
public enum OutboxUrgency: String, CaseIterable, Codable, Sendable {
    /// At the configured send time on a working day.
    case normal
    /// At once (hour-based timescales, statutory breaches).
    case urgent
}

/// A rendered notification to deliver, as the service hands it to the store.
public struct OutboxItem: Hashable, Codable, Sendable {
    /// Stable identity (dispute, stage, kind of event, recipient...): enqueued at most once.
    public var identity: String
    /// The case reference it is about; nil for admin notices.
    public var ref: String?
    /// The kind of event that caused it (`stage-reminder`, `statutory-breach`...).
    public var event: String
    public var urgency: OutboxUrgency
    /// Addresses to deliver to; each is tracked separately.
    public var recipients: [String]
    /// The transport or webhook name (`email`, `files`, `safeguarding-channel`...).
    public var channel: String
    public var subject: String
    /// Plain-text body.
    public var body: String
    /// HTML body, when there is one.
    public var html: String?
    /// A JSON payload (webhooks), when there is one.
    public var payload: Data?
    /// When it was decided; also its first due time.
    public var createdAt: Date

    public init(identity: String, ref: String?, event: String, urgency: OutboxUrgency = .normal, recipients: [String],
                channel: String, subject: String, body: String, html: String? = nil, payload: Data? = nil, createdAt: Date) {
        self.identity = identity; self.ref = ref; self.event = event; self.urgency = urgency
        self.recipients = recipients; self.channel = channel; self.subject = subject; self.body = body
        self.html = html; self.payload = payload; self.createdAt = createdAt
    }
}

/// Where a message is in its life.
public enum OutboxState: String, CaseIterable, Codable, Sendable {
    /// Not yet attempted.
    case pending
    /// The last attempt failed; it will be tried again at `nextAttemptAt`.
    case failed
    /// Retries ran out or the failure was permanent; waits for `drwatch outbox retry`.
    case parked
    /// Every recipient accepted it.
    case sent
}

/// One recipient of a message and whether it has the message.
public struct OutboxRecipient: Hashable, Codable, Sendable {
    public var address: String
    public var sentAt: Date?
    public var isSent: Bool { sentAt != nil }
    public init(address: String, sentAt: Date?) { self.address = address; self.sentAt = sentAt }
}

/// A stored outbox message with its delivery state.
public struct OutboxEntry: Hashable, Codable, Sendable {
    /// The store's id (for `markRecipientSent`, `retry`...).
    public var id: Int64
    public var item: OutboxItem
    public var state: OutboxState
    /// Failed attempts since it was (re)queued.
    public var attempts: Int
    public var nextAttemptAt: Date
    public var lastError: String?
    public var sentAt: Date?
    /// Every recipient in order, with delivery state.
    public var recipients: [OutboxRecipient]
    /// The recipients who still need the message.
    public var pendingRecipients: [String] { recipients.filter { !$0.isSent }.map(\.address) }
}

/// Which outbox messages to list.
public enum OutboxFilter: String, CaseIterable, Sendable {
    /// Still to be delivered: pending, or failed and waiting for a retry.
    case pending
    /// Needing attention: failed at least once (failed or parked).
    case failed
    /// Only parked ones.
    case parked
    /// Everything, sent ones included.
    case all
}

/// How many outbox messages are in each state.
public struct OutboxCounts: Hashable, Codable, Sendable {
    public var pending = 0
    public var failed = 0
    public var parked = 0
    public var sent = 0
    public init(pending: Int = 0, failed: Int = 0, parked: Int = 0, sent: Int = 0) {
        self.pending = pending; self.failed = failed; self.parked = parked; self.sent = sent
    }
}
