/* MIT licence: see LICENSE. */
/*
 * check/rest.c - the restrictions on the client, the HELO name and the
 * addresses (permit_mynetworks, reject_unknown_client_hostname,
 * reject_invalid_helo_hostname, reject_unauth_destination,
 * reject_non_fqdn_*, reject_unknown_*_domain, ...), as Postfix's
 * smtpd_check.c has them, texts included; eval.c's table names them.
 * Runs inside smtpd, unprivileged.  Man page: access(5).
 */
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "../../config.h"
#include "../conf.h"
#include "../dns.h"
#include "../inet.h"
#include "../log.h"
#include "../str.h"
#include "../x.h"
#include "int.h"

/* permit_auth_destination(): OK or DUNNO (REJECT on table failure) */
static int
auth_destination(struct check_ctx *c, const char *rcpt)
{
	struct check_resolved r;
	int status = CHECK_S_DUNNO;

	if (check_resolve(c, rcpt, &r) < 0)
		status = CHECK_S_REJECT;
	else if ((r.flags & CHECK_RES_ROUTED) &&
	    !conf_bool(P_allow_untrusted_routing))
		status = CHECK_S_DUNNO;
	else if (r.class == CHECK_CLASS_LOCAL || r.class == CHECK_CLASS_ALIAS ||
	    r.class == CHECK_CLASS_VIRTUAL || r.class == CHECK_CLASS_RELAY)
		status = CHECK_S_OK;
	check_resolved_free(&r);
	return status;
}

/* check_r_auth_destination - permit_auth_destination */
int
check_r_auth_destination(struct check_ctx *c, const struct check_call *a)
{
	(void)a;
	return auth_destination(c, c->priv_recipient);
}

/*
 * check_r_unauth_destination - reject_unauth_destination (how 0) and
 * defer_unauth_destination (how 1)
 */
int
check_r_unauth_destination(struct check_ctx *c, const struct check_call *a)
{
	const char *rcpt = c->priv_recipient;
	int status = auth_destination(c, rcpt), code, defer = a->how;

	if (status == CHECK_S_REJECT)
		return status;
	if (status == CHECK_S_OK)
		return CHECK_S_DUNNO;
	code = (int)conf_int(P_relay_domains_reject_code);
	if (defer)
		code = 400 + code % 100;
	return check_reject(c, 0, code, defer ? "4.7.1" : "5.7.1",
	    "<%s>: Relay access denied", rcpt);
}

/*
 * check_r_unknown_address - reject_unknown_sender_domain and
 * reject_unknown_recipient_domain (Postfix's reject_unknown_address()):
 * the domain has no A, AAAA or MX record
 */
int
check_r_unknown_address(struct check_ctx *c, const struct check_call *a)
{
	struct check_resolved r;
	const char *d, *dsn, *act, *rclass;
	const char *addr = check_subject(c, a->how, &rclass);
	int status = CHECK_S_DUNNO, dns;

	if (check_resolve(c, addr, &r) < 0) {
		check_resolved_free(&r);
		return CHECK_S_REJECT;
	}
	d = r.domain.s;
	dsn = strcmp(rclass, CHECK_NAME_SENDER) == 0 ? "4.1.8" : "4.1.2";
	if (r.class == CHECK_CLASS_LOCAL || r.class == CHECK_CLASS_ALIAS ||
	    r.class == CHECK_CLASS_VIRTUAL || *d == '[' || *d == 0)
		goto out;
	dns = dns_mailhost(d);
	if (dns == DNS_NOTFOUND) {
		status = check_reject(c, 0,
		    (int)conf_int(P_unknown_address_reject_code), dsn,
		    "<%s>: %s rejected: Domain not found", addr, rclass);
	} else if (dns == DNS_RETRY) {
		act = conf_str(P_unknown_address_tempfail_action);
		if (strcasecmp(act, "defer") == 0)
			status = check_reject(c, 0, 450, dsn,
			    "<%s>: %s rejected: Domain not found", addr,
			    rclass);
		else
			check_defer_if_permit(c, 450, dsn,
			    "<%s>: %s rejected: Domain not found", addr,
			    rclass);
	}
out:
	check_resolved_free(&r);
	return status;
}

