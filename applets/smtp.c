/* MIT licence: see LICENSE. */
/*
 * smtp.c - the smtp and lmtp delivery agents: each request from qmgr (the
 * agent frame of lib/queue/agent.c), the next hop's server addresses
 * (lib/smtp/addr.c), then sessions (lib/smtp/client.c) until every
 * recipient has a result or the addresses run out.
 *
 * Run by master for qmgr, as mail_owner, one request after another
 * (each with the request on fd 0 and the results on fd 1) until max_use
 * or max_idle.  Between them the process keeps connections for reuse
 * (lib/smtp/client_cache.c), as Postfix's scache: for the next hops of
 * smtp_connection_cache_destinations, and, with
 * smtp_connection_cache_on_demand, when qmgr says more mail is on its
 * way there (AGENT_F_CONN_CACHE).  A kept connection that fails before
 * the server could take anything is replaced by a new one for the same
 * message.  Man page: smtp(8).
 *
 * As Postfix's smtp: a recipient that gets a 4xx reply is tried again at
 * the next server (unless this was the last one to try); a 5xx greeting
 * is skipped (smtp_skip_5xx_greeting); at most smtp_mx_session_limit
 * sessions get as far as the EHLO reply; a 5xx reply bounces (a deferral
 * with soft_bounce = yes).  When no server answered at all, the request
 * says "dead" so that qmgr holds the destination's other mail.
 *
 * Loops (smtp only, port 25): a next hop whose best MX host, or whose
 * address, is this host bounces with "mail for DOMAIN loops back to
 * myself" (5.4.6), and so does a best MX host whose EHLO reply names
 * $myhostname.  A hard address failure of the relayhost itself defers
 * (4.3.5) with a warning, as Postfix: it is a configuration problem.
 */
#include <sys/time.h>

#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "../config.h"
#include "../lib/conf.h"
#include "../lib/log.h"
#include "../lib/queue/agent.h"
#include "../lib/smtp/addr.h"
#include "../lib/smtp/client.h"
#include "../lib/smtp/tlspol.h"
#include "../lib/str.h"
#include "../lib/table/match.h"
#include "../lib/x.h"

int	lmtp_main(int, char **);
int	smtp_main(int, char **);

static int lmtp;

static int
msg_rewind(void *ctx)
{
	return agent_msg_rewind(ctx);
}

static int
msg_line(void *ctx, struct str *line)
{
	return agent_msg_line(ctx, line);
}

/* the final result of one recipient, with soft_bounce applied */
static void
done(struct agent_req *req, struct agent_rcpt *p, int status,
    const char *dsn, const char *relay, const char *why)
{
	char d[SMTP_DSN_MAX];

	str_copy(d, dsn, sizeof(d));
	if (status == 5 && conf_bool(P_soft_bounce)) {
		status = 4;
		d[0] = '4';
	}
	agent_done(req, p, status == 2 ? AGENT_SENT : status == 5 ?
	    AGENT_BOUNCE : AGENT_DEFER, d, relay, "%s", why);
}

/* a recipient that waits for the next server: why it is still open */
struct pending {
	int	status;		/* 0, or 4 after a reply */
	char	dsn[SMTP_DSN_MAX];
	char	*relay;
	char	*why;
};

static void
keep(struct pending *k, const char *dsn, const char *relay,
    const char *why)
{
	k->status = 4;
	str_copy(k->dsn, dsn, sizeof(k->dsn));
	free(k->relay);
	free(k->why);
	k->relay = xstrdup(relay);
	k->why = xstrdup(why);
}

/* one delivery request on its way through the server addresses */
struct dlv {
	struct agent_req *req;
	struct agent_msg *msg;
	struct smtp_msg	m;
	struct smtp_rcpt *r;		/* the recipients still open ... */
	size_t		*map;		/* ... their index in req->rcpt */
	size_t		nopen;
	struct pending	*pend;
	struct str	why;		/* the last failure as a whole */
	char		lastdsn[SMTP_DSN_MAX];
	char		*lastrelay;
	int		answered;	/* some server greeted */
	long long	slimit, sessions;	/* smtp_mx_session_limit */
	int		store;		/* keep the connection afterwards */
};

