/* MIT licence: see LICENSE. */
/*
 * check/check.c - smtpd's restrictions, evaluated as Postfix's smtpd_check.c
 * does: the smtpd_*_restrictions lists, smtpd_delay_reject, restriction
 * classes, DEFER_IF_PERMIT/DEFER_IF_REJECT, warn_if_reject, and the
 * reply texts and log lines.  Runs inside smtpd, unprivileged; the tables
 * are opened by check_setup() before privileges are dropped.  The
 * evaluator and its table of restrictions are in eval.c.  Man page:
 * access(5).
 */
#include <ctype.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "../../config.h"
#include "../conf.h"
#include "../log.h"
#include "../str.h"
#include "../table/maps.h"
#include "../x.h"
#include "int.h"

struct check_setup_state check_S;

/* split a restriction list into words; { braces } hold together */
void
check_rlist_parse(struct check_rlist *l, const char *text)
{
	char *copy, *cp, *w;

	l->n = 0;
	l->v = NULL;
	cp = copy = xstrdup(text ? text : "");
	while ((w = match_next(&cp)) != NULL) {
		l->v = xreallocarray(l->v, l->n + 2, sizeof(*l->v));
		l->v[l->n++] = xstrdup(w);
		l->v[l->n] = NULL;
	}
	free(copy);
}

void
check_rlist_free(struct check_rlist *l)
{
	size_t i;

	for (i = 0; i < l->n; i++)
		free(l->v[i]);
	free(l->v);
	l->v = NULL;
	l->n = 0;
}

/* check_table - the access table type:name, opened on first use */
struct maps *
check_table(const char *spec)
{
	size_t i;

	for (i = 0; i < check_S.ntab; i++)
		if (strcmp(check_S.tab[i].spec, spec) == 0)
			return check_S.tab[i].m;
	check_S.tab = xreallocarray(check_S.tab, check_S.ntab + 1,
	    sizeof(*check_S.tab));
	check_S.tab[check_S.ntab].spec = xstrdup(spec);
	check_S.tab[check_S.ntab].m = maps_open(spec, spec, DICT_FOLD);
	return check_S.tab[check_S.ntab++].m;
}

/* open the tables a list names, skipping policy server addresses */
static void
open_tables(const struct check_rlist *l)
{
	const struct check_restriction *e;
	size_t i;

	for (i = 0; i < l->n; i++) {
		if ((e = check_restriction_find(l->v[i])) != NULL &&
		    (e->flags & CHECK_A_SERVICE)) {
			i++;
			continue;
		}
		if (strchr(l->v[i], ':') && l->v[i][0] != '[')
			(void)check_table(l->v[i]);
	}
}

/* a restriction list of the class name, or NULL */
const struct check_rlist *
check_class_find(const char *name)
{
	size_t i;

	for (i = 0; i < check_S.ncls; i++)
		if (strcmp(check_S.cls[i].name, name) == 0)
			return &check_S.cls[i].list;
	return NULL;
}

/* Postfix's has_required(): does the list reject by default somewhere */
static int
has_required(const struct check_rlist *l, int depth)
{
	const struct check_restriction *e;
	const struct check_rlist *cl;
	size_t i;

	if (depth > 100)
		return 0;
	for (i = 0; i < l->n; i++) {
		if (strcmp(l->v[i], "warn_if_reject") == 0 && i + 1 < l->n) {
			i++;
			continue;
		}
		/* Postfix compares these names case-sensitively */
		if ((e = check_restriction_find(l->v[i])) != NULL &&
		    (e->flags & CHECK_REQUIRED) &&
		    strcmp(e->name, l->v[i]) == 0)
			return 1;
		if ((cl = check_class_find(l->v[i])) != NULL &&
		    has_required(cl, depth + 1))
			return 1;
	}
	return 0;
}

static struct maps *
param_maps(const char *name)
{
	return maps_open(name, conf_get(name), DICT_FOLD);
}

/*
 * check_setup - parse the restriction lists and classes and open every
 * table they and the recipient checks use.  Once per process; 0, or -1
 * when the configuration is unusable (logged; the stages then answer
 * 451 4.3.5).
 */