/* a trailing dot, but not dot-dot, is cut (dup_if_truncate) */
static char *
truncdot(const char *name)
{
	size_t len = strlen(name);

	if (len > 1 && name[len - 1] == '.' && name[len - 2] != '.')
		return xstrndup(name, len - 1);
	return xstrdup(name);
}

static int
valid_hostaddr(const char *s)
{
	unsigned char a[INET_ADDR_LEN];
	int fam;

	return inet_addr_pton(s, &fam, a) == 0;
}

/* reject_invalid_hostaddr(): [1.2.3.4] forms */
static int
invalid_hostaddr(struct check_ctx *c, const char *addr, const char *rclass)
{
	struct str t = STR_INIT;
	int ok;

	str_init(&t);
	str_set(&t, addr);
	if (t.len > 2 && t.s[0] == '[' && t.s[t.len - 1] == ']')
		ok = check_literal_ok(t.s);
	else
		ok = valid_hostaddr(t.s);
	str_free(&t);
	if (ok)
		return CHECK_S_DUNNO;
	return check_reject(c, 0, (int)conf_int(P_invalid_hostname_reject_code),
	    "5.5.2", "<%s>: %s rejected: invalid ip address", addr, rclass);
}

/*
 * check_r_helo - reject_invalid_helo_hostname (how 0),
 * reject_non_fqdn_helo_hostname (1), reject_unknown_helo_hostname (2)
 */
int
check_r_helo(struct check_ctx *c, const struct check_call *a)
{
	const char *h = c->helo_name;
	char *t;
	int bad = 0, dns, what = a->how;

	if (*h == '[')
		return invalid_hostaddr(c, h, CHECK_NAME_HELO);
	t = truncdot(h);
	if (what == 0)
		bad = !check_valid_hostname(t) && !valid_hostaddr(t);
	else if (what == 1)
		bad = !check_valid_hostname(t) || strchr(t, '.') == NULL;
	free(t);
	if (what == 0 && bad)
		return check_reject(c, 0,
		    (int)conf_int(P_invalid_hostname_reject_code), "5.5.2",
		    "<%s>: %s rejected: Invalid name", h, CHECK_NAME_HELO);
	if (what == 1 && bad)
		return check_reject(c, 0, (int)conf_int(P_non_fqdn_reject_code),
		    "5.5.2", "<%s>: %s rejected: need fully-qualified hostname",
		    h, CHECK_NAME_HELO);
	if (what == 2) {
		dns = dns_mailhost(h);
		if (dns == DNS_NOTFOUND)
			return check_reject(c, 0,
			    (int)conf_int(P_unknown_hostname_reject_code),
			    "4.7.1", "<%s>: %s rejected: Host not found", h,
			    CHECK_NAME_HELO);
		if (dns == DNS_RETRY && strcasecmp(conf_str(
		    P_unknown_helo_hostname_tempfail_action), "defer") == 0)
			return check_reject(c, 0, 450, "4.7.1",
			    "<%s>: %s rejected: Host not found", h,
			    CHECK_NAME_HELO);
		if (dns == DNS_RETRY)
			check_defer_if_permit(c, 450, "4.7.1",
			    "<%s>: %s rejected: Host not found", h,
			    CHECK_NAME_HELO);
	}
	return CHECK_S_DUNNO;
}

/*
 * check_r_non_fqdn - reject_non_fqdn_sender and reject_non_fqdn_recipient
 * (Postfix's reject_non_fqdn_address())
 */
