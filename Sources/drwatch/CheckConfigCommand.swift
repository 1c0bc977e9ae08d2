import ArgumentParser
import DisputeService
import Notifications
import Recording
import ServiceConfig
import Foundation
import Logging
import OIDC

/// `drwatch check-config`: loads the config, every policy file and the holidays file with the
/// daemon's own loader (`Runtime.load`), so the check and the daemon never disagree.
/// Then every role a loaded policy can notify must be reachable: an address under `[roles]`
/// or a `[[webhook]]` listing it (`unroutableRoles`), so that nothing is dropped at 3 a.m.
/// Exit 0 with a summary; 78 with `FILE:LINE: what; how` on the first problem (or the roles
/// with no address); 66 when the config file does not exist.
/// `[web.oidc]` is checked too (its client secret file must be readable, never shown); with
/// `--online`, its discovery document and keys are fetched and described (exit 69 when the
/// provider cannot be reached or its answers cannot be used).
struct CheckConfigCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "check-config",
        abstract: "Check the config, its policy files and holidays file, as the daemon loads them.")

    @OptionGroup var global: GlobalOptions

    @Flag(name: .long, help: "Also fetch the single sign-on provider's discovery document and keys ([web.oidc]).")
    var online = false

    func run() async throws {
        let config = try global.loadConfig()
        let runtime = try Runtime.load(config: config)
        let missing = unroutableRoles(config: config, policies: runtime.policyNames.compactMap { runtime.policies[$0]?.policy })
        if !missing.isEmpty {
            throw CommandFailure("\(config.file): no address for role\(missing.count == 1 ? "" : "s") \(missing.joined(separator: ", ")), "
                + "which the loaded policies can notify; add \(missing.count == 1 ? "it" : "them") under [roles] "
                + "(e.g. \(missing[0]) = [\"someone@council.example\"]) or list \(missing.count == 1 ? "it" : "them") in a [[webhook]] roles",
                code: Sysexits.config)
        }
        var lines = ["config \(config.file): OK (database \(config.database), division \(config.division.rawValue), close of business \(config.closeOfBusiness))"]
        if let h = config.holidaysFile { lines.append("holidays file \(h): OK") }
        for name in runtime.policyNames { lines.append(runtime.summary(of: name)) }
        for w in runtime.holidayWarnings { warn("warning: \(w)") }
        if let oidc = config.sso.oidc {
            if let secret = oidc.clientSecretFile { _ = try config.readSecret(secret) }
            lines.append(oidc.summary + ": OK")
            if online {
                do {
                    lines += try await OIDCOnlineCheck.run(config: oidc, now: Date(), logger: commandLogger(level: .warning))
                } catch let e as OIDCError {
                    writeOut(lines.joined(separator: "\n") + "\n")
                    throw CommandFailure("\(config.file):\(oidc.line): [web.oidc] \(e.message)", code: Sysexits.unavailable)
                }
            }
        } else if online {
            lines.append("no [web.oidc] section: nothing to check online")
        }
        if let p = config.sso.proxyHeader {
            lines.append("[web] trusted_proxy_header \(p.header), honoured only from \(p.proxies.joined(separator: ", ")): OK")
        }
        writeOut(lines.joined(separator: "\n") + "\n")
    }
}
