import DisputeCore
import Foundation

/// A store on one SQL connection (`SQLDatabase`): the same table code for every backend.
/// `SQLiteStore` is the embedded one (one SQLite file in WAL mode, shared safely with other
/// processes through SQLite's locks and a busy timeout); `PGStore` the PostgreSQL one.
///
/// One connection per store, used by one thread at a time (calls are serialised by a lock).
/// Calls block, for up to the busy timeout when another process holds the write lock.
///
/// Outside this module the store is `any StoreBackend`, opened by `Stores.open`.
final class SQLStore<DB: SQLDatabase>: StoreBackend, @unchecked Sendable {
    private let lock = NSRecursiveLock()
    private let db: DB
    private let lease: @Sendable (String) throws -> any SenderLease
    /// The last sender lease claimed through this store, when it fences (PostgreSQL): each
    /// transaction of this store then first checks that the lease still holds (`StoreFence`).
    private var fence: (any StoreFence)?

    /// Wraps an open connection and refuses a database written by a newer drwatch.
    ///
    /// - Parameter lease: takes the right to send (`claimSender`).
    init(db: DB, lease: @escaping @Sendable (String) throws -> any SenderLease) throws {
        self.db = db
        self.lease = lease
        try db.transaction(.deferred) { try db.checkNotTooNew() }
    }

    /// Where the database is (a path, or a URL without a password).
    var path: String { db.path }

    var location: StoreLocation { db.location }

    func claimSender(instance: String) throws -> any SenderLease {
        let claimed = try lease(instance)
        if let f = claimed as? any StoreFence { locked { fence = f } }
        return claimed
    }

    func currentSender() throws -> String? {
        guard self is PGStore else { return nil }
        return try locked { try db.transaction(.deferred) { try PGSenderLease.holderInstance(in: db) } }
    }

    func backup(to destination: String) throws -> BackupSummary {
        guard let sqlite = self as? SQLiteStore else {
            throw StoreError(.unsupported, operation: "back up the database to \(destination)",
                             message: "drwatch backup copies a SQLite file; back up PostgreSQL with its own tools (pg_dump, or the provider's backups)")
        }
        return try sqlite.fileBackup(to: destination)
    }

    @discardableResult
    public func migrate() throws -> [String] {
        try locked {
            // Up to date (the usual case at every start): a read, so another process holding
            // the write lock does not stop a daemon or a command from starting.
            let pending = try db.transaction(.deferred) { () throws -> [String] in
                try db.checkNotTooNew()
                return try db.pendingMigrations()
            }
            if pending.isEmpty { return [] }
            return try db.migrate()
        }
    }

    /// The migrations `migrate()` would apply now (empty when the schema is up to date).
    func pendingMigrations() throws -> [String] {
        try locked { try db.transaction(.deferred) { try db.pendingMigrations() } }
    }

    public func read<T>(_ body: (any DisputeReading) throws -> T) throws -> T {
        try locked { try db.transaction(.deferred) { try fence?.checkFence(in: db); return try body(SQLTransaction(db: db)) } }
    }

    public func write<T>(_ body: (any DisputeWriting) throws -> T) throws -> T {
        try locked { try db.transaction(.immediate) { try fence?.checkFence(in: db); return try body(SQLTransaction(db: db)) } }
    }

    /// Runs `body` with the raw connection, holding the store's lock (tests, diagnostics).
    func withDatabase<T>(_ body: (DB) throws -> T) throws -> T {
        try locked { try body(db) }
    }

    private func locked<T>(_ body: () throws -> T) rethrows -> T {
        lock.lock()
        defer { lock.unlock() }
        return try body()
    }
}

/// A sender lease that a store checks inside its own transactions (fencing): a process whose
/// lease was lost can then neither claim nor mark an outbox message, even on a connection of
/// its store that is still up.
protocol StoreFence: AnyObject, Sendable {
    /// Throws `StoreError` `.heldByAnother` unless the lease still holds, as the database sees it
    /// inside the transaction open on `db`.
    func checkFence<DB: SQLDatabase>(in db: DB) throws
}

