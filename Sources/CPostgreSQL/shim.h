#ifndef DRWATCH_CPOSTGRESQL_SHIM_H
#define DRWATCH_CPOSTGRESQL_SHIM_H
// libpq from Debian's libpq-dev (pkg-config libpq: -I/usr/include/postgresql).
#include <libpq-fe.h>
#endif
