import ArgumentParser
import DisputeService
import Foundation

/// `drwatch check-config`: loads the config, every policy file and the holidays file with the
/// daemon's own loader (`Runtime.load`), so the check and the daemon never disagree.
/// Exit 0 with a summary; 78 with `FILE:LINE: what; how` on the first problem; 66 when the
/// config file does not exist.
struct CheckConfigCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "check-config",
        abstract: "Check the config, its policy files and holidays file, as the daemon loads them.")

    @OptionGroup var global: GlobalOptions

    func run() throws {
        let config = try global.loadConfig()
        let runtime = try Runtime.load(config: config)
        var lines = ["config \(config.file): OK (database \(config.database), division \(config.division.rawValue), close of business \(config.closeOfBusiness))"]
        if let h = config.holidaysFile { lines.append("holidays file \(h): OK") }
        for name in runtime.policyNames { lines.append(runtime.summary(of: name)) }
        writeOut(lines.joined(separator: "\n") + "\n")
    }
}
