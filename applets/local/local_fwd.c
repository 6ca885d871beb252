/* MIT licence: see LICENSE. */
/*
 * local_fwd.c - mail that an alias, .forward or :include: file sends on
 * to other addresses: resubmitted through cleanup as a new message (one
 * per envelope sender), with Delivered-To: prepended so that a loop is
 * seen when the copy comes back.  Each address is logged "forwarded as
 * NEWID", as Postfix does.  The sender is the original one, or
 * owner-NAME@$myorigin for an alias with an owner- alias.
 *
 * Runs in local(8) (as root or as the user that started it); cleanup is
 * reached through lib/queue/submit.c.  Man page: local(8).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../../lib/conf.h"
#include "../../lib/log.h"
#include "../../lib/queue/agent.h"
#include "../../lib/queue/queue.h"
#include "../../lib/queue/submit.h"
#include "../../lib/str.h"
#include "../../lib/x.h"
#include "local.h"

/* local_forward - remember a's address for resubmission */
void
local_forward(struct local_ctx *c, const struct local_attr *a)
{
	struct local_fwd *f;
	size_t i;

	for (i = 0; i < c->nfwd; i++)
		if (strcmp(c->fwd[i].addr, a->addr) == 0 &&
		    strcmp(c->fwd[i].sender, a->sender) == 0)
			return;
	c->fwd = xreallocarray(c->fwd, c->nfwd + 1, sizeof(*c->fwd));
	f = &c->fwd[c->nfwd++];
	f->sender = xstrdup(a->sender);
	f->addr = xstrdup(a->addr);
	f->delivered = xstrdup(a->delivered ? a->delivered : a->addr);
	f->notify = a->notify;
	f->owner = strcmp(a->sender, c->msg->sender) != 0;
}

/* one message for the entries [beg, end) that share a sender */
static void
submit_group(struct local_ctx *c, size_t beg, size_t end)
{
	struct submit *s;
	struct str err = STR_INIT, line = STR_INIT, ans = STR_INIT;
	struct local_attr a;
	struct local_fwd *f = &c->fwd[beg];
	const char *v;
	char buf[64];
	size_t i;
	int code, r, st;

	str_init(&err);
	str_init(&line);
	str_init(&ans);
	memset(&a, 0, sizeof(a));
	if ((s = submit_open(SUBMIT_CLEANUP, &err)) == NULL) {
		warn("%s: cannot forward: %s", c->req->queue_id, err.s);
		code = 4;
		str_set(&ans, "4.3.0 mail system is down");
		goto result;
	}
	snprintf(buf, sizeof(buf), "%lld.%06ld",
	    (long long)c->req->arrival.tv_sec, (long)c->req->arrival.tv_usec);
	if (c->req->arrival.tv_sec)
		submit_recs(s, REC_TIME, buf);
	submit_recs(s, REC_FROM, f->sender);
	if (!f->owner) {
		/* an alias passes on the DSN envelope; a list does not */
		if ((v = agent_msg_attr(c->msg, ATTR_DSN_ENVID)) != NULL)
			submit_recs(s, REC_ATTR, (str_reset(&line),
			    str_addf(&line, "%s=%s", ATTR_DSN_ENVID, v),
			    line.s));
		if ((v = agent_msg_attr(c->msg, ATTR_DSN_RET)) != NULL)
			submit_recs(s, REC_ATTR, (str_reset(&line),
			    str_addf(&line, "%s=%s", ATTR_DSN_RET, v),
			    line.s));
	}
	if ((v = agent_msg_attr(c->msg, ATTR_ENCODING)) != NULL)
		submit_recs(s, REC_ATTR, (str_reset(&line), str_addf(&line,
		    "%s=%s", ATTR_ENCODING, v), line.s));
	if ((v = agent_msg_attr(c->msg, ATTR_SMTPUTF8)) != NULL)
		submit_recs(s, REC_ATTR, (str_reset(&line), str_addf(&line,
		    "%s=%s", ATTR_SMTPUTF8, v), line.s));
	for (i = beg; i < end; i++) {
		if (c->fwd[i].notify && !c->fwd[i].owner) {
			snprintf(buf, sizeof(buf), "%d", c->fwd[i].notify);
			submit_recs(s, REC_NOTIFY, buf);
		}
		submit_recs(s, REC_RCPT, c->fwd[i].addr);
	}
	if (local_dh_mask() & LOCAL_DH_FORWARD) {
		str_reset(&line);
		str_addf(&line, "Delivered-To: %s", f->delivered);
		str_lcase(line.s);
		memcpy(line.s, "Delivered-To", 12);
		submit_line(s, line.s, line.len);
	}
	if (agent_msg_rewind(c->msg) < 0) {
		submit_abort(s);
		code = 4;
		str_set(&ans, "4.3.0 error reading queue file");
		goto result;
	}
	while ((r = agent_msg_line(c->msg, &line)) == 1)
		submit_line(s, line.s, line.len);
	if (r < 0) {
		submit_abort(s);
		code = 4;
		str_set(&ans, "4.3.0 error reading queue file");
		goto result;
	}
	code = submit_close(s, &ans);
result:
	for (i = beg; i < end; i++) {
		a.addr = c->fwd[i].addr;
		if (code == 0) {
			local_result(c, &a, AGENT_SENT, "2.0.0",
			    "forwarded as %s", ans.s);
			continue;
		}
		/* "X.Y.Z text" from cleanup */
		st = code == 5 ? AGENT_BOUNCE : AGENT_DEFER;
		v = strchr(ans.s, ' ');
		if (v && (size_t)(v - ans.s) < AGENT_DSN_MAX) {
			char dsn[AGENT_DSN_MAX];

			memcpy(dsn, ans.s, (size_t)(v - ans.s));
			dsn[v - ans.s] = 0;
			local_result(c, &a, st, dsn, "%s", v + 1);
		} else {
			local_result(c, &a, st, code == 5 ? "5.3.0" : "4.3.0",
			    "%s", ans.s);
		}
	}
	str_free(&err);
	str_free(&line);
	str_free(&ans);
}

/* local_forward_flush - resubmit what was collected, one per sender */
void
local_forward_flush(struct local_ctx *c)
{
	size_t i, j, beg;
	struct local_fwd t;

	/* group by sender, keeping the order within a group */
	for (i = 1; i < c->nfwd; i++)
		for (j = i; j > 0 && strcmp(c->fwd[j - 1].sender,
		    c->fwd[j].sender) > 0; j--) {
			t = c->fwd[j];
			c->fwd[j] = c->fwd[j - 1];
			c->fwd[j - 1] = t;
		}
	for (beg = 0; beg < c->nfwd; beg = i) {
		for (i = beg + 1; i < c->nfwd &&
		    strcmp(c->fwd[i].sender, c->fwd[beg].sender) == 0; i++)
			;
		submit_group(c, beg, i);
	}
	for (i = 0; i < c->nfwd; i++) {
		free(c->fwd[i].sender);
		free(c->fwd[i].addr);
		free(c->fwd[i].delivered);
	}
	free(c->fwd);
	c->fwd = NULL;
	c->nfwd = 0;
}
