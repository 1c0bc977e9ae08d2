import ArgumentParser
import DisputeCore
import DisputeStore
import Foundation
import WorkingDays

/// `drwatch export (--child REF | --ref REF) --out PREFIX`: subject access. Writes everything
/// the store holds about one child's disputes (or one dispute) to PREFIX.json (every table,
/// every column, as stored; times also as ISO 8601) and PREFIX.html (the same, readable, every
/// value HTML-escaped), both mode 0600 and never overwriting (exit 73). Nothing about any other
/// child: only rows of the chosen disputes (no admin notices or digests).
struct ExportCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "export",
        abstract: "Subject access: write everything held about a child or a dispute as JSON and HTML.",
        discussion: "Writes PREFIX.json and PREFIX.html (mode 0600; neither may exist). --child takes the child's case reference as recorded; a child with no disputes gets files that say nothing is held. --ref takes one dispute's reference (exit 65 when unknown).")

    @OptionGroup var global: GlobalOptions
    @Option(help: ArgumentHelp("The child's case reference.", valueName: "ref")) var child: String?
    @Option(help: ArgumentHelp("One dispute's reference.", valueName: "ref")) var ref: String?
    @Option(help: ArgumentHelp("Write PREFIX.json and PREFIX.html.", valueName: "prefix")) var out: String

    func validate() throws {
        guard (child == nil) != (ref == nil) else { throw ValidationError("give either --child REF or --ref REF") }
        for value in [child, ref].compactMap({ $0 }) where value.isEmpty || value.utf8.count > 200 || value.unicodeScalars.contains(where: { $0.value < 0x20 }) {
            throw ValidationError("the reference must be 1 to 200 characters without control characters")
        }
        guard !out.isEmpty, out.utf8.count <= 4000, !out.contains("\0") else { throw ValidationError("--out must be a file path prefix") }
    }

    func run() throws {
        let session = try Session(global)
        let tables = try session.store.held(childRef: child, disputeRef: ref)
        let disputes = tables.first?.rows.count ?? 0
        if let ref, disputes == 0 { throw noSuchDispute(ref) }
        let now = Date()
        let subject = child.map { ("child_ref", $0) } ?? ("dispute_ref", ref!)
        let paths = [out + ".json", out + ".html"]
        for p in paths where FileManager.default.fileExists(atPath: p) {
            throw CommandFailure("\(p) exists; choose another --out (an export never overwrites)", code: Sysexits.cantCreate)
        }
        try Self.writePrivate(Self.json(tables, subject: subject, at: now), to: paths[0])
        try Self.writePrivate(Self.html(tables, subject: subject, at: now), to: paths[1])
        let rows = tables.map(\.rows.count).reduce(0, +)
        writeOut("wrote \(paths[0]) and \(paths[1]) (mode 0600): \(disputes) dispute\(disputes == 1 ? "" : "s"), \(rows) rows held about \(subject.0 == "child_ref" ? "child" : "dispute") \(subject.1)\n")
    }

    /// A column holding a time: `at`, or a name ending in `_at` (ms since 1970 UTC).
    static func isTime(_ column: String) -> Bool { column == "at" || column.hasSuffix("_at") }

    static func json(_ tables: [HeldTable], subject: (String, String), at: Date) -> String {
        var objects: [(String, JSON)] = []
        for t in tables {
            objects.append((t.table, .array(t.rows.map { row in
                var pairs: [(String, JSON)] = []
                for (column, value) in zip(t.columns, row) {
                    switch value {
                    case .null: pairs.append((column, .string(nil)))
                    case .text(let s): pairs.append((column, .string(s)))
                    case .integer(let i):
                        pairs.append((column, .int(Int(i))))
                        if isTime(column) { pairs.append((column + "_iso", .string(CivilTime.utcISO8601(Date(timeIntervalSince1970: Double(i) / 1000))))) }
                    }
                }
                return .object(pairs)
            })))
        }
        var text = ""
        JSON.object([(subject.0, .string(subject.1)), ("exported_at", .string(CivilTime.utcISO8601(at))),
                     ("note", .string("Everything drwatch holds about this subject, every column as stored; times are ms since 1970 UTC, with _iso copies.")),
                     ("tables", .object(objects))]).write(to: &text)
        return text + "\n"
    }

    static func html(_ tables: [HeldTable], subject: (String, String), at: Date) -> String {
        func esc(_ s: String) -> String { SafeText.html(s) }
        let what = subject.0 == "child_ref" ? "child" : "dispute"
        var h = """
            <!doctype html>
            <html lang="en"><head><meta charset="utf-8"><title>drwatch: what is held about \(what) \(esc(subject.1))</title>
            <style>body{font-family:sans-serif;margin:2em}table{border-collapse:collapse;margin-bottom:2em}th,td{border:1px solid #999;padding:.3em;vertical-align:top;text-align:left}td{white-space:pre-wrap}</style>
            </head><body>
            <h1>What drwatch holds about \(what) \(esc(subject.1))</h1>
            <p>Exported \(esc(CivilTime.utcISO8601(at))). Every table and column as stored; times in UTC.</p>

            """
        let titles = ["disputes": "Disputes", "events": "History (events)", "people": "People named on the disputes", "pause_requests": "Pause requests made on the web",
                      "outbox": "Notifications", "outbox_recipients": "Notification recipients", "audit": "Web audit trail"]
        for t in tables {
            h += "<h2>\(esc(titles[t.table] ?? t.table))</h2>\n"
            guard !t.rows.isEmpty else { h += "<p>None held.</p>\n"; continue }
            h += "<table><thead><tr>" + t.columns.map { "<th scope=\"col\">\(esc($0))</th>" }.joined() + "</tr></thead><tbody>\n"
            for row in t.rows {
                h += "<tr>" + zip(t.columns, row).map { column, value in
                    switch value {
                    case .null: return "<td></td>"
                    case .text(let s): return "<td>\(esc(s))</td>"
                    case .integer(let i):
                        return "<td>\(isTime(column) ? esc(CivilTime.utcISO8601(Date(timeIntervalSince1970: Double(i) / 1000))) : String(i))</td>"
                    }
                }.joined() + "</tr>\n"
            }
            h += "</tbody></table>\n"
        }
        return h + "</body></html>\n"
    }

    /// Creates `path` with mode 0600 (O_EXCL: never over an existing file) and writes `text`.
    static func writePrivate(_ text: String, to path: String) throws {
        let fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o600)
        guard fd >= 0 else {
            let e = errno
            throw CommandFailure("cannot create \(path): \(String(cString: strerror(e)))", code: e == EEXIST ? Sysexits.cantCreate : Sysexits.ioErr)
        }
        defer { close(fd) }
        let bytes = Array(text.utf8)
        var written = 0
        while written < bytes.count {
            let n = bytes[written...].withUnsafeBytes { write(fd, $0.baseAddress, $0.count) }
            guard n > 0 else { throw CommandFailure("cannot write \(path): \(String(cString: strerror(errno)))", code: Sysexits.ioErr) }
            written += n
        }
    }
}
