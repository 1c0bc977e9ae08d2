import Foundation
import Testing

/// The shipped nightly backup units, as systemd judges them.
@Suite("Backup units")
struct BackupUnitTests {
    /// The shipped backup service and timer with the binary path pointing at this build.
    static func unitsForThisBuild() throws -> [URL] {
        let dir = try Drwatch.tempDir()
        return try ["drwatch-backup.service", "drwatch-backup.timer"].map { name in
            let text = try String(contentsOf: Drwatch.packageRoot.appendingPathComponent("systemd/\(name)"), encoding: .utf8)
                .replacingOccurrences(of: "/usr/local/bin/drwatch", with: Drwatch.binary.path)
            let url = dir.appendingPathComponent(name)
            try text.write(to: url, atomically: true, encoding: .utf8)
            return url
        }
    }

    @Test(.enabled(if: InstallTests.systemdAnalyze != nil, "systemd-analyze is not installed"))
    func backupServiceAndTimerVerifyWithoutAWarningAndTheServiceRatesSafe() throws {
        let units = try Self.unitsForThisBuild()
        let verify = try InstallTests.sh(InstallTests.systemdAnalyze!, ["verify"] + units.map(\.path))
        #expect(verify.status == 0)
        #expect(verify.stderr.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty, "\(verify.stderr)")
        let security = try InstallTests.sh(InstallTests.systemdAnalyze!, ["security", "--offline=yes", units[0].path])
        let line = security.stdout.split(separator: "\n").first { $0.contains("Overall exposure level") }.map(String.init) ?? ""
        #expect(line.contains(" SAFE"), "\(line)")
    }

    @Test func installPutsTheBackupUnitsBesideTheServiceWithThisPrefix() throws {
        let dest = try Drwatch.tempDir()
        #expect(try InstallTests.install(into: dest).status == 0)
        let service = try String(contentsOf: dest.appendingPathComponent("etc/systemd/system/drwatch-backup.service"), encoding: .utf8)
        #expect(service.contains("exec /opt/drwatch-test/bin/drwatch backup --config /etc/drwatch/drwatch.toml"))
        #expect(FileManager.default.fileExists(atPath: dest.appendingPathComponent("etc/systemd/system/drwatch-backup.timer").path))
    }
}
