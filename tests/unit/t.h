/* MIT licence: see LICENSE. */
/*
 * t.h - the unit-test harness: one "ok - NAME" or "FAIL - NAME: why" line
 * per check, counted by tests/run.sh; the exit status is the failures.
 */
#ifndef MTA_T_H
#define MTA_T_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int t_failed;

#define T_OK(name, cond) do {						\
	if (cond)							\
		printf("ok - %s\n", (name));				\
	else {								\
		printf("FAIL - %s: %s (%s:%d)\n", (name), #cond,	\
		    __FILE__, __LINE__);				\
		t_failed++;						\
	}								\
} while (0)

#define T_STR(name, got, want) do {					\
	const char *t_g = (got), *t_w = (want);				\
	if (t_g && t_w && strcmp(t_g, t_w) == 0)			\
		printf("ok - %s\n", (name));				\
	else {								\
		printf("FAIL - %s: got \"%s\", want \"%s\" (%s:%d)\n",	\
		    (name), t_g ? t_g : "(null)", t_w ? t_w : "(null)",	\
		    __FILE__, __LINE__);				\
		t_failed++;						\
	}								\
} while (0)

#define T_DONE() return t_failed != 0

/*
 * t_daemon_dir - a main.cf line daemon_directory = the folder of $MTA:
 * where submit's fallback finds "mta" when /proc/self/exe cannot be
 * executed again (a cross-built test under qemu-user, tests/cross.sh,
 * where $MTA is the native stand-in)
 */
static inline void
t_daemon_dir(FILE *fp)
{
	const char *m = getenv("MTA"), *slash;

	if (m && (slash = strrchr(m, '/')) != NULL && slash > m)
		fprintf(fp, "daemon_directory = %.*s\n", (int)(slash - m), m);
}

/*
 * T_IFADDRS - true when the interfaces may be listed: false under an
 * emulator whose getifaddrs() never returns ($T_NO_IFADDRS, set by
 * tests/cross.sh after its probe), where the checks that need the list
 * say they are skipped
 */
#define T_IFADDRS(what) (getenv("T_NO_IFADDRS") == NULL ||		\
	(printf("# skipped: %s (getifaddrs never returns under this "	\
	    "emulator)\n", (what)), 0))

#endif
