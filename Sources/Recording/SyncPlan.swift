import ServiceConfig
import DisputeCore
import DisputeStore
import Foundation

// `drwatch import FILE --sync` and the drop folder: an export read as the full or partial
// history of each dispute it mentions (docs/import.md, "Repeated imports"). Rows already
// recorded are skipped; new events are checked by the engine in time order (the same checks
// as every other change: Recording.swift) and appended; a new dispute is opened. Nothing
// recorded is changed or removed: a dispute the export contradicts is left as it is.

/// What a repeated import will do, row by row.
public struct SyncPlan: Sendable {
    /// What happens to one row.
    public enum Action: Sendable, Equatable {
        /// Opens a new dispute.
        case open
        /// Appends a new event.
        case append
        /// Already recorded (or repeated in the file): the reason.
        case skip(String)
        /// Not written: the reason.
        case refuse(String)
    }

    /// One row of the file and what happens to it.
    public struct Row: Sendable, Equatable {
        public var line: Int
        /// The case reference, when the row has a valid one.
        public var ref: String?
        /// The event as the row gives it (after `[import.values]`).
        public var event: String
        public var action: Action
    }

    /// Every data row, in line order.
    public internal(set) var rows: [Row] = []
    /// New disputes, each with the origin of each of its events.
    public internal(set) var newDisputes: [Dispute] = []
    public internal(set) var newOrigins: [[EventOrigin]] = []
    /// The engine's summary of each new dispute (the `disputes` row's state columns).
    public internal(set) var newSummaries: [DisputeSummary] = []
    /// Events to append to recorded disputes, in the order to append them, each with the
    /// engine's summary of its dispute after it.
    public internal(set) var appends: [(ref: String, event: DisputeEvent, origin: EventOrigin, summary: DisputeSummary)] = []
    /// The references of the disputes left as they are because of a refused row.
    public internal(set) var refusedDisputes: [String] = []

    public var opened: Int { newDisputes.count }
    /// Events written, openings aside.
    public var appended: Int { appends.count + newDisputes.reduce(0) { $0 + $1.events.count - 1 } }
    public var skipped: Int { rows.reduce(0) { if case .skip = $1.action { $0 + 1 } else { $0 } } }
    public var refused: Int { rows.reduce(0) { if case .refuse = $1.action { $0 + 1 } else { $0 } } }
    /// Nothing to write.
    public var isEmpty: Bool { newDisputes.isEmpty && appends.isEmpty }

    /// `FILE: opened 1 dispute, appended 3 events, skipped 40 already recorded, refused 2 rows (1 dispute left as it is)`.
    public func summary(file: String) -> String {
        func n(_ count: Int, _ one: String, _ many: String) -> String { "\(count) \(count == 1 ? one : many)" }
        var s = "\(file): opened \(n(opened, "dispute", "disputes")), appended \(n(appended, "event", "events")), skipped \(skipped) already recorded, refused \(n(refused, "row", "rows"))"
        if !refusedDisputes.isEmpty { s += " (\(n(refusedDisputes.count, "dispute", "disputes")) left as \(refusedDisputes.count == 1 ? "it is" : "they are"))" }
        return s
    }
}

