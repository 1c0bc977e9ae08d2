#ifndef DRWATCH_CPROCESS_SHIM_H
#define DRWATCH_CPROCESS_SHIM_H
#include <sys/prctl.h>
#include <sys/resource.h>
// prctl(2) is variadic: Swift cannot call it. Typed wrappers for what drwatch run needs.

/// Core dumps off and the process not dumpable (no core file, no ptrace or /proc/PID/mem by
/// other processes of the same user): the daemon holds secrets and children's case data.
/// Returns 0, or -1 with errno set.
static inline int drw_disable_core_dumps(void) {
    struct rlimit none = { 0, 0 };
    if (setrlimit(RLIMIT_CORE, &none) != 0) return -1;
    return prctl(PR_SET_DUMPABLE, 0, 0, 0, 0);
}

/// 1 when the process is dumpable, 0 when not.
static inline int drw_is_dumpable(void) { return prctl(PR_GET_DUMPABLE, 0, 0, 0, 0); }
#endif
