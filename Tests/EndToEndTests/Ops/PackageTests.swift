import Foundation
import Testing

/// The Debian package (`make deb`, scripts/build-deb) installed, upgraded, removed and purged
/// by the real dpkg, without touching this machine: `dpkg --root=ROOT` gives dpkg a temporary
/// root with its own database, and `--force-script-chrootless` runs the maintainer scripts here
/// with `DPKG_ROOT=ROOT`, under which they write only below ROOT (groupadd --prefix,
/// deb-systemd-helper's DPKG_ROOT support) and never call systemctl. Why not a chroot: it needs
/// a whole Debian system in the folder (debootstrap: minutes and a mirror), and the maintainer
/// scripts' DPKG_ROOT paths are what a chroot would hide. Why not only `dpkg-deb -x`: the
/// conffile handling on upgrade and purge is dpkg's own, and only dpkg can show it.
///
/// The package is built from the debug binary `swift build --build-tests` made (never a
/// release build here), uncompressed, with Depends given (dpkg-shlibdeps on the debug binary
/// looks for the toolchain's Swift runtime in the dpkg database for ~40 s); `make deb` computes
/// Depends and runs lintian. The dependencies are entered in the temporary database from this
/// machine's own status, so dpkg checks the Depends line for real.
@Suite("Debian package")
struct PackageTests {
    static let depends = "libc6 (>= 2.34), libcurl4 (>= 7.16.2), libsqlite3-0 (>= 3.37.0), libssl3 (>= 3.0.0)"
    /// The command pages `make man` writes (swift-argument-parser's generate-manual plugin).
    static let manualDir = Drwatch.packageRoot.appendingPathComponent(".build/plugins/GenerateManual/outputs/drwatch")
    static var manualBuilt: Bool { FileManager.default.fileExists(atPath: manualDir.appendingPathComponent("drwatch.1").path) }
    static let canRunDpkg = getuid() == 0 && FileManager.default.isExecutableFile(atPath: "/usr/bin/dpkg-deb")
        && FileManager.default.isExecutableFile(atPath: "/usr/bin/deb-systemd-helper")

    struct Output { var status: Int32; var stdout: String; var stderr: String }

