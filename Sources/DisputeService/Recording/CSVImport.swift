import DisputeCore
import Foundation
import WorkingDays

// `drwatch import FILE.csv`: the layout is documented in docs/import.md. The whole file is checked
// before anything is written; the store then inserts every dispute in one transaction.

/// The columns of an import file, in the order `drwatch import` documents (the header may list
/// them in any order, but must name each exactly once).
public enum ImportColumn: String, CaseIterable, Sendable {
    case ref, event, at, byRole = "by_role", byEmail = "by_email"
    case policy, kind, stage, category, type, division, team
    case childRef = "child_ref", subject, aboutOwner = "about_owner", people
    case approverRole = "approver_role", approverEmail = "approver_email", workingDays = "working_days", text
}

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
    public var eventCount: Int { disputes.reduce(0) { $0 + $1.events.count } }
    /// Escalation rows that record an escalation the engine had already made on breach (accepted as
    /// its confirmation: nothing moves).
    public var confirmations = 0
}

/// The first characters that make a spreadsheet read a cell as a formula (`=HYPERLINK(...)`).
private let formulaStarts: Set<UInt8> = [UInt8(ascii: "="), UInt8(ascii: "+"), UInt8(ascii: "-"), UInt8(ascii: "@"), 0x09, 0x0D]

/// The columns that describe the record itself: set on the `opened` row; on a later row of the same
/// record they must be empty or repeat the opening row's value.
private let recordColumns: [ImportColumn] = [.policy, .kind, .category, .type, .division, .team, .childRef, .subject, .aboutOwner, .people]

