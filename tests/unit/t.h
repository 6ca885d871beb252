/* MIT licence: see LICENSE. */
/*
 * t.h - the unit-test harness: one "ok - NAME" or "FAIL - NAME: why" line
 * per check, counted by tests/run.sh; the exit status is the failures.
 */
#ifndef MTA_T_H
#define MTA_T_H

#include <stdio.h>
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

#endif
