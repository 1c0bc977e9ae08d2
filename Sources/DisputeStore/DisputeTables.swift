import DisputeCore
import Foundation
import WorkingDays

// The mapping between `Dispute` and the tables `disputes`, `events` and `people`: the one
// place to change when the model gains a field (add a migration, then the columns here).

/// The `disputes` table.
enum DisputesTable {
    /// Columns read back into a `Dispute`, in this order (see `decode`).
    static let selection = "d.id, d.ref, d.policy, d.kind, d.category, d.type, d.division, d.child_ref, d.team, d.raised_by_role, d.raised_by_email, d.subject, d.concerns_owner, d.opening_reason, d.child_status"

    /// The columns an insert writes, in the order of `values`.
    static let columns = """
        ref, policy, kind, category, type, division, child_ref, team, raised_by_role, raised_by_email, created_at,
        current_stage, is_paused, is_closed, closed_at, subject, concerns_owner, opening_reason, child_status
        """
    static let columnCount = 19

    /// The values of `columns` for one dispute.
    static func values(_ dispute: Dispute, state: DisputeSummary) -> [any SQLBindable] {
        [dispute.ref, dispute.policy, dispute.kind.rawValue, dispute.category.rawValue, dispute.type.rawValue,
         dispute.division.rawValue, dispute.childRef, dispute.team, dispute.raisedBy.role, dispute.raisedBy.email,
         dispute.events.first?.at, state.stage, state.paused, state.closedAt != nil, state.closedAt,
         dispute.subject, dispute.concernsOwner, dispute.openingReason, dispute.childStatus?.rawValue]
    }

    static func insert(_ dispute: Dispute, state: DisputeSummary, in db: some SQLDatabase) throws -> Int64? {
        let changed = try db.execute("""
            INSERT INTO disputes (\(columns))
            VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
            ON CONFLICT (ref) DO NOTHING
            """, arguments: values(dispute, state: state), operation: "insert dispute")
        return changed == 0 ? nil : db.lastInsertRowID
    }

    /// Reads one row selected with `selection`; events and people are filled in later.
    static func decode(_ row: some SQLRow) throws -> (id: Int64, dispute: Dispute) {
        var interner = StringInterner(enabled: false)
        return try decode(row, interner: &interner)
    }

    /// `decode`, sharing one copy of each repeated string (policy, team, addresses) through `interner`.
    static func decode(_ row: some SQLRow, interner: inout StringInterner) throws -> (id: Int64, dispute: Dispute) {
        let id = row.int64(0)
        func bad(_ column: String) -> StoreError {
            StoreError(.invalidRow, operation: "read dispute", message: "dispute row \(id) has an unknown \(column); was it written by a newer drwatch?")
        }
        guard let kind = RecordKind(rawValue: row.string(3)) else { throw bad("kind") }
        guard let category = IssueCategory(rawValue: row.string(4)) else { throw bad("category") }
        guard let type = DisputeType(rawValue: row.string(5)) else { throw bad("type") }
        guard let division = Division(rawValue: row.string(6)) else { throw bad("division") }
        var childStatus: ChildStatus?
        if let text = row.optionalString(14) {
            guard let known = ChildStatus(rawValue: text) else { throw bad("child status") }
            childStatus = known
        }
        let dispute = Dispute(ref: row.string(1), policy: interner.string(row, 2), kind: kind, category: category, type: type,
                              division: division, childRef: row.string(7), team: interner.optionalString(row, 8),
                              raisedBy: Actor(role: interner.string(row, 9), email: interner.string(row, 10)), people: [:], events: [],
                              subject: interner.optionalString(row, 11), concernsOwner: row.bool(12),
                              openingReason: interner.optionalString(row, 13), childStatus: childStatus)
        return (id, dispute)
    }

    /// The derived state of the dispute with reference `ref`, or nil.
    static func current(ref: String, in db: some SQLDatabase) throws -> (id: Int64, state: DisputeSummary)? {
        try db.first("SELECT id, current_stage, is_paused, closed_at FROM disputes WHERE ref = ?", ref,
                     operation: "find dispute") { row in
            (row.int64(0), DisputeSummary(stage: row.int(1), paused: row.bool(2), closedAt: row.optionalDate(3)))
        }
    }

