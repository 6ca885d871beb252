/* MIT licence: see LICENSE. */
/*
 * check/eval.c - the restriction evaluator, Postfix's generic_checks(): one
 * table maps each restriction name to its handler, the argument it takes
 * and what it needs; check_generic() walks a list, looks each word up
 * (then the restriction classes), checks the argument and applies the
 * handler.  The generic restrictions (permit, reject, defer,
 * defer_if_*, sleep, ...) are here; the others are by theme in rest.c
 * (client, HELO, address), table.c (access tables), rbl.c (DNS lists)
 * and rcpt.c (recipient tables, SASL login).  Names, texts and codes are
 * those of Postfix's smtpd_check.c.  Runs inside smtpd, unprivileged.
 * Man page: access(5).
 */
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "../../config.h"
#include "../conf.h"
#include "../log.h"
#include "../num.h"
#include "../str.h"
#include "int.h"

static int
permit(struct check_ctx *c, const struct check_call *a)
{
	(void)c;
	(void)a;
	return CHECK_S_OK;
}

static int
defer(struct check_ctx *c, const struct check_call *a)
{
	return check_reject(c, 0, (int)conf_int(P_defer_code), "4.3.2",
	    "<%s>: %s rejected: Try again later", a->rname, a->rclass);
}

static int
reject(struct check_ctx *c, const struct check_call *a)
{
	return check_reject(c, 0, (int)conf_int(P_reject_code), "5.7.1",
	    "<%s>: %s rejected: Access denied", a->rname, a->rclass);
}

static int
unauth_pipelining(struct check_ctx *c, const struct check_call *a)
{
	if (!c->pipelining_violation)
		return CHECK_S_DUNNO;
	return check_reject(c, 0, 503, "5.5.0", "<%s>: %s rejected: Improper "
	    "use of SMTP command pipelining", a->rname, a->rclass);
}

/* defer_if_permit (how 0) and defer_if_reject (how 1) */
static int
defer_if(struct check_ctx *c, const struct check_call *a)
{
	if (a->how == 0)
		check_defer_if_permit(c, 450, "4.7.0",
		    "<%s>: %s rejected: defer_if_permit requested",
		    a->rname, a->rclass);
	else
		check_defer_if_reject(c, 450, "4.7.0",
		    "<%s>: %s rejected: defer_if_reject requested",
		    a->rname, a->rclass);
	return CHECK_S_DUNNO;
}

/*
 * Postfix's pause against zombies: a client that talks during it,
 * before the greeting or between commands, is caught by the pipelining
 * checks
 */
static int
sleep_for(struct check_ctx *c, const struct check_call *a)
{
	(void)c;
	sleep((unsigned)a->num);
	return CHECK_S_DUNNO;
}

static int
plaintext(struct check_ctx *c, const struct check_call *a)
{
	(void)a;
	if (c->tls)
		return CHECK_S_DUNNO;
	return check_reject(c, 0, (int)conf_int(P_plaintext_reject_code),
	    "4.7.1", "Session encryption is required");
}

/* known to Postfix, not done here: said, then no decision */
static int
unsupported(struct check_ctx *c, const struct check_call *a)
{
	(void)c;
	warn("restriction %s is not supported by mta; skipped", a->name);
	return CHECK_S_DUNNO;
}

#define A_MAP		CHECK_A_MAP
#define A_ZONE		CHECK_A_DOMAIN
#define N_CLIENT	CHECK_N_CLIENT
#define N_HELO		CHECK_N_HELO
#define N_SENDER	CHECK_N_SENDER
#define N_SADDR		CHECK_N_SENDER_ADDR
#define N_RCPT		CHECK_N_RCPT
#define REQUIRED	CHECK_REQUIRED
#define ON_CLIENT	CHECK_ON_CLIENT
#define ON_HELO		CHECK_ON_HELO
#define ON_SENDER	CHECK_ON_SENDER
#define ON_RCPT		CHECK_ON_RCPT

