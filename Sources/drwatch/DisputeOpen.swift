import ArgumentParser
import DisputeCore
import DisputeService
import Notifications
import Recording
import ServiceConfig

/// `drwatch dispute open --ref REF --policy NAME --kind KIND [--stage N] --category C --type P|R|D
/// --raised-by ROLE:EMAIL [--at TIME] [--division D] [--person ROLE=EMAIL]... [--team TEAM]
/// [--child REF] [--child-status cp-cin|other] [--subject ID] [--about-owner] [--reason TEXT]`
struct DisputeOpen: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "open", abstract: "Record a new dispute (or alert, notification...) under a policy.")

    @OptionGroup var global: GlobalOptions
    @Option(help: ArgumentHelp("The dispute's case reference (unique).", valueName: "ref")) var ref: String
    @Option(help: ArgumentHelp("The policy preset's name, e.g. four-stage.", valueName: "name")) var policy: String
    @Option(help: ArgumentHelp("qop-alert, good-practice, formal, collective or complaint.", valueName: "kind")) var kind: String
    @Option(help: ArgumentHelp("The stage it is raised at (default 1).", valueName: "n")) var stage: Int?
    @Option(help: ArgumentHelp("general, statutory-requirements, care-plan-implementation or provision-of-services.", valueName: "category"))
    var category: String
    @Option(help: ArgumentHelp("P (practice), R (resources) or D (delay/drift).", valueName: "P|R|D")) var type: String
    @Option(name: .customLong("raised-by"), help: ArgumentHelp("Who raised it.", valueName: "role:email")) var raisedBy: String
    @Option(help: ArgumentHelp("When it was raised (default: now).", valueName: "time")) var at: String?
    @Option(help: ArgumentHelp("england-and-wales, scotland or northern-ireland (default: the config's).", valueName: "division"))
    var division: String?
    @Option(name: .customLong("person"), help: ArgumentHelp("One of the dispute's own people (repeatable), e.g. team-manager=tm@council.example.", valueName: "role=email"))
    var people: [String] = []
    @Option(help: ArgumentHelp("The social-work team, for reports.", valueName: "team")) var team: String?
    @Option(help: ArgumentHelp("The child's case reference, when it differs from --ref (never a name).", valueName: "ref")) var child: String?
    @Option(name: .customLong("child-status"), help: ArgumentHelp("cp-cin (a child protection or child in need plan) or other; some initiator limits depend on it.", valueName: "cp-cin|other"))
    var childStatus: String?
    @Option(help: ArgumentHelp("The subject row of the policy's timescale table.", valueName: "id")) var subject: String?
    @Flag(name: .customLong("about-owner"), help: "The concern is about the stage's usual owner (e.g. the Team Manager).")
    var aboutOwner = false
    @Option(help: ArgumentHelp("Why it is raised above the first stage, when the policy asks for one.", valueName: "text")) var reason: String?

    func validate() throws {
        try validateActor(raisedBy, option: "--raised-by")
        for p in people where parsePerson(p) == nil {
            throw ValidationError("--person \(p) is not ROLE=EMAIL, e.g. --person team-manager=tm@council.example")
        }
        if let stage, stage < 1 { throw ValidationError("--stage must be 1 or more, not \(stage)") }
    }

    func run() throws {
        let session = try Session(global)
        let (dispute, evaluation) = try session.recorder.open(OpeningFields(
            ref: ref, policy: policy, kind: kind, stage: stage, category: category, type: type, raisedBy: actor(raisedBy)!,
            at: try parseAt(at), division: division, team: team, childRef: child, subject: subject, concernsOwner: aboutOwner,
            reason: reason, people: people.compactMap(parsePerson), childStatus: childStatus))
        print("\(ref): opened (\(dispute.kind.rawValue), \(dispute.policy)) at \(iso(dispute.events[0].at)); \(summary(evaluation))")
    }
}