extension Runtime {
    /// Plans a repeated import against what the store holds now.
    ///
    /// - Parameters:
    ///   - bytes: the file's contents.
    ///   - source: the file's name as events record it (`import:NAME`).
    ///   - mapping: `[import.columns]` and `[import.values]`.
    ///   - store: a read (or the write transaction the plan will be recorded in).
    /// - Returns: the plan, or `ImportFailure` when the file cannot be read as an import at all
    ///   (its header).
    /// - Throws: the store's errors.
    public func planSync(_ bytes: [UInt8], source: String, mapping: ImportMapping, store: any DisputeReading) throws
        -> Result<SyncPlan, ImportFailure> {
        let rows: ImportRows
        switch readImportRows(bytes, mapping: mapping, required: syncRequiredColumns) {
        case .failure(let f): return .failure(f)
        case .success(let r): rows = r
        }
        var plan = SyncPlan()
        plan.rows.reserveCapacity(rows.rows.count)

        // Each row read; the good ones grouped by dispute, in order of first appearance.
        // `row` is the row's index in `rows.rows` and in `plan.rows` (one entry per row, in order).
        struct Parsed { var row: Int; var content: ImportRowContent; var event: DisputeEvent; var eventID: String? }
        var order: [String] = []
        var byRef: [String: [Parsed]] = [:]
        var badRows: [String: [Int]] = [:]          // ref -> rows (indices in plan.rows) refused on their own
        for row in rows.rows {
            let eventName = row.problem == nil ? rows.cell(row, .event) : ""
            let index = plan.rows.count
            if let p = row.problem {
                plan.rows.append(.init(line: row.line, ref: nil, event: eventName, action: .refuse(p)))
                continue
            }
            let ref = rows.cell(row, .ref)
            switch rowContent(rows, row) {
            case .failure(let e):
                let valid = referenceProblem(ref) == nil
                plan.rows.append(.init(line: row.line, ref: valid ? ref : nil, event: eventName, action: .refuse(e.description)))
                if valid {
                    if byRef[ref] == nil && badRows[ref] == nil { order.append(ref) }
                    badRows[ref, default: []].append(index)
                }
            case .success(let (ref, content)):
                let event: DisputeEvent
                switch content {
                case .opening(let f): event = DisputeEvent(at: f.at, by: f.raisedBy, change: .opened(stage: f.stage ?? 1))
                case .change(let e): event = e
                }
                if byRef[ref] == nil && badRows[ref] == nil { order.append(ref) }
                byRef[ref, default: []].append(Parsed(row: index, content: content, event: event, eventID: rows.eventID(row)))
                plan.rows.append(.init(line: row.line, ref: ref, event: eventName, action: .skip("")))   // decided below
            }
        }

        let recorded = try store.disputesWithOrigins(refs: Set(order))
        let origin = { (id: String?) in EventOrigin.import(file: source, eventID: id) }
        for ref in order {
            var parsed = byRef[ref] ?? []
            // Time order (then file order) is the order the engine checks and appends in.
            parsed.sort { ($0.event.at, $0.row) < ($1.event.at, $1.row) }
            var refusals: [(row: Int, reason: String)] = []
            if let bad = badRows[ref] { refusals += bad.map { ($0, "") } }     // already carry their reason

            let existing = recorded[ref]
            var base: Dispute?
            var recordedEvents: [RecordedEvent] = []
            if let existing {
                base = existing.dispute
                recordedEvents = zip(existing.dispute.events, existing.origins).map {
                    RecordedEvent(event: $0.0, eventID: $0.1.eventID, fromImport: $0.1.isImport)
                }
            } else if let first = parsed.first {
                // A new dispute: its earliest row opens it.
                guard case .opening(let fields) = first.content else {
                    let opening = parsed.first { if case .opening = $0.content { true } else { false } }
                    refusals.append((first.row, opening == nil
                        ? "\(ref) is not recorded and the file has no opened row for it; give its opened row (or record it with drwatch dispute open)"
                        : "this \(first.event.change.name) is dated before \(ref) is opened (line \(plan.rows[opening!.row].line))"))
                    finish(ref, parsed.map(\.row), refusals, &plan)
                    continue
                }
                do { base = try opening(fields) } catch {
                    refusals.append((first.row, Self.importMessage(error)))
                    finish(ref, parsed.map(\.row), refusals, &plan)
                    continue
                }
            }
            guard var dispute = base else { finish(ref, [], refusals, &plan); continue }

            // Columns that describe the dispute: empty, or what is recorded.
            for p in parsed {
                let differing = recordDifferences(rows, rows.rows[p.row], from: dispute)
                if !differing.isEmpty {
                    refusals.append((p.row, "\(differing.joined(separator: "; ")) (what is recorded for \(ref)); drwatch never changes a recorded dispute: leave the column empty or give the same value"))
                }
            }

            // Already recorded, new, or contradicting the store.
            let exported = parsed.map { ExportedEvent(line: plan.rows[$0.row].line, event: $0.event, eventID: $0.eventID) }
            let isNew = existing == nil
            let comparison = ExportMatching.compare(isNew ? Array(exported.dropFirst()) : exported,
                                                    with: isNew ? [RecordedEvent(event: dispute.events[0], eventID: parsed[0].eventID)] : recordedEvents)
            let candidates = isNew ? Array(parsed.dropFirst()) : parsed
            var fresh: [Parsed] = []
            for (p, verdict) in zip(candidates, comparison.verdicts) {
                func shown(_ i: Int) -> String {
                    let e = isNew ? dispute.events[0] : recordedEvents[i].event
                    return "the \(e.change.name) of \(settings.civil.iso8601(e.at))"
                }
                switch verdict {
                case .recorded: plan.rows[p.row].action = .skip("already recorded")
                case .repeats(let line): plan.rows[p.row].action = .skip("repeats line \(line)")
                case .new: fresh.append(p)
                case .differs(let i):
                    refusals.append((p.row, "event_id \(p.eventID ?? "") is recorded as \(shown(i)); the export now gives the \(p.event.change.name) of \(settings.civil.iso8601(p.event.at)) with other details; drwatch never changes a recorded event"))
                case .openedOtherwise where isNew:
                    refusals.append((p.row, "\(ref) is opened twice in the file (first on line \(plan.rows[parsed[0].row].line)); give each dispute one opened row"))
                case .openedOtherwise(let i):
                    refusals.append((p.row, "\(ref) is recorded as opened otherwise (\(shown(i)), stage \(openingStage(dispute))); drwatch never changes a recorded event"))
                case .closedOtherwise(let i):
                    refusals.append((p.row, "\(ref) is already closed by \(shown(i)); a different end for the same dispute contradicts the record"))
                }
            }
            if let firstRow = parsed.first?.row {
                for i in comparison.missing {
                    let e = recordedEvents[i]
                    refusals.append((firstRow, "the export no longer has the \(e.event.change.name) of \(settings.civil.iso8601(e.event.at)) that an earlier import recorded for \(ref); drwatch never removes a recorded event"))
                }
            }

            // The engine checks the new events in time order.
            var summaries: [DisputeSummary] = []
            if refusals.isEmpty {
                if isNew { plan.rows[parsed[0].row].action = .open }
                for p in fresh {
                    do {
                        dispute = try apply(p.event, to: dispute)
                        if !isNew { summaries.append(try engine(for: dispute).summary(of: dispute, at: p.event.at)) }
                        plan.rows[p.row].action = .append
                    } catch {
                        refusals.append((p.row, Self.importMessage(error)))
                        break
                    }
                }
            }
            if !refusals.isEmpty {
                finish(ref, parsed.map(\.row), refusals, &plan)
                continue
            }
            if isNew {
                var origins = [origin(parsed[0].eventID)]
                origins += fresh.map { origin($0.eventID) }
                do {
                    plan.newSummaries.append(try engine(for: dispute).summary(of: dispute, at: dispute.events.last!.at))
                } catch {
                    finish(ref, parsed.map(\.row), [(parsed[0].row, Self.importMessage(error))], &plan)
                    continue
                }
                plan.newDisputes.append(dispute)
                plan.newOrigins.append(origins)
            } else {
                let start = existing!.dispute.events.count
                for (i, (p, event)) in zip(fresh, dispute.events[start...]).enumerated() {
                    plan.appends.append((ref, event, origin(p.eventID), summaries[i]))
                }
            }
        }
        return .success(plan)
    }

