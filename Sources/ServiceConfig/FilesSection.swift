import TOML

/// `[files]`: the file transport, one .eml (or .json) per message.
public struct FilesConfig: Equatable, Sendable {
    /// The outbox folder, resolved; `nil` for `outbox/` next to the database.
    public var directory: String?
    /// The line of `[files]` (0 when implied).
    public var line: Int
    public init(directory: String?, line: Int) {
        self.directory = directory
        self.line = line
    }
}

extension FilesConfig {
    /// `[files]`, or the implied file transport when no other transport is configured.
    static func read(_ root: TOMLReader, resolve: (String) -> String,
                     impliedByNoOtherTransport: Bool) throws(ConfigFileError) -> FilesConfig? {
        if let f = try root.optionalTable("files") {
            return FilesConfig(directory: try DrwatchConfig.nonEmptyPath(f, "directory").map(resolve), line: f.line)
        }
        return impliedByNoOtherTransport ? FilesConfig(directory: nil, line: 0) : nil
    }
}
