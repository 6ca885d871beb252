/* MIT licence: see LICENSE. */
/*
 * smtp/client_cache.c - the connection cache of an smtp or lmtp delivery
 * agent process: sessions kept open after a mail transaction, for the
 * next delivery request that the same process serves (Postfix keeps
 * them in its scache daemon; mta has none, and a long-lived agent
 * process is enough for mail that all goes to one relay host).
 *
 * A session is kept under a key that names all that makes it differ
 * from another (smtp_cache_key): lmtp or smtp, the request's next hop
 * (which decides the TLS policy and the names a certificate was checked
 * against), the server's name, address and port, and the SASL login
 * the session uses, so that a connection authenticated as one user never
 * carries mail that should go as another.  The process's own settings
 * (its master.cf service, helo name, TLS parameters) are the same for
 * every session it holds: a reload ends the process.
 *
 * As Postfix: a kept session is closed with QUIT after
 * smtp_connection_cache_time_limit unused (svc_serve_timer, while the
 * process waits for its next request), is not kept again once
 * smtp_connection_reuse_time_limit has passed since it was made or
 * after smtp_connection_reuse_count_limit reuses, and is probed with
 * RSET before it carries another message; a TLS session is reused as
 * it is, without a new handshake.  smtp_cache_flush() closes them all
 * when the process ends.
 *
 * Run inside the smtp and lmtp delivery agents (as mail_owner).  Man
 * page: smtp(8).
 */

#include <stdlib.h>
#include <string.h>

#include "../../config.h"
#include "../conf.h"
#include "../io.h"
#include "../str.h"
#include "../svc.h"
#include "../x.h"
#include "addr.h"
#include "client_int.h"

#define CACHE_SLOTS	8	/* sessions one process keeps at most */

static struct slot {
	char		*key;
	struct smtp_sess *s;
	long long	idle_until;	/* svc_serve_now() ms: closed then */
} cache[CACHE_SLOTS];
static size_t ncache;

static void arm(void);

/* one field of a key: its length first, so no value can fake another */
static void
key_field(struct str *k, const char *v)
{
	str_addf(k, "%zu:%s;", strlen(v ? v : ""), v ? v : "");
}

/*
 * smtp_cache_key - the key of a session of lmtp (or smtp) for next hop
 * nexthop at server address a, logged in as user ("" or NULL: no AUTH)
 */
char *
smtp_cache_key(int lmtp, const char *nexthop, const struct smtp_addr *a,
    const char *user)
{
	struct str k;

	str_init(&k);
	str_adds(&k, lmtp ? "lmtp;" : "smtp;");
	key_field(&k, nexthop);
	key_field(&k, a->host);
	key_field(&k, a->addr);
	str_addf(&k, "%d;", a->port);
	key_field(&k, user);
	return k.s;
}

/* slot i goes: QUIT, close, forget */
static void
drop(size_t i)
{
	struct smtp_sess *s = cache[i].s;

	smtp_quit(s);
	smtp_sess_destroy(s);
	free(cache[i].key);
	cache[i] = cache[--ncache];
	memset(&cache[ncache], 0, sizeof(cache[ncache]));
}

/* close what has been unused too long */
static void
expire(void)
{
	long long now = svc_serve_now();
	size_t i = 0;

	while (i < ncache)
		if (cache[i].idle_until <= now)
			drop(i);
		else
			i++;
}

static void
on_timer(void *ctx)
{
	(void)ctx;
	expire();
	arm();
}

/* the timer at the first session's end of idle time, or none */
static void
arm(void)
{
	long long at = 0;
	size_t i;

	for (i = 0; i < ncache; i++)
		if (at == 0 || cache[i].idle_until < at)
			at = cache[i].idle_until;
	svc_serve_timer(at, at ? on_timer : NULL, NULL);
}

static int
find(const char *key)
{
	size_t i;

	for (i = 0; i < ncache; i++)
		if (strcmp(cache[i].key, key) == 0)
			return (int)i;
	return -1;
}

/* smtp_cache_has - whether a session with key is kept */
int
smtp_cache_has(const char *key)
{
	expire();
	arm();
	return key != NULL && find(key) >= 0;
}

/*
 * smtp_cache_get - the kept session with key, taken out of the cache,
 * after a successful RSET (the server may have closed it while it was
 * unused, or may refuse more mail on it: it is then closed); NULL when
 * there is none to use
 */
struct smtp_sess *
smtp_cache_get(const char *key)
{
	struct smtp_sess *s;
	int i;

	expire();
	if (key == NULL || (i = find(key)) < 0) {
		arm();
		return NULL;
	}
	s = cache[i].s;
	free(cache[i].key);
	cache[i] = cache[--ncache];
	memset(&cache[ncache], 0, sizeof(cache[ncache]));
	arm();
	s->reuse_count++;
	s->answered = 1;
	if (smtp_rset(s) < 0) {
		smtp_quit(s);
		smtp_sess_destroy(s);
		return NULL;
	}
	return s;
}

/*
 * smtp_cache_put - keep s under key after its transaction, unless it is
 * broken, too old (smtp_connection_reuse_time_limit) or used enough
 * (smtp_connection_reuse_count_limit): then QUIT and close.  The cache
 * owns s from now on.
 */
void
smtp_cache_put(struct smtp_sess *s, const char *key)
{
	long long now = svc_serve_now();
	long long count = conf_int(P_smtp_connection_reuse_count_limit);
	size_t i, old;

	expire();
	if (s->fd < 0 || key == NULL ||
	    now - s->born >= conf_time(P_smtp_connection_reuse_time_limit) *
	    1000LL || (count > 0 && s->reuse_count >= count) ||
	    io_pending(&s->io) > 0) {
		/* unasked-for input after the last reply: not to be trusted */
		smtp_quit(s);
		smtp_sess_destroy(s);
		arm();
		return;
	}
	if (ncache == CACHE_SLOTS) {
		for (old = 0, i = 1; i < ncache; i++)
			if (cache[i].idle_until < cache[old].idle_until)
				old = i;
		drop(old);
	}
	s->nexthop = NULL;	/* the request's, gone with it */
	cache[ncache].key = xstrdup(key);
	cache[ncache].s = s;
	cache[ncache].idle_until = now +
	    conf_time(P_smtp_connection_cache_time_limit) * 1000LL;
	ncache++;
	arm();
}

/* smtp_cache_flush - QUIT and close every kept session (the process ends) */
void
smtp_cache_flush(void)
{
	while (ncache > 0)
		drop(ncache - 1);
	svc_serve_timer(0, NULL, NULL);
}
