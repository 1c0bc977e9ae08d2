#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Foundation

/// SQLite's sender right: an exclusive `flock` on `<database>.lock`, held for the life of the
/// process and released by the kernel if it dies (no stale lock files). The file holds the pid.
final class FileSenderLease: SenderLease, @unchecked Sendable {
    private let lock = NSLock()
    private var fd: Int32
    let path: String

    /// Takes the lock or throws at once (never waits).
    init(database: String) throws {
        path = database + ".lock"
        let fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0o600)
        guard fd >= 0 else {
            throw StoreError(.io, operation: "take the sender lock",
                             message: "cannot open the lock file \(path): \(String(cString: strerror(errno)))")
        }
        guard flock(fd, LOCK_EX | LOCK_NB) == 0 else {
            let err = errno
            close(fd)
            if err == EWOULDBLOCK {
                throw StoreError(.heldByAnother, operation: "take the sender lock",
                                 message: "another drwatch daemon is already running on \(database) (lock \(path)); stop it first (systemctl stop drwatch)")
            }
            throw StoreError(.io, operation: "take the sender lock", message: "cannot lock \(path): \(String(cString: strerror(err)))")
        }
        self.fd = fd
        let pid = "\(getpid())\n"
        _ = ftruncate(fd, 0)
        _ = pid.withCString { write(fd, $0, strlen($0)) }
    }

    var isHeld: Bool { lock.withLock { fd >= 0 } }

    func release() {
        lock.withLock {
            guard fd >= 0 else { return }
            flock(fd, LOCK_UN)
            close(fd)
            fd = -1
        }
    }

    deinit { release() }
}