extension Runtime {
    /// Checks a whole import file.
    ///
    /// - Parameters:
    ///   - bytes: the file's contents.
    ///   - existingRefs: the case references among the given ones that the store already holds.
    /// - Returns: the plan, or every problem found (one per bad line, in line order).
    public func planImport(_ bytes: [UInt8], existingRefs: (Set<String>) throws -> Set<String>) rethrows
        -> Result<ImportPlan, ImportFailure> {
        var confirmations = 0
        var problems: [ImportProblem] = []
        var records = parseCSV(bytes)
        guard !records.isEmpty else {
            return .failure(ImportFailure(problems: [ImportProblem(line: 1, message: "the file is empty; the first line must be the header: \(ImportColumn.allCases.map(\.rawValue).joined(separator: ","))")]))
        }
        // Header.
        let header = records.removeFirst()
        var index: [ImportColumn: Int] = [:]
        var headerProblems: [String] = []
        if let p = header.problem { headerProblems.append(p) }
        for (i, raw) in header.fields.enumerated() {
            let name = String(decoding: raw, as: UTF8.self).trimmingCharacters(in: .whitespaces).lowercased()
            guard let column = ImportColumn(rawValue: name) else { headerProblems.append("unknown column \"\(name)\""); continue }
            if index[column] != nil { headerProblems.append("column \(name) appears twice") }
            index[column] = i
        }
        let missing = ImportColumn.allCases.filter { index[$0] == nil }
        if !missing.isEmpty { headerProblems.append("missing column\(missing.count == 1 ? "" : "s") \(missing.map(\.rawValue).joined(separator: ", "))") }
        if !headerProblems.isEmpty {
            return .failure(ImportFailure(problems: [ImportProblem(line: header.line, message: "bad header: \(headerProblems.joined(separator: "; ")); expected \(ImportColumn.allCases.map(\.rawValue).joined(separator: ","))")]))
        }
        let width = header.fields.count

        var disputes: [Dispute] = []
        var lines: [Int] = []
        var position: [String: Int] = [:]          // ref -> index in disputes
        var openingRow: [String: (line: Int, cells: [String])] = [:]
        var refusedRefs: [String: Int] = [:]       // ref -> line of its refused opening row
        disputes.reserveCapacity(records.count)

        for record in records {
            func problem(_ m: String) { problems.append(ImportProblem(line: record.line, message: m)) }
            if let p = record.problem { problem(p); continue }
            guard record.fields.count == width else {
                problem("\(record.fields.count) column\(record.fields.count == 1 ? "" : "s"), the header has \(width); quote any cell that contains a comma")
                continue
            }
            var cells: [String] = []
            cells.reserveCapacity(width)
            var bad: [String] = []
            for (i, raw) in record.fields.enumerated() {
                guard let s = String(validating: raw, as: UTF8.self) else {
                    bad.append("column \(i + 1) is not valid UTF-8; save the file as UTF-8")
                    cells.append("")
                    continue
                }
                if let first = raw.first, formulaStarts.contains(first) {
                    bad.append("column \(i + 1) starts with \(first == 0x09 ? "a tab" : first == 0x0D ? "a carriage return" : "\"\(Character(Unicode.Scalar(first)))\""), which a spreadsheet would run as a formula; remove it")
                }
                cells.append(s)
            }
            if !bad.isEmpty { problem(bad.joined(separator: "; ")); continue }
            func cell(_ c: ImportColumn) -> String { cells[index[c]!] }
            func optional(_ c: ImportColumn) -> String? { let v = cell(c); return v.isEmpty ? nil : v }

            let ref = cell(.ref)
            if let p = referenceProblem(ref) { problem(p); continue }
            let eventName = cell(.event)
            guard let at = settings.civil.parse(cell(.at)) else {
                problem("at \"\(cell(.at))\" is not a time; write 2026-11-23, 2026-11-23T14:30 or 2026-11-23T14:30+00:00")
                continue
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
                if position[ref] != nil || refusedRefs[ref] != nil {
                    let earlier = openingRow[ref]?.line ?? refusedRefs[ref]!
                    problem("\(ref) is opened twice in the file (first on line \(earlier)); give each dispute one opened row")
                    continue
                }
                let by: Actor
                switch actor(.byRole, .byEmail, required: "who raised the dispute") {
                case .failure(let e): problem(e.description); refusedRefs[ref] = record.line; continue
                case .success(let a): by = a!
                }
                var stage: Int?
                if let s = optional(.stage) {
                    guard let v = Int(s), v >= 1 else { problem("stage \"\(s)\" is not a stage number (1, 2, ...)"); refusedRefs[ref] = record.line; continue }
                    stage = v
                }
                var people: [(role: String, email: String)] = []
                var peopleOK = true
                for item in cell(.people).split(separator: ";", omittingEmptySubsequences: true) {
                    let t = item.trimmingCharacters(in: .whitespaces)
                    guard let p = parsePerson(t) else {
                        problem("people entry \"\(t)\" is not ROLE=EMAIL; separate entries with ;")
                        peopleOK = false; break
                    }
                    people.append(p)
                }
                if !peopleOK { refusedRefs[ref] = record.line; continue }
                var aboutOwner = false
                switch cell(.aboutOwner).lowercased() {
                case "", "no", "false", "0": aboutOwner = false
                case "yes", "true", "1": aboutOwner = true
                default: problem("about_owner \"\(cell(.aboutOwner))\" must be yes or no (or empty)"); refusedRefs[ref] = record.line; continue
                }
                let fields = OpeningFields(ref: ref, policy: cell(.policy), kind: cell(.kind), stage: stage, category: cell(.category),
                                           type: cell(.type), raisedBy: by, at: at, division: optional(.division), team: optional(.team),
                                           childRef: optional(.childRef), subject: optional(.subject), concernsOwner: aboutOwner,
                                           reason: optional(.text), people: people)
                do {
                    let d = try opening(fields)
                    position[ref] = disputes.count
                    openingRow[ref] = (record.line, cells)
                    disputes.append(d)
                    lines.append(record.line)
                } catch {
                    problem(Self.importMessage(error))
                    refusedRefs[ref] = record.line
                }
                continue
            }

            // A later event of a record opened earlier in the file.
            guard let p = position[ref], let opened = openingRow[ref] else {
                if refusedRefs[ref] != nil { continue }   // its opening row is already reported
                problem("\(ref) has no opened row before this \(eventName.isEmpty ? "row" : eventName) row; put the opened row first (records already in the store cannot be imported into)")
                continue
            }
            let differing = recordColumns.filter { c in let v = cell(c); return !v.isEmpty && v != opened.cells[index[c]!] }
            if !differing.isEmpty {
                problem("\(differing.map(\.rawValue).joined(separator: ", ")) differ\(differing.count == 1 ? "s" : "") from the opened row (line \(opened.line)); leave \(differing.count == 1 ? "it" : "them") empty or repeat the same value")
                continue
            }
            let by: Actor?
            switch actor(.byRole, .byEmail, required: nil) {
            case .failure(let e): problem(e.description); continue
            case .success(let a): by = a
            }
            let change: DisputeEvent.Change
            switch EventKind(rawValue: eventName) {
            case .escalated?:
                guard let s = optional(.stage), let v = Int(s) else { problem("an escalated row needs the new stage number in stage"); continue }
                change = .escalated(toStage: v, reason: optional(.text))
            case .paused?:
                guard case .success(let a?) = actor(.approverRole, .approverEmail, required: "who approved the pause") else {
                    problem("a paused row needs approver_role and approver_email (who approved the pause)"); continue
                }
                guard let reason = optional(.text) else { problem("a paused row needs the reason in text"); continue }
                change = .paused(approvedBy: a, reason: reason)
            case .resumed?:
                change = .resumed
            case .extended?:
                guard let s = optional(.workingDays), let v = Int(s), v > 0 else {
                    problem("an extended row needs working_days, a whole number of 1 or more"); continue
                }
                guard case .success(let a?) = actor(.approverRole, .approverEmail, required: "who agreed the extension") else {
                    problem("an extended row needs approver_role and approver_email (who agreed the extension)"); continue
                }
                change = .extended(workingDays: v, agreedBy: a)
            case .note?:
                guard let t = optional(.text) else { problem("a note row needs the note in text"); continue }
                change = .note(t)
            case .cafcassReferral?:
                change = .cafcassReferral
            case .cafcassIntended?:
                change = .cafcassIntended(reason: optional(.text))
            case .responded?:
                guard let t = optional(.text) else { problem("a responded row needs the response in text"); continue }
                change = .responded(text: t)
            case .resolved?:
                guard let t = optional(.text) else { problem("a resolved row needs the outcome in text"); continue }
                change = .resolved(outcome: t)
            case .withdrawn?:
                guard let t = optional(.text) else { problem("a withdrawn row needs the reason in text"); continue }
                change = .withdrawn(reason: t)
            case .opened?, nil:
                problem("unknown event \"\(eventName)\"; use \(EventKind.namesForMessages)")
                continue
            }
            do {
                let event = DisputeEvent(at: at, by: by, change: change)
                if case .escalated = change, try engine(for: disputes[p]).confirmsDerivedEscalation(event, of: disputes[p]) { confirmations += 1 }
                disputes[p] = try apply(event, to: disputes[p])
            } catch {
                problem(Self.importMessage(error))
            }
        }

        // References the store already holds.
        if !disputes.isEmpty {
            let known = try existingRefs(Set(disputes.map(\.ref)))
            if !known.isEmpty {
                for (d, line) in zip(disputes, lines) where known.contains(d.ref) {
                    problems.append(ImportProblem(line: line, message: "\(d.ref) is already recorded in the database; a dispute is imported once (record later changes with drwatch dispute ...)"))
                }
            }
        }
        if !problems.isEmpty {
            problems.sort { $0.line < $1.line }
            return .failure(ImportFailure(problems: problems))
        }
        return .success(ImportPlan(disputes: disputes, lines: lines, confirmations: confirmations))
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
    case .approvedBy, .agreedBy: ImportColumn.approverRole.rawValue
    case .workingDays: ImportColumn.workingDays.rawValue
    case .reason, .outcome, .note: ImportColumn.text.rawValue
    }
}

/// An import file that was refused: every bad line, and nothing was written.
public struct ImportFailure: Error, Sendable {
    public var problems: [ImportProblem]
}
