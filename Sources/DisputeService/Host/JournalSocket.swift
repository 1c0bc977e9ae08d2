import Foundation
import Logging

/// journald's native protocol (systemd.journal-fields(7), "Native Journal Protocol"): one
/// datagram per record on /run/systemd/journal/socket, each field `NAME=value\n`, or
/// `NAME\n` + the value's length (64-bit little-endian) + the value + `\n` when the value
/// holds a newline. Fields let an admin filter: `journalctl -u drwatch DRWATCH_DISPUTE_REF=DR-101`.
public final class JournalSocket: Sendable {
    /// The socket journald listens on.
    public static let defaultPath = "/run/systemd/journal/socket"
    private let fd: Int32
    /// The socket's path.
    public let path: String

    /// Opens a datagram socket connected to `path`; `nil` when there is no such socket
    /// (not under systemd, or journald is down).
    public init?(path: String = JournalSocket.defaultPath) {
        var addr = sockaddr_un()
        addr.sun_family = sa_family_t(AF_UNIX)
        let bytes = Array(path.utf8)
        guard !bytes.isEmpty, bytes.count < MemoryLayout.size(ofValue: addr.sun_path) else { return nil }
        withUnsafeMutableBytes(of: &addr.sun_path) { raw in for (i, b) in bytes.enumerated() { raw[i] = b } }
        let fd = socket(AF_UNIX, Int32(SOCK_DGRAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        guard fd >= 0 else { return nil }
        let length = socklen_t(MemoryLayout<sa_family_t>.size + bytes.count + 1)
        let connected = withUnsafePointer(to: &addr) { p in
            p.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, length) }
        }
        guard connected == 0 else { close(fd); return nil }
        self.fd = fd
        self.path = path
    }

    deinit { close(fd) }

    /// The journal socket when the process's stderr is connected to the journal
    /// (`$JOURNAL_STREAM` names stderr's device and inode, as systemd sets it for a service):
    /// then records go as fields; otherwise (a terminal, a pipe, a test) `nil`, and the text
    /// lines on stderr stay.
    public static func forStderr(environment: [String: String], path: String = JournalSocket.defaultPath) -> JournalSocket? {
        guard let stream = environment["JOURNAL_STREAM"] else { return nil }
        let parts = stream.split(separator: ":")
        var st = stat()
        guard parts.count == 2, let dev = UInt64(parts[0]), let ino = UInt64(parts[1]), fstat(2, &st) == 0,
              UInt64(st.st_dev) == dev, UInt64(st.st_ino) == ino else { return nil }
        return JournalSocket(path: path)
    }

    /// Sends one record; false when the datagram could not be sent (too large for a datagram,
    /// journald gone): the caller then writes the text line instead.
    public func send(_ fields: [(name: String, value: String)]) -> Bool {
        let datagram = Self.encode(fields)
        let sent = datagram.withUnsafeBytes { Foundation.send(fd, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
        return sent == datagram.count
    }

    /// The native protocol's encoding of `fields` (pure).
    public static func encode(_ fields: [(name: String, value: String)]) -> [UInt8] {
        var out: [UInt8] = []
        for (name, value) in fields {
            out += Array(name.utf8)
            let v = Array(value.utf8)
            if v.contains(UInt8(ascii: "\n")) {
                out.append(UInt8(ascii: "\n"))
                var n = UInt64(v.count).littleEndian
                withUnsafeBytes(of: &n) { out += $0 }
                out += v
            } else {
                out.append(UInt8(ascii: "="))
                out += v
            }
            out.append(UInt8(ascii: "\n"))
        }
        return out
    }

    /// A metadata key as a journal field: `DRWATCH_` + the key in capitals, every other
    /// character `_` (`dispute.ref` -> `DRWATCH_DISPUTE_REF`, `message.id` -> `DRWATCH_MESSAGE_ID`),
    /// at most 64 characters as journald requires.
    public static func fieldName(_ key: String) -> String {
        var name = "DRWATCH_"
        for u in key.unicodeScalars {
            switch u {
            case "a"..."z": name.unicodeScalars.append(Unicode.Scalar(u.value - 32)!)
            case "A"..."Z", "0"..."9": name.unicodeScalars.append(u)
            default: name += "_"
            }
        }
        return String(name.prefix(64))
    }
}
