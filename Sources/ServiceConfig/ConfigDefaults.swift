import DisputeCore
import Foundation
import TOML
import WorkingDays

// The config without a file (demo, tests) and where the shipped presets are.

extension DrwatchConfig {
    /// The config used when there is no config file but a database is given: division
    /// england-and-wales, close of business 17:00, send time 08:30, poll every 60 s, the five
    /// shipped presets from `presetsDirectory`, no roles, the file transport in `outbox/`
    /// next to the database.
    public static func defaults(database: String, presetsDirectory: String) -> DrwatchConfig {
        let presets = URL(fileURLWithPath: presetsDirectory)
        return DrwatchConfig(
            file: "(defaults)", directory: FileManager.default.currentDirectoryPath, database: database,
            division: .englandAndWales, holidaysFile: nil, closures: [],
            closeOfBusiness: LocalTime(hour: 17, minute: 0)!, sendTime: LocalTime(hour: 8, minute: 30)!,
            pollIntervalSeconds: 60,
            policies: presetFiles.map { presets.appendingPathComponent($0).path },
            policyLines: presetFiles.map { _ in 0 },
            roles: [:], email: nil, webhooks: [], files: FilesConfig(directory: nil, line: 0),
            delivery: DeliveryConfig(), credentialsDirectory: nil)
    }

    /// The folder of the shipped presets: `config/policies` in the source package the
    /// executable was built in (found by walking up from it), else /usr/share/drwatch/policies.
    public static func shippedPresetsDirectory(executablePath: String = CommandLine.arguments[0]) -> String {
        let fm = FileManager.default
        var dir = URL(fileURLWithPath: executablePath).resolvingSymlinksInPath().deletingLastPathComponent()
        for _ in 0..<6 {
            let candidate = dir.appendingPathComponent("config/policies")
            var isDir: ObjCBool = false
            if fm.fileExists(atPath: candidate.path, isDirectory: &isDir), isDir.boolValue,
               fm.fileExists(atPath: dir.appendingPathComponent("Package.swift").path) {
                return candidate.path
            }
            dir = dir.deletingLastPathComponent()
        }
        return "/usr/share/drwatch/policies"
    }
}
