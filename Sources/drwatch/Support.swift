import ArgumentParser
import DisputeCore
import DisputeService
import DisputeStore
import Foundation
import WorkingDays

// Helpers shared by the commands that read or record disputes.

/// The config, everything it names, and the store: what a dispute command works with.
struct Session {
    let runtime: Runtime
    let store: SQLiteStore

    /// Loads the config and its policies (exit 66/78 on problems) and opens the existing database.
    ///
    /// - Throws: `CommandFailure` 66 when the database does not exist yet (run `drwatch init`),
    ///   69 when its schema is older than this drwatch (run `drwatch init` to upgrade it);
    ///   `StoreError` otherwise.
    init(_ global: GlobalOptions) throws {
        let config = try global.loadConfig()
        runtime = try Runtime.load(config: config)
        let path = config.database
        guard FileManager.default.fileExists(atPath: path) else {
            throw CommandFailure("database \(path) does not exist; create it with drwatch init (same --config/--database)", code: Sysexits.noInput)
        }
        store = try SQLiteStore(path: path)
        let pending = try store.pendingMigrations()
        if !pending.isEmpty {
            throw CommandFailure("database \(path) has an older schema (missing \(pending.joined(separator: ", "))); upgrade it with drwatch init", code: Sysexits.unavailable)
        }
    }
}

/// Parses `--at TIME` (ISO 8601; Europe/London without an offset); the clock is read only when absent.
///
/// - Throws: `CommandFailure` 65 for a time that is not ISO 8601.
func parseAt(_ text: String?) throws -> Date {
    guard let text else { return Date() }
    guard let date = CivilTime.london.parse(text) else {
        throw CommandFailure("--at \(text) is not a time; write 2026-11-23, 2026-11-23T14:30 or 2026-11-23T14:30+00:00 (Europe/London without an offset)",
                             code: Sysexits.dataErr)
    }
    return date
}

/// Checks the syntax of a `ROLE:EMAIL` option in `validate()` (exit 64 when malformed).
func validateActor(_ text: String?, option: String) throws {
    guard let text else { return }
    guard Actor(parsing: text) != nil else {
        throw ValidationError("\(option) \(text) is not ROLE:EMAIL, e.g. \(option) iro:jo.bloggs@council.example")
    }
}

/// Parses an option already checked by `validateActor`.
func actor(_ text: String?) -> Actor? { text.flatMap(Actor.init(parsing:)) }

/// The reference given does not match a recorded dispute (exit 65, EX_DATAERR: "no such dispute").
func noSuchDispute(_ ref: String) -> CommandFailure {
    CommandFailure("no dispute \(ref) is recorded; check the case reference (drwatch dispute list --all)", code: Sysexits.dataErr)
}

/// Records one change to a dispute, checked against its policy inside one write transaction:
/// read the dispute, let the engine apply the change, append it. Nothing is written when the
/// engine refuses (exit 65).
///
/// - Returns: the dispute with the change, and its evaluation at the change's time.
@discardableResult
func recordChange(_ change: DisputeEvent.Change, ref: String, at: String?, by: String?, global: GlobalOptions) throws -> (Dispute, Evaluation) {
    try recordChange(ref: ref, at: at, by: by, global: global) { _, _, _ in change }
}

/// Records the change `make` builds from the stored dispute (read in the same transaction).
@discardableResult
func recordChange(ref: String, at: String?, by: String?, global: GlobalOptions,
                  _ make: (Dispute, Runtime, Date) throws -> DisputeEvent.Change) throws -> (Dispute, Evaluation) {
    let session = try Session(global)
    let when = try parseAt(at)
    let (event, updated) = try session.store.write { tx -> (DisputeEvent, Dispute) in
        guard let dispute = try tx.dispute(ref: ref) else { throw noSuchDispute(ref) }
        let event = DisputeEvent(at: when, by: actor(by), change: try make(dispute, session.runtime, when))
        let updated = try session.runtime.apply(event, to: dispute)
        try tx.append(event, toRef: ref)
        return (event, updated)
    }
    let evaluation = try session.runtime.evaluate(updated, now: event.at)
    print("\(ref): \(describe(event.change)) at \(iso(event.at)); \(summary(evaluation))")
    return (updated, evaluation)
}

/// "escalated to stage 2", "paused (approved by ...)"...
func describe(_ change: DisputeEvent.Change) -> String {
    switch change {
    case .opened(let s): "opened at stage \(s)"
    case .escalated(let s, let r): "escalated to stage \(s)" + (r.map { " (\($0))" } ?? "")
    case .paused(let a, let r): "paused, approved by \(a) (\(r))"
    case .resumed: "resumed"
    case .extended(let n, let a): "extended by \(n) working day\(n == 1 ? "" : "s"), agreed by \(a)"
    case .note(let t): "note: \(t)"
    case .cafcassReferral: "referred to CAFCASS"
    case .resolved(let o): "resolved (\(o))"
    case .withdrawn(let r): "withdrawn (\(r))"
    }
}

