import Testing
@testable import DisputeCore

// A refusal names roles so that each front end can say them its own way: the command line and
// the CSV import by the slug they take (`--by team-manager:EMAIL`), a web page by the role's title.

@Suite("Refusals name roles per front end")
struct DomainErrorRoleTests {
    static let refusal = DomainError(field: .approvedBy,
        "a pause needs the agreement of \(DomainError.roles(["head-of-service-safeguarding", "iro"])), not \(DomainError.role("team-manager")); give \(Field.approvedBy.mark) head-of-service-safeguarding:EMAIL")

    @Test("By default (command line, import): slugs; the role to type stays a slug whatever the front end")
    func slugsByDefault() {
        #expect(Self.refusal.description == "a pause needs the agreement of head-of-service-safeguarding or iro, not team-manager; give approved by head-of-service-safeguarding:EMAIL")
        #expect(Self.refusal.message(naming: { _ in "--approved-by" }) == "a pause needs the agreement of head-of-service-safeguarding or iro, not team-manager; give --approved-by head-of-service-safeguarding:EMAIL")
    }

    @Test("A web page: titles from the policy")
    func titlesOnAPage() throws {
        let policy = Policy(name: "p", title: "P", kinds: [:])
        #expect(Self.refusal.message(naming: { _ in "your role" }, roles: policy.title(of:))
                == "a pause needs the agreement of Head of Service - Safeguarding or Independent Reviewing Officer (IRO), not Team Manager; give your role head-of-service-safeguarding:EMAIL")
    }

    @Test("Equal when they read the same, marked or not")
    func equality() {
        #expect(Self.refusal == DomainError(field: .approvedBy, "a pause needs the agreement of head-of-service-safeguarding or iro, not team-manager; give \(Field.approvedBy.mark) head-of-service-safeguarding:EMAIL"))
        #expect(Self.refusal != DomainError(field: nil, "a pause needs the agreement of head-of-service-safeguarding or iro, not team-manager; give \(Field.approvedBy.mark) head-of-service-safeguarding:EMAIL"))
    }
}
