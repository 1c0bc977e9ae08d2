import Delivery
import DisputeCore
import Foundation
import TOML
import WorkingDays

/// A secret stored in a file: where it is named in the config, never its value.
public struct SecretFile: Equatable, Sendable, CustomStringConvertible {
    /// The name as written in the config (absolute, or relative to the config's folder).
    public var name: String
    /// The key that names it, e.g. `[email] password_file`.
    public var key: String
    /// The config file and line, for errors.
    public var file: String
    public var line: Int
    public init(name: String, key: String, file: String, line: Int) {
        self.name = name
        self.key = key
        self.file = file
        self.line = line
    }
    public var description: String { "secret file \"\(name)\"" }
}

extension DrwatchConfig {

    /// Where a secret file is: an absolute name as is; a relative name next to the config
    /// if it exists there, else in `$CREDENTIALS_DIRECTORY`; `nil` when found nowhere.
    public func locateSecret(_ secret: SecretFile,
                             fileExists: (String) -> Bool = { FileManager.default.fileExists(atPath: $0) }) -> String? {
        if secret.name.hasPrefix("/") { return fileExists(secret.name) ? secret.name : nil }
        let local = URL(fileURLWithPath: directory, isDirectory: true).appendingPathComponent(secret.name).path
        if fileExists(local) { return local }
        if let credentialsDirectory {
            let credential = URL(fileURLWithPath: credentialsDirectory, isDirectory: true).appendingPathComponent(secret.name).path
            if fileExists(credential) { return credential }
        }
        return nil
    }

    /// Reads a secret at use time, without its trailing newline.
    ///
    /// - Throws: `ConfigFileError` at the line naming the secret when it cannot be found,
    ///   read, or is empty. The error never contains the secret.
    public func readSecret(_ secret: SecretFile) throws(ConfigFileError) -> String {
        func fail(_ message: String) -> ConfigFileError {
            ConfigFileError(file: secret.file, line: secret.line, message: message)
        }
        guard let path = locateSecret(secret) else {
            let places = secret.name.hasPrefix("/") ? secret.name
                : "\(URL(fileURLWithPath: directory).appendingPathComponent(secret.name).path) or \(credentialsDirectory.map { "\($0)/\(secret.name)" } ?? "$CREDENTIALS_DIRECTORY (not set)")"
            throw fail("\(secret.key) \"\(secret.name)\" not found (looked in \(places)); create the file (mode 0600) or pass it with systemd LoadCredential=\(secret.name):PATH")
        }
        if let problem = secretFilePermissionProblem(path: path) { throw fail("\(secret.key) \(problem)") }
        guard let data = FileManager.default.contents(atPath: path) else {
            throw fail("\(secret.key) \(path) cannot be read; let the drwatch user read it (mode 0600, owned by drwatch)")
        }
        var value = String(decoding: data, as: UTF8.self)
        while value.hasSuffix("\n") || value.hasSuffix("\r") || value.hasSuffix("\r\n") { value.removeLast() }
        if value.isEmpty { throw fail("\(secret.key) \(path) is empty; write the secret into it") }
        return value
    }

    /// Every secret file the config names.
    public var secretFiles: [SecretFile] {
        [email?.passwordFile, email?.oauth2TokenFile, sso.oidc?.clientSecretFile, metrics.tokenFile].compactMap { $0 } + webhooks.flatMap { [$0.urlFile, $0.secretFile].compactMap { $0 } }
    }

    /// Checks every secret file that can be found now: private to its owner (mode 0600 or
    /// 0400, as ssh demands of a key), and a webhook's HMAC key at least
    /// `minimumWebhookSecretBytes` long. `load` calls it, so `check-config`, the daemon's start
    /// and a reload refuse such a file (exit 78) rather than the first delivery. A file not
    /// found yet is left to `readSecret` at use time.
    ///
    /// - Throws: `ConfigFileError` at the line naming the file; never showing a secret.
    public func checkSecretFiles() throws(ConfigFileError) {
        for secret in secretFiles {
            guard let path = locateSecret(secret) else { continue }
            if let problem = secretFilePermissionProblem(path: path) {
                throw ConfigFileError(file: secret.file, line: secret.line, message: "\(secret.key) \(problem)")
            }
        }
        for hook in webhooks {
            guard let secret = hook.secretFile, locateSecret(secret) != nil else { continue }
            if let problem = webhookSecretProblem(try readSecret(secret)) {
                throw ConfigFileError(file: secret.file, line: secret.line, message: "\(secret.key) \(secret.name) \(problem)")
            }
        }
    }
}
