import Foundation
import Testing

/// `make install` (scripts/install) into a staging folder, and the unit as systemd judges it.
@Suite("Install")
struct InstallTests {
    static let systemdAnalyze = ["/usr/bin/systemd-analyze", "/bin/systemd-analyze"].first { FileManager.default.isExecutableFile(atPath: $0) }

    static func sh(_ exe: String, _ args: [String], env: [String: String] = [:]) throws -> Drwatch.Result {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: exe)
        p.arguments = args
        var e = ProcessInfo.processInfo.environment
        for (k, v) in env { e[k] = v }
        p.environment = e
        let out = Pipe(), err = Pipe()
        p.standardOutput = out
        p.standardError = err
        try p.run()
        let o = out.fileHandleForReading.readDataToEndOfFile()
        let r = err.fileHandleForReading.readDataToEndOfFile()
        p.waitUntilExit()
        return Drwatch.Result(status: p.terminationStatus, stdout: String(decoding: o, as: UTF8.self), stderr: String(decoding: r, as: UTF8.self))
    }

    static func install(into dest: URL, prefix: String = "/opt/drwatch-test") throws -> Drwatch.Result {
        try sh("/bin/bash", [Drwatch.packageRoot.appendingPathComponent("scripts/install").path],
               env: ["DESTDIR": dest.path, "PREFIX": prefix, "DRWATCH_BINARY": Drwatch.binary.path])
    }

    static func mode(_ url: URL) throws -> Int {
        (try FileManager.default.attributesOfItem(atPath: url.path)[.posixPermissions] as? Int) ?? -1
    }

    @Test func installsBinaryUnitConfigPoliciesAndAPrivateCredentialsFolder() throws {
        let dest = try Drwatch.tempDir()
        let r = try Self.install(into: dest)
        #expect(r.status == 0, "\(r.stderr)")
        let fm = FileManager.default
        #expect(fm.isExecutableFile(atPath: dest.appendingPathComponent("opt/drwatch-test/bin/drwatch").path))
        let unit = try String(contentsOf: dest.appendingPathComponent("etc/systemd/system/drwatch.service"), encoding: .utf8)
        #expect(unit.contains("ExecStart=/opt/drwatch-test/bin/drwatch run --config /etc/drwatch/drwatch.toml"))
        #expect(!unit.contains("/usr/local/bin"))
        #expect(fm.fileExists(atPath: dest.appendingPathComponent("etc/drwatch/drwatch.toml").path))
        #expect(fm.fileExists(atPath: dest.appendingPathComponent("etc/drwatch/policies/four-stage.toml").path))
        #expect(fm.fileExists(atPath: dest.appendingPathComponent("usr/share/drwatch/policies/four-stage.toml").path))
        #expect(try Self.mode(dest.appendingPathComponent("etc/drwatch/credentials")) == 0o700)
        #expect(try Self.mode(dest.appendingPathComponent("etc/drwatch/credentials/smtp-password")) == 0o600)
        // Issue 12: the config (webhook URLs may carry tokens) is not readable by others.
        for dir in ["etc/drwatch", "etc/drwatch/policies", "etc/drwatch/templates"] {
            #expect(try Self.mode(dest.appendingPathComponent(dir)) == 0o750, "\(dir)")
        }
        for file in ["etc/drwatch/drwatch.toml", "etc/drwatch/policies/four-stage.toml", "etc/drwatch/templates/message.html"] {
            #expect(try Self.mode(dest.appendingPathComponent(file)) == 0o640, "\(file)")
        }
        #expect(unit.contains("\nLimitCORE=0\n") && unit.contains("\nSupplementaryGroups=drwatch\n"))
    }

    /// Issue 16: the manual pages, completions and documentation, under PREFIX, and the units'
    /// Documentation= links pointing at them.
    @Test func installsManualPagesCompletionsAndTheDocumentationTheUnitsLinkTo() throws {
        let dest = try Drwatch.tempDir()
        let r = try Self.install(into: dest)
        #expect(r.status == 0, "\(r.stderr)")
        let fm = FileManager.default
        for path in ["opt/drwatch-test/share/man/man5/drwatch.toml.5.gz", "opt/drwatch-test/share/doc/drwatch/README.md",
                     "opt/drwatch-test/share/doc/drwatch/docs/operations.md", "opt/drwatch-test/share/zsh/site-functions/_drwatch",
                     "opt/drwatch-test/share/fish/vendor_completions.d/drwatch.fish"] {
            #expect(fm.fileExists(atPath: dest.appendingPathComponent(path).path), "\(path)")
        }
        let bash = try String(contentsOf: dest.appendingPathComponent("opt/drwatch-test/share/bash-completion/completions/drwatch"), encoding: .utf8)
        #expect(bash.contains("_drwatch()") && !bash.hasPrefix("#!"))
        for unit in ["drwatch.service", "drwatch-web.service", "drwatch-backup.service", "drwatch-backup.timer"] {
            let text = try String(contentsOf: dest.appendingPathComponent("etc/systemd/system/\(unit)"), encoding: .utf8)
            let links = text.split(separator: "\n").filter { $0.hasPrefix("Documentation=file:") }.map { $0.dropFirst("Documentation=file:".count) }
            #expect(links.count == 1, "\(unit)")
            for link in links {
                #expect(link.hasPrefix("/opt/drwatch-test/share/doc/drwatch/"), "\(unit): \(link)")
                #expect(fm.fileExists(atPath: dest.path + link), "\(unit): \(link)")
            }
        }
    }

    @Test func reinstallingTightensAWorldReadableConfigAndKeepsItsContent() throws {
        let dest = try Drwatch.tempDir()
        #expect(try Self.install(into: dest).status == 0)
        let config = dest.appendingPathComponent("etc/drwatch/drwatch.toml")
        try "database = \"/x\"\n".write(to: config, atomically: false, encoding: .utf8)
        chmod(config.path, 0o644)
        chmod(dest.appendingPathComponent("etc/drwatch").path, 0o755)
        #expect(try Self.install(into: dest).status == 0)
        #expect(try Self.mode(config) == 0o640)
        #expect(try Self.mode(dest.appendingPathComponent("etc/drwatch")) == 0o750)
        #expect(try String(contentsOf: config, encoding: .utf8) == "database = \"/x\"\n")
        #expect(try Self.mode(dest.appendingPathComponent("etc/drwatch/credentials")) == 0o700)
    }

    @Test func reinstallingNeverOverwritesTheAdminsConfigPoliciesOrSecrets() throws {
        let dest = try Drwatch.tempDir()
        #expect(try Self.install(into: dest).status == 0)
        let config = dest.appendingPathComponent("etc/drwatch/drwatch.toml")
        let policy = dest.appendingPathComponent("etc/drwatch/policies/four-stage.toml")
        let secret = dest.appendingPathComponent("etc/drwatch/credentials/smtp-password")
        try "# the admin's own\n".write(to: config, atomically: true, encoding: .utf8)
        try "# edited\n".write(to: policy, atomically: true, encoding: .utf8)
        try "s3cret".write(to: secret, atomically: true, encoding: .utf8)
        let again = try Self.install(into: dest)
        #expect(again.status == 0)
        #expect(again.stdout.contains("kept the existing /etc/drwatch/drwatch.toml"))
        #expect(try String(contentsOf: config, encoding: .utf8) == "# the admin's own\n")
        #expect(try String(contentsOf: policy, encoding: .utf8) == "# edited\n")
        #expect(try String(contentsOf: secret, encoding: .utf8) == "s3cret")
    }

    /// The shipped unit with its binary paths pointing at the built binary (verify checks they exist).
    static func unitForThisBuild() throws -> URL {
        let text = try String(contentsOf: Drwatch.packageRoot.appendingPathComponent("systemd/drwatch.service"), encoding: .utf8)
            .replacingOccurrences(of: "/usr/local/bin/drwatch", with: Drwatch.binary.path)
        let url = try Drwatch.tempDir().appendingPathComponent("drwatch.service")
        try text.write(to: url, atomically: true, encoding: .utf8)
        return url
    }

    @Test(.enabled(if: systemdAnalyze != nil, "systemd-analyze is not installed"))
    func systemdAnalyzeVerifyPassesWithoutAWarning() throws {
        let unit = try Self.unitForThisBuild()
        let r = try Self.sh(Self.systemdAnalyze!, ["verify", unit.path])
        #expect(r.status == 0)
        #expect(r.stderr.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty, "\(r.stderr)")
    }

    @Test(.enabled(if: systemdAnalyze != nil, "systemd-analyze is not installed"))
    func systemdAnalyzeSecurityRatesTheUnitOKOrBetter() throws {
        let unit = try Self.unitForThisBuild()
        let r = try Self.sh(Self.systemdAnalyze!, ["security", "--offline=yes", unit.path])
        let line = r.stdout.split(separator: "\n").first { $0.contains("Overall exposure level") }.map(String.init) ?? ""
        // "→ Overall exposure level for drwatch.service: 1.2 OK 🙂"
        let words = line.split(separator: " ")
        let score = words.compactMap { Double($0) }.first ?? 99
        #expect(score < 2.0, "\(line)")
        #expect(line.contains(" OK") || line.contains(" SAFE"), "\(line)")
    }
}