/* every restriction by name; aliases are Postfix's old names */
static const struct check_restriction restrictions[] = {
	/* generic */
	{ "permit", permit, 0, 0 },
	{ "defer", defer, 0, REQUIRED },
	{ "reject", reject, 0, REQUIRED },
	{ "reject_unauth_pipelining", unauth_pipelining, 0, 0 },
	{ "check_policy_service", unsupported, 0, CHECK_A_SERVICE },
	{ "defer_if_permit", defer_if, 0, REQUIRED },
	{ "defer_if_reject", defer_if, 1, 0 },
	{ "sleep", sleep_for, 0, CHECK_A_NUMBER },
	{ "reject_plaintext_session", plaintext, 0, 0 },
	/* client */
	{ "reject_unknown_client_hostname", check_r_unknown_client, 0, 0 },
	{ "reject_unknown_client", check_r_unknown_client, 0, 0 },
	{ "reject_unknown_forward_client_hostname", check_r_unknown_client,
	    0, 0 },
	{ "reject_unknown_reverse_client_hostname", check_r_unknown_client,
	    1, 0 },
	{ "permit_inet_interfaces", check_r_inet_interfaces, 0, 0 },
	{ "permit_mynetworks", check_r_mynetworks, 0, 0 },
	{ "check_client_access", check_r_client_access, 0, A_MAP | N_CLIENT },
	{ "check_reverse_client_hostname_access", check_r_client_access, 1,
	    A_MAP | N_CLIENT },
	{ "reject_rbl_client", check_r_rbl_client, 0, A_ZONE | N_CLIENT },
	{ "reject_rbl", check_r_rbl_client, 0, A_ZONE | N_CLIENT },
	{ "reject_rhsbl_client", check_r_rhsbl, ON_CLIENT, A_ZONE },
	{ "reject_rhsbl_reverse_client", check_r_rhsbl, ON_CLIENT, A_ZONE },
	/* helo */
	{ "check_helo_access", check_r_domain_access, ON_HELO,
	    A_MAP | N_HELO },
	{ "reject_invalid_helo_hostname", check_r_helo, 0, N_HELO },
	{ "reject_invalid_hostname", check_r_helo, 0, N_HELO },
	{ "reject_non_fqdn_helo_hostname", check_r_helo, 1, N_HELO },
	{ "reject_non_fqdn_hostname", check_r_helo, 1, N_HELO },
	{ "reject_unknown_helo_hostname", check_r_helo, 2, N_HELO },
	{ "reject_unknown_hostname", check_r_helo, 2, N_HELO },
	{ "reject_rhsbl_helo", check_r_rhsbl, ON_HELO, A_ZONE | N_HELO },
	/* sender */
	{ "check_sender_access", check_r_sender_access, 0, A_MAP | N_SENDER },
	{ "reject_unknown_sender_domain", check_r_unknown_address, ON_SENDER,
	    N_SADDR },
	{ "reject_unknown_address", check_r_unknown_address, ON_SENDER,
	    N_SADDR },
	{ "reject_non_fqdn_sender", check_r_non_fqdn, ON_SENDER, N_SADDR },
	{ "reject_rhsbl_sender", check_r_rhsbl, ON_SENDER, A_ZONE | N_SADDR },
	{ "reject_unlisted_sender", check_r_unlisted, ON_SENDER, N_SADDR },
	{ "reject_sender_login_mismatch", check_r_login_mismatch, 2, 0 },
	{ "reject_authenticated_sender_login_mismatch",
	    check_r_login_mismatch, 1, 0 },
	{ "reject_known_sender_login_mismatch", check_r_login_mismatch, 1,
	    0 },
	{ "reject_unauthenticated_sender_login_mismatch",
	    check_r_login_mismatch, 0, 0 },
	/* recipient */
	{ "check_recipient_access", check_r_recipient_access, 0,
	    A_MAP | N_RCPT },
	{ "permit_auth_destination", check_r_auth_destination, 0, N_RCPT },
	{ "reject_unauth_destination", check_r_unauth_destination, 0,
	    N_RCPT | REQUIRED },
	{ "check_relay_domains", check_r_unauth_destination, 0,
	    N_RCPT | REQUIRED },
	{ "defer_unauth_destination", check_r_unauth_destination, 1,
	    N_RCPT | REQUIRED },
	{ "permit_sasl_authenticated", check_r_sasl_authenticated, 0, 0 },
	{ "reject_unknown_recipient_domain", check_r_unknown_address,
	    ON_RCPT, N_RCPT },
	{ "reject_non_fqdn_recipient", check_r_non_fqdn, ON_RCPT, N_RCPT },
	{ "reject_rhsbl_recipient", check_r_rhsbl, ON_RCPT, A_ZONE | N_RCPT },
	{ "reject_unlisted_recipient", check_r_unlisted, ON_RCPT,
	    CHECK_N_RCPT_ADDR },
	{ "check_recipient_maps", check_r_unlisted, ON_RCPT,
	    CHECK_N_RCPT_ADDR },
	{ "reject_multi_recipient_bounce", check_r_multi_rcpt_bounce, 0, 0 },
	/* ETRN */
	{ "check_etrn_access", check_r_domain_access, CHECK_ON_ETRN,
	    A_MAP | CHECK_N_ETRN },
	/* Postfix's, not done here */
	{ "permit_mx_backup", unsupported, 0, 0 },
	{ "reject_unverified_sender", unsupported, 0, 0 },
	{ "reject_unverified_recipient", unsupported, 0, 0 },
	{ "permit_tls_clientcerts", unsupported, 0, 0 },
	{ "permit_tls_all_clientcerts", unsupported, 0, 0 },
	{ "permit_dnswl_client", unsupported, 0, CHECK_A_SKIP },
	{ "permit_rhswl_client", unsupported, 0, CHECK_A_SKIP },
	{ "check_ccert_access", unsupported, 0, A_MAP },
	{ "check_client_mx_access", unsupported, 0, A_MAP },
	{ "check_client_ns_access", unsupported, 0, A_MAP },
	{ "check_client_a_access", unsupported, 0, A_MAP },
	{ "check_helo_mx_access", unsupported, 0, A_MAP },
	{ "check_helo_ns_access", unsupported, 0, A_MAP },
	{ "check_helo_a_access", unsupported, 0, A_MAP },
	{ "check_sender_mx_access", unsupported, 0, A_MAP },
	{ "check_sender_ns_access", unsupported, 0, A_MAP },
	{ "check_sender_a_access", unsupported, 0, A_MAP },
	{ "check_recipient_mx_access", unsupported, 0, A_MAP },
	{ "check_recipient_ns_access", unsupported, 0, A_MAP },
	{ "check_recipient_a_access", unsupported, 0, A_MAP },
	{ "check_sasl_access", unsupported, 0, A_MAP },
};