/// The embedded store: one SQLite file.
typealias SQLiteStore = SQLStore<Database>

extension SQLStore where DB == Database {
    /// Opens (creating with mode 0600 when missing) the database at `path`.
    ///
    /// Call `migrate()` before the first use of a new file.
    /// - Parameters:
    ///   - path: the database file; its folder must exist.
    ///   - busyTimeout: how long to wait for another process's write lock before `.busy`.
    /// - Throws: `StoreError`: `.schemaTooNew` for a database of a newer drwatch (left untouched),
    ///   `.cantOpen`/`.readOnly` for permissions, `.corrupt` for a file that is not a database.
    convenience init(path: String, busyTimeout: Duration = .seconds(5)) throws {
        try self.init(db: try Database(path: path, busyTimeout: busyTimeout),
                      lease: { _ in try FileSenderLease(database: path) })
    }
}

/// The reads and writes of one open transaction on a connection.
struct SQLTransaction<DB: SQLDatabase>: DisputeWriting {
    let db: DB

    // MARK: Disputes

    func insert(_ dispute: Dispute, origins: [EventOrigin], summary: DisputeSummary?) throws {
        guard let id = try DisputesTable.insert(dispute, state: summary ?? .recordedOnly(dispute.events), in: db) else {
            throw StoreError(.duplicate, operation: "insert dispute",
                             message: "a dispute with the same case reference is already recorded; nothing was written")
        }
        for (offset, event) in dispute.events.enumerated() {
            try EventsTable.insert(event, disputeID: id, seq: offset + 1, origin: offset < origins.count ? origins[offset] : .unknown, in: db)
        }
        try PeopleTable.insert(dispute.people, disputeID: id, in: db)
    }

    /// Many disputes: one by one up to 100, else `insertBulk` (multi-row statements, the
    /// change triggers set aside).
    func insertMany(_ disputes: [Dispute], origins: [[EventOrigin]], summaries: [DisputeSummary]) throws {
        func originsOf(_ index: Int) -> [EventOrigin] { index < origins.count ? origins[index] : [] }
        func summaryOf(_ index: Int) -> DisputeSummary? { index < summaries.count ? summaries[index] : nil }
        guard disputes.count > 100 else {
            for (index, dispute) in disputes.enumerated() {
                do { try insert(dispute, origins: originsOf(index), summary: summaryOf(index)) } catch var error as StoreError { error.index = index; throw error }
            }
            return
        }
        try insertBulk(disputes, origins: originsOf, summaries: summaryOf)
    }

    func append(_ event: DisputeEvent, toRef ref: String, origin: EventOrigin, summary: DisputeSummary?) throws {
        guard let (id, state) = try DisputesTable.current(ref: ref, in: db) else {
            throw StoreError(.notFound, operation: "record dispute event", message: "no dispute has that case reference")
        }
        try EventsTable.insert(event, disputeID: id, seq: try EventsTable.nextSeq(disputeID: id, in: db), origin: origin, in: db)
        var next = state
        if let summary { next = summary } else { next.applyRecorded(event) }
        if next != state { try DisputesTable.update(id: id, to: next, in: db) }
    }

    func dispute(ref: String) throws -> Dispute? {
        try DisputeLoader.load(where: "d.ref = ?", ref, in: db).first
    }

    func disputes(openOnly: Bool) throws -> [Dispute] {
        var ignored: [UnreadableDispute] = []
        return try DisputeLoader.load(where: openOnly ? "d.is_closed = 0" : "1 = 1", unreadable: &ignored, in: db)
    }

    func disputes(openOnly: Bool, unreadable: inout [UnreadableDispute]) throws -> [Dispute] {
        try DisputeLoader.load(where: openOnly ? "d.is_closed = 0" : "1 = 1", unreadable: &unreadable, in: db)
    }

