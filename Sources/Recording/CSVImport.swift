import ServiceConfig
import DisputeCore
import Foundation
import WorkingDays

// `drwatch import FILE.csv`: the layout is documented in docs/import.md. The whole file is checked
// before anything is written; the store then inserts every dispute in one transaction.

/// A problem with one line of an import file.
public struct ImportProblem: Sendable, Equatable, CustomStringConvertible {
    public var line: Int
    public var message: String
    public var description: String { "line \(line): \(message)" }
}

/// What an import file holds once checked: the new disputes with their whole histories.
public struct ImportPlan: Sendable {
    public var disputes: [Dispute]
    /// The line of each dispute's opening row (parallel to `disputes`), to name a row when the
    /// store refuses it.
    public var lines: [Int]
    /// The export's `event_id` of each event of each dispute (parallel to `disputes` and their events).
    public var eventIDs: [[String?]]
    public var eventCount: Int { disputes.reduce(0) { $0 + $1.events.count } }
    /// Escalation rows that record an escalation the engine had already made on breach (accepted as
    /// its confirmation: nothing moves).
    public var confirmations = 0
}

/// The first characters that make a spreadsheet read a cell as a formula (`=HYPERLINK(...)`).
private let formulaStarts: Set<UInt8> = [UInt8(ascii: "="), UInt8(ascii: "+"), UInt8(ascii: "-"), UInt8(ascii: "@"), 0x09, 0x0D]

/// The columns that describe the record itself: set on the `opened` row; on a later row of the same
/// record they must be empty or repeat the opening row's value.
let recordColumns: [ImportColumn] = [.policy, .kind, .category, .type, .division, .team, .childRef, .subject, .aboutOwner, .people, .childStatus]

/// The rows of an import file with each cell under its drwatch column, after the header is
/// checked and `[import.columns]` / `[import.values]` are applied.
public struct ImportRows: Sendable {
    /// One data row: its line, and its cells by field position (`""` where a cell is bad).
    public struct Row: Sendable {
        public var line: Int
        public var cells: [String]
        /// What is wrong with the row as a whole (its shape, a bad cell), when anything is.
        public var problem: String?
    }
    /// drwatch column -> field position.
    var index: [ImportColumn: Int]
    /// The position of `event_id`, when the file has it.
    var eventIDIndex: Int?
    public var rows: [Row]

    /// The cell of `column` in `row`; `""` when the file has no such column.
    public func cell(_ row: Row, _ column: ImportColumn) -> String {
        guard let i = index[column] else { return "" }
        return row.cells[i]
    }
    /// The row's `event_id`, when the file has the column and the cell is not empty.
    public func eventID(_ row: Row) -> String? {
        guard let i = eventIDIndex, !row.cells[i].isEmpty else { return nil }
        return row.cells[i]
    }
}

/// The first columns a repeated import (`--sync`) needs; the others may be left out.
let syncRequiredColumns: [ImportColumn] = [.ref, .event, .at]