/* check_restriction_find - the restriction of that name (any case) */
const struct check_restriction *
check_restriction_find(const char *name)
{
	size_t i;

	for (i = 0; i < sizeof(restrictions) / sizeof(restrictions[0]); i++)
		if (strcasecmp(restrictions[i].name, name) == 0)
			return &restrictions[i];
	return NULL;
}

/*
 * check_subject - what a CHECK_ON_* restriction looks at (NULL: not
 * known yet) and its reply class
 */
const char *
check_subject(struct check_ctx *c, int on, const char **rclass)
{
	switch (on) {
	case CHECK_ON_CLIENT:
		*rclass = CHECK_NAME_CLIENT;
		return c->client_name;
	case CHECK_ON_HELO:
		*rclass = CHECK_NAME_HELO;
		return c->helo_name;
	case CHECK_ON_SENDER:
		*rclass = CHECK_NAME_SENDER;
		return c->sender;
	case CHECK_ON_ETRN:
		*rclass = CHECK_NAME_ETRN;
		return c->etrn_domain;
	}
	*rclass = CHECK_NAME_RECIPIENT;
	return c->priv_recipient;
}

/* are the restriction's needs (CHECK_N_*) met? */
static int
needs_met(const struct check_ctx *c, int f)
{
	const char *s = c->sender, *r = c->priv_recipient;

	return !((f & CHECK_N_CLIENT) && c->client_addr == NULL) &&
	    !((f & CHECK_N_HELO) && c->helo_name == NULL) &&
	    !((f & CHECK_N_SENDER) && s == NULL) &&
	    !((f & CHECK_N_SENDER_ADDR) && (s == NULL || *s == 0)) &&
	    !((f & CHECK_N_RCPT) && r == NULL) &&
	    !((f & CHECK_N_RCPT_ADDR) && (r == NULL || *r == 0)) &&
	    !((f & CHECK_N_ETRN) && c->etrn_domain == NULL);
}

