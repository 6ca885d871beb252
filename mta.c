/* MIT licence: see LICENSE. */
/*
 * mta.c - argv[0] dispatch for the one mta binary.
 *
 * Every program of the mail system is this executable under another name
 * (busybox-style): the basename of argv[0] picks the applet, and
 * `mta APPLET args...` works too.  Runs with the caller's privileges.
 * Man page: mta(8).
 */
#include <stdio.h>
#include <string.h>
#include <sysexits.h>
#ifdef __linux__
#include <sys/prctl.h>
#endif

#include "config.h"
#include "lib/log.h"

#define NONE 0
#define APPLET(name, entry, summary, synopsis) int name##_main(int, char **);
#include "applets.h"
#undef APPLET

static const struct applet {
	const char *name;
	int (*entry)(int, char **);
	const char *summary;
	const char *synopsis;
} applets[] = {
#define APPLET(name, entry, summary, synopsis) \
	{ #name, entry, summary, synopsis },
#include "applets.h"
#undef APPLET
};

#define NAPPLETS (sizeof(applets) / sizeof(applets[0]))

static const struct applet *
find(const char *name)
{
	size_t i;

	for (i = 0; i < NAPPLETS; i++)
		if (strcmp(applets[i].name, name) == 0)
			return &applets[i];
	return NULL;
}

static void
usage(FILE *fp)
{
	size_t i;

	fprintf(fp, "usage: mta APPLET [arguments...]\n"
	    "   or: APPLET [arguments...]   (through a link named APPLET)\n"
	    "       mta --list | --help | --version\n\napplets:\n");
	for (i = 0; i < NAPPLETS; i++)
		fprintf(fp, "  %-12s %s%s\n", applets[i].name,
		    applets[i].summary,
		    applets[i].entry ? "" : " (not built yet)");
}

static int
run(const struct applet *a, int argc, char **argv)
{
	log_init(a->name);
#ifdef __linux__
	/* ps -C smtpd and pgrep smtpd find the process under its role */
	(void)prctl(PR_SET_NAME, a->name, 0, 0, 0);
#endif
	/* one --help for every program: usage on stdout, exit 0 */
	if (argc == 2 && strcmp(argv[1], "--help") == 0 && a->synopsis) {
		printf("usage: %s %s\n%s - %s%s\n", a->name, a->synopsis,
		    a->name, a->summary, a->entry ? "" : " (not built yet)");
		return 0;
	}
	if (a->entry == NONE) {
		fprintf(stderr, "%s: this program is not built yet in mta "
		    "%s\n", a->name, MTA_VERSION);
		return EX_UNAVAILABLE;
	}
	return a->entry(argc, argv);
}

int
main(int argc, char **argv)
{
	const struct applet *a;
	const char *base;
	size_t i;

	base = argc > 0 && argv[0] ? argv[0] : "mta";
	if (strrchr(base, '/'))
		base = strrchr(base, '/') + 1;
	if ((a = find(base)) != NULL)
		return run(a, argc, argv);
	if (strcmp(base, "mta") != 0) {
		fprintf(stderr, "mta: %s: applet not found\n", base);
		return 127;
	}
	if (argc < 2) {
		usage(stderr);
		return EX_USAGE;
	}
	if (strcmp(argv[1], "--list") == 0) {
		for (i = 0; i < NAPPLETS; i++)
			printf("%s\n", applets[i].name);
		return 0;
	}
	if (strcmp(argv[1], "--help") == 0) {
		usage(stdout);
		return 0;
	}
	if (strcmp(argv[1], "--version") == 0) {
		printf("mta %s\n", MTA_VERSION);
		return 0;
	}
	if ((a = find(argv[1])) == NULL) {
		fprintf(stderr, "mta: %s: applet not found\n", argv[1]);
		return 127;
	}
	return run(a, argc - 1, argv + 1);
}
