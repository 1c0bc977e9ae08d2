import ArgumentParser
import DisputeService
import Notifications
import Recording
import ServiceConfig
import DisputeStore
import Foundation

/// `drwatch init`: creates the database (mode 0600) and brings its schema up to date.
/// Idempotent: run it again, or after upgrading drwatch, and it applies only what is missing.
struct InitCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "init",
        abstract: "Create the database, or bring its schema up to date (idempotent).")

    @OptionGroup var global: GlobalOptions

    func run() throws {
        let config = try global.loadConfig()
        let location = try StoreLocation(setting: config.database)
        let path = location.description
        if let file = location.filePath {
            let folder = URL(fileURLWithPath: file).deletingLastPathComponent().path
            var isDir: ObjCBool = false
            guard FileManager.default.fileExists(atPath: folder, isDirectory: &isDir), isDir.boolValue else {
                throw CommandFailure("the folder of database \(path) does not exist; create \(folder) (owned by the drwatch user)", code: Sysexits.ioErr)
            }
        }
        let existed = Stores.exists(location)
        let store = try config.openStore()
        let applied = try store.migrate()
        print(existed ? "database \(path) exists" : "created database \(path) (mode 0600)")
        if applied.isEmpty {
            print("schema up to date; nothing to do")
        } else {
            for name in applied { print("applied migration \(name)") }
        }
    }
}