/* the recipients without a result, in d->r; their count */
static size_t
open_rcpts(struct dlv *d)
{
	struct agent_req *req = d->req;
	size_t j;

	for (j = 0; j < d->nopen; j++)
		smtp_rcpt_free(&d->r[j]);
	for (d->nopen = 0, j = 0; j < req->nrcpt; j++)
		if (req->rcpt[j].status == AGENT_NONE) {
			struct smtp_rcpt *r = &d->r[d->nopen];

			smtp_rcpt_init(r, req->rcpt[j].addr);
			r->orcpt = req->rcpt[j].orcpt;
			r->notify = req->rcpt[j].notify;
			d->map[d->nopen++] = j;
		}
	return d->nopen;
}

/* the session's failure is the last reason so far */
static void
failed(struct dlv *d, struct smtp_sess *s, const char *relay)
{
	str_set(&d->why, s->why.s);
	str_copy(d->lastdsn, s->dsn, sizeof(d->lastdsn));
	free(d->lastrelay);
	d->lastrelay = xstrdup(relay);
}

/* QUIT and close s, or keep it for the next request */
static void
release(struct dlv *d, struct smtp_sess *s, const char *key)
{
	if (d->store && key != NULL && s->fd >= 0) {
		smtp_cache_put(s, key);
		return;
	}
	smtp_quit(s);
	smtp_sess_destroy(s);
}

/*
 * a new session with server a, as far as a transaction: connect, greet,
 * authenticate; NULL after a failure (noted in d; a hard refusal ends
 * the delivery)
 */
static struct smtp_sess *
session(struct dlv *d, const struct smtp_addr *a, int last)
{
	struct agent_req *req = d->req;
	struct smtp_sess *s = smtp_sess_new(lmtp);
	size_t k;

	s->nexthop = req->nexthop;
	s->loop_detect = !lmtp;
	if (smtp_connect(s, a) < 0) {
		if (!last)
			info("%s: %s", req->queue_id, s->why.s);
		failed(d, s, "none");
		goto fail;
	}
	if (req->conn.tv_sec == 0)
		gettimeofday(&req->conn, NULL);
	if (smtp_greet(s, a) < 0) {
		d->answered |= s->answered;
		failed(d, s, s->relay);
		if (s->status == 5) {
			/* a hard refusal ends the delivery */
			for (k = 0; k < d->nopen; k++)
				done(req, &req->rcpt[d->map[k]], 5, s->dsn,
				    s->relay, s->why.s);
		} else if (!last)
			info("%s: %s", req->queue_id, s->why.s);
		goto fail;
	}
	if (smtp_auth(s, req->nexthop, d->msg->sender) < 0) {
		/* SASL failed: defer, try the next server address */
		d->answered = 1;
		failed(d, s, s->relay);
		if (!last)
			info("%s: %s", req->queue_id, s->why.s);
		goto fail;
	}
	return s;
fail:
	smtp_quit(s);
	smtp_sess_destroy(s);
	return NULL;
}

/*
 * May a transaction that failed on a reused connection go again on a
 * new one?  Only when the server took nothing: the session broke, or
 * said 421, before the final dot was sent.  A server may close a kept
 * connection at any time; that costs a new connection, not a deferral.
 */
static int
retry_new(const struct dlv *d, const struct smtp_sess *s, int res)
{
	size_t k;

	if (s->reuse_count == 0 || s->dot_sent)
		return 0;
	if (res == 0 && s->reply.code != 421)
		return 0;
	for (k = 0; k < d->nopen; k++)
		if (d->r[k].status == 2)
			return 0;
	return 1;
}

/*
 * try server a (last: no other is left) for the open recipients, over a
 * kept connection when there is one; 0, or -1 when no other server is
 * to be tried
 */
