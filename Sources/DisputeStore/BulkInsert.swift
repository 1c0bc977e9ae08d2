import DisputeCore
import Foundation

// A bulk import (`insertMany` of more than 100 disputes) in a few round trips per hundred
// disputes instead of four per dispute: what makes an import on a PostgreSQL server as quick as
// on a local SQLite file. The same code on both backends.

/// The per-row change-tracking triggers on INSERT (migration 003) that a bulk insert sets aside.
enum ChangeTriggers {
    static let onInsert: [(table: String, trigger: String)] = [
        ("disputes", "disputes_changed_insert"), ("events", "events_changed_insert"), ("people", "people_changed_insert"),
    ]
}

/// Multi-row `INSERT`s into one table, at most `rowsPerStatement` rows (and under SQLite's
/// oldest limit of 999 values) per statement.
struct MultiRowInsert {
    let table: String
    let columns: String
    let columnCount: Int
    let rowsPerStatement: Int
    /// After the values (`ON CONFLICT ...`, `RETURNING ...`); fixed text.
    let tail: String

    /// The rows per statement for `count` rows: full statements, then the rest in falling powers
    /// of two, so that only a few distinct statement texts exist (SQLite caches a prepared
    /// statement per text).
    static func sizes(of count: Int, max: Int) -> [Int] {
        var sizes = Array(repeating: max, count: count / max)
        var rest = count % max
        var p = 1
        while p * 2 <= rest { p *= 2 }
        while rest > 0 {
            if p <= rest { sizes.append(p); rest -= p }
            p /= 2
        }
        return sizes
    }

    /// Inserts `rows` (each `columnCount` values), calling `row` for each row a `RETURNING` gives.
    func run<DB: SQLDatabase>(_ rows: [[any SQLBindable]], in db: DB, operation: String,
                              row: (DB.RowType) throws -> Void = { _ in }) throws {
        let placeholder = "(" + Array(repeating: "?", count: columnCount).joined(separator: ", ") + ")"
        var start = 0
        for size in Self.sizes(of: rows.count, max: rowsPerStatement) {
            var args: [any SQLBindable] = []
            args.reserveCapacity(size * columnCount)
            for r in rows[start..<start + size] { args += r }
            start += size
            let values = Array(repeating: placeholder, count: size).joined(separator: ", ")
            try db.query("INSERT INTO \(table) (\(columns)) VALUES \(values) \(tail)", arguments: args, operation: operation, row: row)
        }
    }
}

extension SQLTransaction {
    static var bulkDisputes: MultiRowInsert {
        MultiRowInsert(table: "disputes", columns: DisputesTable.columns + ", change_seq", columnCount: DisputesTable.columnCount + 1,
                       rowsPerStatement: 40, tail: "ON CONFLICT (ref) DO NOTHING RETURNING id, ref")
    }
    static var bulkEvents: MultiRowInsert {
        MultiRowInsert(table: "events", columns: EventsTable.columns, columnCount: EventsTable.columnCount, rowsPerStatement: 60, tail: "")
    }
    static var bulkPeople: MultiRowInsert {
        MultiRowInsert(table: "people", columns: PeopleTable.columns, columnCount: PeopleTable.columnCount, rowsPerStatement: 200,
                       tail: "ON CONFLICT DO NOTHING")
    }
    /// Disputes per savepoint: a refused one undoes only its step, which is then redone one
    /// dispute at a time to name it.
    static var disputesPerStep: Int { 200 }

    /// A bulk import inside the caller's transaction, all or nothing as `insert` one by one.
    ///
    /// The change-tracking triggers of migration 003 cost two updates per row (on PostgreSQL,
    /// of one counter row, ever slower within one transaction); they are set aside for this
    /// transaction, every inserted dispute is stamped with one new change count, and they are
    /// put back before the commit. Other connections see all of it or none of it.
    ///
    /// Rows go in by steps of `disputesPerStep` disputes, each under a savepoint: the disputes
    /// in multi-row statements returning each new id with its reference (no reliance on the order
    /// of returned rows), then their events and people. When a step is refused (a reference
    /// already recorded or twice in the batch, an event id twice...), the step is undone and
    /// redone one dispute at a time, so the error is the one `insert` gives, with `index` set.
    func insertBulk(_ disputes: [Dispute], origins: (Int) -> [EventOrigin], summaries: (Int) -> DisputeSummary?) throws {
        let restore = try db.setInsertTriggersAside()
        try db.execute("UPDATE store_changes SET seq = seq + 1", operation: "record change")
        let stamp = try db.first("SELECT seq FROM store_changes WHERE id = 1", operation: "record change") { $0.int64(0) } ?? 0
        var start = 0
        while start < disputes.count {
            let end = min(start + Self.disputesPerStep, disputes.count)
            try db.execute("SAVEPOINT drwatch_bulk", operation: "insert disputes")
            do {
                try insertStep(disputes, start..<end, stamp: stamp, origins: origins, summaries: summaries)
            } catch is StoreError {
                try db.execute("ROLLBACK TO SAVEPOINT drwatch_bulk", operation: "insert disputes")
                for index in start..<end {
                    do { try insertStep(disputes, index..<index + 1, stamp: stamp, origins: origins, summaries: summaries) }
                    catch var error as StoreError { error.index = index; throw error }
                }
            }
            try db.execute("RELEASE SAVEPOINT drwatch_bulk", operation: "insert disputes")
            start = end
        }
        try restore?()
    }

    private func insertStep(_ disputes: [Dispute], _ range: Range<Int>, stamp: Int64,
                            origins: (Int) -> [EventOrigin], summaries: (Int) -> DisputeSummary?) throws {
        var ids: [String: Int64] = [:]
        try Self.bulkDisputes.run(range.map { i in
            let d = disputes[i]
            return DisputesTable.values(d, state: summaries(i) ?? .recordedOnly(d.events)) + [stamp]
        }, in: db, operation: "insert dispute") { ids[$0.string(1)] = $0.int64(0) }
        var events: [[any SQLBindable]] = []
        var people: [[any SQLBindable]] = []
        for i in range {
            // One row returned per new reference: a missing one is recorded already, or twice here.
            guard let id = ids.removeValue(forKey: disputes[i].ref) else {
                throw StoreError(.duplicate, operation: "insert dispute",
                                 message: "a dispute with the same case reference is already recorded; nothing was written")
            }
            let o = origins(i)
            for (offset, event) in disputes[i].events.enumerated() {
                events.append(EventsTable.values(event, disputeID: id, seq: offset + 1, origin: offset < o.count ? o[offset] : .unknown))
            }
            people += PeopleTable.values(disputes[i].people, disputeID: id)
        }
        try Self.bulkEvents.run(events, in: db, operation: "insert dispute event")
        try Self.bulkPeople.run(people, in: db, operation: "insert dispute people")
    }
}
