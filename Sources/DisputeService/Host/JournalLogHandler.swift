import ServiceConfig
import Recording
import Notifications
import Foundation
import Logging
import DisputeCore

/// A swift-log handler. Under systemd (stderr is the journal, `JournalSocket.forStderr`) each
/// record goes to journald as fields: `MESSAGE`, `PRIORITY`, `SYSLOG_IDENTIFIER=drwatch`,
/// `CODE_FILE`/`CODE_LINE`/`CODE_FUNC`, and one `DRWATCH_...` field per metadata key
/// (`dispute.ref` -> `DRWATCH_DISPUTE_REF`), so `journalctl -u drwatch DRWATCH_DISPUTE_REF=DR-1`
/// works. Otherwise, or when a record cannot be sent, one line to stderr with the sd-daemon
/// priority prefix (`<3>` error ... `<7>` debug), so journald keeps the levels:
/// `<6>Reminder sent dispute.ref=DR-1 stage=2`.
///
/// Metadata values are printed as given: callers put case references in them, never names,
/// passwords or tokens. CR, LF and every other control character in the message or a value are escaped
/// (per Unicode scalar) so one record stays one line.
public struct JournalLogHandler: LogHandler {
    public var logLevel: Logger.Level
    public var metadata: Logger.Metadata = [:]
    public var metadataProvider: Logger.MetadataProvider?
    private let label: String
    private let write: @Sendable (String) -> Void
    private let journal: JournalSocket?

    /// - Parameters:
    ///   - label: the logger label (not printed; journald knows the unit).
    ///   - level: the minimum level.
    ///   - journal: journald's socket, for records as fields (`nil`: text lines only).
    ///   - write: where a finished line goes; stderr by default (tests pass a collector).
    public init(label: String, level: Logger.Level = .info, journal: JournalSocket? = nil,
                write: @escaping @Sendable (String) -> Void = { FileHandle.standardError.write(Data($0.utf8)) }) {
        self.journal = journal
        self.label = label
        self.logLevel = level
        self.write = write
    }

    public subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    public func log(event: LogEvent) {
        var merged = metadata
        if let provided = metadataProvider?.get() { merged.merge(provided) { _, new in new } }
        if let extra = event.metadata { merged.merge(extra) { _, new in new } }
        if let journal {
            var fields: [(name: String, value: String)] = [
                ("MESSAGE", Self.oneLine(event.message.description)), ("PRIORITY", "\(Self.priority(event.level))"),
                ("SYSLOG_IDENTIFIER", "drwatch"), ("CODE_FILE", event.file), ("CODE_LINE", "\(event.line)"), ("CODE_FUNC", event.function),
            ]
            for key in merged.keys.sorted() { fields.append((JournalSocket.fieldName(key), Self.oneLine(merged[key]!.description))) }
            if journal.send(fields) { return }
        }
        var line = "<\(Self.priority(event.level))>\(Self.oneLine(event.message.description))"
        for key in merged.keys.sorted() {
            line += " \(key)=\(Self.oneLine(merged[key]!.description))"
        }
        write(line + "\n")
    }

    /// syslog priorities used by sd-daemon(3).
    static func priority(_ level: Logger.Level) -> Int {
        switch level {
        case .trace, .debug: 7
        case .info: 6
        case .notice: 5
        case .warning: 4
        case .error: 3
        case .critical: 2
        }
    }

    /// Control characters escaped per scalar, so a value never starts a line of its own (`SafeText.logLine`).
    static func oneLine(_ s: String) -> String { SafeText.logLine(s) }
}