    /// Runs a program, reading both pipes to the end before waiting.
    @discardableResult
    static func sh(_ exe: String, _ args: [String], env: [String: String] = [:], cwd: URL? = nil) throws -> Output {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: exe)
        p.arguments = args
        var e = ProcessInfo.processInfo.environment
        for (k, v) in env { e[k] = v }
        p.environment = e
        if let cwd { p.currentDirectoryURL = cwd }
        let out = Pipe(), err = Pipe()
        p.standardOutput = out
        p.standardError = err
        p.standardInput = FileHandle.nullDevice
        try p.run()
        final class Box: @unchecked Sendable { var data = Data() }
        let box = Box()
        let group = DispatchGroup()
        group.enter()
        DispatchQueue.global().async { box.data = out.fileHandleForReading.readDataToEndOfFile(); group.leave() }
        let errData = err.fileHandleForReading.readDataToEndOfFile()
        group.wait()
        p.waitUntilExit()
        return Output(status: p.terminationStatus, stdout: String(decoding: box.data, as: UTF8.self),
                      stderr: String(decoding: errData, as: UTF8.self))
    }

    /// scripts/build-deb run from `source` (the package root, or a copy with upstream changes).
    static func buildDeb(source: URL, version: String, into dir: URL) throws -> URL {
        var env = ["DEB_COMPRESSION": "none", "DEB_DEPENDS": depends]
        if manualBuilt { env["MANUAL_DIR"] = manualDir.path }
        let r = try sh("/bin/bash", [source.appendingPathComponent("scripts/build-deb").path, Drwatch.binary.path, version, dir.path], env: env)
        guard r.status == 0 else { throw Failure("build-deb \(version) exited \(r.status): \(r.stderr)") }
        return URL(fileURLWithPath: r.stdout.trimmingCharacters(in: .whitespacesAndNewlines))
    }

    struct Failure: Error, CustomStringConvertible { var description: String; init(_ d: String) { description = d } }

    /// 0.1.0 from this tree and 0.1.1 with upstream changes, built once for the suite (at the
    /// same time: each is mostly disk writes).
    static let builds: Result<(v1: URL, v2: URL), any Error> = Result {
        let out = try Drwatch.tempDir()
        let next = try nextUpstreamSource()
        final class Results: @unchecked Sendable { var v: [Result<URL, any Error>] = [.failure(Failure("not built")), .failure(Failure("not built"))] }
        let results = Results()
        let lock = NSLock()
        DispatchQueue.concurrentPerform(iterations: 2) { i in
            let r = Result { try buildDeb(source: i == 0 ? Drwatch.packageRoot : next, version: i == 0 ? "0.1.0" : "0.1.1", into: out) }
            lock.lock(); results.v[i] = r; lock.unlock()
        }
        return (try results.v[0].get(), try results.v[1].get())
    }

    /// A copy of what build-deb reads, as the next upstream version: the example config and one
    /// policy changed upstream.
    static func nextUpstreamSource() throws -> URL {
        let src = try Drwatch.tempDir().appendingPathComponent("src")
        let fm = FileManager.default
        try fm.createDirectory(at: src, withIntermediateDirectories: true)
        for item in ["scripts", "config", "systemd", "docs", "packaging", "README.md"] {
            try fm.copyItem(at: Drwatch.packageRoot.appendingPathComponent(item), to: src.appendingPathComponent(item))
        }
        for file in ["config/drwatch.toml", "config/policies/four-stage.toml"] {
            let url = src.appendingPathComponent(file)
            try (try String(contentsOf: url, encoding: .utf8) + "# changed upstream in 0.1.1\n").write(to: url, atomically: true, encoding: .utf8)
        }
        return src
    }

    /// A temporary root with an empty dpkg database holding this machine's entries of the
    /// packages drwatch depends on (so that dpkg checks Depends without installing them).
    static func emptyRoot() throws -> URL {
        let root = try Drwatch.tempDir().appendingPathComponent("root")
        let info = root.appendingPathComponent("var/lib/dpkg/info")
        try FileManager.default.createDirectory(at: info, withIntermediateDirectories: true)
        try FileManager.default.createDirectory(at: root.appendingPathComponent("var/lib/dpkg/updates"), withIntermediateDirectories: true)
        var status = ""
        for name in ["libc6", "libcurl4", "libsqlite3-0", "libssl3"] {
            let s = try sh("/usr/bin/dpkg-query", ["-s", name])
            guard s.status == 0 else { throw Failure("\(name) is not installed here: \(s.stderr)") }
            status += s.stdout.trimmingCharacters(in: .whitespacesAndNewlines) + "\n\n"
            let full = try sh("/usr/bin/dpkg-query", ["-W", "-f=${binary:Package}", name]).stdout
            #expect(FileManager.default.createFile(atPath: info.appendingPathComponent("\(full).list").path, contents: Data()))
        }
        try status.write(to: root.appendingPathComponent("var/lib/dpkg/status"), atomically: true, encoding: .utf8)
        return root
    }

    /// dpkg on the temporary root only (its own database, log and maintainer-script root).
    @discardableResult
    static func dpkg(_ root: URL, _ args: [String]) throws -> Output {
        let r = try sh("/usr/bin/dpkg", ["--root=\(root.path)", "--force-script-chrootless", "--log=\(root.path)/dpkg.log",
                                         "--path-include=/*"] + args)
        guard r.status == 0 else { throw Failure("dpkg \(args.joined(separator: " ")) exited \(r.status): \(r.stderr)") }
        return r
    }

    static func status(_ root: URL) throws -> String {
        let r = try sh("/usr/bin/dpkg-query", ["--admindir=\(root.path)/var/lib/dpkg", "-W", "-f=${db:Status-Abbrev}${Version}", "drwatch"])
        return r.status == 0 ? r.stdout.replacingOccurrences(of: " ", with: "") : "not-installed"
    }

    static func text(_ root: URL, _ path: String) throws -> String {
        try String(contentsOf: root.appendingPathComponent(path), encoding: .utf8)
    }

    static func exists(_ root: URL, _ path: String) -> Bool {
        var isDir: ObjCBool = false
        return FileManager.default.fileExists(atPath: root.appendingPathComponent(path).path, isDirectory: &isDir)
            || (try? FileManager.default.destinationOfSymbolicLink(atPath: root.appendingPathComponent(path).path)) != nil
    }

    /// Mode bits and group id.
    static func mode(_ root: URL, _ path: String) throws -> (mode: Int, gid: Int) {
        let a = try FileManager.default.attributesOfItem(atPath: root.appendingPathComponent(path).path)
        return ((a[.posixPermissions] as? Int) ?? -1, (a[.groupOwnerAccountID] as? Int) ?? -1)
    }

    @Test(.enabled(if: canRunDpkg, "needs root, dpkg and init-system-helpers"), .timeLimit(.minutes(5)))
    func installUpgradeRemoveAndPurgeKeepTheAdminsEditsAndThenRemoveEverything() throws {
        let (v1, v2) = try Self.builds.get()
        let root = try Self.emptyRoot()

        // The control data: Depends as given, every file under /etc a conffile.
        let depends = try Self.sh("/usr/bin/dpkg-deb", ["-f", v1.path, "Depends"]).stdout
        #expect(depends.trimmingCharacters(in: .whitespacesAndNewlines) == Self.depends)

        // Install.
        try Self.dpkg(root, ["-i", v1.path])
        #expect(try Self.status(root) == "ii0.1.0")
        let version = try Self.sh(root.appendingPathComponent("usr/bin/drwatch").path, ["--version"])
        #expect(version.status == 0)
        #expect(version.stdout.hasPrefix("drwatch 0.1.0\n"), "\(version.stdout)")
        let conffiles = try Self.sh("/usr/bin/dpkg-query", ["--admindir=\(root.path)/var/lib/dpkg", "-W", "-f=${Conffiles}", "drwatch"]).stdout
            .split(separator: "\n").compactMap { $0.split(separator: " ").first.map(String.init) }.sorted()
        let shippedConfig = try FileManager.default.contentsOfDirectory(atPath: Drwatch.packageRoot.appendingPathComponent("config/policies").path)
            .map { "/etc/drwatch/policies/\($0)" }
            + FileManager.default.contentsOfDirectory(atPath: Drwatch.packageRoot.appendingPathComponent("config/templates").path)
            .map { "/etc/drwatch/templates/\($0)" } + ["/etc/drwatch/drwatch.toml"]
        #expect(conffiles == shippedConfig.sorted())

        for unit in ["drwatch.service", "drwatch-web.service", "drwatch-backup.service", "drwatch-backup.timer"] {
            let text = try Self.text(root, "lib/systemd/system/\(unit)")
            #expect(!text.contains("/usr/local/"), "\(unit)")
            // Every Documentation= link names a file the package installed.
            let links = text.split(separator: "\n").filter { $0.hasPrefix("Documentation=") }
                .flatMap { $0.dropFirst("Documentation=".count).split(separator: " ") }
            #expect(!links.isEmpty, "\(unit)")
            for link in links where link.hasPrefix("file:") {
                #expect(Self.exists(root, String(link.dropFirst("file:/".count))), "\(unit): \(link)")
            }
        }
        #expect(try Self.text(root, "lib/systemd/system/drwatch.service").contains("\nExecStart=/usr/bin/drwatch run --config /etc/drwatch/drwatch.toml\n"))
        for path in ["usr/share/man/man5/drwatch.toml.5.gz", "usr/share/doc/drwatch/README.md", "usr/share/doc/drwatch/docs/operations.md",
                     "usr/share/doc/drwatch/copyright", "usr/share/doc/drwatch/changelog.gz",
                     "usr/share/drwatch/drwatch.toml.example", "usr/share/drwatch/policies/four-stage.toml",
                     "usr/share/drwatch/templates/reminder.txt"] {
            #expect(Self.exists(root, path), "\(path)")
        }
        let bash = try Self.text(root, "usr/share/bash-completion/completions/drwatch")
        #expect(bash.contains("_drwatch()") && !bash.hasPrefix("#!"))
        #expect(try Self.text(root, "usr/share/zsh/vendor-completions/_drwatch").hasPrefix("#compdef drwatch"))
        #expect(try Self.text(root, "usr/share/fish/vendor_completions.d/drwatch.fish").contains("complete -c 'drwatch' -f\n"))
        // Not enabled on install (the admin edits the config first), but known to deb-systemd-helper for purge.
        #expect(!Self.exists(root, "etc/systemd/system/multi-user.target.wants/drwatch.service"))
        #expect(Self.exists(root, "var/lib/systemd/deb-systemd-helper-enabled/drwatch.service.dsh-also"))

        // postinst: the group in this root, /etc/drwatch root:drwatch 0750/0640, empty secrets 0600 in a 0700 folder.
        let groupLine = try Self.text(root, "etc/group").split(separator: "\n").first { $0.hasPrefix("drwatch:") }
        let gid = groupLine.flatMap { Int($0.split(separator: ":", omittingEmptySubsequences: false)[2]) } ?? -1
        #expect(gid > 0)
        for dir in ["etc/drwatch", "etc/drwatch/policies", "etc/drwatch/templates"] {
            let m = try Self.mode(root, dir)
            #expect(m.mode == 0o750 && m.gid == gid, "\(dir): \(String(m.mode, radix: 8)) gid \(m.gid)")
        }
        for file in ["etc/drwatch/drwatch.toml", "etc/drwatch/policies/four-stage.toml", "etc/drwatch/templates/reminder.txt"] {
            let m = try Self.mode(root, file)
            #expect(m.mode == 0o640 && m.gid == gid, "\(file): \(String(m.mode, radix: 8)) gid \(m.gid)")
        }
        #expect(try Self.mode(root, "etc/drwatch/credentials").mode == 0o700)
        for secret in ["smtp-password", "webhook-secret"] {
            #expect(try Self.mode(root, "etc/drwatch/credentials/\(secret)").mode == 0o600)
            #expect(try Self.text(root, "etc/drwatch/credentials/\(secret)") == "")
        }

        // The admin edits the config and a template, fills in a secret; the daemon has written state.
        let shippedToml = try Self.text(root, "etc/drwatch/drwatch.toml")
        try (shippedToml + "# the admin's edit\n").write(to: root.appendingPathComponent("etc/drwatch/drwatch.toml"), atomically: false, encoding: .utf8)
        try "Reminder, edited by the admin\n".write(to: root.appendingPathComponent("etc/drwatch/templates/reminder.txt"), atomically: false, encoding: .utf8)
        try "s3cret".write(to: root.appendingPathComponent("etc/drwatch/credentials/smtp-password"), atomically: false, encoding: .utf8)
        for state in ["var/lib/private/drwatch", "var/lib/drwatch-backups"] {
            try FileManager.default.createDirectory(at: root.appendingPathComponent(state), withIntermediateDirectories: true)
        }
        try FileManager.default.createSymbolicLink(atPath: root.appendingPathComponent("var/lib/drwatch").path, withDestinationPath: "private/drwatch")
        try "db".write(to: root.appendingPathComponent("var/lib/drwatch/drwatch.sqlite"), atomically: false, encoding: .utf8)
        try "copy".write(to: root.appendingPathComponent("var/lib/drwatch-backups/drwatch-20261203T023000Z.sqlite"), atomically: false, encoding: .utf8)

        // Upgrade to a version whose example config and four-stage policy changed upstream. The
        // admin's edited config is kept (the new one beside it as .dpkg-dist), as is the edited
        // template; the unedited policy takes the new version.
        try Self.dpkg(root, ["--force-confold", "-i", v2.path])
        #expect(try Self.status(root) == "ii0.1.1")
        #expect(try Self.text(root, "etc/drwatch/drwatch.toml") == shippedToml + "# the admin's edit\n")
        #expect(try Self.text(root, "etc/drwatch/drwatch.toml.dpkg-dist").hasSuffix("# changed upstream in 0.1.1\n"))
        #expect(try Self.text(root, "etc/drwatch/templates/reminder.txt") == "Reminder, edited by the admin\n")
        #expect(try Self.text(root, "etc/drwatch/policies/four-stage.toml").hasSuffix("# changed upstream in 0.1.1\n"))
        #expect(try Self.mode(root, "etc/drwatch/policies/four-stage.toml") == (0o640, gid))
        #expect(try Self.text(root, "etc/drwatch/credentials/smtp-password") == "s3cret")
        #expect(try Self.text(root, "var/lib/drwatch/drwatch.sqlite") == "db")

        // Remove: the program goes, the config, secrets and data stay; the units are masked.
        try Self.dpkg(root, ["--remove", "drwatch"])
        #expect(try Self.status(root) == "rc0.1.1")
        #expect(!Self.exists(root, "usr/bin/drwatch"))
        #expect(!Self.exists(root, "lib/systemd/system/drwatch.service"))
        #expect(!Self.exists(root, "usr/share/man/man5/drwatch.toml.5.gz"))
        #expect(try Self.text(root, "etc/drwatch/drwatch.toml") == shippedToml + "# the admin's edit\n")
        #expect(Self.exists(root, "etc/drwatch/policies/four-stage.toml"))
        #expect(try Self.text(root, "etc/drwatch/credentials/smtp-password") == "s3cret")
        #expect(try Self.text(root, "var/lib/drwatch/drwatch.sqlite") == "db")
        #expect(try FileManager.default.destinationOfSymbolicLink(atPath: root.appendingPathComponent("etc/systemd/system/drwatch.service").path) == "/dev/null")

        // Purge: the config, secrets, database, backups and unit state all go.
        try Self.dpkg(root, ["--purge", "drwatch"])
        #expect(try Self.status(root) == "not-installed")
        for gone in ["etc/drwatch", "var/lib/drwatch", "var/lib/private/drwatch", "var/lib/drwatch-backups",
                     "etc/systemd/system/drwatch.service", "var/lib/systemd/deb-systemd-helper-enabled/drwatch.service.dsh-also"] {
            #expect(!Self.exists(root, gone), "\(gone)")
        }
    }

    @Test(.enabled(if: canRunDpkg && manualBuilt, "needs root, dpkg, and the pages of make man"))
    func theCommandPagesOfGenerateManualAreInstalledAndRenderWithoutAWarning() throws {
        let deb = try Self.builds.get().v1
        let tree = try Drwatch.tempDir()
        #expect(try Self.sh("/usr/bin/dpkg-deb", ["-x", deb.path, tree.path]).status == 0)
        let pages = try FileManager.default.contentsOfDirectory(atPath: tree.appendingPathComponent("usr/share/man/man1").path).sorted()
        #expect(pages.contains("drwatch.1.gz") && pages.contains("drwatch.run.1.gz") && pages.contains("drwatch.dispute.open.1.gz"), "\(pages)")
        // man's own check (lintian's manpage-has-errors-from-man): no warning on any page.
        for page in pages + ["../man5/drwatch.toml.5.gz"] {
            let r = try Self.sh("/usr/bin/man", ["--warnings", "-E", "UTF-8", "-l", "-Tutf8", "-Z", tree.appendingPathComponent("usr/share/man/man1/\(page)").path],
                                env: ["MANWIDTH": "80", "LC_ALL": "C.UTF-8"])
            #expect(r.status == 0 && r.stderr.isEmpty, "\(page): \(r.stderr)")
        }
    }
}