int
check_setup(void)
{
	static const char *params[CHECK_NLISTS] = {
		"smtpd_client_restrictions", "smtpd_helo_restrictions",
		"smtpd_sender_restrictions", "smtpd_relay_restrictions",
		"smtpd_recipient_restrictions", "smtpd_data_restrictions",
		"smtpd_end_of_data_restrictions", "smtpd_etrn_restrictions",
	};
	char *copy, *cp, *name;
	const char *val;
	size_t i;

	if (check_S.ready)
		return check_S.broken ? -1 : 0;
	check_S.ready = 1;
	check_addr_setup();
	for (i = 0; i < CHECK_NLISTS; i++) {
		check_rlist_parse(&check_S.list[i], conf_get(params[i]));
		open_tables(&check_S.list[i]);
	}
	cp = copy = xstrdup(conf_str(P_smtpd_restriction_classes));
	while ((name = str_token(&cp, SEPARATORS)) != NULL) {
		if ((val = conf_get(name)) == NULL || *val == 0) {
			error("restriction class `%s' needs a definition",
			    name);
			check_S.broken = 1;
			continue;
		}
		check_S.cls = xreallocarray(check_S.cls, check_S.ncls + 1,
		    sizeof(*check_S.cls));
		check_S.cls[check_S.ncls].name = xstrdup(name);
		check_rlist_parse(&check_S.cls[check_S.ncls].list, val);
		open_tables(&check_S.cls[check_S.ncls++].list);
	}
	free(copy);
	if (!has_required(&check_S.list[CHECK_L_RELAY], 0) &&
	    !has_required(&check_S.list[CHECK_L_RCPT], 0)) {
		error("in parameters smtpd_relay_restrictions and "
		    "smtpd_recipient_restrictions, specify at least one "
		    "working instance of: reject_unauth_destination, "
		    "defer_unauth_destination, reject, defer, "
		    "defer_if_permit or check_relay_domains");
		check_S.broken = 1;
	}
	check_S.parent = match_parent_style("smtpd_access_maps",
	    conf_str(P_parent_domain_matches_subdomains)) ? MAPS_PARENT : 0;
	check_S.local_rcpt = param_maps("local_recipient_maps");
	check_S.valias = param_maps("virtual_alias_maps");
	check_S.vmbox = param_maps("virtual_mailbox_maps");
	check_S.relay_rcpt = param_maps("relay_recipient_maps");
	check_S.canon = param_maps("canonical_maps");
	check_S.rcpt_canon = param_maps("recipient_canonical_maps");
	check_S.rbl_reply = param_maps("rbl_reply_maps");
	check_S.login = param_maps("smtpd_sender_login_maps");
	return check_S.broken ? -1 : 0;
}

static void
cache_clear(struct check_ctx *c)
{
	size_t i;

	for (i = 0; i < 3; i++)
		c->priv_cache[i].done = c->priv_cache[i].dip = 0;
}

/* check_init - a new session */
void
check_init(struct check_ctx *c)
{
	(void)check_setup();
	memset(c, 0, sizeof(*c));
	str_init(&c->prepend);
	str_init(&c->priv_dip.reason);
	str_init(&c->priv_dir.reason);
	str_init(&c->priv_text);
	str_init(&c->priv_namaddr);
}

/* check_reset_message - forget the message: after RSET, HELO, a message */
void
check_reset_message(struct check_ctx *c)
{
	c->hold = 0;
	c->discard = 0;
	free(c->hold_reason);
	free(c->discard_reason);
	free(c->filter);
	free(c->redirect);
	c->hold_reason = c->discard_reason = c->filter = c->redirect = NULL;
	str_reset(&c->prepend);
	c->priv_dip.active = 0;
	c->priv_dir.active = 0;
	cache_clear(c);
}

/* check_free - the end of the session */
void
check_free(struct check_ctx *c)
{
	check_reset_message(c);
	str_free(&c->prepend);
	str_free(&c->priv_dip.reason);
	str_free(&c->priv_dir.reason);
	str_free(&c->priv_text);
	str_free(&c->priv_namaddr);
}

static const char *
where(const struct check_ctx *c)
{
	switch (c->priv_stage) {
	case CHECK_CONNECT:
		return "CONNECT";
	case CHECK_HELO:
		return c->protocol && strncasecmp(c->protocol, "ESMTP", 5) == 0 ?
		    "EHLO" : "HELO";
	case CHECK_MAIL:
		return "MAIL";
	case CHECK_DATA:
		return "DATA";
	case CHECK_EOD:
		return "END-OF-MESSAGE";
	case CHECK_VRFY:
		return "VRFY";
	case CHECK_ETRN:
		return "ETRN";
	default:
		return "RCPT";
	}
}

