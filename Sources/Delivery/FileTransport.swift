import Foundation

/// Writes each message as a file into a folder: `<safe-id>.eml` for email, `<safe-id>.json` for
/// webhooks. The embedded default transport: drwatch runs with no mail server at all.
///
/// Each file is written to a new temporary name (`O_CREAT|O_EXCL|O_NOFOLLOW`, mode 0600: never
/// through a planted file or symlink), flushed, and renamed into place, so a reader never sees
/// half a message and a repeat of the same identity replaces, never duplicates. A symlink at
/// the target name is refused, never followed or replaced.
public struct FileTransport: Sendable {
    public var directory: URL
    let executor = BlockingExecutor(label: "drwatch.files")

    public init(directory: URL) { self.directory = directory }

    /// The file name for a message identity: safe characters kept, the rest `_`, plus a short
    /// hash so two identities never share a file.
    public static func fileName(for id: String, extension ext: String) -> String {
        let safe = String(id.unicodeScalars.map {
            ($0.isASCII && (CharacterSet.alphanumerics.contains($0) || "-_.".unicodeScalars.contains($0))) ? Character($0) : "_"
        }.prefix(80)).trimmingCharacters(in: CharacterSet(charactersIn: "."))
        return "\(safe.isEmpty ? "message" : safe)-\(sha256Hex(id).prefix(12)).\(ext)"
    }

    /// Writes the email as an `.eml` file.
    ///
    /// - Returns: the file written.
    /// - Throws: `DeliveryError` (`.invalidMessage` or `.io`).
    @discardableResult
    public func write(_ email: OutgoingEmail) throws -> URL {
        try writeAtomically(MIMEBuilder.render(email), name: Self.fileName(for: email.id, extension: "eml"))
    }

    /// Writes the webhook body (as it would be POSTed) as a `.json` file.
    @discardableResult
    public func write(_ webhook: OutgoingWebhook, format: WebhookFormat, at now: Date) throws -> URL {
        try writeAtomically(WebhookRenderer.body(webhook, format: format, sentAt: now),
                            name: Self.fileName(for: webhook.id, extension: "json"))
    }

    /// Writes every email of the batch; results have the same shape as `SMTPTransport`'s.
    public func send(_ batch: [OutgoingEmail]) async -> [EmailResult] {
        batch.map { email in
            do {
                let url = try write(email)
                return EmailResult(id: email.id, recipients: email.envelopeRecipients.map { RecipientResult(address: $0, error: nil) },
                                   error: nil, transcript: ["wrote \(url.path)"])
            } catch {
                let e = (error as? DeliveryError) ?? DeliveryError(.io, "cannot write to \(directory.path)")
                return EmailResult(id: email.id, recipients: email.envelopeRecipients.map { RecipientResult(address: $0, error: e) },
                                   error: e, transcript: [])
            }
        }
    }

    private func writeAtomically(_ data: Data, name: String) throws -> URL {
        let dir = directory.path
        do {
            try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        } catch {
            throw DeliveryError(.io, "cannot create outbox folder \(dir): check [files] directory and its permissions")
        }
        let final = directory.appendingPathComponent(name)
        var st = stat()
        if lstat(final.path, &st) == 0, (st.st_mode & S_IFMT) != S_IFREG {
            throw DeliveryError(.io, "refusing to write \(final.path): it exists and is not a regular file (a symlink?); remove it")
        }
        var temp = directory.appendingPathComponent(".\(name).\(getpid()).\(UInt32.random(in: 0...UInt32.max)).tmp")
        var fd = open(temp.path, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0o600)
        if fd < 0 && errno == EEXIST {
            temp = directory.appendingPathComponent(".\(name).\(getpid()).\(UInt64.random(in: 0...UInt64.max)).tmp")
            fd = open(temp.path, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0o600)
        }
        guard fd >= 0 else { throw DeliveryError(.io, "cannot write in \(dir): \(String(cString: strerror(errno)))") }
        // The umask may have removed bits, never added any; make it exactly 0600.
        _ = fchmod(fd, 0o600)
        var ok = data.withUnsafeBytes { raw -> Bool in
            var off = 0
            while off < raw.count {
                let n = Foundation.write(fd, raw.baseAddress! + off, raw.count - off)
                if n < 0 { if errno == EINTR { continue }; return false }
                off += n
            }
            return true
        }
        ok = ok && fsync(fd) == 0
        close(fd)
        guard ok, rename(temp.path, final.path) == 0 else {
            let why = String(cString: strerror(errno))
            unlink(temp.path)
            throw DeliveryError(.io, "cannot write \(final.path): \(why)")
        }
        let dfd = open(dir, O_RDONLY | O_DIRECTORY)
        if dfd >= 0 { fsync(dfd); close(dfd) }
        return final
    }
}