    func changeToken() throws -> ChangeToken? {
        guard try db.hasTable("store_changes") else { return nil }
        return try db.first("SELECT epoch, seq FROM store_changes WHERE id = 1", operation: "read the change counter") {
            ChangeToken(epoch: $0.int64(0), seq: $0.int64(1))
        }
    }

    func disputeRecords(openOnly: Bool, changedAfter seq: Int64?, people: Bool, shareStrings: Bool) throws -> [DisputeRecord] {
        var ignored: [UnreadableRecord] = []
        return try disputeRecords(openOnly: openOnly, changedAfter: seq, people: people, shareStrings: shareStrings, unreadable: &ignored)
    }

    func disputeRecords(openOnly: Bool, changedAfter seq: Int64?, people: Bool, shareStrings: Bool,
                        unreadable: inout [UnreadableRecord]) throws -> [DisputeRecord] {
        var interner = StringInterner(enabled: shareStrings)
        let condition: String
        var args: [any SQLBindable] = []
        switch (openOnly, seq) {
        case (true, nil): condition = "d.is_closed = 0"
        case (false, nil): condition = "1 = 1"
        case (true, let seq?): condition = "d.change_seq > ? AND d.is_closed = 0"; args = [seq]
        case (false, let seq?): condition = "d.change_seq > ?"; args = [seq]
        }
        return try DisputeLoader.records(where: condition, arguments: args, people: people, interner: &interner, unreadable: &unreadable, in: db)
    }

    func closedRecords(since: Date, shareStrings: Bool, unreadable: inout [UnreadableRecord]) throws -> [DisputeRecord] {
        var interner = StringInterner(enabled: shareStrings)
        return try DisputeLoader.records(where: "d.is_closed = 1 AND d.closed_at >= ?", arguments: [since], people: false,
                                         interner: &interner, unreadable: &unreadable, in: db)
    }

    func disputes(ids: [Int64]) throws -> [Int64: Dispute] {
        var out: [Int64: Dispute] = [:]
        var interner = StringInterner(enabled: false)
        let sorted = Array(Set(ids)).sorted()
        var start = 0
        while start < sorted.count {
            let chunk = Array(sorted[start..<min(start + 500, sorted.count)])
            start += chunk.count
            let marks = Array(repeating: "?", count: chunk.count).joined(separator: ",")
            // A dispute with a bad row is left out, as by `disputes(openOnly:)`.
            var ignored: [UnreadableRecord] = []
            for r in try DisputeLoader.records(where: "d.id IN (\(marks))", arguments: chunk, people: true, interner: &interner,
                                               unreadable: &ignored, in: db) {
                out[r.id] = r.dispute
            }
        }
        return out
    }

    func forEachOutboxIdentityOfOpenDisputes(_ body: (String) throws -> Void) throws {
        try db.query("SELECT o.identity FROM disputes d JOIN outbox o ON o.dispute_ref = d.ref WHERE d.is_closed = 0",
                     operation: "read outbox identities") { try body($0.string(0)) }
    }

    func existingRefs(among refs: Set<String>) throws -> Set<String> {
        var found = Set<String>()
        if refs.isEmpty { return found }
        try db.query("SELECT ref FROM disputes", operation: "read case references") { row in
            let ref = row.string(0)
            if refs.contains(ref) { found.insert(ref) }
        }
        return found
    }

    func earlierRecordCounts() throws -> [String: Int] {
        var counts: [String: Int] = [:]
        // Only children with two or more records of a kind are ranked (a small share of 100k).
        try db.query("""
            SELECT ref, n FROM (
                SELECT d.ref, ROW_NUMBER() OVER (
                    PARTITION BY d.child_ref, d.kind
                    ORDER BY COALESCE(d.created_at, (SELECT e.at FROM events e WHERE e.dispute_id = d.id AND e.seq = 1)), d.ref
                ) - 1 AS n
                FROM disputes d
                WHERE d.child_ref IN (SELECT child_ref FROM disputes GROUP BY child_ref, kind HAVING COUNT(*) > 1)
            ) AS ranked WHERE n > 0
            """, operation: "count earlier records per child") { row in
            counts[row.string(0)] = row.int(1)
        }
        return counts
    }