/* check_namaddr - "name[addr]" as Postfix's state->namaddr */
const char *
check_namaddr(struct check_ctx *c)
{
	str_reset(&c->priv_namaddr);
	str_addf(&c->priv_namaddr, "%s[%s]",
	    c->client_name && *c->client_name ? c->client_name : "unknown",
	    c->client_addr ? c->client_addr : "unknown");
	return c->priv_namaddr.s;
}

/* check_log - Postfix's log_whatsup() */
void
check_log(struct check_ctx *c, const char *whatsup, const char *text)
{
	struct str b = STR_INIT;

	str_init(&b);
	str_addf(&b, "%s: %s: %s from %s: %s;",
	    c->queue_id ? c->queue_id : "NOQUEUE", whatsup, where(c),
	    check_namaddr(c), text);
	if (c->sender)
		str_addf(&b, " from=<%s>", c->sender);
	if (c->priv_recipient)
		str_addf(&b, " to=<%s>", c->priv_recipient);
	if (c->protocol)
		str_addf(&b, " proto=%s", c->protocol);
	if (c->helo_name)
		str_addf(&b, " helo=<%s>", c->helo_name);
	info("%s", b.s);
	str_free(&b);
}

/* a DSN detail code "d.ddd.ddd" */
static int
dsn_valid(const char *s)
{
	size_t n;

	if ((s[0] != '2' && s[0] != '4' && s[0] != '5') || s[1] != '.')
		return 0;
	s += 2;
	if ((n = strspn(s, "0123456789")) < 1 || n > 3 || s[n] != '.')
		return 0;
	s += n + 1;
	if ((n = strspn(s, "0123456789")) < 1 || n > 3)
		return 0;
	return s[n] == 0 || s[n] == ' ';
}

/*
 * check_reject - Postfix's smtpd_check_reject(): format "code dsn text"
 * into c->priv_text, apply warn_if_reject, DEFER_IF_REJECT and
 * soft_bounce, log it.  CHECK_S_REJECT, or CHECK_S_DUNNO when only
 * warning.  software: a configuration error (never a warning only).
 */
int
check_reject(struct check_ctx *c, int software, int code, const char *dsn,
    const char *fmt, ...)
{
	va_list ap;
	char *p;
	int wir = c->priv_warn_if_reject && !software;

	str_reset(&c->priv_text);
	str_addf(&c->priv_text, "%d %s ", code, dsn);
	va_start(ap, fmt);
	str_vaddf(&c->priv_text, fmt, ap);
	va_end(ap);
	if (code < 400 || code > 599) {
		warn("SMTP reply code configuration error: %s",
		    c->priv_text.s);
		str_set(&c->priv_text, "450 4.7.1 Service unavailable");
	}
	if (!dsn_valid(c->priv_text.s + 4)) {
		warn("DSN detail code configuration error: %s",
		    c->priv_text.s);
		str_set(&c->priv_text, "450 4.7.1 Service unavailable");
	}
	if (c->priv_text.len > 510)
		str_trunc(&c->priv_text, 510);
	for (p = c->priv_text.s; *p; p++)
		if (!isprint((unsigned char)*p) && (unsigned char)*p < 0x80)
			*p = ' ';
	if (!wir && c->priv_dir.active && c->priv_text.s[0] == '5') {
		c->priv_warn_if_reject = c->priv_dir.active = 0;
		return check_reject(c, software, c->priv_dir.code,
		    c->priv_dir.dsn, "%s", c->priv_dir.reason.s);
	}
	if (conf_bool(P_soft_bounce) && c->priv_text.s[0] == '5')
		c->priv_text.s[0] = '4';
	c->priv_text.s[4] = c->priv_text.s[0];
	check_log(c, wir ? "reject_warning" : "reject", c->priv_text.s);
	return wir ? CHECK_S_DUNNO : CHECK_S_REJECT;
}

/* check_config_error - 451 4.3.5 and stop evaluating (Postfix longjmp) */
int
check_config_error(struct check_ctx *c)
{
	(void)check_reject(c, 1, 451, "4.3.5", "Server configuration error");
	c->priv_abort = 1;
	return CHECK_S_REJECT;
}

/* check_dict_retry - 451 4.3.0 <name>: Temporary lookup failure, stop */
int
check_dict_retry(struct check_ctx *c, const char *name)
{
	(void)check_reject(c, 1, 451, "4.3.0", "<%s>: Temporary lookup failure",
	    name);
	c->priv_abort = 1;
	return CHECK_S_REJECT;
}

