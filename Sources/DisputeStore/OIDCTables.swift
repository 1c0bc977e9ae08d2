import Foundation

// Single sign-on sign-ins in progress (migration 005): what the callback needs to check the
// provider's answer, used once. Callers pass hex SHA-256 digests of the state and of the
// browser's binding cookie, never the values themselves.

/// A sign-in started with the identity provider and not yet completed.
public struct PendingOIDCSignIn: Sendable, Equatable {
    public var stateHash: String
    public var browserHash: String
    public var nonce: String
    public var codeVerifier: String
    public var nextPath: String?
    public var createdAt: Date
    public var expiresAt: Date
    public init(stateHash: String, browserHash: String, nonce: String, codeVerifier: String, nextPath: String?,
                createdAt: Date, expiresAt: Date) {
        self.stateHash = stateHash; self.browserHash = browserHash; self.nonce = nonce; self.codeVerifier = codeVerifier
        self.nextPath = nextPath; self.createdAt = createdAt; self.expiresAt = expiresAt
    }
}

/// What taking a pending sign-in found.
public enum PendingOIDCSignInLookup: Sendable, Equatable {
    /// Found, live, and now marked used.
    case found(PendingOIDCSignIn)
    /// No sign-in has this state.
    case unknown
    /// The state was already used once (a replay, or the back button).
    case alreadyUsed
    /// Started too long ago; now marked used.
    case expired
}

/// The store of sign-ins in progress.
public protocol OIDCSignInStore: Sendable {
    /// Records a sign-in started now, and forgets those expired more than a day ago.
    func addPendingSignIn(_ signIn: PendingOIDCSignIn) throws
    /// Takes the sign-in with this state, once: atomic, so two callbacks with one state never
    /// both succeed.
    func takePendingSignIn(stateHash: String, now: Date) throws -> PendingOIDCSignInLookup
}

extension SQLStore: OIDCSignInStore {
    public func addPendingSignIn(_ p: PendingOIDCSignIn) throws {
        try withDatabase { db in
            try db.transaction(.immediate) {
                _ = try db.execute("DELETE FROM oidc_sign_ins WHERE expires_at < ?", p.createdAt.addingTimeInterval(-86_400),
                                   operation: "forget old single sign-on attempts")
                _ = try db.execute("""
                    INSERT INTO oidc_sign_ins (state_hash, browser_hash, nonce, code_verifier, next_path, created_at, expires_at)
                    VALUES (?, ?, ?, ?, ?, ?, ?)
                    """, p.stateHash, p.browserHash, p.nonce, p.codeVerifier, p.nextPath, p.createdAt, p.expiresAt,
                    operation: "record a single sign-on attempt")
            }
        }
    }

    public func takePendingSignIn(stateHash: String, now: Date) throws -> PendingOIDCSignInLookup {
        try withDatabase { db in
            try db.transaction(.immediate) { () throws -> PendingOIDCSignInLookup in
                let row = try db.first("""
                    SELECT browser_hash, nonce, code_verifier, next_path, created_at, expires_at, used_at
                    FROM oidc_sign_ins WHERE state_hash = ?
                    """, stateHash, operation: "read a single sign-on attempt") { r in
                    (PendingOIDCSignIn(stateHash: stateHash, browserHash: r.string(0), nonce: r.string(1), codeVerifier: r.string(2),
                                       nextPath: r.optionalString(3), createdAt: r.date(4), expiresAt: r.date(5)),
                     r.isNull(6) ? false : true)
                }
                guard let (pending, used) = row else { return .unknown }
                if used { return .alreadyUsed }
                _ = try db.execute("UPDATE oidc_sign_ins SET used_at = ?, code_verifier = '' WHERE state_hash = ?", now, stateHash,
                                   operation: "use a single sign-on attempt")
                return pending.expiresAt <= now ? .expired : .found(pending)
            }
        }
    }
}
