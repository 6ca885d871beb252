/* MIT licence: see LICENSE. */
/*
 * postdrop.c - write a message into the maildrop directory.
 *
 * Postfix's sendmail hands its queue records to a set-gid postdrop;
 * mta has no set-id bit and its sendmail writes maildrop files itself,
 * so postdrop here is sendmail that always takes the maildrop path, even
 * when the caller could talk to cleanup: the same options, the message
 * on standard input, the recipients on the command line (or -t).  Runs
 * with the caller's privileges.  Man page: postdrop(1).
 */
#include "../lib/log.h"

int	postdrop_main(int, char **);
int	sendmail_main(int, char **);

/* postdrop_main - postdrop(1) */
int
postdrop_main(int argc, char **argv)
{
	static char name[] = "postdrop";

	/* sendmail_main() takes the maildrop path for this argv[0] */
	if (argc > 0)
		argv[0] = name;
	return sendmail_main(argc, argv);
}
