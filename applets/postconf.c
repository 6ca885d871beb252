/* MIT licence: see LICENSE. */
/* postconf.c - placeholder until the applet lands. */
#include <stdio.h>
#include <sysexits.h>

int
postconf_main(int argc, char **argv)
{
	(void)argc;
	(void)argv;
	fprintf(stderr, "postconf: not built yet\n");
	return EX_UNAVAILABLE;
}
