import Foundation

/// Where a secret (password, token, webhook key) is read from: never the command line or the
/// config file itself.
public enum SecretSource: Hashable, Sendable {
    /// A file holding the secret (trailing newline ignored). Relative paths are resolved by the
    /// config loader against the config file's folder.
    case file(String)
    /// A systemd credential: `$CREDENTIALS_DIRECTORY/<name>`.
    case credential(String)

    /// Reads the secret now (tokens refreshed by another tool are re-read at each batch).
    ///
    /// - Throws: `DeliveryError` (`.configuration`) naming the file, never its content.
    public func read(environment: [String: String] = ProcessInfo.processInfo.environment) throws -> String {
        let path: String
        switch self {
        case .file(let p): path = p
        case .credential(let name):
            guard let dir = environment["CREDENTIALS_DIRECTORY"], !dir.isEmpty else {
                throw DeliveryError(.configuration, "credential \(name) requested but $CREDENTIALS_DIRECTORY is not set (use LoadCredential= in the unit)")
            }
            path = (dir as NSString).appendingPathComponent(name)
        }
        guard let data = FileManager.default.contents(atPath: path), var s = String(data: data, encoding: .utf8) else {
            throw DeliveryError(.configuration, "cannot read secret file \(path): check it exists and is readable by the drwatch user")
        }
        while let last = s.last, last == "\n" || last == "\r" { s.removeLast() }
        guard !s.isEmpty else { throw DeliveryError(.configuration, "secret file \(path) is empty") }
        return s
    }

    /// The config's `password_file`, else the systemd credential `credentialName` when
    /// `$CREDENTIALS_DIRECTORY` holds it, else `nil`.
    public static func resolve(file: String?, credentialName: String,
                               environment: [String: String] = ProcessInfo.processInfo.environment) -> SecretSource? {
        if let file { return .file(file) }
        if let dir = environment["CREDENTIALS_DIRECTORY"],
           FileManager.default.fileExists(atPath: (dir as NSString).appendingPathComponent(credentialName)) {
            return .credential(credentialName)
        }
        return nil
    }
}
