import ArgumentParser
import DisputeService
import Notifications
import Recording
import ServiceConfig
import DisputeStore
import Foundation

/// `drwatch import FILE.csv [--dry-run]`: loads disputes and their events from a CSV export (layout
/// in docs/import.md). The whole file is checked first; when any row is bad, each bad row is named
/// on stderr (`FILE:LINE: what`), the exit status is 65 and nothing is written. Otherwise every
/// dispute goes in in one transaction.
struct ImportCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "import", abstract: "Import disputes and their events from a CSV file (all or nothing).",
        discussion: "Layout: docs/import.md. Header: \(ImportColumn.allCases.map(\.rawValue).joined(separator: ",")).")

    @OptionGroup var global: GlobalOptions
    @Argument(help: ArgumentHelp("The CSV file (- for standard input).", valueName: "file.csv")) var file: String
    @Flag(name: .customLong("dry-run"), help: "Check the file and report, writing nothing (with --sync: row by row).") var dryRun = false
    @Flag(help: "Read the file as the history of each dispute it mentions: skip what is recorded, append what is new, open new disputes.")
    var sync = false
    @Flag(help: "With --sync: refuse the whole file when any row is refused (default: leave that dispute as it is).") var strict = false

    func validate() throws {
        if strict && !sync { throw ValidationError("--strict applies to --sync; add --sync") }
    }

    func run() throws {
        let session = try Session(global)
        let bytes = try readInput()
        if sync { return try runSync(session, bytes) }
        let result: Result<ImportPlan, ImportFailure>
        do {
            result = dryRun ? try session.recorder.checkImport(bytes) : try session.recorder.importCSV(bytes, file: file == "-" ? "stdin" : URL(fileURLWithPath: file).lastPathComponent)
        } catch let conflict as ImportConflict {
            // Recorded by someone else since the check: name the row.
            throw CommandFailure("\(file):\(conflict.line): \(conflict.ref) was recorded by another process meanwhile; nothing was imported",
                                 code: Sysexits.dataErr)
        }
        switch result {
        case .failure(let failure):
            var out = ""
            for p in failure.problems { out += "\(file):\(p.line): \(p.message)\n" }
            writeErr(out)
            let n = Set(failure.problems.map(\.line)).count
            throw CommandFailure("\(file): \(n) bad row\(n == 1 ? "" : "s"); nothing was imported", code: Sysexits.dataErr)
        case .success(let plan):
            if dryRun {
                print("\(file): \(plan.disputes.count) disputes with \(plan.eventCount) events are valid; nothing written (--dry-run)")
            } else {
                let n = plan.confirmations
                let confirmed = n == 0 ? "" : "; \(n) escalation record\(n == 1 ? "" : "s") confirm\(n == 1 ? "s" : "") an escalation drwatch had already made on breach (kept with \(n == 1 ? "its" : "their") own time and actor; nothing moves)"
                print("\(file): imported \(plan.disputes.count) disputes with \(plan.eventCount) events\(confirmed)")
            }
        }
    }

    /// `--sync`: plan inside the write transaction (so the engine checks what is recorded at that
    /// moment) and write there, or only read with `--dry-run`.
    private func runSync(_ session: Session, _ bytes: [UInt8]) throws {
        let source = file == "-" ? "stdin" : URL(fileURLWithPath: file).lastPathComponent
        let result = try session.recorder.sync(bytes, file: source, strict: strict, dryRun: dryRun)
        let plan: SyncPlan
        switch result {
        case .failure(let failure):
            FileHandle.standardError.write(Data(failure.problems.map { "\(file):\($0.line): \($0.message)\n" }.joined().utf8))
            throw CommandFailure("\(file): the file cannot be read as an export; nothing was imported", code: Sysexits.dataErr)
        case .success(let p): plan = p
        }
        if dryRun {
            writeOut(plan.rowReport(file: file))
            print(plan.summary(file: file) + "; nothing written (--dry-run)")
            if plan.refused > 0 { throw CommandFailure("\(file): \(plan.refused) row\(plan.refused == 1 ? "" : "s") would be refused", code: Sysexits.dataErr) }
            return
        }
        FileHandle.standardError.write(Data(plan.refusals(file: file).utf8))
        if strict && plan.refused > 0 {
            throw CommandFailure("\(file): \(plan.refused) row\(plan.refused == 1 ? "" : "s") refused; nothing was imported (--strict)", code: Sysexits.dataErr)
        }
        print(plan.summary(file: file))
        if plan.refused > 0 {
            throw CommandFailure("\(file): \(plan.refused) row\(plan.refused == 1 ? "" : "s") refused (listed above); the other disputes were synced", code: Sysexits.dataErr)
        }
    }

    private func readInput() throws -> [UInt8] {
        if file == "-" { return [UInt8](FileHandle.standardInput.readDataToEndOfFile()) }
        var isDir: ObjCBool = false
        guard FileManager.default.fileExists(atPath: file, isDirectory: &isDir), !isDir.boolValue else {
            throw CommandFailure("\(file) not found; give the CSV file to import", code: Sysexits.noInput)
        }
        guard let data = FileManager.default.contents(atPath: file) else {
            throw CommandFailure("\(file) cannot be read; check its permissions", code: Sysexits.noInput)
        }
        return [UInt8](data)
    }
}
