/* MIT licence: see LICENSE. */
/*
 * smtp.c - the smtp and lmtp delivery agents: one request from qmgr (the
 * agent frame of lib/queue/agent.c), the next hop's server addresses
 * (lib/smtp/addr.c), then sessions (lib/smtp/client.c) until every
 * recipient has a result or the addresses run out.
 *
 * Run by master for qmgr, with the request on fd 0 and the results on fd
 * 1, as mail_owner.  Man page: smtp(8).
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

#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "../config.h"
#include "../lib/conf.h"
#include "../lib/log.h"
#include "../lib/queue/agent.h"
#include "../lib/smtp/addr.h"
#include "../lib/smtp/client.h"
#include "../lib/str.h"
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

static void
deliver(struct agent_req *req, struct agent_msg *msg)
{
	struct smtp_addr_list list;
	struct smtp_sess s;
	struct smtp_msg m;
	struct smtp_rcpt *r;
	struct pending *pend;
	struct str why;
	char dsn[SMTP_DSN_MAX], lastdsn[SMTP_DSN_MAX] = "4.4.1";
	char *lastrelay = xstrdup("none");
	size_t i, j, k, *map, nopen;
	long long slimit = lmtp ? 0 : conf_int(P_smtp_mx_session_limit);
	long long sessions = 0;
	int res, answered = 0, final;

	str_init(&why);
	res = smtp_addr_find(req->nexthop, lmtp ? SMTP_ADDR_LMTP :
	    SMTP_ADDR_LOOP, &list, dsn, sizeof(dsn), &why);
	if (res == 5 && list.n == 0 && !lmtp &&
	    strcmp(req->nexthop, conf_str(P_relayhost)) == 0) {
		warn("relayhost configuration problem");
		str_copy(dsn, "4.3.5", sizeof(dsn));
		res = 4;
	}
	if (res != 0 && list.n == 0) {
		for (i = 0; i < req->nrcpt; i++)
			done(req, &req->rcpt[i], res, dsn, "none", why.s);
		if (res == 4)
			req->dead = xstrdup(why.s);
		smtp_addr_free(&list);
		str_free(&why);
		free(lastrelay);
		return;
	}
	if (res == 0)
		str_reset(&why);
	else
		str_copy(lastdsn, dsn, sizeof(lastdsn));
	memset(&m, 0, sizeof(m));
	m.sender = msg->sender;
	m.size = msg->size;
	m.envid = msg->envid;
	m.ret = msg->ret;
	m.eightbit = msg->eightbit;	/* declared, or cleanup saw 8 bits */
	m.smtputf8 = msg->smtputf8;
	m.ctx = msg;
	m.rewind = msg_rewind;
	m.line = msg_line;
	pend = xcalloc(req->nrcpt, sizeof(*pend));
	r = xcalloc(req->nrcpt, sizeof(*r));
	map = xcalloc(req->nrcpt, sizeof(*map));
	smtp_sess_init(&s, lmtp);
	s.nexthop = req->nexthop;
	s.loop_detect = !lmtp;
	for (i = 0; i < list.n; i++) {
		for (nopen = 0, j = 0; j < req->nrcpt; j++)
			if (req->rcpt[j].status == AGENT_NONE) {
				struct agent_rcpt *p = &req->rcpt[j];

				smtp_rcpt_init(&r[nopen], p->addr);
				r[nopen].orcpt = p->orcpt;
				r[nopen].notify = p->notify;
				map[nopen++] = j;
			}
		if (nopen == 0)
			break;
		if (slimit > 0 && sessions >= slimit)
			break;
		if (smtp_connect(&s, &list.v[i]) < 0) {
			if (i + 1 < list.n)
				info("%s: %s", req->queue_id, s.why.s);
			str_set(&why, s.why.s);
			str_copy(lastdsn, s.dsn, sizeof(lastdsn));
			free(lastrelay);
			lastrelay = xstrdup("none");
			goto next;
		}
		if (req->conn.tv_sec == 0)
			gettimeofday(&req->conn, NULL);
		if (smtp_greet(&s, &list.v[i]) < 0) {
			answered |= s.answered;
			str_set(&why, s.why.s);
			str_copy(lastdsn, s.dsn, sizeof(lastdsn));
			free(lastrelay);
			lastrelay = xstrdup(s.relay);
			if (s.status == 5) {
				/* a hard refusal ends the delivery */
				for (k = 0; k < nopen; k++)
					done(req, &req->rcpt[map[k]], 5,
					    s.dsn, s.relay, s.why.s);
				smtp_quit(&s);
				smtp_close(&s);
				goto next;
			}
			if (i + 1 < list.n)
				info("%s: %s", req->queue_id, s.why.s);
			smtp_quit(&s);
			smtp_close(&s);
			goto next;
		}
		if (smtp_auth(&s, req->nexthop, msg->sender) < 0) {
			/* SASL failed: defer, try the next server address */
			answered = 1;
			str_set(&why, s.why.s);
			str_copy(lastdsn, s.dsn, sizeof(lastdsn));
			free(lastrelay);
			lastrelay = xstrdup(s.relay);
			if (i + 1 < list.n)
				info("%s: %s", req->queue_id, s.why.s);
			smtp_quit(&s);
			smtp_close(&s);
			goto next;
		}
		answered = 1;
		sessions++;
		final = i + 1 == list.n || (slimit > 0 && sessions >= slimit);
		if (smtp_xfer(&s, &m, r, nopen) < 0) {
			str_set(&why, s.why.s);
			str_copy(lastdsn, s.dsn, sizeof(lastdsn));
			free(lastrelay);
			lastrelay = xstrdup(s.relay);
		}
		for (k = 0; k < nopen; k++) {
			struct agent_rcpt *p = &req->rcpt[map[k]];

			if (r[k].status == 2 || r[k].status == 5 ||
			    (r[k].status == 4 && final))
				done(req, p, r[k].status, r[k].dsn, s.relay,
				    r[k].reason.s);
			else if (r[k].status == 4)
				keep(&pend[map[k]], r[k].dsn, s.relay,
				    r[k].reason.s);
		}
		smtp_quit(&s);
		smtp_close(&s);
next:
		for (k = 0; k < nopen; k++)
			smtp_rcpt_free(&r[k]);
	}
	/* what is still open is deferred with the last reason it got */
	for (j = 0; j < req->nrcpt; j++) {
		if (req->rcpt[j].status != AGENT_NONE)
			continue;
		if (pend[j].status)
			done(req, &req->rcpt[j], 4, pend[j].dsn, pend[j].relay,
			    pend[j].why);
		else
			done(req, &req->rcpt[j], 4, lastdsn, lastrelay,
			    why.len ? why.s : "no server to try");
	}
	if (!answered && why.len)
		req->dead = xstrdup(why.s);
	for (j = 0; j < req->nrcpt; j++) {
		free(pend[j].relay);
		free(pend[j].why);
	}
	free(pend);
	free(r);
	free(map);
	free(lastrelay);
	smtp_sess_free(&s);
	smtp_addr_free(&list);
	str_free(&why);
}

/* smtp_main - the SMTP delivery agent */
int
smtp_main(int argc, char **argv)
{
	lmtp = 0;
	agent_init_hook = smtp_sasl_open;
	return agent_main(argc, argv, 0, deliver);
}

/* lmtp_main - the LMTP delivery agent */
int
lmtp_main(int argc, char **argv)
{
	lmtp = 1;
	/* lmtp_* as Postfix's lmtp; where smtp says helo_, lmtp says lhlo_ */
	conf_alias_prefix("smtp_", "lmtp_");
	conf_alias_prefix("smtp_helo_", "lmtp_lhlo_");
	agent_init_hook = smtp_sasl_open;
	return agent_main(argc, argv, 0, deliver);
}
