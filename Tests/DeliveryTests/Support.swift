import Foundation
import Logging
import Testing

/// A Python test server (Servers/*.py) started with /usr/bin/python3 on 127.0.0.1, on a port it
/// picks itself and writes to `dir/port`. Stopped at deinit.
final class ServerProcess: @unchecked Sendable {
    let process = Process()
    let dir: URL
    let port: Int

    static let serversDir = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Servers")

    init(script: String, arguments: [String]) throws {
        dir = try makeTempDir("server")
        process.executableURL = URL(fileURLWithPath: "/usr/bin/python3")
        process.arguments = [ServerProcess.serversDir.appendingPathComponent(script).path, "--outdir", dir.path] + arguments
        let err = FileHandle(forWritingAtPath: "/dev/null")
        process.standardOutput = err
        let errFile = dir.appendingPathComponent("stderr.log")
        FileManager.default.createFile(atPath: errFile.path, contents: nil)
        process.standardError = try FileHandle(forWritingTo: errFile)
        try process.run()
        // Bounded poll for the child to be ready (up to 15 s).
        let portFile = dir.appendingPathComponent("port")
        var found: Int?
        for _ in 0..<300 {
            if let d = FileManager.default.contents(atPath: portFile.path), let p = Int(String(decoding: d, as: UTF8.self)) { found = p; break }
            if !process.isRunning { break }
            usleep(50_000)
        }
        guard let found else {
            process.terminate()
            let log = (try? String(contentsOf: errFile, encoding: .utf8)) ?? ""
            throw TestFailure("server \(script) did not start: \(log)")
        }
        port = found
    }

    deinit { stop() }

    func stop() {
        // SIGKILL: a child started from a libdispatch worker thread inherits a signal mask that
        // blocks SIGTERM, so terminate() alone can leave it running (and waitUntilExit hanging).
        if process.isRunning { kill(process.processIdentifier, SIGKILL); process.waitUntilExit() }
    }

    /// The JSON files the server wrote, with this prefix, in order.
    func records(_ prefix: String) -> [[String: Any]] {
        let names = ((try? FileManager.default.contentsOfDirectory(atPath: dir.path)) ?? [])
            .filter { $0.hasPrefix(prefix) && $0.hasSuffix(".json") }.sorted()
        return names.compactMap {
            FileManager.default.contents(atPath: dir.appendingPathComponent($0).path)
                .flatMap { try? JSONSerialization.jsonObject(with: $0) as? [String: Any] }
        }
    }
}

struct TestFailure: Error, CustomStringConvertible {
    var description: String
    init(_ d: String) { description = d }
}

func makeTempDir(_ tag: String) throws -> URL {
    let url = FileManager.default.temporaryDirectory.appendingPathComponent("drwatch-\(tag)-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    return url
}

func writeFile(_ dir: URL, _ name: String, _ text: String) throws -> String {
    let url = dir.appendingPathComponent(name)
    try text.write(to: url, atomically: true, encoding: .utf8)
    chmod(url.path, 0o600)   // secrets must be private (secretFilePermissionProblem)
    return url.path
}

/// A throwaway CA and a server certificate for 127.0.0.1, plus an unrelated CA, made once
/// per test run with the openssl CLI.
struct TestPKI: Sendable {
    let dir: URL
    var caFile: String { dir.appendingPathComponent("ca.pem").path }
    var otherCAFile: String { dir.appendingPathComponent("other-ca.pem").path }
    var certFile: String { dir.appendingPathComponent("server.pem").path }
    var keyFile: String { dir.appendingPathComponent("server.key").path }

    static let shared: Result<TestPKI, TestFailure> = {
        do {
            let dir = try makeTempDir("pki")
            let ec = ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes"]
            try openssl(dir, ["req", "-x509"] + ec + ["-keyout", "ca.key", "-out", "ca.pem", "-days", "2", "-subj", "/CN=drwatch test CA",
                             "-addext", "basicConstraints=critical,CA:TRUE", "-addext", "keyUsage=critical,keyCertSign,cRLSign"])
            try openssl(dir, ["req", "-x509"] + ec + ["-keyout", "other-ca.key", "-out", "other-ca.pem", "-days", "2", "-subj", "/CN=other CA",
                             "-addext", "basicConstraints=critical,CA:TRUE", "-addext", "keyUsage=critical,keyCertSign,cRLSign"])
            try openssl(dir, ["req"] + ec + ["-keyout", "server.key", "-out", "server.csr", "-subj", "/CN=127.0.0.1"])
            _ = try writeFile(dir, "ext.cnf", "subjectAltName=IP:127.0.0.1,DNS:localhost\nextendedKeyUsage=serverAuth\n")
            try openssl(dir, ["x509", "-req", "-in", "server.csr", "-CA", "ca.pem", "-CAkey", "ca.key", "-CAcreateserial",
                              "-out", "server.pem", "-days", "2", "-extfile", "ext.cnf"])
            return .success(TestPKI(dir: dir))
        } catch {
            return .failure(TestFailure("cannot make test certificates: \(error)"))
        }
    }()

    static func get() throws -> TestPKI { try shared.get() }

    private static func openssl(_ dir: URL, _ args: [String]) throws {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: "/usr/bin/openssl")
        p.arguments = args
        p.currentDirectoryURL = dir
        p.standardOutput = FileHandle(forWritingAtPath: "/dev/null")
        p.standardError = FileHandle(forWritingAtPath: "/dev/null")
        try p.run()
        p.waitUntilExit()
        guard p.terminationStatus == 0 else { throw TestFailure("openssl \(args.prefix(2).joined(separator: " ")) failed") }
    }
}

/// Collects log lines in memory (the global logging system is never bootstrapped).
final class CapturedLogs: @unchecked Sendable {
    private let lock = NSLock()
    private var lines: [String] = []
    func append(_ s: String) { lock.lock(); lines.append(s); lock.unlock() }
    var all: [String] { lock.lock(); defer { lock.unlock() }; return lines }

    var logger: Logger {
        var l = Logger(label: "test") { _ in CapturingHandler(sink: self) }
        l.logLevel = .trace
        return l
    }
}

struct CapturingHandler: LogHandler {
    let sink: CapturedLogs
    var metadata: Logger.Metadata = [:]
    var logLevel: Logger.Level = .trace
    subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] } set { metadata[key] = newValue }
    }
    func log(level: Logger.Level, message: Logger.Message, metadata: Logger.Metadata?, source: String, file: String, function: String, line: UInt) {
        sink.append("\(level) \(message) \((metadata ?? [:]).map { "\($0)=\($1)" }.sorted().joined(separator: " "))")
    }
}

/// Splits a message into its header block (unfolded) and the rest.
func headerLines(_ raw: String) -> [String] {
    let head = raw.components(separatedBy: "\r\n\r\n")[0]
    return head.replacingOccurrences(of: "\r\n ", with: " ").replacingOccurrences(of: "\r\n\t", with: " ")
        .components(separatedBy: "\r\n")
}

func header(_ raw: String, _ name: String) -> String? {
    headerLines(raw).first { $0.lowercased().hasPrefix(name.lowercased() + ":") }
        .map { String($0.dropFirst(name.count + 1)).trimmingCharacters(in: .whitespaces) }
}