    /// Marks a dispute refused: each refusal on its row, every other row of it not applied.
    private func finish(_ ref: String, _ rowsOfRef: [Int], _ refusals: [(row: Int, reason: String)], _ plan: inout SyncPlan) {
        var reasons: [Int: [String]] = [:]
        for r in refusals where !r.reason.isEmpty { reasons[r.row, default: []].append(r.reason) }
        let refusedLines = Set(refusals.map { plan.rows[$0.row].line }).sorted()
        for (row, list) in reasons { plan.rows[row].action = .refuse(list.joined(separator: "; ")) }
        let lines = refusedLines.map(String.init).joined(separator: ", ")
        for row in rowsOfRef where reasons[row] == nil {
            if case .refuse = plan.rows[row].action { continue }
            plan.rows[row].action = .refuse("not applied: \(ref) is left as it is because of line\(refusedLines.count == 1 ? "" : "s") \(lines)")
        }
        plan.refusedDisputes.append(ref)
    }

    private func openingStage(_ d: Dispute) -> Int {
        if case .opened(let s) = d.events.first?.change { return s }
        return 1
    }

    /// The record columns of a row that differ from a dispute's values (empty cells are never a difference).
    func recordDifferences(_ rows: ImportRows, _ row: ImportRows.Row, from d: Dispute) -> [String] {
        var out: [String] = []
        func check(_ c: ImportColumn, _ recorded: String?) {
            let v = rows.cell(row, c)
            if !v.isEmpty && v != (recorded ?? "") { out.append("\(c.rawValue) \"\(v)\" differs from \"\(recorded ?? "")\"") }
        }
        check(.policy, d.policy)
        check(.kind, d.kind.rawValue)
        check(.category, d.category.rawValue)
        check(.type, d.type.rawValue)
        check(.division, d.division.rawValue)
        check(.team, d.team)
        check(.childRef, d.childRef)
        check(.subject, d.subject)
        check(.childStatus, d.childStatus?.rawValue)
        let owner = rows.cell(row, .aboutOwner).lowercased()
        if !owner.isEmpty, ["yes", "true", "1"].contains(owner) != d.concernsOwner {
            out.append("about_owner \"\(owner)\" differs from \"\(d.concernsOwner ? "yes" : "no")\"")
        }
        for item in rows.cell(row, .people).split(separator: ";", omittingEmptySubsequences: true) {
            if let p = parsePerson(item.trimmingCharacters(in: .whitespaces)), !(d.people[p.role]?.contains(p.email) ?? false) {
                out.append("people \(p.role)=\(p.email) is not recorded")
            }
        }
        return out
    }
}

extension SyncPlan {
    /// Writes the plan in the caller's transaction: the new disputes, then the new events of
    /// recorded ones (already checked by the engine against the same transaction's reads).
    public func record(in tx: any DisputeWriting) throws {
        if !newDisputes.isEmpty { try tx.insertMany(newDisputes, origins: newOrigins, summaries: newSummaries) }
        for a in appends { try tx.append(a.event, toRef: a.ref, origin: a.origin, summary: a.summary) }
    }

    /// One line per row for `--dry-run`: `FILE:LINE: REF EVENT: what happens`.
    public func rowReport(file: String) -> String {
        var out = ""
        for r in rows {
            out += "\(file):\(r.line): \(r.ref ?? "-") \(r.event.isEmpty ? "-" : r.event): "
            switch r.action {
            case .open: out += "open\n"
            case .append: out += "append\n"
            case .skip(let why): out += "skip (\(why))\n"
            case .refuse(let why): out += "refuse: \(why)\n"
            }
        }
        return out
    }

    /// The refused rows, one line each: `FILE:LINE: why`.
    public func refusals(file: String) -> String {
        var out = ""
        for r in rows { if case .refuse(let why) = r.action { out += "\(file):\(r.line): \(why)\n" } }
        return out
    }
}
