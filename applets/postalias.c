/* MIT licence: see LICENSE. */
/* postalias.c - placeholder until the applet lands. */
#include <stdio.h>
#include <sysexits.h>

int
postalias_main(int argc, char **argv)
{
	(void)argc;
	(void)argv;
	fprintf(stderr, "postalias: not built yet\n");
	return EX_UNAVAILABLE;
}
