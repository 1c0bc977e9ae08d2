import Foundation

/// The rows of one table held about a child or a dispute, every column, as stored (subject access).
public struct HeldTable: Sendable, Equatable {
    /// A value as stored: text, an integer, or NULL. Blobs are read as UTF-8 text.
    public enum Value: Sendable, Equatable {
        case text(String), integer(Int64), null
    }
    public var table: String
    public var columns: [String]
    public var rows: [[Value]]
}

extension SQLStore {
    /// Everything the store holds about the disputes of one child (`childRef`) or one dispute
    /// (`disputeRef`), in one read transaction: the disputes, their events, people, web pause requests, outbox
    /// messages and recipients, and the web audit rows naming them. Nothing about any other
    /// dispute: admin notices and digests (no case reference) are not included.
    ///
    /// - Returns: one `HeldTable` per table, in that order (a table with no rows is kept, empty).
    public func held(childRef: String? = nil, disputeRef: String? = nil) throws -> [HeldTable] {
        precondition((childRef == nil) != (disputeRef == nil), "exactly one of childRef and disputeRef")
        let key = childRef ?? disputeRef!
        let chosen = childRef != nil ? "SELECT id FROM disputes WHERE child_ref = ?" : "SELECT id FROM disputes WHERE ref = ?"
        let refs = "SELECT ref FROM disputes WHERE id IN (\(chosen))"
        let queries: [(String, String)] = [
            ("disputes", "SELECT * FROM disputes WHERE id IN (\(chosen)) ORDER BY ref"),
            ("events", "SELECT d.ref AS dispute_ref, e.* FROM events e JOIN disputes d ON d.id = e.dispute_id WHERE e.dispute_id IN (\(chosen)) ORDER BY d.ref, e.seq"),
            ("people", "SELECT d.ref AS dispute_ref, p.* FROM people p JOIN disputes d ON d.id = p.dispute_id WHERE p.dispute_id IN (\(chosen)) ORDER BY d.ref, p.role, p.position"),
            ("pause_requests", "SELECT d.ref AS dispute_ref, q.* FROM pause_requests q JOIN disputes d ON d.id = q.dispute_id WHERE q.dispute_id IN (\(chosen)) ORDER BY d.ref, q.id"),
            ("outbox", "SELECT * FROM outbox WHERE dispute_ref IN (\(refs)) ORDER BY id"),
            ("outbox_recipients", "SELECT o.dispute_ref, r.* FROM outbox_recipients r JOIN outbox o ON o.id = r.outbox_id WHERE o.dispute_ref IN (\(refs)) ORDER BY r.outbox_id, r.position"),
            ("audit", "SELECT * FROM audit WHERE dispute_ref IN (\(refs)) ORDER BY id"),
        ]
        return try withDatabase { db in
            try db.transaction(.deferred) {
                try queries.map { table, sql in
                    var held = HeldTable(table: table, columns: [], rows: [])
                    try db.query(sql, key, operation: "read what is held about \(key)") { r in
                        if held.columns.isEmpty { held.columns = (0..<r.columnCount).map { r.columnName($0) } }
                        held.rows.append((0..<r.columnCount).map { i in
                            r.isNull(i) ? .null : r.isInteger(i) ? .integer(r.int64(i))
                                : .text(r.isBlob(i) ? String(decoding: r.optionalData(i) ?? Data(), as: UTF8.self) : r.string(i))
                        })
                    }
                    return held
                }
            }
        }
    }
}
