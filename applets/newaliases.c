/* MIT licence: see LICENSE. */
/* newaliases.c - placeholder until the applet lands. */
#include <stdio.h>
#include <sysexits.h>

int
newaliases_main(int argc, char **argv)
{
	(void)argc;
	(void)argv;
	fprintf(stderr, "newaliases: not built yet\n");
	return EX_UNAVAILABLE;
}
