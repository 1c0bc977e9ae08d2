import Foundation

// The mapping between `OutboxItem`/`OutboxEntry` and the tables `outbox` and
// `outbox_recipients`: the one place to change when a message gains a field.

enum OutboxTable {
    static let selection = """
        o.id, o.identity, o.dispute_ref, o.event, o.urgency, o.channel, o.subject, o.body, o.html, o.payload,
        o.state, o.attempts, o.next_attempt_at, o.last_error, o.created_at, o.sent_at
        """

    /// Outbox rows per `INSERT` (11 values each: under SQLite's oldest limit of 999 per statement).
    static let rowsPerInsert = 50
    /// Recipient rows per `INSERT` (3 values each).
    static let recipientsPerInsert = 300

    /// Inserts the items whose identity is not there yet (of several with one identity, the
    /// first), with their recipients: a few rows per statement, so that a batch of notices costs a
    /// few round trips to a server, not two per notice.
    ///
    /// - Returns: how many were new.
    static func insert(_ items: [OutboxItem], in db: some SQLDatabase) throws -> Int {
        var inserted = 0
        var start = 0
        while start < items.count {
            let chunk = items[start..<min(start + rowsPerInsert, items.count)]
            start += chunk.count
            var args: [any SQLBindable] = []
            args.reserveCapacity(chunk.count * 11)
            for item in chunk {
                args += [item.identity, item.ref, item.event, item.urgency.rawValue, item.channel, item.subject, item.body,
                         item.html, item.payload, item.createdAt, item.createdAt] as [any SQLBindable]
            }
            let values = Array(repeating: "(?, ?, ?, ?, ?, ?, ?, ?, ?, 'pending', 0, ?, ?)", count: chunk.count).joined(separator: ", ")
            var ids: [String: Int64] = [:]
            try db.query("""
                INSERT INTO outbox (identity, dispute_ref, event, urgency, channel, subject, body, html, payload,
                                    state, attempts, next_attempt_at, created_at)
                VALUES \(values)
                ON CONFLICT (identity) DO NOTHING RETURNING id, identity
                """, arguments: args, operation: "enqueue notifications") { ids[$0.string(1)] = $0.int64(0) }
            inserted += ids.count
            var recipients: [(id: Int64, position: Int, address: String)] = []
            for item in chunk {
                guard let id = ids.removeValue(forKey: item.identity) else { continue }
                for (position, address) in item.recipients.enumerated() { recipients.append((id, position, address)) }
            }
            var r = 0
            while r < recipients.count {
                let part = recipients[r..<min(r + recipientsPerInsert, recipients.count)]
                r += part.count
                try db.query("""
                    INSERT INTO outbox_recipients (outbox_id, position, address)
                    VALUES \(Array(repeating: "(?, ?, ?)", count: part.count).joined(separator: ", ")) ON CONFLICT DO NOTHING
                    """, arguments: part.flatMap { [$0.id, $0.position, $0.address] as [any SQLBindable] },
                    operation: "enqueue notification recipients") { _ in }
            }
        }
        return inserted
    }

    static func decode(_ row: some SQLRow) throws -> OutboxEntry {
        let id = row.int64(0)
        guard let urgency = OutboxUrgency(rawValue: row.string(4)), let state = OutboxState(rawValue: row.string(10)) else {
            throw StoreError(.invalidRow, operation: "read outbox", message: "outbox row \(id) has an unknown urgency or state")
        }
        let item = OutboxItem(identity: row.string(1), ref: row.optionalString(2), event: row.string(3), urgency: urgency,
                              recipients: [], channel: row.string(5), subject: row.string(6), body: row.string(7),
                              html: row.optionalString(8), payload: row.optionalData(9), createdAt: row.date(14))
        return OutboxEntry(id: id, item: item, state: state, attempts: row.int(11), nextAttemptAt: row.date(12),
                           lastError: row.optionalString(13), sentAt: row.optionalDate(15), recipients: [])
    }

    /// Runs a query selecting `selection` from `outbox o`, and fills in each entry's recipients.
    static func load(_ sql: String, _ args: any SQLBindable..., in db: some SQLDatabase) throws -> [OutboxEntry] {
        var entries: [OutboxEntry] = []
        try db.query(sql, arguments: args, operation: "read outbox") { entries.append(try decode($0)) }
        for i in entries.indices {
            try db.query("SELECT address, sent_at FROM outbox_recipients WHERE outbox_id = ? ORDER BY position",
                         entries[i].id, operation: "read outbox recipients") { row in
                entries[i].recipients.append(OutboxRecipient(address: row.string(0), sentAt: row.optionalDate(1)))
                entries[i].item.recipients.append(row.string(0))
            }
        }
        return entries
    }

    /// The SQL condition on `o.state` for a filter (fixed text, never data).
    static func condition(_ filter: OutboxFilter) -> String {
        switch filter {
        case .pending: "o.state IN ('pending', 'failed')"
        case .failed: "o.state IN ('failed', 'parked')"
        case .parked: "o.state = 'parked'"
        case .all: "1 = 1"
        }
    }

    /// The state of message `id`, or nil when there is none.
    static func state(id: Int64, in db: some SQLDatabase) throws -> OutboxState? {
        try db.first("SELECT state FROM outbox WHERE id = ?", id, operation: "read outbox state") {
            OutboxState(rawValue: $0.string(0))
        } ?? nil
    }

    /// The error for an update that matched no row: the message is missing, or in the wrong state.
    static func refusal(id: Int64, operation: String, allowed: String, in db: some SQLDatabase) throws -> StoreError {
        guard let state = try state(id: id, in: db) else {
            return StoreError(.notFound, operation: operation, message: "there is no outbox message \(id)")
        }
        return StoreError(.invalidState, operation: operation,
                          message: "outbox message \(id) is \(state.rawValue); only a \(allowed) message can be")
    }
}
