#if canImport(Glibc)
import ServiceConfig
import Recording
import Notifications
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Foundation

/// What a signal asks the daemon to do.
public enum DaemonSignal: Sendable, Equatable {
    /// SIGTERM or SIGINT: finish the message in flight and exit 0.
    case stop(signal: Int32)
    /// SIGHUP: reload and validate the config and policies.
    case reload
}

/// The write end of the self-pipe; read by the C signal handler, so a plain global.
nonisolated(unsafe) private var signalPipeWriteEnd: Int32 = -1

/// Turns SIGTERM, SIGINT and SIGHUP into `DaemonSignal`s, delivered on a dedicated thread.
///
/// Why not `DispatchSource.makeSignalSource` with `SIG_IGN`: on Linux a signal that is ignored
/// and not blocked in every thread can be discarded before the source sees it, and the test
/// runner (like some supervisors) starts children with SIGTERM blocked. So: a real handler
/// (async-signal-safe: it writes one byte to a pipe), the three signals unblocked in the
/// calling thread (call `install` from the main thread, which lives as long as the process),
/// and a reader thread that also unblocks them.
public enum DaemonSignals {
    /// Resets what a parent may have left: SIGTERM, SIGINT and SIGHUP unblocked in this thread,
    /// SIGPIPE ignored (libcurl and the notify socket report EPIPE as an error instead).
    public static func resetInheritedState() {
        var set = sigset_t()
        sigemptyset(&set)
        for s in [SIGTERM, SIGINT, SIGHUP] { sigaddset(&set, s) }
        pthread_sigmask(SIG_UNBLOCK, &set, nil)
        signal(SIGPIPE, SIG_IGN)
    }

    /// Installs the handlers and starts the reader thread; `handler` runs on that thread.
    /// Call once per process.
    public static func install(_ handler: @escaping @Sendable (DaemonSignal) -> Void) {
        resetInheritedState()
        var fds: [Int32] = [-1, -1]
        guard pipe(&fds) == 0 else { return }
        _ = fcntl(fds[0], F_SETFD, FD_CLOEXEC)
        _ = fcntl(fds[1], F_SETFD, FD_CLOEXEC)
        _ = fcntl(fds[1], F_SETFL, fcntl(fds[1], F_GETFL) | O_NONBLOCK)
        signalPipeWriteEnd = fds[1]
        let readEnd = fds[0]
        for s in [SIGTERM, SIGINT, SIGHUP] {
            var action = sigaction()
            #if canImport(Glibc)
            action.__sigaction_handler.sa_handler = { sig in
                var byte = UInt8(truncatingIfNeeded: sig)
                let saved = errno
                _ = write(signalPipeWriteEnd, &byte, 1)
                errno = saved
            }
            #else
            action.__sigaction_u.__sa_handler = { sig in
                var byte = UInt8(truncatingIfNeeded: sig)
                let saved = errno
                _ = write(signalPipeWriteEnd, &byte, 1)
                errno = saved
            }
            #endif
            action.sa_flags = SA_RESTART
            sigemptyset(&action.sa_mask)
            sigaction(s, &action, nil)
        }
        let thread = Thread {
            resetInheritedState()
            var byte: UInt8 = 0
            while true {
                let n = read(readEnd, &byte, 1)
                if n < 0 && errno == EINTR { continue }
                if n <= 0 { return }
                switch Int32(byte) {
                case SIGHUP: handler(.reload)
                case let s: handler(.stop(signal: s))
                }
            }
        }
        thread.name = "drwatch-signals"
        thread.start()
    }
}