/*
 * one restriction of list l at *i: its argument checked and taken
 * (*i moves past it), then its handler when its needs are met
 */
static int
apply(struct check_ctx *c, const struct check_restriction *e,
    struct check_call *a, const struct check_rlist *l, size_t *i)
{
	const char *next = *i + 1 < l->n ? l->v[*i + 1] : NULL;
	int f = e->flags;

	if ((f & (CHECK_A_MAP | CHECK_A_SERVICE)) &&
	    (next == NULL || strchr(next, ':') == NULL)) {
		if (f & CHECK_A_MAP)
			warn("restriction %s: bad argument \"%s\": need "
			    "maptype:mapname", e->name, next ? next : "");
		else
			warn("restriction %s must be followed by "
			    "transport:server", e->name);
		return check_config_error(c);
	}
	if ((f & CHECK_A_NUMBER) &&
	    (next == NULL || num_parse(next, 0, 3600, &a->num) < 0)) {
		warn("restriction %s must be followed by number", e->name);
		return check_config_error(c);
	}
	if ((f & CHECK_A_DOMAIN) && next == NULL) {
		warn("restriction %s requires domain name argument", a->name);
		return CHECK_S_DUNNO;
	}
	if (f & CHECK_A_ANY) {
		a->arg = next;
		++*i;
	}
	if (f & CHECK_A_MAP)
		a->map = check_table(a->arg);
	a->how = e->how;
	if (!needs_met(c, f))
		return CHECK_S_DUNNO;
	return e->fn(c, a);
}

/*
 * check_generic - Postfix's generic_checks(): apply a restriction list;
 * CHECK_S_OK, CHECK_S_REJECT or CHECK_S_DUNNO.
 */
int
check_generic(struct check_ctx *c, const struct check_rlist *l,
    const char *rname, const char *rclass, const char *def_acl)
{
	const struct check_restriction *e;
	const struct check_rlist *cl;
	struct check_call a;
	const char *name;
	size_t i;
	int status = CHECK_S_DUNNO, saved = c->priv_recursion++;

	for (i = 0; i < l->n; i++) {
		if (c->discard || c->priv_abort)
			break;
		name = l->v[i];
		if (strcasecmp(name, "warn_if_reject") == 0) {
			if (c->priv_warn_if_reject == 0)
				c->priv_warn_if_reject = c->priv_recursion;
			continue;
		}
		if (strchr(name, ':') != NULL && name[0] != '[') {
			/* a bare table: the stage's check_*_access */
			if (def_acl == NULL) {
				warn("specify one of (check_client_access, "
				    "check_helo_access, check_sender_access, "
				    "check_recipient_access, "
				    "check_etrn_access) before %s "
				    "restriction \"%s\"", rclass, name);
				status = check_config_error(c);
				break;
			}
			name = def_acl;
			i--;
		}
		memset(&a, 0, sizeof(a));
		a.name = name;
		a.rname = rname;
		a.rclass = rclass;
		a.def_acl = def_acl;
		if ((e = check_restriction_find(name)) != NULL)
			status = apply(c, e, &a, l, &i);
		else if ((cl = check_class_find(name)) != NULL)
			status = check_generic(c, cl, rname, rclass, def_acl);
		else {
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