    func disputesWithOrigins(refs: Set<String>) throws -> [String: DisputeWithOrigins] {
        var out: [String: DisputeWithOrigins] = [:]
        if refs.isEmpty { return out }
        var interner = StringInterner(enabled: false)
        // A few references: by reference; many (a nightly export of every dispute): one pass
        // over the whole store, which is faster than thousands of lookups.
        var found: [DisputeRecord] = []
        if refs.count <= 500 {
            let list = Array(refs)
            let marks = Array(repeating: "?", count: list.count).joined(separator: ",")
            found = try DisputeLoader.records(where: "d.ref IN (\(marks))", arguments: list.map { $0 as any SQLBindable }, people: true,
                                              interner: &interner, in: db)
        } else {
            found = try DisputeLoader.records(where: "1 = 1", arguments: [], people: true, interner: &interner, in: db)
            found.removeAll { !refs.contains($0.dispute.ref) }
        }
        var byID: [Int64: Int] = [:]
        for (i, r) in found.enumerated() {
            byID[r.id] = i
            out[r.dispute.ref] = DisputeWithOrigins(dispute: r.dispute, origins: Array(repeating: .unknown, count: r.dispute.events.count))
        }
        // Events are numbered 1, 2, 3... per dispute (`seq`), in the order `events` holds them.
        let ids = found.map(\.id)
        let condition = refs.count <= 500 ? "dispute_id IN (\(Array(repeating: "?", count: ids.count).joined(separator: ",")))" : "1 = 1"
        try db.query("SELECT dispute_id, seq, source, event_id FROM events WHERE (source IS NOT NULL OR event_id IS NOT NULL) AND \(condition)",
                     arguments: refs.count <= 500 ? ids.map { $0 as any SQLBindable } : [], operation: "read event origins") { row in
            guard let i = byID[row.int64(0)] else { return }
            let ref = found[i].dispute.ref, seq = row.int(1)
            guard seq >= 1, seq <= out[ref]!.origins.count else { return }
            out[ref]!.origins[seq - 1] = EventOrigin(source: row.optionalString(2), eventID: row.optionalString(3))
        }
        return out
    }

    func eventCount() throws -> Int {
        try db.first("SELECT COUNT(*) FROM events", operation: "count events") { $0.int(0) } ?? 0
    }

    // MARK: Outbox

    func enqueue(_ items: [OutboxItem]) throws -> Int {
        try OutboxTable.insert(items, in: db)
    }

    func duePending(now: Date, limit: Int) throws -> [OutboxEntry] {
        try OutboxTable.load("""
            SELECT \(OutboxTable.selection) FROM outbox o
            WHERE o.state IN ('pending', 'failed') AND o.next_attempt_at <= ?
            ORDER BY o.urgency = 'urgent' DESC, o.next_attempt_at, o.id LIMIT ?
            """, now, limit, in: db)
    }

    func outbox(filter: OutboxFilter) throws -> [OutboxEntry] {
        try OutboxTable.load("SELECT \(OutboxTable.selection) FROM outbox o WHERE \(OutboxTable.condition(filter)) ORDER BY o.id", in: db)
    }

    func outboxCounts() throws -> OutboxCounts {
        var counts = OutboxCounts()
        try db.query("SELECT state, COUNT(*) FROM outbox GROUP BY state", operation: "count outbox") { row in
            switch OutboxState(rawValue: row.string(0)) {
            case .pending: counts.pending = row.int(1)
            case .failed: counts.failed = row.int(1)
            case .parked: counts.parked = row.int(1)
            case .sent: counts.sent = row.int(1)
            case nil: break
            }
        }
        return counts
    }

