/* MIT licence: see LICENSE. */
/*
 * check/rcpt.c - reject_unlisted_recipient / reject_unlisted_sender (the
 * recipient tables of each address class) and the SASL sender login
 * checks.  Runs inside smtpd, unprivileged.  Man page: access(5).
 */
#include <ctype.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>

#include "../../config.h"
#include "../conf.h"
#include "../dns.h"
#include "../inet.h"
#include "../log.h"
#include "../str.h"
#include "../table/maps.h"
#include "../x.h"
#include "int.h"

/* the local parts Postfix never rejects in local domains */
static int
exempt(const char *local)
{
	const char *db = conf_str(P_double_bounce_sender);

	return strcasecmp(local, db) == 0 ||
	    strcasecmp(local, "postmaster") == 0 ||
	    strcasecmp(local, "mailer-daemon") == 0;
}

static int
islocal_cb(const char *d, void *ctx)
{
	(void)ctx;
	return check_is_local_domain(d);
}

/* does the address match a table (virtual(5) order); -1 error */
static int
addr_in(struct maps *m, const char *addr)
{
	const char *v;

	if (m->n == 0)
		return 0;
	return maps_addr_find(m, addr, conf_str(P_recipient_delimiter),
	    islocal_cb, NULL, &v, NULL);
}

/*
 * check_rcpt_maps - reject_unlisted_recipient / _sender: an address in
 * a local, virtual or relay domain must be in its class's table.
 */
int
check_rcpt_maps(struct check_ctx *c, const char *addr, const char *rclass)
{
	struct check_resolved r;
	struct str full = STR_INIT;
	struct maps *m = NULL;
	const char *table = NULL;
	int code = 550, x, sender = strcmp(rclass, CHECK_NAME_SENDER) == 0;
	int status = CHECK_S_DUNNO;

	c->priv_rcptmap_checked = 1;
	if (check_resolve(c, addr, &r) < 0) {
		check_resolved_free(&r);
		return CHECK_S_REJECT;
	}
	str_init(&full);
	str_addf(&full, "%s@%s", r.local.s, r.domain.s);
	if ((x = addr_in(check_S.rcpt_canon, full.s)) == 0 &&
	    (x = addr_in(check_S.canon, full.s)) == 0)
		x = addr_in(check_S.valias, full.s);
	if (x < 0) {
		status = check_dict_retry(c, addr);
		goto out;
	}
	if (x > 0)
		goto out;
	switch (r.class) {
	case CHECK_CLASS_ALIAS:
		status = check_reject(c, 0,
		    (int)conf_int(P_unknown_virtual_alias_reject_code),
		    sender ? "5.1.0" : "5.1.1",
		    "<%s>: %s rejected: User unknown%s", addr, rclass,
		    conf_bool(P_show_user_unknown_table_name) ?
		    " in virtual alias table" : "");
		goto out;
	case CHECK_CLASS_LOCAL:
		if (exempt(r.local.s))
			goto out;
		m = check_S.local_rcpt;
		table = " in local recipient table";
		code = (int)conf_int(P_unknown_local_recipient_reject_code);
		break;
	case CHECK_CLASS_VIRTUAL:
		m = check_S.vmbox;
		table = " in virtual mailbox table";
		code = (int)conf_int(P_unknown_virtual_mailbox_reject_code);
		break;
	case CHECK_CLASS_RELAY:
		m = check_S.relay_rcpt;
		table = " in relay recipient table";
		code = (int)conf_int(P_unknown_relay_recipient_reject_code);
		break;
	default:
		goto out;
	}
	if (m->n == 0)
		goto out;
	if ((x = addr_in(m, full.s)) < 0)
		status = check_dict_retry(c, addr);
	else if (x == 0)
		status = check_reject(c, 0, code, sender ? "5.1.0" : "5.1.1",
		    "<%s>: %s rejected: User unknown%s", addr, rclass,
		    conf_bool(P_show_user_unknown_table_name) ? table : "");
out:
	str_free(&full);
	check_resolved_free(&r);
	return status;
}

/* reject_*_sender_login_mismatch */
static int
login_mismatch(struct check_ctx *c, int authenticated)
{
	struct check_resolved r;
	struct str full = STR_INIT;
	const char *owners = NULL;
	char *copy, *cp, *n;
	int x, own = 0, status = CHECK_S_DUNNO;
	int authed = c->sasl_username && *c->sasl_username;

	if (!c->sender || !*c->sender || authed != authenticated)
		return CHECK_S_DUNNO;
	if (check_resolve(c, c->sender, &r) < 0) {
		check_resolved_free(&r);
		return CHECK_S_REJECT;
	}
	str_init(&full);
	str_addf(&full, "%s@%s", r.local.s, r.domain.s);
	x = check_S.login->n ? maps_addr_find(check_S.login, full.s,
	    conf_str(P_recipient_delimiter), islocal_cb, NULL, &owners,
	    NULL) : 0;
	if (x < 0) {
		status = check_dict_retry(c, c->sender);
	} else if (authenticated) {
		cp = copy = xstrdup(x > 0 ? owners : "");
		while (!own && (n = str_token(&cp, SEPARATORS)) != NULL)
			own = strcasecmp(n, c->sasl_username) == 0;
		free(copy);
		if (!own)
			status = check_reject(c, 0, 553, "5.7.1",
			    "<%s>: Sender address rejected: not owned by "
			    "user %s", c->sender, c->sasl_username);
	} else if (x > 0) {
		status = check_reject(c, 0, 553, "5.7.1",
		    "<%s>: Sender address rejected: not logged in", c->sender);
	}
	str_free(&full);
	check_resolved_free(&r);
	return status;
}


/*
 * check_r_unlisted - reject_unlisted_sender, reject_unlisted_recipient:
 * once per address (smtpd_reject_unlisted_* may have looked already)
 */
int
check_r_unlisted(struct check_ctx *c, const struct check_call *a)
{
	const char *rclass, *addr = check_subject(c, a->how, &rclass);

	if (c->priv_rcptmap_checked)
		return CHECK_S_DUNNO;
	return check_rcpt_maps(c, addr, rclass);
}

/*
 * check_r_login_mismatch - reject_unauthenticated_sender_login_mismatch
 * (how 0), reject_authenticated_sender_login_mismatch (1),
 * reject_sender_login_mismatch (2: both)
 */
int
check_r_login_mismatch(struct check_ctx *c, const struct check_call *a)
{
	int status;

	if (a->how != 2)
		return login_mismatch(c, a->how);
	if ((status = login_mismatch(c, 1)) == CHECK_S_DUNNO)
		status = login_mismatch(c, 0);
	return status;
}