    static func update(id: Int64, to state: DisputeSummary, in db: some SQLDatabase) throws {
        try db.execute("UPDATE disputes SET current_stage = ?, is_paused = ?, is_closed = ?, closed_at = ? WHERE id = ?",
                       state.stage, state.paused, state.closedAt != nil, state.closedAt, id, operation: "update dispute state")
    }
}

extension DisputeSummary {
    /// The summary read from the recorded events alone, without the policy (so without derived
    /// escalations): only for a caller that gives the store no engine summary (test fixtures,
    /// benchmarks). Every write from the recorder carries the engine's own (`Engine.summary`).
    static func recordedOnly(_ events: [DisputeEvent]) -> DisputeSummary {
        var s = DisputeSummary(stage: 1)
        for event in events { s.applyRecorded(event) }
        return s
    }

    /// `recordedOnly` of the events so far, then `event`.
    mutating func applyRecorded(_ event: DisputeEvent) {
        switch event.change {
        case .opened(let stage): self.stage = stage
        case .escalated(let toStage, _): stage = max(stage, toStage)   // a late record confirming a derived escalation may name a lower stage
        case .paused: paused = true
        case .resumed: paused = false
        case .resolved, .withdrawn: closedAt = event.at; paused = false
        case .extended, .note, .cafcassReferral, .responded, .cafcassIntended: break
        }
    }
}

/// The `events` table: one row per `DisputeEvent`, numbered per dispute. Append-only
/// (triggers refuse UPDATE and DELETE).
enum EventsTable {
    /// Columns read back by `decode`, after `dispute_id` at index 0.
    static let selection = "e.dispute_id, e.kind, e.at, e.by_role, e.by_email, e.stage, e.reason, e.outcome, e.note, e.working_days, e.approver_role, e.approver_email"

    /// The columns an insert writes, in the order of `values`.
    static let columns = """
        dispute_id, seq, kind, at, by_role, by_email, stage, reason, outcome, note,
        working_days, approver_role, approver_email, source, event_id
        """
    static let columnCount = 15

    /// The values of `columns` for one event.
    static func values(_ event: DisputeEvent, disputeID: Int64, seq: Int, origin: EventOrigin) -> [any SQLBindable] {
        var stage: Int?, reason: String?, outcome: String?, note: String?, workingDays: Int?, approver: Actor?
        switch event.change {
        case .opened(let s): stage = s
        case .escalated(let s, let r): stage = s; reason = r
        case .paused(let a, let r): approver = a; reason = r
        case .resumed, .cafcassReferral: break
        case .extended(let days, let a): workingDays = days; approver = a
        case .note(let text), .responded(let text): note = text
        case .cafcassIntended(let r): reason = r
        case .resolved(let o): outcome = o
        case .withdrawn(let r): reason = r
        }
        return [disputeID, seq, event.change.name, event.at, event.by?.role, event.by?.email, stage, reason, outcome, note,
                workingDays, approver?.role, approver?.email, origin.source, origin.eventID]
    }

    static func insert(_ event: DisputeEvent, disputeID: Int64, seq: Int, origin: EventOrigin = .unknown, in db: some SQLDatabase) throws {
        try db.execute("""
            INSERT INTO events (\(columns))
            VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
            """, arguments: values(event, disputeID: disputeID, seq: seq, origin: origin), operation: "insert dispute event")
    }

    /// The next sequence number for a dispute's events.
    static func nextSeq(disputeID: Int64, in db: some SQLDatabase) throws -> Int {
        try db.first("SELECT COALESCE(MAX(seq), 0) + 1 FROM events WHERE dispute_id = ?", disputeID,
                     operation: "number dispute event") { $0.int(0) } ?? 1
    }

    /// Reads one row selected with `selection`.
    static func decode(_ row: some SQLRow) throws -> DisputeEvent {
        var interner = StringInterner(enabled: false)
        return try decode(row, interner: &interner)
    }

