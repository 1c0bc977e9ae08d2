import Foundation
import Testing
import WorkingDays
@testable import DisputeCore

/// Every file in config/policies/ loads with the daemon's loader and declares what it uses.
@Suite struct ShippedPresetsTests {
    static let files: [String] = (try? FileManager.default.contentsOfDirectory(atPath: policiesFolder.path))?
        .filter { $0.hasSuffix(".toml") }.sorted() ?? []

    @Test func everyProcedureHasItsPreset() {
        #expect(Self.files == ["by-dispute-type.toml", "fostering-four-level.toml", "four-stage.toml",
                               "national-standards.toml", "six-stage-drp.toml"])
    }

    @Test(arguments: files)
    func presetLoadsAndDeclaresEveryRoleItUses(file: String) throws {
        // Given the shipped file, When the real loader reads it
        let text = try String(contentsOf: policiesFolder.appendingPathComponent(file), encoding: .utf8)
        let policy = try Policy.parse(text: text, file: "policies/\(file)")
        // Then its name is its file name, it names its procedure document,
        #expect(policy.name + ".toml" == file)
        #expect(policy.source?.hasSuffix(".txt") == true)
        // every role it uses is a common role or one it declares,
        let undeclared = policy.rolesUsed.subtracting(policy.roles)
        #expect(undeclared.isEmpty, "\(file) uses undeclared roles \(undeclared.sorted())")
        // and every role it declares beyond the common ones is used somewhere.
        let unused = Set(policy.roles).subtracting(commonRoles).subtracting(policy.rolesUsed)
        #expect(unused.isEmpty, "\(file) declares roles it never uses: \(unused.sorted())")
    }

    @Test(arguments: files)
    func formalProcessFitsTheStatutoryTwentyWorkingDays(file: String) throws {
        let text = try String(contentsOf: policiesFolder.appendingPathComponent(file), encoding: .utf8)
        let policy = try Policy.parse(text: text, file: "policies/\(file)")
        let rule = try #require(policy.statutory(for: .formal))
        #expect(rule.workingDays == 20)
        #expect(!rule.breachAlert.isEmpty)
    }
}
