import Foundation
import Testing

/// `drwatch backup PATH` while another process writes.
@Suite("Backup")
struct BackupTests {
    /// Runs a Python snippet with the system's interpreter (an independent SQLite reader).
    static func python(_ code: String, _ args: [String]) throws -> Drwatch.Result {
        try InstallTests.sh("/usr/bin/python3", ["-c", code] + args)
    }

    @Test func aBackupTakenWhileAnotherProcessWritesHoldsEveryCommittedRowAndPassesIntegrityCheck() throws {
        let ws = try Workspace()
        // The writer: drwatch itself, opening DR-1, DR-2... in a loop, printing each reference
        // once its command has exited 0 (committed).
        let script = """
            i=1
            while [ $i -le 60 ]; do
              "$0" dispute open --config "$1" --ref DR-$i --policy four-stage --kind formal --category general --type P \
                --raised-by iro:iro@council.example --at 2026-11-23T10:00 >/dev/null || exit 1
              echo DR-$i
              i=$((i+1))
            done
            """
        let writer = Process()
        writer.executableURL = URL(fileURLWithPath: "/bin/bash")
        writer.arguments = ["-c", script, Drwatch.binary.path, ws.config.path]
        let out = Pipe()
        writer.standardOutput = out
        writer.standardError = FileHandle.nullDevice
        try writer.run()
        defer { if writer.isRunning { writer.terminate() }; writer.waitUntilExit() }

        // Reads the writer's output up to `count` committed references (blocking reads, no sleeps).
        var buffer = ""
        var committed: [String] = []
        func readCommitted(atLeast count: Int) {
            while committed.count < count {
                let data = out.fileHandleForReading.availableData
                if data.isEmpty { return }
                buffer += String(decoding: data, as: UTF8.self)
                while let nl = buffer.firstIndex(of: "\n") {
                    committed.append(String(buffer[..<nl]))
                    buffer = String(buffer[buffer.index(after: nl)...])
                }
            }
        }

        for round in 1...3 {
            readCommitted(atLeast: round * 2)
            let before = committed.count
            let target = ws.dir.appendingPathComponent("backup-\(round).sqlite")
            let r = try ws.run(["backup", target.path])
            #expect(r.status == 0, "\(r.stderr)")
            #expect(r.stdout.hasPrefix("backed up \(ws.database.path) to \(target.path): "))
            #expect(r.stdout.hasSuffix("mode 0600, integrity ok\n"))
            let mode = try FileManager.default.attributesOfItem(atPath: target.path)[.posixPermissions] as? Int
            #expect(mode == 0o600)
            #expect(!FileManager.default.fileExists(atPath: target.path + "-wal"))

            // An independent reader: integrity, and the disputes are exactly DR-1...DR-k with
            // one event each, k at least what was committed before the backup began.
            let check = try Self.python("""
                import sqlite3, sys
                c = sqlite3.connect(sys.argv[1])
                print(c.execute("PRAGMA integrity_check").fetchone()[0])
                print(c.execute("PRAGMA journal_mode").fetchone()[0])
                refs = sorted(int(r[0][3:]) for r in c.execute("SELECT ref FROM disputes"))
                print(len(refs), refs == list(range(1, len(refs) + 1)))
                print(c.execute("SELECT COUNT(*) FROM events").fetchone()[0])
                """, [target.path])
            let lines = check.stdout.split(separator: "\n").map(String.init)
            #expect(lines.count == 4, "\(check.stderr)")
            guard lines.count == 4 else { continue }
            #expect(lines[0] == "ok")
            #expect(lines[1] == "delete")
            let parts = lines[2].split(separator: " ")
            let k = Int(parts[0]) ?? -1
            #expect(parts.last == "True")
            #expect(k >= before)
            #expect(lines[3] == "\(k)")
        }
        #expect(writer.isRunning || writer.terminationStatus == 0)
    }

    @Test func backupNeverOverwritesAnExistingFile() throws {
        let ws = try Workspace()
        #expect(try ws.openFormal("DR-1").status == 0)
        let target = ws.dir.appendingPathComponent("existing.sqlite")
        try Data("keep me".utf8).write(to: target)
        let r = try ws.run(["backup", target.path])
        #expect(r.status == 73)
        #expect(r.stderr.contains("the file exists and is never overwritten"))
        #expect(try String(contentsOf: target, encoding: .utf8) == "keep me")
    }

    @Test func backupOfAMissingDatabaseExits66AndCreatesNothing() throws {
        let ws = try Workspace(initialise: false)
        let target = ws.dir.appendingPathComponent("b.sqlite")
        let r = try ws.run(["backup", target.path])
        #expect(r.status == 66)
        #expect(!FileManager.default.fileExists(atPath: ws.database.path))
        #expect(!FileManager.default.fileExists(atPath: target.path))
    }
}