static int
try_addr(struct dlv *d, const struct smtp_addr *a, int last)
{
	struct agent_req *req = d->req;
	struct smtp_sess *s = NULL;
	struct str user;
	char *key = NULL;
	size_t k;
	int res, final;

	if (open_rcpts(d) == 0 || (d->slimit > 0 &&
	    d->sessions >= d->slimit))
		return -1;
	/* the SASL login is part of the key: it differs by sender, too */
	str_init(&user);
	if (smtp_sasl_user(a->host, req->nexthop, d->msg->sender, &user) >= 0)
		key = smtp_cache_key(lmtp, req->nexthop, a, user.s);
	str_free(&user);
	if ((s = smtp_cache_get(key)) != NULL) {
		s->nexthop = req->nexthop;
		s->loop_detect = !lmtp;
		if (req->conn.tv_sec == 0)
			gettimeofday(&req->conn, NULL);
	}
again:
	if (s == NULL && (s = session(d, a, last)) == NULL)
		goto out;
	d->answered = 1;
	d->sessions++;
	final = last || (d->slimit > 0 && d->sessions >= d->slimit);
	res = smtp_xfer(s, &d->m, d->r, d->nopen);
	if (retry_new(d, s, res)) {
		info("%s: %s: %s; trying again on a new connection",
		    req->queue_id, s->relay, res < 0 ? s->why.s :
		    s->reply.text.s);
		d->sessions--;
		smtp_close(s);
		smtp_sess_destroy(s);
		s = NULL;
		open_rcpts(d);
		goto again;
	}
	if (res < 0)
		failed(d, s, s->relay);
	req->reuse_count = s->reuse_count;
	for (k = 0; k < d->nopen; k++) {
		struct agent_rcpt *p = &req->rcpt[d->map[k]];
		struct smtp_rcpt *r = &d->r[k];

		if (r->status == 2 || r->status == 5 ||
		    (r->status == 4 && final))
			done(req, p, r->status, r->dsn, s->relay,
			    r->reason.s);
		else if (r->status == 4)
			keep(&d->pend[d->map[k]], r->dsn, s->relay,
			    r->reason.s);
	}
	req->reuse_count = 0;
	release(d, s, key);
out:
	free(key);
	return 0;
}

/* is the request's next hop one of smtp_connection_cache_destinations? */
static int
cache_always(const char *nexthop)
{
	static struct match_list *ml;
	const char *p = nexthop;
	char *name;
	int r;

	if (*conf_str(P_smtp_connection_cache_destinations) == 0)
		return 0;
	if (ml == NULL)
		ml = match_init(lmtp ? "lmtp_connection_cache_destinations" :
		    "smtp_connection_cache_destinations", MATCH_STRING,
		    conf_str(P_smtp_connection_cache_destinations));
	/* Postfix's names: no "unix:" or "inet:", no [] or :port */
	if (lmtp && (strncmp(p, "unix:", 5) == 0 ||
	    strncmp(p, "inet:", 5) == 0))
		p += 5;
	name = lmtp && *p == '/' ? xstrdup(p) : smtp_tls_nexthop_name(p);
	if ((r = match_find(ml, name, NULL)) < 0)
		warn("%s: %s", lmtp ? "lmtp_connection_cache_destinations" :
		    "smtp_connection_cache_destinations", ml->err.s);
	free(name);
	return r > 0;
}

/*
 * order - the order to try the servers in: one with a kept connection
 * first (the connection to a backup server that answered when the
 * first did not), then the rest as listed
 */
static size_t *
order(const struct agent_req *req, const struct agent_msg *msg,
    const struct smtp_addr_list *list)
{
	size_t *o = xcalloc(list->n ? list->n : 1, sizeof(*o));
	size_t i, k, first = 0;
	struct str user;
	char *key;

	str_init(&user);
	for (i = 0; i < list->n && first == 0; i++) {
		if (smtp_sasl_user(list->v[i].host, req->nexthop, msg->sender,
		    &user) < 0)
			continue;
		key = smtp_cache_key(lmtp, req->nexthop, &list->v[i], user.s);
		if (smtp_cache_has(key))
			first = i;
		free(key);
	}
	str_free(&user);
	o[0] = first;
	for (i = 0, k = 1; i < list->n; i++)
		if (i != first)
			o[k++] = i;
	return o;
}