/// Reads the header and the rows of an import file: every cell valid UTF-8 and not a formula.
///
/// - Parameters:
///   - bytes: the file's contents.
///   - mapping: export headers and codes to drwatch's (`[import.columns]`, `[import.values]`).
///   - required: the columns the header must name (all of them for a one-off import).
/// - Returns: the rows, or the header's problem (the file is then refused whole).
func readImportRows(_ bytes: [UInt8], mapping: ImportMapping, required: [ImportColumn]) -> Result<ImportRows, ImportFailure> {
    var records = parseCSV(bytes)
    let expected = required.count == ImportColumn.oneOffRequired.count
        ? ImportColumn.oneOffRequired.map(\.rawValue).joined(separator: ",") + " (and optionally child_status)"
        : "at least " + required.map(\.rawValue).joined(separator: ",")
    guard !records.isEmpty else {
        return .failure(ImportFailure(problems: [ImportProblem(line: 1, message: "the file is empty; the first line must be the header: \(expected)")]))
    }
    let header = records.removeFirst()
    var index: [ImportColumn: Int] = [:]
    var eventIDIndex: Int?
    var ignored = Set<Int>()
    var headerProblems: [String] = []
    if let p = header.problem { headerProblems.append(p) }
    for (i, raw) in header.fields.enumerated() {
        let given = String(decoding: raw, as: UTF8.self)
        let name = mapping.column(forHeader: given)
        if name == ImportMapping.ignore { ignored.insert(i); continue }
        if name == ImportColumn.eventIDName {
            if eventIDIndex != nil { headerProblems.append("column \(name) appears twice") }
            eventIDIndex = i
            continue
        }
        guard let column = ImportColumn(rawValue: name) else {
            let shown = ImportMapping.normalHeader(given)
            headerProblems.append("unknown column \"\(shown)\"" + (mapping.isIdentity ? "" : " (map it in [import.columns], or map it to \"ignore\")"))
            continue
        }
        if index[column] != nil { headerProblems.append("column \(name) appears twice") }
        index[column] = i
    }
    let missing = required.filter { index[$0] == nil }
    if !missing.isEmpty { headerProblems.append("missing column\(missing.count == 1 ? "" : "s") \(missing.map(\.rawValue).joined(separator: ", "))") }
    if !headerProblems.isEmpty {
        return .failure(ImportFailure(problems: [ImportProblem(line: header.line, message: "bad header: \(headerProblems.joined(separator: "; ")); expected \(expected)")]))
    }
    let width = header.fields.count
    var columnOf = [String?](repeating: nil, count: width)
    for (c, i) in index { columnOf[i] = c.rawValue }
    if let i = eventIDIndex { columnOf[i] = ImportColumn.eventIDName }

    var rows: [ImportRows.Row] = []
    rows.reserveCapacity(records.count)
    for record in records {
        if let p = record.problem { rows.append(.init(line: record.line, cells: [], problem: p)); continue }
        guard record.fields.count == width else {
            rows.append(.init(line: record.line, cells: [], problem: "\(record.fields.count) column\(record.fields.count == 1 ? "" : "s"), the header has \(width); quote any cell that contains a comma"))
            continue
        }
        var cells: [String] = []
        cells.reserveCapacity(width)
        var bad: [String] = []
        for (i, raw) in record.fields.enumerated() {
            if ignored.contains(i) { cells.append(""); continue }
            guard let s = String(validating: raw, as: UTF8.self) else {
                bad.append("column \(i + 1) is not valid UTF-8; save the file as UTF-8")
                cells.append("")
                continue
            }
            if let first = raw.first, formulaStarts.contains(first) {
                bad.append("column \(i + 1) starts with \(first == 0x09 ? "a tab" : first == 0x0D ? "a carriage return" : "\"\(Character(Unicode.Scalar(first)))\""), which a spreadsheet would run as a formula; remove it")
            }
            if s.utf8.count > maxCellBytes { bad.append("column \(i + 1) is longer than \(maxCellBytes / 1000) kB; shorten it") }
            let value = columnOf[i].map { mapping.value(s, column: $0) } ?? s
            if i == eventIDIndex, !value.isEmpty, let p = referenceProblem(value, what: "event_id") { bad.append(p) }
            cells.append(value)
        }
        rows.append(.init(line: record.line, cells: cells, problem: bad.isEmpty ? nil : bad.joined(separator: "; ")))
    }
    return .success(ImportRows(index: index, eventIDIndex: eventIDIndex, rows: rows))
}

/// The longest cell an import accepts (a note, an outcome): 20 kB.
let maxCellBytes = 20_000

/// One data row read as what it records: a new dispute or a change to one.
enum ImportRowContent {
    case opening(OpeningFields)
    case change(DisputeEvent)
}