    /// `decode`, sharing one copy of each repeated string (roles, addresses, reasons) through `interner`.
    static func decode(_ row: some SQLRow, interner: inout StringInterner) throws -> DisputeEvent {
        func bad() -> StoreError {
            StoreError(.invalidRow, operation: "read dispute event",
                       message: "an event of dispute row \(row.int64(0)) is incomplete or of an unknown kind; was it written by a newer drwatch?")
        }
        let by = row.isNull(3) ? nil : Actor(role: interner.string(row, 3), email: interner.string(row, 4))
        let approver = row.isNull(10) ? nil : Actor(role: interner.string(row, 10), email: interner.string(row, 11))
        let change: DisputeEvent.Change
        switch EventKind(rawValue: row.string(1)) {
        case .opened?: guard let s = row.optionalInt(5) else { throw bad() }; change = .opened(stage: s)
        case .escalated?: guard let s = row.optionalInt(5) else { throw bad() }; change = .escalated(toStage: s, reason: interner.optionalString(row, 6))
        case .paused?: guard let a = approver, let r = interner.optionalString(row, 6) else { throw bad() }; change = .paused(approvedBy: a, reason: r)
        case .resumed?: change = .resumed
        case .extended?: guard let d = row.optionalInt(9), let a = approver else { throw bad() }; change = .extended(workingDays: d, agreedBy: a)
        case .note?: guard let n = row.optionalString(8) else { throw bad() }; change = .note(n)
        case .cafcassReferral?: change = .cafcassReferral
        case .responded?: guard let n = row.optionalString(8) else { throw bad() }; change = .responded(text: n)
        case .cafcassIntended?: change = .cafcassIntended(reason: interner.optionalString(row, 6))
        case .resolved?: guard let o = row.optionalString(7) else { throw bad() }; change = .resolved(outcome: o)
        case .withdrawn?: guard let r = row.optionalString(6) else { throw bad() }; change = .withdrawn(reason: r)
        case nil: throw bad()
        }
        // A date drwatch cannot have written (e.g. Int64.max ms, set behind its back) would make
        // the dispute silently quiet: refuse it as a bad row.
        let ms = row.int64(2)
        guard ms >= EventsTable.earliestMs, ms < EventsTable.latestMs else {
            throw StoreError(.invalidRow, operation: "read dispute event",
                             message: "an event of dispute row \(row.int64(0)) has an impossible date (outside 1995-2100); correct the row or restore from a backup")
        }
        return DisputeEvent(at: row.date(2), by: by, change: change)
    }

    /// Event times drwatch accepts when reading, in ms since 1970: 1995-01-01 to 2100-01-01 (UTC).
    static let earliestMs: Int64 = 788_918_400_000
    static let latestMs: Int64 = 4_102_444_800_000
}

/// The `people` table: role -> ordered addresses, per dispute.
enum PeopleTable {
    static func insert(_ people: [String: [String]], disputeID: Int64, in db: some SQLDatabase) throws {
        for row in values(people, disputeID: disputeID) {
            try db.execute("INSERT INTO people (\(columns)) VALUES (?, ?, ?, ?) ON CONFLICT DO NOTHING", arguments: row, operation: "insert dispute people")
        }
    }

    /// The columns an insert writes, in the order of `values`.
    static let columns = "dispute_id, role, position, address"
    static let columnCount = 4

    /// The values of `columns`, one array per row, for a dispute's people.
    static func values(_ people: [String: [String]], disputeID: Int64) -> [[any SQLBindable]] {
        people.flatMap { role, addresses in
            addresses.enumerated().map { position, address in [disputeID, role, position, address] as [any SQLBindable] }
        }
    }

    /// Columns: dispute id, role, address.
    static let selection = "p.dispute_id, p.role, p.address"
}

/// Loads disputes with their events and people in three ordered queries (not one per dispute).
enum DisputeLoader {
    /// - Parameters:
    ///   - condition: a fixed SQL condition on `d` (never built from data); `args` bind its `?`.
    ///   - unreadable: when given, a dispute with a bad event row is left out and added here (the
    ///     others are still returned); when nil, the first bad row throws.
    /// - Throws: `StoreError` (`.invalidRow` for a bad row when `unreadable` is nil).
    static func load(where condition: String, _ args: any SQLBindable..., unreadable: UnsafeMutablePointer<[UnreadableDispute]>? = nil,
                     in db: some SQLDatabase) throws -> [Dispute] {
        var interner = StringInterner(enabled: false)
        guard let unreadable else {
            return try records(where: condition, arguments: args, people: true, interner: &interner, in: db).map(\.dispute)
        }
        var bad: [UnreadableRecord] = []
        let found = try records(where: condition, arguments: args, people: true, interner: &interner, unreadable: &bad, in: db)
        unreadable.pointee += bad.map(\.dispute)
        return found.map(\.dispute)
    }

