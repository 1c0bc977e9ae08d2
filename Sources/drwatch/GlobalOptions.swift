import ArgumentParser
import DisputeService
import Notifications
import Recording
import ServiceConfig
import Foundation

/// Options every command that touches the config or the database shares (`@OptionGroup`).
struct GlobalOptions: ParsableArguments {
    @Option(help: ArgumentHelp("The config file (default: $DRWATCH_CONFIG, else /etc/drwatch/drwatch.toml).", valueName: "path"))
    var config: String?

    @Option(help: ArgumentHelp("The SQLite database, instead of the config's `database`.", valueName: "path"))
    var database: String?

    /// Loads the config, with `--database` applied.
    ///
    /// The file is `--config`, else `$DRWATCH_CONFIG`, else /etc/drwatch/drwatch.toml. When that
    /// file does not exist, `--config` and `$DRWATCH_CONFIG` were not given, but `--database`
    /// was, the built-in defaults apply (`DrwatchConfig.defaults`): england-and-wales, close of
    /// business 17:00, send time 08:30, the file transport in `outbox/` next to the database,
    /// and the five shipped presets from `config/policies` of the package the binary was built
    /// in, else /usr/share/drwatch/policies.
    ///
    /// - Throws: `ConfigFileMissing` (exit 66) or `ConfigFileError` (exit 78).
    func loadConfig(environment: [String: String] = ProcessInfo.processInfo.environment) throws -> DrwatchConfig {
        let explicit = config ?? environment["DRWATCH_CONFIG"].flatMap { $0.isEmpty ? nil : $0 }
        let path = explicit ?? DrwatchConfig.defaultPath
        var loaded: DrwatchConfig
        if explicit == nil, let database, !FileManager.default.fileExists(atPath: path) {
            loaded = DrwatchConfig.defaults(database: database, presetsDirectory: DrwatchConfig.shippedPresetsDirectory())
            loaded.credentialsDirectory = environment["CREDENTIALS_DIRECTORY"].flatMap { $0.isEmpty ? nil : $0 }
            try loaded.checkFilesExist()
        } else {
            loaded = try DrwatchConfig.load(path: path, environment: environment)
        }
        loaded.database = loaded.resolvedDatabasePath(override: database)
        return loaded
    }
}
