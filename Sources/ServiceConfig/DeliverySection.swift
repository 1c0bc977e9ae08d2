import TOML

/// `[delivery]`: retries.
public struct DeliveryConfig: Equatable, Sendable {
    /// Attempts per notification before it is parked and the admin role is told.
    public var maxAttempts = 8
    /// Delay before the first retry; doubles after each failed attempt.
    public var backoffSeconds = 60
    public init() {}
}

extension DeliveryConfig {
    static func read(_ root: TOMLReader) throws(ConfigFileError) -> DeliveryConfig {
        var delivery = DeliveryConfig()
        if let d = try root.optionalTable("delivery") {
            delivery.maxAttempts = try d.optionalInt("max_attempts", in: 1...100) ?? delivery.maxAttempts
            delivery.backoffSeconds = try d.optionalInt("backoff_seconds", in: 1...86_400) ?? delivery.backoffSeconds
        }
        return delivery
    }
}
