/* MIT licence: see LICENSE. */
/*
 * check/rest.c - the restrictions one by one (permit_mynetworks,
 * reject_unauth_destination, check_*_access, ...) and the list walker
 * (generic_checks), as Postfix's smtpd_check.c has them, texts included.
 * Runs inside smtpd, unprivileged.
 * Man page: access(5).
 */
#include <ctype.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>
#include <sys/socket.h>

#include "../../config.h"
#include "../conf.h"
#include "../dns.h"
#include "../inet.h"
#include "../log.h"
#include "../num.h"
#include "../str.h"
#include "../table/maps.h"
#include "../x.h"
#include "int.h"

#define SEPARATORS	", \t\r\n"

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

/* reject_unauth_destination and defer_unauth_destination */
static int
unauth_destination(struct check_ctx *c, const char *rcpt, int defer)
{
	int status = auth_destination(c, rcpt), code;

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

/* reject_unknown_address(): the domain has no A, AAAA or MX record */
static int
unknown_address(struct check_ctx *c, const char *addr, const char *rclass)
{
	struct check_resolved r;
	const char *d, *dsn, *act;
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

static int
helo_check(struct check_ctx *c, int what)
{
	const char *h = c->helo_name;
	char *t;
	int bad = 0, dns;

	if (h == NULL)
		return CHECK_S_DUNNO;
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

/* reject_non_fqdn_address() */
static int
non_fqdn_address(struct check_ctx *c, const char *addr, const char *rclass)
{
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

static int
unknown_client(struct check_ctx *c, int reverse)
{
	int st;
	const char *why = client_status_text(c, reverse, &st);

	if (st == CHECK_NAME_OK)
		return CHECK_S_DUNNO;
	/* Postfix: 4.7.25 for the forward-confirmed name, 4.7.1 for reverse */
	return check_reject(c, 0, st == CHECK_NAME_UNKNOWN ?
	    (int)conf_int(P_unknown_client_reject_code) : 450,
	    reverse ? "4.7.1" : "4.7.25",
	    "Client host rejected: %s, [%s]", why, c->client_addr);
}

static int
warn_once_skip(const char *name)
{
	warn("restriction %s is not supported by mta; skipped", name);
	return CHECK_S_DUNNO;
}

#define IS(w)	(strcasecmp(name, (w)) == 0)

/* "check_xxx_access type:table": is it, and is the table there */
static int
map_cmd(struct check_ctx *c, const char *name, const char *cmd,
    const struct check_rlist *l, size_t *i, int *bad)
{
	if (strcasecmp(name, cmd) != 0)
		return 0;
	if (*i + 1 >= l->n || strchr(l->v[*i + 1], ':') == NULL) {
		warn("restriction %s: bad argument \"%s\": need "
		    "maptype:mapname", cmd, *i + 1 < l->n ? l->v[*i + 1] : "");
		*bad = 1;
		(void)check_config_error(c);
		return 1;
	}
	++*i;
	return 1;
}

/* an argument restriction (reject_rbl_client zone): the argument */
static const char *
arg(const struct check_rlist *l, size_t *i, const char *name)
{
	if (*i + 1 >= l->n) {
		warn("restriction %s requires domain name argument", name);
		return NULL;
	}
	return l->v[++*i];
}

/*
 * check_generic - Postfix's generic_checks(): apply a restriction list;
 * CHECK_S_OK, CHECK_S_REJECT or CHECK_S_DUNNO.
 */
int
check_generic(struct check_ctx *c, const struct check_rlist *l,
    const char *rname, const char *rclass, const char *def_acl)
{
	const struct check_rlist *cl;
	const char *name, *a;
	const char *sender = c->sender, *rcpt = c->priv_recipient;
	size_t i;
	int status = CHECK_S_DUNNO, bad, saved = c->priv_recursion++, hit;
	int x, implicit;

	for (i = 0; i < l->n; i++) {
		if (c->discard || c->priv_abort)
			break;
		name = l->v[i];
		bad = 0;
		implicit = 0;
		status = CHECK_S_DUNNO;
		if (IS("warn_if_reject")) {
			if (c->priv_warn_if_reject == 0)
				c->priv_warn_if_reject = c->priv_recursion;
			continue;
		}
		if (strchr(name, ':') != NULL && name[0] != '[') {
			if (def_acl == NULL) {
				warn("specify one of (check_client_access, "
				    "check_helo_access, check_sender_access, "
				    "check_recipient_access, check_etrn_access) "
				    "before %s restriction \"%s\"", rclass,
				    name);
				status = check_config_error(c);
				break;
			}
			name = def_acl;
			i--;
			implicit = 1;
		}
		(void)implicit;
		if (IS("permit")) {
			status = CHECK_S_OK;
		} else if (IS("defer")) {
			status = check_reject(c, 0, (int)conf_int(P_defer_code),
			    "4.3.2", "<%s>: %s rejected: Try again later",
			    rname, rclass);
		} else if (IS("reject")) {
			status = check_reject(c, 0,
			    (int)conf_int(P_reject_code), "5.7.1",
			    "<%s>: %s rejected: Access denied", rname, rclass);
		} else if (IS("reject_unauth_pipelining")) {
			if (c->pipelining_violation)
				status = check_reject(c, 0, 503, "5.5.0",
				    "<%s>: %s rejected: Improper use of SMTP "
				    "command pipelining", rname, rclass);
		} else if (IS("check_policy_service")) {
			if (i + 1 >= l->n || strchr(l->v[i + 1], ':') == NULL) {
				warn("restriction check_policy_service must "
				    "be followed by transport:server");
				status = check_config_error(c);
			} else {
				i++;
				status = warn_once_skip(name);
			}
		} else if (IS("defer_if_permit")) {
			check_defer_if_permit(c, 450, "4.7.0",
			    "<%s>: %s rejected: defer_if_permit requested",
			    rname, rclass);
		} else if (IS("defer_if_reject")) {
			check_defer_if_reject(c, 450, "4.7.0",
			    "<%s>: %s rejected: defer_if_reject requested",
			    rname, rclass);
		} else if (IS("sleep")) {
			/*
			 * Postfix's pause against zombies: a client that
			 * talks during it, before the greeting or between
			 * commands, is caught by the pipelining checks
			 */
			long long secs;

			if (i + 1 >= l->n || num_parse(l->v[i + 1], 0, 3600,
			    &secs) < 0) {
				warn("restriction sleep must be followed by "
				    "number");
				status = check_config_error(c);
			} else {
				i++;
				sleep((unsigned)secs);
			}
		/* client */
		} else if (IS("reject_unknown_client_hostname") ||
		    IS("reject_unknown_client") ||
		    IS("reject_unknown_forward_client_hostname")) {
			status = unknown_client(c, 0);
		} else if (IS("reject_unknown_reverse_client_hostname")) {
			status = unknown_client(c, 1);
		} else if (IS("permit_inet_interfaces")) {
			struct str lit = STR_INIT;

			str_init(&lit);
			str_addf(&lit, "[%s]", c->client_addr ?
			    c->client_addr : "");
			if (check_own_literal(lit.s))
				status = CHECK_S_OK;
			str_free(&lit);
		} else if (IS("permit_mynetworks")) {
			x = match_find(check_mynetworks_list, c->client_name ?
			    c->client_name : "", c->client_addr ?
			    c->client_addr : "");
			if (x < 0) {
				warn("mynetworks: %s",
				    check_mynetworks_list->err.s);
				status = check_config_error(c);
			} else if (x > 0)
				status = CHECK_S_OK;
		} else if (map_cmd(c, name, "check_client_access", l, &i,
		    &bad)) {
			if (!bad && c->client_addr) {
				const char *v;
				struct maps *m = check_table(l->v[i]);

				x = maps_access_host(m, c->client_name,
				    c->client_addr, check_S.parent, &v);
				status = check_found(c, m, x, v, c->client_addr,
				    check_namaddr(c), CHECK_NAME_CLIENT,
				    def_acl, &hit);
			}
		} else if (map_cmd(c, name,
		    "check_reverse_client_hostname_access", l, &i, &bad)) {
			if (!bad && c->client_addr) {
				const char *v, *rn = c->client_reverse_name ?
				    c->client_reverse_name : c->client_name;
				struct maps *m = check_table(l->v[i]);

				x = maps_access_host(m, rn, c->client_addr,
				    check_S.parent, &v);
				status = check_found(c, m, x, v, c->client_addr,
				    check_namaddr(c), CHECK_NAME_REV_CLIENT,
				    def_acl, &hit);
			}
		} else if (IS("reject_rbl_client") || IS("reject_rbl")) {
			if ((a = arg(l, &i, name)) != NULL)
				status = check_rbl(c, a, c->client_addr,
				    CHECK_NAME_CLIENT, 1);
		} else if (IS("reject_rhsbl_client") ||
		    IS("reject_rhsbl_reverse_client")) {
			if ((a = arg(l, &i, name)) != NULL && c->client_name &&
			    strcmp(c->client_name, "unknown") != 0)
				status = check_rbl(c, a, c->client_name,
				    CHECK_NAME_CLIENT, 0);
		/* helo */
		} else if (map_cmd(c, name, "check_helo_access", l, &i,
		    &bad)) {
			if (!bad && c->helo_name) {
				const char *v;
				struct maps *m = check_table(l->v[i]);

				x = maps_access_domain(m, c->helo_name,
				    check_S.parent, &v);
				status = check_found(c, m, x, v, c->helo_name,
				    c->helo_name, CHECK_NAME_HELO, def_acl,
				    &hit);
			}
		} else if (IS("reject_invalid_helo_hostname") ||
		    IS("reject_invalid_hostname")) {
			status = helo_check(c, 0);
		} else if (IS("reject_non_fqdn_helo_hostname") ||
		    IS("reject_non_fqdn_hostname")) {
			status = helo_check(c, 1);
		} else if (IS("reject_unknown_helo_hostname") ||
		    IS("reject_unknown_hostname")) {
			status = helo_check(c, 2);
		} else if (IS("reject_rhsbl_helo")) {
			if ((a = arg(l, &i, name)) != NULL && c->helo_name)
				status = check_rbl(c, a, c->helo_name,
				    CHECK_NAME_HELO, 0);
		/* sender */
		} else if (map_cmd(c, name, "check_sender_access", l, &i,
		    &bad)) {
			struct maps *m = bad ? NULL : check_table(l->v[i]);
			const char *v;

			if (m && sender && *sender)
				status = check_mail_access(c, m, sender,
				    CHECK_NAME_SENDER, def_acl);
			else if (m && sender) {
				x = maps_find(m,
				    conf_str(P_smtpd_null_access_lookup_key),
				    MAPS_FULL, &v);
				status = check_found(c, m, x, v, sender, sender,
				    CHECK_NAME_SENDER, def_acl, &hit);
			}
		} else if (IS("reject_unknown_sender_domain") ||
		    IS("reject_unknown_address")) {
			if (sender && *sender)
				status = unknown_address(c, sender,
				    CHECK_NAME_SENDER);
		} else if (IS("reject_non_fqdn_sender")) {
			if (sender && *sender)
				status = non_fqdn_address(c, sender,
				    CHECK_NAME_SENDER);
		} else if (IS("reject_rhsbl_sender")) {
			if ((a = arg(l, &i, name)) != NULL && sender &&
			    *sender)
				status = check_rbl(c, a, sender, CHECK_NAME_SENDER,
				    0);
		} else if (IS("reject_unlisted_sender")) {
			if (sender && *sender && !c->priv_rcptmap_checked)
				status = check_rcpt_maps(c, sender,
				    CHECK_NAME_SENDER);
		} else if (IS("reject_sender_login_mismatch")) {
			if ((status = check_login_mismatch(c, 1)) == CHECK_S_DUNNO)
				status = check_login_mismatch(c, 0);
		} else if (IS("reject_authenticated_sender_login_mismatch") ||
		    IS("reject_known_sender_login_mismatch")) {
			status = check_login_mismatch(c, 1);
		} else if (IS("reject_unauthenticated_sender_login_mismatch")) {
			status = check_login_mismatch(c, 0);
		/* recipient */
		} else if (map_cmd(c, name, "check_recipient_access", l, &i,
		    &bad)) {
			if (!bad && rcpt)
				status = check_mail_access(c, check_table(l->v[i]),
				    rcpt, CHECK_NAME_RECIPIENT, def_acl);
		} else if (IS("permit_auth_destination")) {
			if (rcpt)
				status = auth_destination(c, rcpt);
		} else if (IS("reject_unauth_destination") ||
		    IS("check_relay_domains")) {
			if (rcpt)
				status = unauth_destination(c, rcpt, 0);
		} else if (IS("defer_unauth_destination")) {
			if (rcpt)
				status = unauth_destination(c, rcpt, 1);
		} else if (IS("permit_sasl_authenticated")) {
			if (c->sasl_username && *c->sasl_username)
				status = CHECK_S_OK;
		} else if (IS("reject_unknown_recipient_domain")) {
			if (rcpt)
				status = unknown_address(c, rcpt,
				    CHECK_NAME_RECIPIENT);
		} else if (IS("reject_non_fqdn_recipient")) {
			if (rcpt)
				status = non_fqdn_address(c, rcpt,
				    CHECK_NAME_RECIPIENT);
		} else if (IS("reject_rhsbl_recipient")) {
			if ((a = arg(l, &i, name)) != NULL && rcpt)
				status = check_rbl(c, a, rcpt, CHECK_NAME_RECIPIENT,
				    0);
		} else if (IS("reject_unlisted_recipient") ||
		    IS("check_recipient_maps")) {
			if (rcpt && *rcpt && !c->priv_rcptmap_checked)
				status = check_rcpt_maps(c, rcpt,
				    CHECK_NAME_RECIPIENT);
		} else if (IS("reject_multi_recipient_bounce")) {
			if (sender && *sender == 0 && c->rcpt_count >
			    (c->priv_stage == CHECK_DATA ||
			    c->priv_stage == CHECK_EOD ? 1 : 0))
				status = check_reject(c, 0, (int)conf_int(
				    P_multi_recipient_bounce_reject_code),
				    "5.5.3", "<%s>: %s rejected: "
				    "Multi-recipient bounce", rname, rclass);
		} else if (IS("reject_plaintext_session")) {
			if (!c->tls)
				status = check_reject(c, 0,
				    (int)conf_int(P_plaintext_reject_code),
				    "4.7.1", "Session encryption is required");
		} else if (IS("permit_mx_backup") ||
		    IS("reject_unverified_sender") ||
		    IS("reject_unverified_recipient") ||
		    IS("permit_tls_clientcerts") ||
		    IS("permit_tls_all_clientcerts") ||
		    IS("permit_dnswl_client") || IS("permit_rhswl_client")) {
			if (IS("permit_dnswl_client") ||
			    IS("permit_rhswl_client"))
				i++;
			status = warn_once_skip(name);
		} else if (IS("check_ccert_access") ||
		    IS("check_client_mx_access") ||
		    IS("check_client_ns_access") ||
		    IS("check_client_a_access") ||
		    IS("check_helo_mx_access") || IS("check_helo_ns_access") ||
		    IS("check_helo_a_access") ||
		    IS("check_sender_mx_access") ||
		    IS("check_sender_ns_access") ||
		    IS("check_sender_a_access") ||
		    IS("check_recipient_mx_access") ||
		    IS("check_recipient_ns_access") ||
		    IS("check_recipient_a_access") ||
		    IS("check_sasl_access")) {
			if (map_cmd(c, name, name, l, &i, &bad) && !bad)
				status = warn_once_skip(name);
		/* ETRN */
		} else if (map_cmd(c, name, "check_etrn_access", l, &i,
		    &bad)) {
			if (!bad && c->etrn_domain) {
				const char *v;
				struct maps *m = check_table(l->v[i]);

				x = maps_access_domain(m, c->etrn_domain,
				    check_S.parent, &v);
				status = check_found(c, m, x, v, c->etrn_domain,
				    c->etrn_domain, CHECK_NAME_ETRN, def_acl,
				    &hit);
			}
		} else if ((cl = check_class_find(name)) != NULL) {
			status = check_generic(c, cl, rname, rclass, def_acl);
		} else {
			warn("unknown smtpd restriction: \"%s\"", name);
			status = check_config_error(c);
		}
		if (c->priv_abort)
			status = CHECK_S_REJECT;
		if (c->priv_warn_if_reject >= c->priv_recursion)
			c->priv_warn_if_reject = 0;
		if (status != CHECK_S_DUNNO)
			break;
		if (c->priv_dip.active && c->priv_dir.active)
			break;
	}
	c->priv_recursion = saved;
	return c->priv_abort ? CHECK_S_REJECT : status;
}
