#if canImport(Glibc)
import ServiceConfig
import Recording
import Notifications
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Foundation

/// Talks to systemd's notification socket (`$NOTIFY_SOCKET`) directly, without libsystemd:
/// `READY=1`, `STATUS=...`, `WATCHDOG=1`, `STOPPING=1`, `RELOADING=1`.
///
/// Does nothing when the variable is unset (not started by systemd).
public struct SystemdNotifier: Sendable {
    /// The socket path (`@` prefix for the abstract namespace), or `nil` when not under systemd.
    public let socketPath: String?
    /// Half of `WatchdogSec`, from `$WATCHDOG_USEC`, when the watchdog is enabled for this process.
    public let watchdogInterval: Duration?

    /// Reads `NOTIFY_SOCKET`, `WATCHDOG_USEC` and `WATCHDOG_PID` from `environment`.
    public init(environment: [String: String] = ProcessInfo.processInfo.environment) {
        let path = environment["NOTIFY_SOCKET"].flatMap { $0.isEmpty ? nil : $0 }
        socketPath = path
        if let usec = environment["WATCHDOG_USEC"].flatMap(UInt64.init), usec > 0 {
            let pidMatches = environment["WATCHDOG_PID"].flatMap(Int32.init).map { $0 == getpid() } ?? true
            watchdogInterval = pidMatches ? .microseconds(Int64(usec / 2)) : nil
        } else {
            watchdogInterval = nil
        }
    }

    public var isEnabled: Bool { socketPath != nil }

    public func ready(status: String) { send("READY=1\nSTATUS=\(Self.clean(status))") }
    public func status(_ status: String) { send("STATUS=\(Self.clean(status))") }
    public func watchdog() { send("WATCHDOG=1") }
    public func stopping() { send("STOPPING=1") }
    /// `RELOADING=1` with `MONOTONIC_USEC` (systemd 253+ wants both); send `ready` after.
    public func reloading() {
        var ts = timespec()
        clock_gettime(CLOCK_MONOTONIC, &ts)
        send("RELOADING=1\nMONOTONIC_USEC=\(UInt64(ts.tv_sec) * 1_000_000 + UInt64(ts.tv_nsec) / 1000)")
    }

    /// A status is one line.
    static func clean(_ s: String) -> String {
        String(s.map { $0 == "\n" || $0 == "\r" ? " " : $0 })
    }

    /// Sends one datagram; failures are ignored (systemd may be gone during shutdown).
    @discardableResult
    public func send(_ message: String) -> Bool {
        guard let socketPath else { return false }
        let fd = socket(AF_UNIX, Int32(SOCK_DGRAM.rawValue), 0)
        guard fd >= 0 else { return false }
        defer { close(fd) }
        var addr = sockaddr_un()
        addr.sun_family = sa_family_t(AF_UNIX)
        var pathBytes = Array(socketPath.utf8)
        let abstract = pathBytes.first == UInt8(ascii: "@")
        if abstract { pathBytes[0] = 0 }
        let capacity = MemoryLayout.size(ofValue: addr.sun_path)
        guard pathBytes.count < capacity else { return false }
        withUnsafeMutableBytes(of: &addr.sun_path) { raw in
            for (i, b) in pathBytes.enumerated() { raw[i] = b }
        }
        let length = socklen_t(MemoryLayout<sa_family_t>.size + pathBytes.count + (abstract ? 0 : 1))
        let bytes = Array(message.utf8)
        let sent = withUnsafePointer(to: &addr) { p in
            p.withMemoryRebound(to: sockaddr.self, capacity: 1) { sa in
                sendto(fd, bytes, bytes.count, Int32(MSG_NOSIGNAL), sa, length)
            }
        }
        return sent == bytes.count
    }
}
