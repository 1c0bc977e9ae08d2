import DisputeCore
import Foundation
import TOML
import WorkingDays

/// Everything the config names, loaded and validated once: the policies by name, a working
/// calendar per division, and the engine settings. The daemon, `drwatch check-config` and every
/// command that records or evaluates disputes load it through `Runtime.load(config:)`, so they
/// never disagree about what a config means.
public struct Runtime: Sendable {
    /// One loaded policy file.
    public struct LoadedPolicy: Sendable {
        public var policy: Policy
        /// The file as the config names it (resolved).
        public var file: String
    }

    public let config: DrwatchConfig
    /// The policies by their `name`, each with its file.
    public let policies: [String: LoadedPolicy]
    /// Policy names in config order.
    public let policyNames: [String]
    /// A calendar per division (every division: a dispute may name another one than the config's).
    public let calendars: [Division: WorkingCalendar]
    public let settings: EngineSettings
    private let engines: [String: [Division: Engine]]
    /// What looks wrong in the holidays file but is accepted (`HolidaysFile.warnings`).
    public var holidayWarnings: [String] = []

    /// Loads every policy file and the holidays file the config names, and builds the calendars.
    ///
    /// - Parameter config: a config from `DrwatchConfig.load` (files already known to exist).
    /// - Returns: the runtime.
    /// - Throws: `ConfigFileError` (`FILE:LINE: what; how`): a policy file that cannot be read or
    ///   is invalid (its own file and line), two policies with the same name, or a holidays file
    ///   that is not gov.uk's format (the config's `holidays_file` line).
    public static func load(config: DrwatchConfig) throws(ConfigFileError) -> Runtime {
        var policies: [String: LoadedPolicy] = [:]
        var names: [String] = []
        for (file, line) in zip(config.policies, config.policyLines) {
            guard let data = FileManager.default.contents(atPath: file) else {
                throw ConfigFileError(file: config.file, line: line,
                                      message: "policy file \(file) cannot be read; check that it exists and that the drwatch user may read it")
            }
            guard let text = String(data: data, encoding: .utf8) else {
                throw ConfigFileError(file: file, line: 0, message: "is not UTF-8 text; save it as UTF-8")
            }
            let policy = try Policy.parse(text: text, file: file)
            if let other = policies[policy.name] {
                throw ConfigFileError(file: config.file, line: line,
                                      message: "policy \(file) has the name \"\(policy.name)\", as \(other.file) has; give each policy its own name, or list the file once")
            }
            policies[policy.name] = LoadedPolicy(policy: policy, file: file)
            names.append(policy.name)
        }
        var holidays: HolidaysFile?
        if let path = config.holidaysFile {
            let line = config.keyLines["holidays_file"] ?? 0
            guard let data = FileManager.default.contents(atPath: path) else {
                throw ConfigFileError(file: config.file, line: line,
                                      message: "holidays_file \(path) cannot be read; check that it exists and that the drwatch user may read it")
            }
            do {
                holidays = try HolidaysFile.parse(data, source: path)
            } catch {
                throw ConfigFileError(file: config.file, line: line, message: "holidays_file: \(error)")
            }
        }
        var calendars: [Division: WorkingCalendar] = [:]
        for division in Division.allCases {
            do {
                calendars[division] = try WorkingCalendar(division: division, holidaysFile: holidays, closures: config.closures)
            } catch {
                throw ConfigFileError(file: config.file, line: config.keyLines["closures"] ?? config.keyLines["holidays_file"] ?? 0,
                                      message: "\(error)")
            }
        }
        let settings = EngineSettings(closeOfBusiness: config.closeOfBusiness, sendTime: config.sendTime, civil: .london)
        var engines: [String: [Division: Engine]] = [:]
        for (name, loaded) in policies {
            for (division, calendar) in calendars {
                engines[name, default: [:]][division] = Engine(policy: loaded.policy, calendar: calendar, settings: settings)
            }
        }
        var runtime = Runtime(config: config, policies: policies, policyNames: names, calendars: calendars,
                              settings: settings, engines: engines)
        runtime.holidayWarnings = holidays?.warnings ?? []
        return runtime
    }

    /// The engine for a policy and a division.
    ///
    /// - Throws: `DomainError` when the config loads no policy of that name.
    public func engine(policy name: String, division: Division) throws -> Engine {
        guard let engine = engines[name]?[division] else {
            throw DomainError("policy \(name) is not loaded by the config \(config.file); use one of: \(policyNames.joined(separator: ", ")) (or add its file to `policies`)")
        }
        return engine
    }

    /// The engine for a stored dispute.
    ///
    /// - Throws: `DomainError` when the dispute's policy is no longer in the config.
    public func engine(for dispute: Dispute) throws -> Engine {
        guard let engine = engines[dispute.policy]?[dispute.division] else {
            throw DomainError("\(dispute.ref) follows policy \(dispute.policy), which the config \(config.file) no longer loads; add its file to `policies`")
        }
        return engine
    }

    /// The roles a dispute under `policy` may name (`--raised-by`, `--by`, `--person`...): the
    /// policy's roles and the roles the config gives addresses to.
    public func knownRoles(policy: Policy) -> Set<String> {
        Set(policy.roles).union(config.roles.keys)
    }

    /// Checks what the engine does not: the roles a new record names are known to its policy.
    ///
    /// - Throws: `DomainError` naming the role and the known ones.
    public func checkRoles(of dispute: Dispute, policy: Policy) throws {
        let known = knownRoles(policy: policy)
        for (role, field) in [(dispute.raisedBy.role, Field.raisedBy)] + dispute.people.keys.sorted().map({ ($0, Field.people) })
        where !known.contains(role) {
            throw DomainError(field: field, "role \(role) is not known to policy \(policy.name); use one of: \(known.sorted().joined(separator: ", "))")
        }
    }

    /// Checks that `actor`'s role, given as `field`, is known to `policy`.
    ///
    /// - Throws: `DomainError` naming the field, the role, and the known ones.
    public func checkRole(_ actor: Actor?, for field: Field, policy: Policy) throws {
        guard let actor else { return }
        let known = knownRoles(policy: policy)
        guard known.contains(actor.role) else {
            throw DomainError(field: field, "\(Self.roleOwner(field)) role \(actor.role) is not known to policy \(policy.name); use one of: \(known.sorted().joined(separator: ", "))")
        }
    }

    /// How a role check names whose role it is: the field itself (`--by`), or the approver's and
    /// the agreeing role (said the same way by every front end).
    private static func roleOwner(_ field: Field) -> String {
        switch field {
        case .approvedBy: "the approver's"
        case .agreedBy: "the agreeing"
        default: field.mark
        }
    }

    /// One line per policy for `check-config`: name, file, kinds with their stages, the statutory total.
    public func summary(of name: String) -> String {
        guard let loaded = policies[name] else { return name }
        let p = loaded.policy
        let kinds = RecordKind.allCases.compactMap { k -> String? in
            guard let kp = p.kinds[k] else { return nil }
            return kp.stages.isEmpty ? k.rawValue : "\(k.rawValue) (\(kp.stages.count) stage\(kp.stages.count == 1 ? "" : "s"))"
        }
        var s = "policy \(name) (\(loaded.file)): \(kinds.joined(separator: ", "))"
        if let st = p.statutory { s += "; statutory total \(st.workingDays) working days" }
        return s
    }
}