/// "stage 2 (owner service-manager) due 2026-12-01T17:00:00+00:00, 3 working days left; state on-track".
func summary(_ e: Evaluation) -> String {
    if e.state == .resolved || e.state == .withdrawn { return "state \(e.state.rawValue)" }
    var parts: [String] = []
    if e.stage > 0 {
        var s = "stage \(e.stage)"
        if let owner = e.owner { s += " (owner \(owner))" }
        if let due = e.stageDeadline { s += " due \(iso(due))" }
        if let left = e.stageWorkingDaysLeft { s += ", \(left) working day\(abs(left) == 1 ? "" : "s") left" }
        parts.append(s)
    }
    if let st = e.statutoryDeadline { parts.append("statutory total due \(iso(st))") }
    parts.append("state \(e.state.rawValue)")
    return parts.joined(separator: "; ")
}

/// ISO 8601 with the Europe/London offset (`CivilTime.london.iso8601`), memoised: deadlines fall
/// on few distinct instants (close of business); measured: `due --json` over 100,000 disputes
/// takes ~0.82 s with the memo and ~1.0–1.1 s without it.
func iso(_ date: Date) -> String {
    isoCache.string(date)
}

private let isoCache = ISOCache()
private final class ISOCache: @unchecked Sendable {
    private var cache: [Double: String] = [:]
    private let lock = NSLock()
    func string(_ date: Date) -> String {
        let key = date.timeIntervalSince1970
        lock.lock(); defer { lock.unlock() }
        if let s = cache[key] { return s }
        let s = CivilTime.london.iso8601(date)
        if cache.count > 100_000 { cache.removeAll() }
        cache[key] = s
        return s
    }
}

/// Writes text to stdout in one go, without terminal controls (`SafeText.terminal`).
func writeOut(_ text: String) {
    FileHandle.standardOutput.write(Data(SafeText.terminal(text).utf8))
}

/// Writes one line to stderr, without terminal controls.
func warn(_ line: String) {
    writeErr("drwatch: \(line)\n")
}

// MARK: - JSON (written by hand: a fixed shape, fast for 100,000 rows)

/// A JSON value of the shapes the commands print.
enum JSON {
    case string(String?)
    case int(Int?)
    case bool(Bool)
    case array([JSON])
    case object([(String, JSON)])

    func write(to out: inout String) {
        switch self {
        case .string(nil), .int(nil): out += "null"
        case .string(let s?): JSON.quote(s, into: &out)
        case .int(let i?): out += String(i)
        case .bool(let b): out += b ? "true" : "false"
        case .array(let items):
            out += "["
            for (i, item) in items.enumerated() { if i > 0 { out += "," }; item.write(to: &out) }
            out += "]"
        case .object(let pairs):
            out += "{"
            for (i, (k, v)) in pairs.enumerated() {
                if i > 0 { out += "," }
                JSON.quote(k, into: &out); out += ":"; v.write(to: &out)
            }
            out += "}"
        }
    }

    static func quote(_ s: String, into out: inout String) {
        // Fast path: nothing to escape (0xE2 starts U+2028/U+2029, escaped below).
        if !s.utf8.contains(where: { $0 < 0x20 || $0 == 0x22 || $0 == 0x5C || $0 == 0xE2 }) {
            out += "\""; out += s; out += "\""
            return
        }
        out += "\""
        for u in s.unicodeScalars {
            switch u {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case "\t": out += "\\t"
            case _ where u.value < 0x20 || u.value == 0x2028 || u.value == 0x2029:
                out += "\\u" + String(repeating: "0", count: 4 - String(u.value, radix: 16).count) + String(u.value, radix: 16)
            default: out.unicodeScalars.append(u)
            }
        }
        out += "\""
    }
}

/// Writes the fields `due --json` and `dispute show --json` share (`"ref":...,"subject":...`,
/// without braces), straight into `out`: `due` writes 100,000 of these.
func writeDueFields(_ d: Dispute, _ e: Evaluation, into out: inout String) {
    func key(_ k: String, _ first: Bool = false) { out += first ? "\"" : ",\""; out += k; out += "\":" }
    func string(_ k: String, _ v: String?) { key(k); if let v { JSON.quote(v, into: &out) } else { out += "null" } }
    func int(_ k: String, _ v: Int?) { key(k); out += v.map { String($0) } ?? "null" }
    key("ref", true); JSON.quote(d.ref, into: &out)
    string("kind", d.kind.rawValue)
    string("policy", d.policy)
    int("stage", e.stage)
    string("stage_name", e.stageName)
    string("owner_role", e.owner)
    string("stage_due", e.stageDeadline.map(iso))
    int("working_days_left", e.stageWorkingDaysLeft)
    string("statutory_due", e.statutoryDeadline.map(iso))
    int("statutory_working_days_left", e.statutoryWorkingDaysLeft)
    string("state", e.state.rawValue)
    string("category", d.category.rawValue)
    string("type", d.type.rawValue)
    string("division", d.division.rawValue)
    string("team", d.team)
    string("child_ref", d.childRef)
    string("subject", d.subject)
}

/// Pads cells into aligned columns (two spaces apart), the last column unpadded.
func table(_ header: [String], _ rows: [[String]]) -> String {
    var widths = header.map(\.count)
    for r in rows { for (i, c) in r.enumerated() where c.count > widths[i] { widths[i] = c.count } }
    var out = ""
    out.reserveCapacity((rows.count + 1) * (widths.reduce(0, +) + 2 * widths.count + 1))
    for r in [header] + rows {
        for (i, c) in r.enumerated() {
            out += c
            if i < r.count - 1 { out += String(repeating: " ", count: widths[i] - c.count + 2) }
        }
        out += "\n"
    }
    return out
}
