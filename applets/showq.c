/* MIT licence: see LICENSE. */
/*
 * showq.c - the showq(8) service: the queue listing for postqueue -p
 * (mailq) and -j run by users who cannot read the queue.
 *
 * Run by master as mail_owner for each connection to public/showq (the
 * one socket under public/ that any user may connect to, besides the
 * pickup and qmgr triggers), with the connection on fds 0 and 1; or by
 * postqueue on a socketpair when its caller may read the queue.  It
 * takes no input: it writes the listing (lib/queue/showq.c, the stream in
 * showq.h) and exits.  Postfix leaves authorized_mailq_users to its
 * set-gid postqueue; mta has no set-gid program, so showq checks the
 * list itself against the peer's uid (SO_PEERCRED), and refuses a peer
 * the kernel does not name.  Maildrop files are listed as Postfix's
 * showq lists them, envelope and all, like every other queue's:
 * authorized_mailq_users says who sees the queue; the name of a
 * maildrop file opens nothing (mode 0640, mail_owner's group).
 * Man page: showq(8).
 */
#include <sys/types.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>
#include <unistd.h>

#include "../lib/conf.h"
#include "../lib/io.h"
#include "../lib/log.h"
#include "../lib/priv.h"
#include "../lib/queue/queue.h"
#include "../lib/queue/showq.h"
#include "../lib/str.h"
#include "../lib/svc.h"
#include "../lib/x.h"

/*
 * the peer of fd 0 may list the queue: root, this process's account
 * (postqueue run by mail_owner, or by the owner of a rootless queue, on
 * a socket pair), or authorized_mailq_users.  A client the kernel does
 * not name (not a unix socket: an inet line in master.cf) is refused.
 */
static int
peer_allowed(struct str *why)
{
	struct str who = STR_INIT;
	uid_t uid;
	int r;

	if (svc_peer_uid(0, &uid) < 0) {
		str_adds(why, "cannot tell who the client is: showq must be "
		    "a unix service");
		warn("%s", why->s);
		return 0;
	}
	if (uid == 0 || uid == geteuid())
		return 1;
	str_init(&who);
	r = showq_allowed(P_authorized_mailq_users, uid, &who);
	if (r == 0)
		str_addf(why, "User %s(%ld) is not allowed to view the mail "
		    "queue", who.s, (long)uid);
	else if (r < 0)
		str_addf(why, "authorized_mailq_users: %s", who.s);
	if (r <= 0)
		warn("%s", why->s);
	str_free(&who);
	return r > 0;
}

/* client - the queue listing for the client on fd 0 and fd 1 */
static int
client(void *ctx)
{
	struct io out;
	struct str why = STR_INIT;

	(void)ctx;
	io_init(&out, 1, (int)conf_time(P_ipc_timeout));
	str_init(&why);
	if (!peer_allowed(&why)) {
		struct str rec = STR_INIT;

		str_init(&rec);
		str_addf(&rec, "refused=%s", why.s);
		queue_rec(&out.wbuf, REC_ATTR, rec.s, rec.len);
		queue_rec(&out.wbuf, REC_END, "", 0);
		io_flush(&out);
		str_free(&rec);
	} else {
		showq_write(conf_str(P_queue_directory), &out);
	}
	str_free(&why);
	io_free(&out);
	return 0;
}

/* showq_main - showq(8) */
int
showq_main(int argc, char **argv)
{
	conf_daemon(argc, argv);
	priv_daemon();
	return svc_serve(client, NULL);
}
