import DisputeCore
import TOML

extension DrwatchConfig {
    /// `[roles]`: role -> addresses (deduplicated, in order).
    static func readRoles(_ root: TOMLReader) throws(ConfigFileError) -> [String: [String]] {
        var roles: [String: [String]] = [:]
        if let r = try root.optionalTable("roles") {
            for role in r.keys {
                let line = r.line(of: role)
                guard !role.isEmpty, role.unicodeScalars.allSatisfy({ isRoleNameScalar($0) }) else {
                    throw r.error("role name \"\(role)\" may use only letters, digits, - and _; rename it", line: line)
                }
                guard let list = try r.optionalStringList(role) else { continue }
                if list.isEmpty {
                    throw r.error("role \"\(role)\" has no addresses; add at least one, e.g. \(role) = [\"name@council.example\"]", line: line)
                }
                var addresses: [String] = []
                for (address, itemLine) in list {
                    guard isPlausibleEmail(address) else {
                        throw r.error("\"\(address)\" in role \"\(role)\" is not a plausible email address; write it as name@council.example", line: itemLine)
                    }
                    if !addresses.contains(address) { addresses.append(address) }
                }
                roles[role] = addresses
            }
        }
        return roles
    }
}

/// Letters, digits, `-` and `_`: role and webhook names.
func isRoleNameScalar(_ c: Unicode.Scalar) -> Bool {
    switch c {
    case "A"..."Z", "a"..."z", "0"..."9", "-", "_": true
    default: false
    }
}