/* Postfix's defer_if(): remember the first reason */
static void
vdefer_if(struct check_defer *d, int code, const char *dsn, const char *fmt,
    va_list ap)
{
	if (d->active)
		return;
	d->active = 1;
	d->code = code;
	str_copy(d->dsn, dsn, sizeof(d->dsn));
	str_reset(&d->reason);
	str_vaddf(&d->reason, fmt, ap);
}

/* check_defer_if_permit - DEFER_IF_PERMIT (a reject when warning only) */
void
check_defer_if_permit(struct check_ctx *c, int code, const char *dsn,
    const char *fmt, ...)
{
	struct str t = STR_INIT;
	va_list ap;

	va_start(ap, fmt);
	if (c->priv_warn_if_reject == 0) {
		vdefer_if(&c->priv_dip, code, dsn, fmt, ap);
	} else {
		str_init(&t);
		str_vaddf(&t, fmt, ap);
		(void)check_reject(c, 0, code, dsn, "%s", t.s);
		str_free(&t);
	}
	va_end(ap);
}

/* check_defer_if_reject - DEFER_IF_REJECT */
void
check_defer_if_reject(struct check_ctx *c, int code, const char *dsn,
    const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vdefer_if(&c->priv_dir, code, dsn, fmt, ap);
	va_end(ap);
}

/* a whole list, as one of Postfix's smtpd_check_*() drivers */
static int
run(struct check_ctx *c, int l, const char *name, const char *class,
    const char *def_acl)
{
	c->priv_recursion = 0;
	c->priv_warn_if_reject = 0;
	c->priv_dir.active = 0;
	c->priv_abort = 0;
	if (check_S.list[l].n == 0)
		return CHECK_S_DUNNO;
	return check_generic(c, &check_S.list[l], name, class, def_acl);
}

/* DEFER_IF_PERMIT raised and nothing rejected: defer now */
static int
dip_final(struct check_ctx *c, int status)
{
	if (status != CHECK_S_REJECT && c->priv_dip.active)
		status = check_reject(c, 0, c->priv_dip.code, c->priv_dip.dsn,
		    "%s", c->priv_dip.reason.s);
	return status;
}

/*
 * One of the client/helo/sender stages.  As in Postfix, they run again
 * for each RCPT under smtpd_delay_reject (their lists may look at the
 * recipient); each remembers whether it raised DEFER_IF_PERMIT.
 */
static int
early(struct check_ctx *c, int which)
{
	struct check_cache *k = &c->priv_cache[which];
	int status;

	if (which == 0 && (c->client_name == NULL || c->client_addr == NULL))
		return CHECK_S_DUNNO;
	if ((which == 1 && c->helo_name == NULL) ||
	    (which == 2 && c->sender == NULL))
		return CHECK_S_DUNNO;
	c->priv_dip.active = which == 0 ? 0 : which == 1 ?
	    c->priv_cache[0].dip : c->priv_cache[0].dip | c->priv_cache[1].dip;
	if (which == 0) {
		status = run(c, CHECK_L_CLIENT, check_namaddr(c),
		    CHECK_NAME_CLIENT, "check_client_access");
	} else if (which == 1) {
		status = run(c, CHECK_L_HELO, c->helo_name, CHECK_NAME_HELO,
		    "check_helo_access");
	} else {
		c->priv_rcptmap_checked = 0;
		status = run(c, CHECK_L_SENDER, c->sender, CHECK_NAME_SENDER,
		    "check_sender_access");
		if (conf_bool(P_smtpd_reject_unlisted_sender) &&
		    status != CHECK_S_REJECT && !c->priv_rcptmap_checked &&
		    !c->discard && *c->sender)
			status = check_rcpt_maps(c, c->sender,
			    CHECK_NAME_SENDER);
		c->priv_rcptmap_checked = 0;
	}
	k->done = 1;
	k->dip = c->priv_dip.active;
	return status == CHECK_S_REJECT ? CHECK_S_REJECT : CHECK_S_DUNNO;
}

