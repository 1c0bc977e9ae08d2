import Foundation
import Testing

/// Issue 12: the daemon holds secrets and case data, so `drwatch run` turns core dumps off
/// itself (RLIMIT_CORE 0, PR_SET_DUMPABLE 0), whatever the unit or the shell allowed.
@Suite("drwatch run: no core dumps")
struct ProcessHardeningTests {
    @Test func theDaemonRunsWithACoreFileLimitOfZero() throws {
        let ws = try DaemonTests.workspace()
        let daemon = try DaemonTests.start(ws, name: "core")
        defer { daemon.kill9() }
        #expect(daemon.waitForLog("drwatch started", timeout: 60), "\(daemon.log)")
        let limits = try String(contentsOfFile: "/proc/\(daemon.pid)/limits", encoding: .utf8)
        let core = limits.split(separator: "\n").first { $0.hasPrefix("Max core file size") }
        #expect(core.map { $0.split(separator: " ", omittingEmptySubsequences: true).dropFirst(4).prefix(2).joined(separator: " ") } == "0 0",
                "\(core ?? "")")
    }
}
