import ServiceConfig
import Recording
import DisputeCore
import Foundation

// Who receives a notification, and by which channel. Pure: config + dispute + intent in,
// addresses and channels out. The one place that knows how roles become addresses.

/// The role that hears about delivery problems (parked messages, unroutable notifications).
public let adminRole = "admin"

/// Where a message goes: the mail channel (SMTP when `[email]` is configured, else the file
/// transport) or a named `[[webhook]]`.
public enum Channel: Hashable, Sendable, CustomStringConvertible {
    /// SMTP (`[email]`).
    case email
    /// The file transport (`[files]`): one `.eml` per message.
    case files
    /// A `[[webhook]]`, by name.
    case webhook(String)

    /// The name stored in the outbox's `channel` column.
    public var description: String {
        switch self {
        case .email: "email"
        case .files: "files"
        case .webhook(let name): name
        }
    }

    /// The channel for a stored name: `email`, `files`, else a webhook name.
    public init(stored name: String) {
        switch name {
        case "email": self = .email
        case "files": self = .files
        default: self = .webhook(name)
        }
    }

    /// The mail channel of a config: SMTP when `[email]` is there, else the file transport.
    public static func mail(_ config: DrwatchConfig) -> Channel { config.email != nil ? .email : .files }
}

/// The addresses and channels of one notification intent.
public struct Route: Equatable, Sendable {
    /// Addresses of the addressed role (the dispute's own people first, else `[roles]`);
    /// the admin's when the role has no address and no webhook.
    public var to: [String]
    /// Addresses of the copied roles (real envelope recipients), without those already in `to`.
    public var cc: [String]
    /// Webhooks that list the addressed role.
    public var webhooks: [String]
    /// Roles with no address anywhere (the addressed role when it has no webhook either, and
    /// copied roles): logged, reported in the message, and the admin role receives it instead.
    public var unroutable: [String]
    /// True when the message was redirected to the admin role because the addressed role has
    /// no address and no webhook.
    public var redirectedToAdmin: Bool

    /// Every envelope recipient: `to` then `cc`, without duplicates.
    public var envelope: [String] { unique(to + cc) }
}

/// The addresses of `role` for `dispute`: its own people first, then the person who raised it when
/// the role is theirs (the IRO told of a response is the IRO who raised the dispute), else the
/// `[roles]` directory.
public func addresses(of role: String, dispute: Dispute?, config: DrwatchConfig) -> [String] {
    if let own = dispute?.people[role], !own.isEmpty { return own }
    if let d = dispute, d.raisedBy.role == role { return [d.raisedBy.email] }
    return config.roles[role] ?? []
}

/// Resolves an intent's roles to addresses and webhooks.
///
/// - Parameters:
///   - intent: the engine's notification.
///   - dispute: the dispute it is about (its people come first).
///   - config: `[roles]` and `[[webhook]] roles`.
/// - Returns: the route; `to` holds the admin's addresses when the role is unroutable.
public func route(_ intent: NotificationIntent, dispute: Dispute?, config: DrwatchConfig) -> Route {
    route(role: intent.role, copy: intent.copy, dispute: dispute, config: config)
}

/// Resolves a role (and copied roles) to addresses and webhooks: `route(_:dispute:config:)`
/// for a notice that is not an engine intent (a pause request waiting for its approvers).
public func route(role: String, copy: [String] = [], dispute: Dispute?, config: DrwatchConfig) -> Route {
    let hooks = config.webhooks(for: role)
    var to = addresses(of: role, dispute: dispute, config: config)
    var unroutable: [String] = []
    var redirected = false
    if to.isEmpty && hooks.isEmpty {
        unroutable.append(role)
        to = addresses(of: adminRole, dispute: nil, config: config)
        redirected = true
    }
    var cc: [String] = []
    for role in copy {
        let a = addresses(of: role, dispute: dispute, config: config)
        if a.isEmpty { unroutable.append(role) }
        cc += a
    }
    // A copied role with no address: the admin is copied in its place (never a silent drop).
    if !redirected && unroutable.count > 0 { cc += addresses(of: adminRole, dispute: nil, config: config) }
    let lowerTo = Set(to.map { $0.lowercased() })
    cc = unique(cc).filter { !lowerTo.contains($0.lowercased()) }
    return Route(to: unique(to), cc: cc, webhooks: hooks, unroutable: unroutable, redirectedToAdmin: redirected)
}

/// Every role a policy can notify (addressed or copied): the compiled policy's own list
/// (`Policy.notifiableRoles`), so the check never lists the policy's roles a second time.
public func notifiableRoles(_ policy: Policy) -> Set<String> { policy.notifiableRoles }

/// The roles that some loaded policy can notify but that have no address in `[roles]` and no
/// `[[webhook]]`, plus `admin` when it has no address (it is told about parked messages):
/// what `drwatch check-config` reports. A dispute's own people may fill a role at run time, but
/// the directory must cover every role, so that nothing is dropped at 3 a.m.
///
/// - Returns: the role names, sorted; empty when every role can be reached.
public func unroutableRoles(config: DrwatchConfig, policies: [Policy]) -> [String] {
    var needed = Set<String>()
    for p in policies { needed.formUnion(notifiableRoles(p)) }
    needed.insert(adminRole)
    let hooked = Set(config.webhooks.flatMap(\.roles))
    return needed.filter { role in
        (config.roles[role] ?? []).isEmpty && (role == adminRole || !hooked.contains(role))
    }.sorted()
}

func unique(_ list: [String]) -> [String] {
    var seen = Set<String>()
    return list.filter { seen.insert($0.lowercased()).inserted }
}
