import DisputeStore
import Foundation
import TOML

extension DrwatchConfig {
    /// The credential read when `database_password_file` is not set (systemd `LoadCredential=database-password:PATH`).
    public static let databasePasswordCredential = "database-password"

    /// PostgreSQL's password, read now from `database_password_file` or the systemd credential
    /// `database-password`; nil when neither is there (trust or peer authentication, or a
    /// `.pgpass` file). Never logged.
    ///
    /// - Throws: `ConfigFileError` when the named file is missing, unreadable or empty.
    public func databasePassword() throws(ConfigFileError) -> String? {
        if let file = databasePasswordFile { return try readSecret(file) }
        guard let credentialsDirectory else { return nil }
        let path = URL(fileURLWithPath: credentialsDirectory).appendingPathComponent(Self.databasePasswordCredential).path
        guard FileManager.default.fileExists(atPath: path) else { return nil }
        return try readSecret(SecretFile(name: Self.databasePasswordCredential, key: "systemd credential", file: file, line: 0))
    }

    /// The store the `database` setting names (the one way every command and the daemon open it).
    ///
    /// - Throws: `StoreLocation.Invalid`, `ConfigFileError` (the password file), `StoreError`.
    public func openStore(busyTimeout: Duration = .seconds(5)) throws -> any StoreBackend {
        let location = try StoreLocation(setting: database)
        return try Stores.open(location, busyTimeout: busyTimeout, password: location.isSQLite ? nil : try databasePassword())
    }
}