    /// The disputes matching `condition`, by id, with their ids and closed flags.
    ///
    /// - Parameters:
    ///   - people: also read each dispute's people (else `people` is empty).
    ///   - interner: shares repeated strings between the disputes read (long-lived copies).
    ///   - unreadable: when given, a dispute with a bad event row is left out and added here (the
    ///     others are still returned); when nil, the first bad row throws.
    /// - Throws: `StoreError` (`.invalidRow` for a bad row when `unreadable` is nil).
    static func records(where condition: String, arguments args: [any SQLBindable], people: Bool,
                        interner: inout StringInterner, unreadable: UnsafeMutablePointer<[UnreadableRecord]>? = nil,
                        in db: some SQLDatabase) throws -> [DisputeRecord] {
        var bad: [Int: StoreError] = [:]
        var ids: [Int64] = []
        var disputes: [DisputeRecord] = []
        try db.query("SELECT \(DisputesTable.selection), d.is_closed FROM disputes d WHERE \(condition) ORDER BY d.id", arguments: args,
                     operation: "read disputes") { row in
            let (id, dispute) = try DisputesTable.decode(row, interner: &interner)
            ids.append(id); disputes.append(DisputeRecord(id: id, isClosed: row.bool(15), dispute: dispute))
        }
        if disputes.isEmpty { return [] }

        // Both result sets are ordered by dispute id: walk them together.
        var cursor = 0
        func index(of id: Int64) -> Int? {
            while cursor < ids.count, ids[cursor] < id { cursor += 1 }
            return cursor < ids.count && ids[cursor] == id ? cursor : nil
        }
        try db.query("""
            SELECT \(EventsTable.selection) FROM events e JOIN disputes d ON d.id = e.dispute_id
            WHERE \(condition) ORDER BY e.dispute_id, e.seq
            """, arguments: args, operation: "read dispute events") { row in
            guard let i = index(of: row.int64(0)) else { return }
            do { disputes[i].dispute.events.append(try EventsTable.decode(row, interner: &interner)) }
            catch let e as StoreError where e.code == .invalidRow && unreadable != nil {
                if bad[i] == nil { bad[i] = e }
            }
        }
        if let unreadable, !bad.isEmpty {
            for i in bad.keys.sorted() {
                let r = disputes[i]
                unreadable.pointee.append(UnreadableRecord(id: r.id, isClosed: r.isClosed, dispute: UnreadableDispute(ref: r.dispute.ref, reason: "\(bad[i]!)")))
            }
            disputes = disputes.enumerated().filter { bad[$0.offset] == nil }.map(\.element)
            ids = disputes.map(\.id)
        }
        if !people || disputes.isEmpty { return disputes }
        cursor = 0
        try db.query("""
            SELECT \(PeopleTable.selection) FROM people p JOIN disputes d ON d.id = p.dispute_id
            WHERE \(condition) ORDER BY p.dispute_id, p.role, p.position
            """, arguments: args, operation: "read dispute people") { row in
            guard let i = index(of: row.int64(0)) else { return }
            disputes[i].dispute.people[interner.string(row, 1), default: []].append(interner.string(row, 2))
        }
        return disputes
    }
}

/// Keeps one copy of each string longer than the small-string size (15 UTF-8 bytes, stored
/// inline) among those read, so that 100,000 disputes naming the same address hold one buffer.
struct StringInterner {
    private var seen: Set<String> = []
    let enabled: Bool
    init(enabled: Bool) { self.enabled = enabled }

    mutating func string(_ row: some SQLRow, _ i: Int32) -> String {
        let s = row.string(i)
        guard enabled, s.utf8.count > 15 else { return s }
        if let shared = seen.firstIndex(of: s) { return seen[shared] }
        // Bounded: unique long strings (notes, free-text reasons) are not worth keeping here.
        if seen.count < 10_000 { seen.insert(s) }
        return s
    }

    mutating func optionalString(_ row: some SQLRow, _ i: Int32) -> String? { row.isNull(i) ? nil : string(row, i) }
}
