#if canImport(Glibc)
import ServiceConfig
import Recording
import Notifications
import Glibc
#endif

/// Caps glibc's malloc arenas at `max` (`mallopt(M_ARENA_MAX, max)`; by default glibc allows
/// 8 per core, and each thread that allocates may get its own, kept resident). Call it once at
/// start, before threads: the daemon has few threads and little heap, so two arenas are enough.
/// Nothing outside glibc.
public func limitMallocArenas(_ max: Int32 = 2) {
    #if canImport(Glibc)
    typealias Mallopt = @convention(c) (Int32, Int32) -> Int32
    let M_ARENA_MAX: Int32 = -8   // <malloc.h>; not in Swift's Glibc module
    guard let sym = dlsym(UnsafeMutableRawPointer(bitPattern: 0), "mallopt") else { return }
    _ = unsafeBitCast(sym, to: Mallopt.self)(M_ARENA_MAX, max)
    #endif
}