int
check_r_non_fqdn(struct check_ctx *c, const struct check_call *a)
{
	const char *rclass, *addr = check_subject(c, a->how, &rclass);
	const char *d = strrchr(addr, '@');
	char *t;
	int bad;

	d = d ? d + 1 : "";
	if (d[0] == '[' && d[strlen(d) - 1] == ']')
		return CHECK_S_DUNNO;
	t = truncdot(d);
	bad = !*t || !check_valid_hostname(t) || strchr(t, '.') == NULL;
	free(t);
	if (!bad)
		return CHECK_S_DUNNO;
	return check_reject(c, 0, (int)conf_int(P_non_fqdn_reject_code),
	    "4.5.2", "<%s>: %s rejected: need fully-qualified address", addr,
	    rclass);
}

static const char *
client_status_text(struct check_ctx *c, int reverse, int *st)
{
	*st = c->client_name_status;
	if (reverse && c->client_reverse_status != CHECK_NAME_OK)
		*st = c->client_reverse_status;
	else if (reverse && c->client_reverse_name)
		*st = strcmp(c->client_reverse_name, "unknown") == 0 ?
		    CHECK_NAME_UNKNOWN : CHECK_NAME_OK;
	return reverse ? "cannot find your reverse hostname" :
	    "cannot find your hostname";
}

/*
 * check_r_unknown_client - reject_unknown_client_hostname (how 0) and
 * reject_unknown_reverse_client_hostname (how 1)
 */
int
check_r_unknown_client(struct check_ctx *c, const struct check_call *a)
{
	int st, reverse = a->how;
	const char *why = client_status_text(c, reverse, &st);

	if (st == CHECK_NAME_OK)
		return CHECK_S_DUNNO;
	/* Postfix: 4.7.25 for the forward-confirmed name, 4.7.1 for reverse */
	return check_reject(c, 0, st == CHECK_NAME_UNKNOWN ?
	    (int)conf_int(P_unknown_client_reject_code) : 450,
	    reverse ? "4.7.1" : "4.7.25",
	    "Client host rejected: %s, [%s]", why, c->client_addr);
}

/* check_r_inet_interfaces - permit_inet_interfaces */
int
check_r_inet_interfaces(struct check_ctx *c, const struct check_call *a)
{
	struct str lit = STR_INIT;
	int status = CHECK_S_DUNNO;

	(void)a;
	str_init(&lit);
	str_addf(&lit, "[%s]", c->client_addr ? c->client_addr : "");
	if (check_own_literal(lit.s))
		status = CHECK_S_OK;
	str_free(&lit);
	return status;
}

/* check_r_mynetworks - permit_mynetworks */
int
check_r_mynetworks(struct check_ctx *c, const struct check_call *a)
{
	int x;

	(void)a;
	x = match_find(check_mynetworks_list, c->client_name ?
	    c->client_name : "", c->client_addr ? c->client_addr : "");
	if (x < 0) {
		warn("mynetworks: %s", check_mynetworks_list->err.s);
		return check_config_error(c);
	}
	return x > 0 ? CHECK_S_OK : CHECK_S_DUNNO;
}

/* check_r_sasl_authenticated - permit_sasl_authenticated */
int
check_r_sasl_authenticated(struct check_ctx *c, const struct check_call *a)
{
	(void)a;
	return c->sasl_username && *c->sasl_username ? CHECK_S_OK :
	    CHECK_S_DUNNO;
}

/*
 * check_r_multi_rcpt_bounce - reject_multi_recipient_bounce: a null
 * sender with more than one recipient (at DATA and END-OF-DATA, the
 * count is the total)
 */
int
check_r_multi_rcpt_bounce(struct check_ctx *c, const struct check_call *a)
{
	if (c->sender == NULL || *c->sender != 0 || c->rcpt_count <=
	    (c->priv_stage == CHECK_DATA || c->priv_stage == CHECK_EOD ? 1 : 0))
		return CHECK_S_DUNNO;
	return check_reject(c, 0,
	    (int)conf_int(P_multi_recipient_bounce_reject_code), "5.5.3",
	    "<%s>: %s rejected: Multi-recipient bounce", a->rname, a->rclass);
}
