import DisputeCore

// JSON written by hand: a fixed shape, fast for 100,000 rows.

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
    // The current stage's response (null when it has none).
    string("responded_at", e.respondedAt.map(iso))
    int("response_working_days", e.responseWorkingDays)
    key("responded_within_timescale"); out += e.respondedWithinTimescale.map { $0 ? "true" : "false" } ?? "null"
}
