#if canImport(Glibc)
import ServiceConfig
import Recording
import Notifications
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Foundation

/// One daemon per database: an exclusive `flock` on `<database>.lock`, held for the life of
/// the process and released by the kernel if it dies (no stale lock files).
public final class InstanceLock: @unchecked Sendable {
    private let fd: Int32
    public let path: String

    /// An error taking the lock.
    public struct Failure: Error, CustomStringConvertible {
        public var description: String
        /// True when another process holds the lock (as opposed to an I/O problem).
        public var isHeldByAnother: Bool
    }

    /// Takes the lock or throws at once (never waits).
    public init(database: String) throws {
        path = database + ".lock"
        let fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0o600)
        guard fd >= 0 else {
            throw Failure(description: "cannot open the lock file \(path): \(String(cString: strerror(errno)))", isHeldByAnother: false)
        }
        guard flock(fd, LOCK_EX | LOCK_NB) == 0 else {
            let err = errno
            close(fd)
            if err == EWOULDBLOCK {
                throw Failure(description: "another drwatch daemon is already running on \(database) (lock \(path)); stop it first (systemctl stop drwatch)", isHeldByAnother: true)
            }
            throw Failure(description: "cannot lock \(path): \(String(cString: strerror(err)))", isHeldByAnother: false)
        }
        self.fd = fd
        let pid = "\(getpid())\n"
        _ = ftruncate(fd, 0)
        _ = pid.withCString { write(fd, $0, strlen($0)) }
    }

    deinit {
        flock(fd, LOCK_UN)
        close(fd)
    }
}
