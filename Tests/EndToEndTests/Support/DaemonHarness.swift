#if canImport(Glibc)
import Glibc
#endif
import Foundation

/// A fake systemd notification socket: a datagram socket the test binds and reads.
final class NotifySocket: @unchecked Sendable {
    let path: String
    private let fd: Int32
    /// Every message received so far, in order.
    private(set) var messages: [String] = []

    init(path: String) throws {
        self.path = path
        fd = socket(AF_UNIX, Int32(SOCK_DGRAM.rawValue), 0)
        precondition(fd >= 0)
        var addr = sockaddr_un()
        addr.sun_family = sa_family_t(AF_UNIX)
        let bytes = Array(path.utf8)
        precondition(bytes.count < MemoryLayout.size(ofValue: addr.sun_path), "socket path too long")
        withUnsafeMutableBytes(of: &addr.sun_path) { raw in for (i, b) in bytes.enumerated() { raw[i] = b } }
        let r = withUnsafePointer(to: &addr) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, socklen_t(MemoryLayout<sockaddr_un>.size)) }
        }
        precondition(r == 0, "bind \(path): \(errno)")
    }

    deinit { close(fd) }

    /// Reads what has arrived, waiting at most `timeout` for the next datagram.
    @discardableResult
    func receive(timeout: TimeInterval) -> String? {
        var p = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
        guard poll(&p, 1, Int32(timeout * 1000)) > 0 else { return nil }
        var buffer = [UInt8](repeating: 0, count: 4096)
        let n = recv(fd, &buffer, buffer.count, 0)
        guard n > 0 else { return nil }
        let message = String(decoding: buffer[0..<n], as: UTF8.self)
        messages.append(message)
        return message
    }

    /// Waits (bounded) until a message satisfying `match` arrives; returns it.
    func wait(for what: String, timeout: TimeInterval = 60, _ match: (String) -> Bool) -> String? {
        let end = Date().addingTimeInterval(timeout)
        while Date() < end {
            if let m = receive(timeout: end.timeIntervalSinceNow), match(m) { return m }
        }
        return nil
    }

    /// Collects messages for `duration` (the test waits for pings, not for time to pass).
    func drain(for duration: TimeInterval) -> [String] {
        var got: [String] = []
        let end = Date().addingTimeInterval(duration)
        while Date() < end { if let m = receive(timeout: max(0, end.timeIntervalSinceNow)) { got.append(m) } }
        return got
    }
}

/// `drwatch run` as a child process, its stderr in a file the test can read while it runs.
final class DaemonProcess: @unchecked Sendable {
    let process = Process()
    let logURL: URL
    var pid: Int32 { process.processIdentifier }

    /// - Parameter command: `run` (the daemon) or `serve` (the web app alone).
    init(args: [String], env: [String: String] = [:], logURL: URL, command: String = "run") throws {
        self.logURL = logURL
        _ = FileManager.default.createFile(atPath: logURL.path, contents: nil)
        process.executableURL = Drwatch.binary
        process.arguments = [command] + args
        var environment = ProcessInfo.processInfo.environment
        environment["DRWATCH_CONFIG"] = nil
        environment["NOTIFY_SOCKET"] = nil
        environment["WATCHDOG_USEC"] = nil
        environment["WATCHDOG_PID"] = nil
        for (k, v) in env { environment[k] = v }
        process.environment = environment
        let log = try FileHandle(forWritingTo: logURL)
        process.standardError = log
        process.standardOutput = log
        process.standardInput = FileHandle.nullDevice
        try process.run()
    }

    var log: String { (try? String(contentsOf: logURL, encoding: .utf8)) ?? "" }

    /// Waits (bounded) until the log contains `text`.
    @discardableResult
    func waitForLog(_ text: String, timeout: TimeInterval = 60) -> Bool {
        let end = Date().addingTimeInterval(timeout)
        while Date() < end {
            if log.contains(text) { return true }
            if !process.isRunning { return log.contains(text) }
            usleep(20_000)
        }
        return false
    }

    func signal(_ s: Int32) { kill(pid, s) }

    /// Waits (bounded) for the exit; returns the status, or nil if still running.
    func waitForExit(timeout: TimeInterval = 60) -> Int32? {
        let end = Date().addingTimeInterval(timeout)
        while process.isRunning && Date() < end { usleep(10_000) }
        if process.isRunning { return nil }
        return process.terminationReason == .exit ? process.terminationStatus : 128 + process.terminationStatus
    }

    /// Kills it if a test failed half-way.
    func kill9() {
        if process.isRunning { kill(pid, SIGKILL); process.waitUntilExit() }
    }
}