extension Runtime {
    /// Reads what a row records, with the same checks for a one-off import and a repeated one.
    ///
    /// - Returns: the opening or the change, or what is wrong with the row (one line).
    func rowContent(_ rows: ImportRows, _ row: ImportRows.Row) -> Result<(ref: String, content: ImportRowContent), DomainError> {
        func cell(_ c: ImportColumn) -> String { rows.cell(row, c) }
        func optional(_ c: ImportColumn) -> String? { let v = cell(c); return v.isEmpty ? nil : v }
        func fail(_ m: String) -> Result<(ref: String, content: ImportRowContent), DomainError> { .failure(DomainError(m)) }
        let ref = cell(.ref)
        if let p = referenceProblem(ref) { return fail(p) }
        let eventName = cell(.event)
        guard let at = settings.civil.parse(cell(.at)) else {
            return fail("at \"\(cell(.at))\" is not a time; write 2026-11-23, 2026-11-23T14:30 or 2026-11-23T14:30+00:00")
        }
        func actor(_ role: ImportColumn, _ email: ImportColumn, required: String?) -> Result<Actor?, DomainError> {
            let r = cell(role), e = cell(email)
            if r.isEmpty && e.isEmpty {
                if let what = required { return .failure(DomainError("\(role.rawValue) and \(email.rawValue) are required: \(what)")) }
                return .success(nil)
            }
            guard !r.isEmpty else { return .failure(DomainError("\(email.rawValue) is given without \(role.rawValue)")) }
            guard isPlausibleEmail(e) else { return .failure(DomainError("\(email.rawValue) \"\(e)\" is not an email address")) }
            return .success(Actor(role: r, email: e))
        }

        if eventName == "opened" {
            let by: Actor
            switch actor(.byRole, .byEmail, required: "who raised the dispute") {
            case .failure(let e): return .failure(e)
            case .success(let a): by = a!
            }
            var stage: Int?
            if let s = optional(.stage) {
                guard let v = Int(s), v >= 1 else { return fail("stage \"\(s)\" is not a stage number (1, 2, ...)") }
                stage = v
            }
            var people: [(role: String, email: String)] = []
            for item in cell(.people).split(separator: ";", omittingEmptySubsequences: true) {
                let t = item.trimmingCharacters(in: .whitespaces)
                guard let p = parsePerson(t) else { return fail("people entry \"\(t)\" is not ROLE=EMAIL; separate entries with ;") }
                people.append(p)
            }
            var aboutOwner = false
            switch cell(.aboutOwner).lowercased() {
            case "", "no", "false", "0": aboutOwner = false
            case "yes", "true", "1": aboutOwner = true
            default: return fail("about_owner \"\(cell(.aboutOwner))\" must be yes or no (or empty)")
            }
            return .success((ref, .opening(OpeningFields(ref: ref, policy: cell(.policy), kind: cell(.kind), stage: stage, category: cell(.category),
                                                         type: cell(.type), raisedBy: by, at: at, division: optional(.division), team: optional(.team),
                                                         childRef: optional(.childRef), subject: optional(.subject), concernsOwner: aboutOwner,
                                                         reason: optional(.text), people: people, childStatus: optional(.childStatus)))))
        }

        let by: Actor?
        switch actor(.byRole, .byEmail, required: nil) {
        case .failure(let e): return .failure(e)
        case .success(let a): by = a
        }
        let change: DisputeEvent.Change
        switch EventKind(rawValue: eventName) {
        case .escalated?:
            guard let s = optional(.stage), let v = Int(s) else { return fail("an escalated row needs the new stage number in stage") }
            change = .escalated(toStage: v, reason: optional(.text))
        case .paused?:
            guard case .success(let a?) = actor(.approverRole, .approverEmail, required: "who approved the pause") else {
                return fail("a paused row needs approver_role and approver_email (who approved the pause)")
            }
            guard let reason = optional(.text) else { return fail("a paused row needs the reason in text") }
            change = .paused(approvedBy: a, reason: reason)
        case .resumed?:
            change = .resumed
        case .extended?:
            guard let s = optional(.workingDays), let v = Int(s), v > 0 else {
                return fail("an extended row needs working_days, a whole number of 1 or more")
            }
            guard case .success(let a?) = actor(.approverRole, .approverEmail, required: "who agreed the extension") else {
                return fail("an extended row needs approver_role and approver_email (who agreed the extension)")
            }
            change = .extended(workingDays: v, agreedBy: a)
        case .note?:
            guard let t = optional(.text) else { return fail("a note row needs the note in text") }
            change = .note(t)
        case .cafcassReferral?:
            change = .cafcassReferral
        case .cafcassIntended?:
            change = .cafcassIntended(reason: optional(.text))
        case .responded?:
            guard let t = optional(.text) else { return fail("a responded row needs the response in text") }
            change = .responded(text: t)
        case .resolved?:
            guard let t = optional(.text) else { return fail("a resolved row needs the outcome in text") }
            change = .resolved(outcome: t)
        case .withdrawn?:
            guard let t = optional(.text) else { return fail("a withdrawn row needs the reason in text") }
            change = .withdrawn(reason: t)
        case .opened?, nil:
            return fail("unknown event \"\(eventName)\"; use \(EventKind.namesForMessages)")
        }
        return .success((ref, .change(DisputeEvent(at: at, by: by, change: change))))
    }

