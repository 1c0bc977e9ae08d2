import Foundation
import Testing

/// `drwatch --version`: what the binary is and the libraries it runs with.
@Suite("Version")
struct VersionTests {
    /// The output of a command run with /usr/bin/env, trimmed.
    static func output(_ args: [String]) throws -> String {
        try InstallTests.sh("/usr/bin/env", args).stdout.trimmingCharacters(in: .whitespacesAndNewlines)
    }

    @Test func versionNamesTheReleaseTheCommitAndTheLoadedSQLiteAndLibcurl() throws {
        let r = try Drwatch.run(["--version"])
        #expect(r.status == 0)
        let lines = r.stdout.split(separator: "\n").map(String.init)
        #expect(lines.count == 4)
        #expect(lines.first == "drwatch 0.1.0")
        // The commit scripts/build-info wrote for this build, or "unknown" without it.
        let header = Drwatch.packageRoot.appendingPathComponent("Sources/CBuildInfo/build_commit.h")
        var commit = "unknown"
        if let text = try? String(contentsOf: header, encoding: .utf8), let open = text.firstIndex(of: "\""), let close = text.lastIndex(of: "\""), open < close {
            commit = String(text[text.index(after: open)..<close])
        }
        #expect(lines.contains("commit \(commit)"))
        // The same libsqlite3 the system's Python loads, and the libcurl the dev package describes.
        let sqlite = try Self.output(["/usr/bin/python3", "-c", "import sqlite3; print(sqlite3.sqlite_version)"])
        #expect(lines.contains("sqlite \(sqlite)"))
        let curl = try Self.output(["curl-config", "--version"]).replacingOccurrences(of: "libcurl ", with: "")
        #expect(lines.contains { $0.hasPrefix("libcurl \(curl) (OpenSSL/") })
    }
}
