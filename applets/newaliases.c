/* MIT licence: see LICENSE. */
/*
 * newaliases.c - rebuild the alias databases, as Postfix's newaliases
 * (sendmail -bi).
 *
 * Run by the administrator with the caller's privileges.  Rebuilds each
 * table named in alias_database (default cdb:/etc/aliases, the one type
 * mta builds; a Postfix main.cf's hash: is read as cdb: with a notice)
 * the way postalias(1) does.  A file that
 * cannot be read is an error: newaliases says which and exits 1.
 * Man page: newaliases(1).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../lib/conf.h"
#include "../lib/log.h"
#include "../lib/str.h"
#include "../lib/table/alias.h"
#include "../lib/table/dict.h"
#include "../lib/table/match.h"
#include "../lib/x.h"

#define USAGE	"usage: newaliases [-C config_file_or_dir] [-v]"

/* newaliases_main - newaliases(1) */
int
newaliases_main(int argc, char **argv)
{
	const char *confdir = NULL;
	char *list, *cp, *spec, *dir = NULL;
	size_t n;
	int c, ret = 0;

	if (argc > 1 && strcmp(argv[1], "--help") == 0) {
		printf("%s\n", USAGE);
		return 0;
	}
	while ((c = getopt(argc, argv, "C:v")) != -1) {
		switch (c) {
		case 'C':
			/* sendmail -C: main.cf or its directory */
			n = strlen(optarg);
			if (n > 8 && strcmp(optarg + n - 8, "/main.cf") == 0)
				confdir = dir = xstrndup(optarg, n - 8);
			else
				confdir = optarg;
			break;
		case 'v':
			break;
		default:
			die("%s", USAGE);
		}
	}
	if (optind != argc)
		die("%s", USAGE);
	if (conf_load(confdir, CONF_QUIET) < 0)
		exit(1);
	conf_log(LOG_TO_STDERR | LOG_TO_SYSLOG);
	cp = list = xstrdup(conf_str(P_alias_database));
	while ((spec = match_next(&cp)) != NULL)
		if (alias_build(spec, DICT_DUP_WARN, 0) < 0)
			ret = 1;
	free(list);
	free(dir);
	return ret;
}