    /// Checks a whole import file.
    ///
    /// - Parameters:
    ///   - bytes: the file's contents.
    ///   - mapping: `[import.columns]` and `[import.values]` (none by default).
    ///   - existingRefs: the case references among the given ones that the store already holds.
    /// - Returns: the plan, or every problem found (one per bad line, in line order).
    public func planImport(_ bytes: [UInt8], mapping: ImportMapping = .identity, existingRefs: (Set<String>) throws -> Set<String>) rethrows
        -> Result<ImportPlan, ImportFailure> {
        var confirmations = 0
        let rows: ImportRows
        switch readImportRows(bytes, mapping: mapping, required: ImportColumn.oneOffRequired) {
        case .failure(let f): return .failure(f)
        case .success(let r): rows = r
        }
        var problems: [ImportProblem] = []
        var disputes: [Dispute] = []
        var lines: [Int] = []
        var eventIDs: [[String?]] = []
        var position: [String: Int] = [:]          // ref -> index in disputes
        var openingRow: [String: ImportRows.Row] = [:]
        var refusedRefs: [String: Int] = [:]       // ref -> line of its refused opening row
        disputes.reserveCapacity(rows.rows.count)

        for row in rows.rows {
            func problem(_ m: String) { problems.append(ImportProblem(line: row.line, message: m)) }
            if let p = row.problem { problem(p); continue }
            let ref = rows.cell(row, .ref), eventName = rows.cell(row, .event)
            if eventName == "opened", referenceProblem(ref) == nil, position[ref] != nil || refusedRefs[ref] != nil {
                let earlier = openingRow[ref]?.line ?? refusedRefs[ref]!
                problem("\(ref) is opened twice in the file (first on line \(earlier)); give each dispute one opened row")
                continue
            }
            if eventName != "opened", refusedRefs[ref] != nil { continue }   // its opening row is already reported
            let content: ImportRowContent
            switch rowContent(rows, row) {
            case .failure(let e):
                problem(e.description)
                if eventName == "opened", referenceProblem(ref) == nil { refusedRefs[ref] = row.line }
                continue
            case .success(let c): content = c.content
            }
            switch content {
            case .opening(let fields):
                do {
                    let d = try opening(fields)
                    position[ref] = disputes.count
                    openingRow[ref] = row
                    disputes.append(d)
                    lines.append(row.line)
                    eventIDs.append([rows.eventID(row)])
                } catch {
                    problem(Self.importMessage(error))
                    refusedRefs[ref] = row.line
                }
            case .change(let event):
                // A later event of a record opened earlier in the file.
                guard let p = position[ref], let opened = openingRow[ref] else {
                    if refusedRefs[ref] != nil { continue }   // its opening row is already reported
                    problem("\(ref) has no opened row before this \(eventName.isEmpty ? "row" : eventName) row; put the opened row first (records already in the store cannot be imported into; use --sync)")
                    continue
                }
                let differing = recordColumns.filter { c in let v = rows.cell(row, c); return !v.isEmpty && v != rows.cell(opened, c) }
                if !differing.isEmpty {
                    problem("\(differing.map(\.rawValue).joined(separator: ", ")) differ\(differing.count == 1 ? "s" : "") from the opened row (line \(opened.line)); leave \(differing.count == 1 ? "it" : "them") empty or repeat the same value")
                    continue
                }
                do {
                    if case .escalated = event.change, try engine(for: disputes[p]).confirmsDerivedEscalation(event, of: disputes[p]) { confirmations += 1 }
                    disputes[p] = try apply(event, to: disputes[p])
                    eventIDs[p].append(rows.eventID(row))
                } catch {
                    problem(Self.importMessage(error))
                }
            }
        }

        // References the store already holds.
        if !disputes.isEmpty {
            let known = try existingRefs(Set(disputes.map(\.ref)))
            if !known.isEmpty {
                for (d, line) in zip(disputes, lines) where known.contains(d.ref) {
                    problems.append(ImportProblem(line: line, message: "\(d.ref) is already recorded in the database; a dispute is imported once (record later changes with drwatch dispute ..., or import the export with --sync)"))
                }
            }
        }
        if !problems.isEmpty {
            problems.sort { $0.line < $1.line }
            return .failure(ImportFailure(problems: problems))
        }
        return .success(ImportPlan(disputes: disputes, lines: lines, eventIDs: eventIDs, confirmations: confirmations))
    }
}

extension Runtime {
    /// A refusal as an import problem: a field is named by its column.
    static func importMessage(_ error: Error) -> String {
        guard let e = error as? DomainError else { return "\(error)" }
        return e.message(naming: importColumn(for:))
    }
}

/// The column of an import file that gives each field of a request.
func importColumn(for field: Field) -> String {
    switch field {
    case .ref: ImportColumn.ref.rawValue
    case .policy: ImportColumn.policy.rawValue
    case .kind: ImportColumn.kind.rawValue
    case .stage: ImportColumn.stage.rawValue
    case .category: ImportColumn.category.rawValue
    case .type: ImportColumn.type.rawValue
    case .raisedBy, .by: ImportColumn.byRole.rawValue
    case .at: ImportColumn.at.rawValue
    case .division: ImportColumn.division.rawValue
    case .team: ImportColumn.team.rawValue
    case .childRef: ImportColumn.childRef.rawValue
    case .subject: ImportColumn.subject.rawValue
    case .aboutOwner: ImportColumn.aboutOwner.rawValue
    case .people: ImportColumn.people.rawValue
    case .childStatus: ImportColumn.childStatus.rawValue
    case .approvedBy, .agreedBy: ImportColumn.approverRole.rawValue
    case .workingDays: ImportColumn.workingDays.rawValue
    case .reason, .outcome, .note: ImportColumn.text.rawValue
    }
}

/// An import file that was refused: every bad line, and nothing was written.
public struct ImportFailure: Error, Sendable {
    public var problems: [ImportProblem]
}
