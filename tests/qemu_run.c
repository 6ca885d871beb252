/* MIT licence: see LICENSE. */
/*
 * qemu_run - a native stand-in for a cross-built binary (tests/cross.sh):
 * runs QEMU on TARGET with this program's own argv[0], so that the applet
 * mta picks from argv[0] is kept without binfmt_misc.  QEMU and TARGET are
 * absolute paths given at compile time (-D), since mta's daemons do not
 * pass their environment on.  With -DLIMIT=N the program is killed by
 * SIGALRM after N seconds (the timer survives execv), so that a target
 * binary that loops cannot hang the tests.
 */
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

int
main(int argc, char **argv)
{
	char **av;
	int i;

	if ((av = calloc(argc + 5, sizeof(*av))) == NULL)
		return 71;
	av[0] = QEMU;
	av[1] = "-0";
	av[2] = argv[0];
	av[3] = TARGET;
	for (i = 1; i < argc; i++)
		av[3 + i] = argv[i];
#ifdef LIMIT
	alarm(LIMIT);
#endif
	execv(QEMU, av);
	perror(QEMU);
	return 126;
}