static void
deliver(struct agent_req *req, struct agent_msg *msg)
{
	struct smtp_addr_list list;
	struct dlv d;
	char dsn[SMTP_DSN_MAX];
	size_t i, j, *o;
	int res;

	memset(&d, 0, sizeof(d));
	d.req = req;
	d.msg = msg;
	str_init(&d.why);
	str_copy(d.lastdsn, "4.4.1", sizeof(d.lastdsn));
	d.lastrelay = xstrdup("none");
	d.slimit = lmtp ? 0 : conf_int(P_smtp_mx_session_limit);
	res = smtp_addr_find(req->nexthop, lmtp ? SMTP_ADDR_LMTP :
	    SMTP_ADDR_LOOP, &list, dsn, sizeof(dsn), &d.why);
	if (res == 5 && list.n == 0 && !lmtp &&
	    strcmp(req->nexthop, conf_str(P_relayhost)) == 0) {
		warn("relayhost configuration problem");
		str_copy(dsn, "4.3.5", sizeof(dsn));
		res = 4;
	}
	if (res != 0 && list.n == 0) {
		for (i = 0; i < req->nrcpt; i++)
			done(req, &req->rcpt[i], res, dsn, "none", d.why.s);
		if (res == 4)
			req->dead = xstrdup(d.why.s);
		smtp_addr_free(&list);
		str_free(&d.why);
		free(d.lastrelay);
		return;
	}
	if (res == 0)
		str_reset(&d.why);
	else
		str_copy(d.lastdsn, dsn, sizeof(d.lastdsn));
	d.m.sender = msg->sender;
	d.m.size = msg->size;
	d.m.envid = msg->envid;
	d.m.ret = msg->ret;
	d.m.eightbit = msg->eightbit;	/* declared, or cleanup saw 8 bits */
	d.m.smtputf8 = msg->smtputf8;
	d.m.ctx = msg;
	d.m.rewind = msg_rewind;
	d.m.line = msg_line;
	d.pend = xcalloc(req->nrcpt, sizeof(*d.pend));
	d.r = xcalloc(req->nrcpt, sizeof(*d.r));
	d.map = xcalloc(req->nrcpt, sizeof(*d.map));
	/* Postfix: cache for listed destinations, or when qmgr asks */
	d.store = cache_always(req->nexthop) ||
	    (conf_bool(P_smtp_connection_cache_on_demand) &&
	    (req->flags & AGENT_F_CONN_CACHE));
	o = order(req, msg, &list);
	for (i = 0; i < list.n; i++)
		if (try_addr(&d, &list.v[o[i]], i + 1 == list.n) < 0)
			break;
	/* what is still open is deferred with the last reason it got */
	for (j = 0; j < req->nrcpt; j++) {
		if (req->rcpt[j].status != AGENT_NONE)
			continue;
		if (d.pend[j].status)
			done(req, &req->rcpt[j], 4, d.pend[j].dsn,
			    d.pend[j].relay, d.pend[j].why);
		else
			done(req, &req->rcpt[j], 4, d.lastdsn, d.lastrelay,
			    d.why.len ? d.why.s : "no server to try");
	}
	if (!d.answered && d.why.len)
		req->dead = xstrdup(d.why.s);
	for (j = 0; j < req->nrcpt; j++) {
		free(d.pend[j].relay);
		free(d.pend[j].why);
	}
	for (j = 0; j < d.nopen; j++)
		smtp_rcpt_free(&d.r[j]);
	free(o);
	free(d.pend);
	free(d.r);
	free(d.map);
	free(d.lastrelay);
	smtp_addr_free(&list);
	str_free(&d.why);
}

/* both agents: requests until the process ends, then the cache goes */
static int
agent(int argc, char **argv)
{
	int r;

	/* a server that closed a kept connection is no reason to die */
	signal(SIGPIPE, SIG_IGN);
	agent_init_hook = smtp_sasl_open;
	r = agent_main(argc, argv, 0, deliver);
	smtp_cache_flush();
	return r;
}

/* smtp_main - the SMTP delivery agent */
int
smtp_main(int argc, char **argv)
{
	lmtp = 0;
	return agent(argc, argv);
}

/* lmtp_main - the LMTP delivery agent */
int
lmtp_main(int argc, char **argv)
{
	lmtp = 1;
	/* lmtp_* as Postfix's lmtp; where smtp says helo_, lmtp says lhlo_ */
	conf_alias_prefix("smtp_", "lmtp_");
	conf_alias_prefix("smtp_helo_", "lmtp_lhlo_");
	return agent(argc, argv);
}
