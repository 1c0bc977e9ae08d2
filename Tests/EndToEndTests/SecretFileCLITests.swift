import Foundation
import Testing

/// A secret file others may read stops `check-config` with exit 78 and the chmod to run (issue 12).
@Suite("Secret file modes (end to end)")
struct SecretFileCLITests {
    @Test(arguments: [(0o644, 78), (0o640, 78), (0o600, 0), (0o400, 0)])
    func checkConfigRefusesASecretFileOthersCanRead(mode: Int, status: Int32) throws {
        // Given a config whose SMTP password file has `mode`
        let w = try Workspace(initialise: false)
        try w.writeConfig(policies: [Workspace.fourStage], roles: Workspace.fourStageRoles)
        let secret = try w.file("smtp-password", Array("pa55word\n".utf8))
        chmod(secret, mode_t(mode))
        let text = try String(contentsOf: w.config, encoding: .utf8)
        try (text + "\n[email]\nurl = \"smtp://127.0.0.1:2525\"\nfrom = \"drwatch@council.example\"\ntls = \"none\"\n"
             + "username = \"drwatch\"\npassword_file = \"smtp-password\"\n").write(to: w.config, atomically: true, encoding: .utf8)
        // When check-config runs
        let r = try w.run(["check-config"])
        // Then a private file passes, and any other is a config error naming the file and the chmod
        #expect(r.status == status, "\(r.stderr)")
        if status == 78 {
            #expect(r.stderr.contains("[email] password_file \(secret) is accessible by group or others (mode 0\(String(mode, radix: 8)))"))
            #expect(r.stderr.contains("run chmod 600 \(secret)"))
            #expect(r.stderr.split(separator: "\n").count == 1)
        }
    }
}
