/* MIT licence: see LICENSE. */
/* postmap.c - placeholder until the applet lands. */
#include <stdio.h>
#include <sysexits.h>

int
postmap_main(int argc, char **argv)
{
	(void)argc;
	(void)argv;
	fprintf(stderr, "postmap: not built yet\n");
	return EX_UNAVAILABLE;
}
