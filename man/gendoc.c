/* MIT licence: see LICENSE. */
/*
 * gendoc.c - build-time helper: copies mta.conf.5.in to stdout, replacing
 * the line "@PARAMETERS@" with one troff entry per row of config.h, so the
 * man page's table and postconf -d come from the same rows.
 */
#include <stdio.h>
#include <string.h>

#include "../config.h"

struct row {
	const char *name, *type, *def, *doc;
};

static const struct row rows[] = {
#define PARAM(name, type, def, min, max, doc) { #name, #type, def, doc },
#include "../config.h"
#undef PARAM
};

static const struct noop {
	const char *name, *why;
} noops[] = {
#define NOOP(name, why) { #name, why },
#include "../config.h"
#undef NOOP
};

static const char *
noop_why(const char *name)
{
	size_t i;

	for (i = 0; i < sizeof(noops) / sizeof(noops[0]); i++)
		if (strcmp(noops[i].name, name) == 0)
			return noops[i].why;
	return NULL;
}

static void
roff(const char *s)
{
	for (; *s; s++) {
		if (*s == '\\')
			fputs("\\e", stdout);
		else if (*s == '-')
			fputs("\\-", stdout);
		else
			putchar(*s);
	}
}

int
main(void)
{
	char line[4096];
	const char *why;
	size_t i;

	while (fgets(line, sizeof(line), stdin)) {
		if (strcmp(line, "@PARAMETERS@\n") != 0) {
			fputs(line, stdout);
			continue;
		}
		for (i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
			fputs(".TP\n.B ", stdout);
			roff(rows[i].name);
			fputs(" (default: ", stdout);
			if (rows[i].def == NULL)
				fputs("computed", stdout);
			else if (*rows[i].def == 0)
				fputs("empty", stdout);
			else {
				fputs("\\fI", stdout);
				roff(rows[i].def);
				fputs("\\fR", stdout);
			}
			fputs(")\n", stdout);
			roff(rows[i].doc);
			putchar('\n');
			if ((why = noop_why(rows[i].name)) != NULL) {
				fputs("\\fBNo effect in mta:\\fR ", stdout);
				roff(why);
				fputs(".\n", stdout);
			}
		}
	}
	return 0;
}