    func knownIdentities(among identities: [String]) throws -> Set<String> {
        var known = Set<String>()
        var start = identities.startIndex
        while start < identities.endIndex {
            let end = min(start + 500, identities.endIndex)
            let chunk = Array(identities[start..<end])
            let marks = Array(repeating: "?", count: chunk.count).joined(separator: ",")
            try db.query("SELECT identity FROM outbox WHERE identity IN (\(marks))", arguments: chunk.map { $0 as any SQLBindable },
                         operation: "read outbox identities") { known.insert($0.string(0)) }
            start = end
        }
        return known
    }

    func nextAttemptAt() throws -> Date? {
        try db.first("SELECT MIN(next_attempt_at) FROM outbox WHERE state IN ('pending', 'failed')",
                     operation: "read next attempt") { $0.optionalDate(0) } ?? nil
    }

    func markRecipientSent(id: Int64, address: String, at: Date) throws {
        let operation = "record a delivery"
        let changed = try db.execute("""
            UPDATE outbox_recipients SET state = 'sent', sent_at = ? WHERE outbox_id = ? AND address = ? AND state = 'pending'
            """, at, id, address, operation: operation)
        if changed == 0 {
            let known = try db.first("SELECT 1 FROM outbox_recipients WHERE outbox_id = ? AND address = ?", id, address,
                                     operation: operation) { _ in true } ?? false
            guard known else { throw StoreError(.notFound, operation: operation, message: "outbox message \(id) has no such recipient") }
        }
        try db.execute("""
            UPDATE outbox SET state = 'sent', sent_at = ?
            WHERE id = ? AND state <> 'sent'
              AND NOT EXISTS (SELECT 1 FROM outbox_recipients WHERE outbox_id = ? AND state = 'pending')
            """, at, id, id, operation: operation)
    }

    func markSent(id: Int64, at: Date) throws {
        let operation = "record a delivery"
        guard try OutboxTable.state(id: id, in: db) != nil else {
            throw StoreError(.notFound, operation: operation, message: "there is no outbox message \(id)")
        }
        try db.execute("UPDATE outbox_recipients SET state = 'sent', sent_at = ? WHERE outbox_id = ? AND state = 'pending'",
                       at, id, operation: operation)
        try db.execute("UPDATE outbox SET state = 'sent', sent_at = ? WHERE id = ? AND state <> 'sent'", at, id, operation: operation)
    }

    func markAttemptFailed(id: Int64, error: String, nextAttemptAt: Date) throws -> Int {
        let operation = "record a failed delivery"
        let attempts = try db.first("""
            UPDATE outbox SET state = 'failed', attempts = attempts + 1, last_error = ?, next_attempt_at = ?
            WHERE id = ? AND state IN ('pending', 'failed') RETURNING attempts
            """, error, nextAttemptAt, id, operation: operation) { $0.int(0) }
        guard let attempts else { throw try OutboxTable.refusal(id: id, operation: operation, allowed: "pending or failed", in: db) }
        return attempts
    }

    func park(id: Int64, error: String) throws {
        let operation = "park a notification"
        let changed = try db.execute("UPDATE outbox SET state = 'parked', last_error = ? WHERE id = ? AND state IN ('pending', 'failed', 'parked')",
                                     error, id, operation: operation)
        if changed == 0 { throw try OutboxTable.refusal(id: id, operation: operation, allowed: "pending or failed", in: db) }
    }

    func retry(id: Int64, now: Date) throws {
        let operation = "retry a notification"
        let changed = try db.execute("""
            UPDATE outbox SET state = 'pending', attempts = 0, next_attempt_at = ? WHERE id = ? AND state IN ('failed', 'parked')
            """, now, id, operation: operation)
        if changed == 0 { throw try OutboxTable.refusal(id: id, operation: operation, allowed: "failed or parked", in: db) }
    }
}
