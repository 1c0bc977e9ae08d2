import Foundation
@testable import DisputeStore

/// One real PostgreSQL for the whole test run (started on first use, stopped when the test
/// process exits): Debian's server binaries, `initdb` into a temporary folder, run as `nobody`
/// when the tests run as root (PostgreSQL refuses root), on a free loopback port with its unix
/// socket in the same folder. Trust authentication on loopback only. Each test gets a fresh
/// database of its own (`makeDatabase`), so tests never see each other's rows.
///
/// Shared by several test targets through symlinks (EndToEndTests/PostgresServer.swift). A test
/// that stops and restarts the server takes one of its own (`makePrivate`, then `stop()` and
/// `start()`: same port, same data folder).
final class PostgresServer: @unchecked Sendable {
    let port: Int
    let folder: URL
    private let bin: String
    private let lock = NSLock()
    private var counter = 0

    /// The shared server, or nil (with the reason printed once) when the binaries are absent.
    static let shared: PostgresServer? = {
        do { return try PostgresServer() } catch {
            print("PostgreSQL store tests skipped: \(error)")
            return nil
        }
    }()

    struct Unavailable: Error, CustomStringConvertible { var description: String }

    /// True when this machine has the server binaries (else the tests that need them are left out).
    static var isInstalled: Bool { (try? binaries()) != nil }

    /// A server of the calling test's own, stopped when the test process exits.
    static func makePrivate() throws -> PostgresServer { try PostgresServer() }

    private static func binaries() throws -> String {
        let versions = (try? FileManager.default.contentsOfDirectory(atPath: "/usr/lib/postgresql")) ?? []
        guard let bin = versions.sorted(by: { (Int($0) ?? 0) > (Int($1) ?? 0) }).map({ "/usr/lib/postgresql/\($0)/bin" })
                .first(where: { FileManager.default.isExecutableFile(atPath: $0 + "/initdb") }) else {
            throw Unavailable(description: "no /usr/lib/postgresql/*/bin/initdb (apt-get install postgresql; scripts/setup does)")
        }
        return bin
    }

    private init() throws {
        let bin = try Self.binaries()
        self.bin = bin
        folder = URL(fileURLWithPath: "/tmp").appendingPathComponent("drwatch-pg-\(getpid())-\(UUID().uuidString.prefix(8))")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        port = try Self.freePort()
        let data = folder.appendingPathComponent("data").path
        let asRoot = getuid() == 0
        if asRoot { try Self.run("/bin/chown", ["nobody", folder.path]) }
        try runAsOwner("\(bin)/initdb", ["-D", data, "-A", "trust", "-U", "drwatch", "--no-sync", "-E", "UTF8", "--locale=C"])
        try start()
        let stop = "\(bin)/pg_ctl"
        let owner = asRoot
        let dir = folder.path
        Self.exitLock.withLock {
            if Self.atExits.isEmpty { atexit { PostgresServer.exitLock.withLock { for f in PostgresServer.atExits { f() } } } }
            Self.atExits.append {
                try? Self.run(owner ? "/usr/sbin/runuser" : stop,
                              (owner ? ["-u", "nobody", "--", stop] : []) + ["-D", dir + "/data", "-m", "immediate", "stop"])
                try? FileManager.default.removeItem(atPath: dir)
            }
        }
    }

    private static let exitLock = NSLock()
    nonisolated(unsafe) private static var atExits: [() -> Void] = []

    /// Starts the server (again) on its port and data folder; returns once it accepts connections.
    func start() throws {
        try runAsOwner("\(bin)/pg_ctl", ["-D", folder.appendingPathComponent("data").path, "-w", "-t", "120",
                                          "-l", folder.appendingPathComponent("pg.log").path,
                                          "-o", "-p \(port) -k \(folder.path) -c listen_addresses=127.0.0.1 -c fsync=off -c max_connections=200",
                                          "start"])
    }

    /// Stops the server as an operator's restart does (`pg_ctl stop -m fast`: every session is
    /// ended, open transactions roll back); returns once it is down.
    func stop() throws {
        try runAsOwner("\(bin)/pg_ctl", ["-D", folder.appendingPathComponent("data").path, "-w", "-t", "120", "-m", "fast", "stop"])
    }

    /// A new empty database; its URL.
    func makeDatabase() throws -> String {
        let name: String = lock.withLock { counter += 1; return "t\(getpid())_\(counter)" }
        let admin = try PGConnection(url: url("postgres"), password: nil)
        try admin.execute("CREATE DATABASE \(name)", operation: "create a test database")
        return url(name)
    }

    /// Runs `psql` on a database with one statement (or several, `;`-separated) and returns its
    /// unaligned output, one row a line, columns split by `|` (an independent client).
    func psql(_ url: String, _ sql: String) throws -> String {
        let out = "/tmp/drwatch-psql-\(getpid())-\(UUID().uuidString).out"
        defer { unlink(out) }
        try Self.run("\(bin)/psql", [url, "-X", "-q", "-At", "-v", "ON_ERROR_STOP=1", "-o", out, "-c", sql])
        return (try? String(contentsOfFile: out, encoding: .utf8)) ?? ""
    }

    func url(_ database: String) -> String { "postgresql://drwatch@127.0.0.1:\(port)/\(database)" }

    private func runAsOwner(_ tool: String, _ args: [String]) throws {
        if getuid() == 0 { try Self.run("/usr/sbin/runuser", ["-u", "nobody", "--", tool] + args) } else { try Self.run(tool, args) }
    }

    /// Runs a tool to its end (posix_spawn and waitpid: Foundation's Process may never see the
    /// exit inside the test runner); its output goes to a file (a pipe would stay open in the
    /// server that `pg_ctl start` leaves running).
    private static func run(_ tool: String, _ args: [String]) throws {
        let log = "/tmp/drwatch-pg-tool-\(getpid())-\(UUID().uuidString).log"
        defer { unlink(log) }
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        posix_spawn_file_actions_addopen(&actions, 1, log, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
        posix_spawn_file_actions_adddup2(&actions, 1, 2)
        let argv: [UnsafeMutablePointer<CChar>?] = ([tool] + args).map { strdup($0) } + [nil]
        defer { for a in argv { free(a) } }
        var pid: pid_t = 0
        let rc = posix_spawn(&pid, tool, &actions, nil, argv, environ)
        guard rc == 0 else { throw Unavailable(description: "cannot run \(tool): \(String(cString: strerror(rc)))") }
        var status: Int32 = 0
        while waitpid(pid, &status, 0) < 0 && errno == EINTR {}
        let exited = (status & 0x7f) == 0 ? (status >> 8) & 0xff : -1
        guard exited == 0 else {
            let text = (try? String(contentsOfFile: log, encoding: .utf8)) ?? ""
            throw Unavailable(description: "\(tool) failed (\(exited)): \(text.suffix(800))")
        }
    }

    private static func freePort() throws -> Int {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        defer { close(fd) }
        var addr = sockaddr_in()
        addr.sin_family = sa_family_t(AF_INET)
        addr.sin_addr.s_addr = inet_addr("127.0.0.1")
        addr.sin_port = 0
        var len = socklen_t(MemoryLayout<sockaddr_in>.size)
        let ok = withUnsafeMutablePointer(to: &addr) { p in
            p.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, len) == 0 && getsockname(fd, $0, &len) == 0 }
        }
        guard ok else { throw Unavailable(description: "no free loopback port") }
        return Int(UInt16(bigEndian: addr.sin_port))
    }
}
