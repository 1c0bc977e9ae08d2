#ifndef DRWATCH_CBUILDINFO_SHIM_H
#define DRWATCH_CBUILDINFO_SHIM_H
// The git commit drwatch was built from. scripts/build-info (run by scripts/setup, so by every
// `make` target) writes build_commit.h next to this file; it is never committed (.gitignore).
// Without it (a plain `swift build` from a tarball) the commit is "unknown".
#if __has_include("build_commit.h")
#include "build_commit.h"
#endif
#ifndef DRWATCH_BUILD_COMMIT
#define DRWATCH_BUILD_COMMIT "unknown"
#endif
static inline const char *drw_build_commit(void) { return DRWATCH_BUILD_COMMIT; }
#endif