static int
rcpt(struct check_ctx *c)
{
	int status, delay = conf_bool(P_smtpd_delay_reject);
	size_t i;

	if (c->recipient == NULL || strcasecmp(c->recipient, "postmaster") == 0)
		return CHECK_S_DUNNO;
	if (c->discard)
		return CHECK_S_DUNNO;
	c->priv_recipient = c->recipient;
	c->priv_rcptmap_checked = 0;
	if (delay)
		for (i = 0; i < 3; i++)
			if (early(c, (int)i) == CHECK_S_REJECT)
				return CHECK_S_REJECT;
	c->priv_dip.active = c->priv_cache[0].dip | c->priv_cache[1].dip |
	    c->priv_cache[2].dip;
	status = run(c, CHECK_L_RELAY, c->recipient, CHECK_NAME_RECIPIENT,
	    "check_recipient_access");
	if (status != CHECK_S_REJECT && !c->priv_abort && !c->discard)
		status = run(c, CHECK_L_RCPT, c->recipient,
		    CHECK_NAME_RECIPIENT, "check_recipient_access");
	if (c->priv_abort)
		return CHECK_S_REJECT;
	status = dip_final(c, status);
	if (conf_bool(P_smtpd_reject_unlisted_recipient) &&
	    status != CHECK_S_REJECT && !c->priv_rcptmap_checked &&
	    !c->discard && *c->recipient)
		status = check_rcpt_maps(c, c->recipient, CHECK_NAME_RECIPIENT);
	return status;
}

/* DATA and END-OF-DATA: the recipient is logged only when alone */
static int
data(struct check_ctx *c, int l, const char *name, const char *class)
{
	int status;

	if (c->discard)
		return CHECK_S_DUNNO;
	c->priv_recipient = c->rcpt_count > 1 ? NULL : c->recipient;
	c->priv_dip.active = 0;
	status = run(c, l, name, class, NULL);
	if (c->priv_abort)
		return CHECK_S_REJECT;
	return dip_final(c, status);
}

/*
 * check_stage - apply the restrictions of a protocol stage; CHECK_OK, or
 * CHECK_DEFER/CHECK_REJECT with the whole reply line in reply.
 */
int
check_stage(struct check_ctx *c, enum check_stage stage, struct str *reply)
{
	int status = CHECK_S_DUNNO, delay;

	str_reset(reply);
	c->priv_stage = stage;
	c->priv_recipient = NULL;
	c->priv_abort = 0;
	if (check_setup() < 0) {
		(void)check_config_error(c);
		status = CHECK_S_REJECT;
		goto out;
	}
	delay = conf_bool(P_smtpd_delay_reject);
	switch (stage) {
	case CHECK_CONNECT:
		if (!delay)
			status = early(c, 0);
		break;
	case CHECK_HELO:
		if (!delay)
			status = dip_final(c, early(c, 1));
		break;
	case CHECK_MAIL:
		if (conf_bool(P_smtpd_helo_required) && c->helo_name == NULL) {
			str_set(&c->priv_text,
			    "503 5.5.1 Error: send HELO/EHLO first");
			check_log(c, "reject", c->priv_text.s);
			status = CHECK_S_REJECT;
			break;
		}
		if (!delay)
			status = early(c, 2);
		break;
	case CHECK_RCPT:
	case CHECK_VRFY:
		status = rcpt(c);
		break;
	case CHECK_ETRN:
		if (conf_bool(P_smtpd_helo_required) && c->helo_name == NULL) {
			str_set(&c->priv_text,
			    "503 5.5.1 Error: send HELO/EHLO first");
			status = CHECK_S_REJECT;
			break;
		}
		if (c->etrn_domain == NULL)
			break;
		if (delay && (early(c, 0) == CHECK_S_REJECT ||
		    early(c, 1) == CHECK_S_REJECT)) {
			status = CHECK_S_REJECT;
			break;
		}
		c->priv_dip.active = c->priv_cache[0].dip |
		    c->priv_cache[1].dip;
		status = run(c, CHECK_L_ETRN, c->etrn_domain, CHECK_NAME_ETRN,
		    "check_etrn_access");
		status = c->priv_abort ? CHECK_S_REJECT : dip_final(c, status);
		break;
	case CHECK_DATA:
		status = data(c, CHECK_L_DATA, "DATA", CHECK_NAME_DATA);
		break;
	case CHECK_EOD:
		status = data(c, CHECK_L_EOD, "END-OF-DATA", CHECK_NAME_EOD);
		break;
	default:
		break;
	}
out:
	c->priv_recipient = NULL;
	if (status != CHECK_S_REJECT)
		return CHECK_OK;
	str_set(reply, c->priv_text.s);
	return reply->s[0] == '4' ? CHECK_DEFER : CHECK_REJECT;
}
