import CProcess
import DisputeService
import Notifications
import Recording
import ServiceConfig
import Foundation
import Logging

/// Turns core dumps off for `drwatch run` (RLIMIT_CORE 0 and PR_SET_DUMPABLE 0), before any
/// secret or case data is read. The unit also sets `LimitCORE=0`.
func disableCoreDumps() {
    _ = drw_disable_core_dumps()
}

/// The test clock (`DRWATCH_FAKE_NOW`, `DRWATCH_FAKE_SPEED`, see `FakeDaemonClock`), honoured only
/// by debug builds and builds made with `-Xswiftc -DDRWATCH_TEST_HOOKS` (the daemon benchmark). A
/// release build, as installed, ignores it and says so: nobody can move the production clock
/// through the environment.
func testHookClock(_ environment: [String: String], logger: Logger) throws -> (any DaemonClock)? {
    #if DEBUG || DRWATCH_TEST_HOOKS
    return try FakeDaemonClock.fromEnvironment(environment)
    #else
    if environment["DRWATCH_FAKE_NOW"] != nil {
        logger.warning("DRWATCH_FAKE_NOW is a test hook that this build ignores; the system clock is used")
    }
    return nil
    #endif
}

/// The daemon's options, with the test hooks `DRWATCH_STANDBY_RETRY_MS` (how often a standby
/// instance on PostgreSQL tries to take the right to send, 100 to 60000 ms) and
/// `DRWATCH_RECONNECT_MS` (the first wait after a failure to reach the database, 100 to 60000 ms,
/// doubled up to 30 s) honoured only by the builds that honour the test clock. The shipped
/// values are 5 s and 1 s.
func testHookOptions(_ environment: [String: String]) -> Daemon.Options {
    var options = Daemon.Options()
    #if DEBUG || DRWATCH_TEST_HOOKS
    if let text = environment["DRWATCH_STANDBY_RETRY_MS"], let ms = Int(text), (100...60_000).contains(ms) {
        options.standbyRetry = .milliseconds(ms)
    }
    if let text = environment["DRWATCH_RECONNECT_MS"], let ms = Int(text), (100...60_000).contains(ms) {
        options.reconnectFirst = .milliseconds(ms)
    }
    #endif
    return options
}
