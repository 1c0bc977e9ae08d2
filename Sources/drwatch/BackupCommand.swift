import ArgumentParser
import DisputeService
import Notifications
import Recording
import ServiceConfig
import DisputeStore
import Foundation

/// `drwatch backup PATH`: a consistent copy of the database while the daemon and the command
/// line go on writing (SQLite's online backup API), mode 0600, checked with
/// `PRAGMA integrity_check`. Never overwrites: PATH must not exist (exit 73).
struct BackupCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "backup",
        abstract: "Copy the database consistently while drwatch runs (mode 0600; never overwrites).",
        discussion: "Restore: stop drwatch, copy the backup over the database, remove its -wal and -shm files, start drwatch (docs/operations.md).")

    @OptionGroup var global: GlobalOptions
    @Argument(help: ArgumentHelp("The backup file to create; it must not exist.", valueName: "path")) var path: String

    func run() throws {
        let config = try global.loadConfig()
        let location = try StoreLocation(setting: config.database)
        guard Stores.exists(location) else {
            throw CommandFailure("database \(location) does not exist; check --config/--database", code: Sysexits.noInput)
        }
        let store = try config.openStore()
        let summary: BackupSummary
        do {
            summary = try store.backup(to: path)
        } catch let e as StoreError where e.code == .duplicate {
            throw CommandFailure(e.description, code: Sysexits.cantCreate)
        }
        guard summary.integrity == "ok" else {
            throw CommandFailure("backup \(path) failed PRAGMA integrity_check (\(summary.integrity)); the database itself may be damaged: run sqlite3 \(config.database) 'PRAGMA integrity_check'",
                                 code: Sysexits.ioErr)
        }
        writeOut("backed up \(config.database) to \(path): \(summary.disputes) dispute\(summary.disputes == 1 ? "" : "s"), \(summary.bytes) bytes, mode 0600, integrity ok\n")
    }
}
