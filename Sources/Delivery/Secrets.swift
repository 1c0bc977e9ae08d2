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
        if let problem = secretFilePermissionProblem(path: path) { throw DeliveryError(.configuration, "secret file \(problem)") }
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

/// The shortest HMAC key a webhook accepts, in bytes: 32 (256 bits, SHA-256's output size,
/// which RFC 2104 recommends as the least key length). Generate one with
/// `head -c 32 /dev/urandom | base64 > webhook-secret`.
public let minimumWebhookSecretBytes = 32

/// What is wrong with a webhook's HMAC key, or `nil`; never shows the key.
public func webhookSecretProblem(_ secret: String) -> String? {
    let n = secret.utf8.count
    guard n < minimumWebhookSecretBytes else { return nil }
    return "holds a \(n)-byte key; a webhook secret needs at least \(minimumWebhookSecretBytes) bytes: generate one with head -c 32 /dev/urandom | base64 > FILE (and give the receiver the same)"
}

/// What is wrong with a secret file's permissions, or `nil`: a secret readable or writable by
/// group or others is refused, as ssh refuses such a private key. A missing file is `nil` (its
/// reader says so).
public func secretFilePermissionProblem(path: String) -> String? {
    var st = stat()
    guard stat(path, &st) == 0 else { return nil }
    let mode = Int(st.st_mode) & 0o777
    guard mode & 0o077 != 0 else { return nil }
    let octal = String(mode, radix: 8)
    return "\(path) is accessible by group or others (mode 0\(octal)); a secret must be private to the drwatch user: run chmod 600 \(path) (and chown drwatch \(path)), or pass it with systemd LoadCredential="
}
