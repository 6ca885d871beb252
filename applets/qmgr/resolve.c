/* MIT licence: see LICENSE. */
/*
 * resolve.c - transport:nexthop for a recipient, as Postfix's
 * trivial-rewrite resolves it for qmgr.  Runs in qmgr (mail_owner).
 *
 * Order: the class of the address (check_addr_resolve: local for
 * mydestination and this host's address literals, virtual alias and
 * virtual mailbox domains, relay_domains, the rest) picks
 * local_transport, virtual_transport, relay_transport or
 * default_transport; a nexthop in that parameter wins over relayhost,
 * which wins over the recipient domain (not for local mail).
 * relocated_maps bounce with 5.1.6; transport_maps override the
 * transport or the nexthop (an empty field keeps what was found):
 * the full address, the address without its extension, the domain,
 * its parents as ".parent" (or "parent" when transport_maps is in
 * parent_domain_matches_subdomains), then "*".
 * Man pages: qmgr(8), transport(5).
 */
#include <stdlib.h>
#include <string.h>

#include "../../config.h"
#include "../../lib/check/check.h"
#include "../../lib/conf.h"
#include "../../lib/log.h"
#include "../../lib/str.h"
#include "../../lib/table/maps.h"
#include "../../lib/table/match.h"
#include "resolve.h"

static struct maps *transport, *relocated;
static int ready, parent_style;

static void
setup(void)
{
	const char *v;

	if (ready)
		return;
	ready = 1;
	/* no $n: the envelope must not pick a transport (as Postfix) */
	if (*(v = conf_str(P_transport_maps)))
		transport = maps_open("transport_maps", v, DICT_NO_REGSUB);
	if (*(v = conf_str(P_relocated_maps)))
		relocated = maps_open("relocated_maps", v, 0);
	parent_style = match_parent_style("transport_maps",
	    conf_str(P_parent_domain_matches_subdomains));
}

/* resolve_init - an empty result */
void
resolve_init(struct resolve *r)
{
	memset(r, 0, sizeof(*r));
	str_init(&r->transport);
	str_init(&r->nexthop);
	str_init(&r->reason);
}

/* resolve_free - release a result */
void
resolve_free(struct resolve *r)
{
	str_free(&r->transport);
	str_free(&r->nexthop);
	str_free(&r->reason);
}

/* "transport:nexthop": either part may be empty (then it is kept) */
static void
apply(struct resolve *r, const char *val)
{
	const char *colon = strchr(val, ':');

	if (colon == NULL) {
		if (*val)
			str_set(&r->transport, val);
		return;
	}
	if (colon > val)
		str_setmem(&r->transport, val, (size_t)(colon - val));
	if (colon[1])
		str_set(&r->nexthop, colon + 1);
}

static int
defer(struct resolve *r, const char *what)
{
	r->verdict = RESOLVE_DEFER;
	str_copy(r->dsn, "4.3.0", sizeof(r->dsn));
	str_set(&r->reason, what);
	return r->verdict;
}

/* transport_maps: 1 with *val, 0 none, -1 a table failed */
static int
transport_find(const char *full, const char *bare, const char *domain,
    const char **val)
{
	const char *d;
	int res;
	struct str key;

	if ((res = maps_find(transport, full, MAPS_FULL, val)) != 0)
		return res;
	if (strcmp(bare, full) != 0 &&
	    (res = maps_find(transport, bare, MAPS_PARTIAL, val)) != 0)
		return res;
	if ((res = maps_find(transport, domain, MAPS_PARTIAL, val)) != 0)
		return res;
	str_init(&key);
	for (d = strchr(domain, '.'); d && d[1]; d = strchr(d + 1, '.')) {
		str_set(&key, parent_style ? d + 1 : d);
		if ((res = maps_find(transport, key.s, MAPS_PARTIAL,
		    val)) != 0)
			break;
	}
	str_free(&key);
	if (res != 0)
		return res;
	return maps_find(transport, "*", MAPS_PARTIAL, val);
}

/* relocated_maps: user@domain, user (local mail), @domain */
static int
relocated_find(const char *addr, const char *local, const char *domain,
    int is_local, const char **val)
{
	struct str key;
	int res;

	if ((res = maps_find(relocated, addr, MAPS_FULL, val)) != 0)
		return res;
	if (is_local && (res = maps_find(relocated, local, MAPS_PARTIAL,
	    val)) != 0)
		return res;
	str_init(&key);
	str_addf(&key, "@%s", domain);
	res = maps_find(relocated, key.s, MAPS_PARTIAL, val);
	str_free(&key);
	return res;
}

/*
 * resolve_rcpt - where mail for addr goes: RESOLVE_DELIVER with
 * transport and nexthop, or RESOLVE_BOUNCE / RESOLVE_DEFER with a DSN
 * code and a reason.  Returns r->verdict.
 */
int
resolve_rcpt(const char *addr, struct resolve *r)
{
	struct check_resolved cr;
	struct str full, bare, ext;
	const char *param, *val, *delim;
	int class, res;

	setup();
	r->verdict = RESOLVE_DELIVER;
	str_reset(&r->transport);
	str_reset(&r->nexthop);
	str_reset(&r->reason);
	check_resolved_init(&cr);
	str_init(&full);
	str_init(&bare);
	str_init(&ext);
	class = check_addr_resolve(addr, &cr);
	if (cr.flags & CHECK_RES_FAIL) {
		defer(r, "address resolver failure");
		goto out;
	}
	str_addf(&full, "%s@%s", cr.local.s, cr.domain.s);
	delim = conf_str(P_recipient_delimiter);
	if (maps_strip_addr(full.s, delim, &bare, &ext) <= 0)
		str_set(&bare, full.s);
	switch (class) {
	case CHECK_CLASS_LOCAL:
		param = conf_str(P_local_transport);
		break;
	case CHECK_CLASS_ALIAS:
		r->verdict = RESOLVE_BOUNCE;
		str_copy(r->dsn, "5.1.1", sizeof(r->dsn));
		str_set(&r->reason, "User unknown in virtual alias table");
		goto out;
	case CHECK_CLASS_VIRTUAL:
		param = conf_str(P_virtual_transport);
		break;
	case CHECK_CLASS_RELAY:
		param = conf_str(P_relay_transport);
		break;
	default:
		param = conf_str(P_default_transport);
		break;
	}
	apply(r, param);
	if (r->nexthop.len == 0) {
		if (class == CHECK_CLASS_LOCAL)
			str_set(&r->nexthop, conf_str(P_myhostname));
		else if (class != CHECK_CLASS_VIRTUAL &&
		    *conf_str(P_relayhost))
			str_set(&r->nexthop, conf_str(P_relayhost));
		else
			str_set(&r->nexthop, cr.domain.s);
	}
	if (relocated) {
		res = relocated_find(bare.s, cr.local.s, cr.domain.s,
		    class == CHECK_CLASS_LOCAL, &val);
		if (res < 0) {
			defer(r, "relocated_maps lookup failure");
			goto out;
		}
		if (res > 0) {
			r->verdict = RESOLVE_BOUNCE;
			str_copy(r->dsn, "5.1.6", sizeof(r->dsn));
			str_set(&r->reason, "user has moved to ");
			str_adds(&r->reason, val);
			goto out;
		}
	}
	if (transport) {
		res = transport_find(full.s, bare.s, cr.domain.s, &val);
		if (res < 0) {
			defer(r, "transport_maps lookup failure");
			goto out;
		}
		if (res > 0)
			apply(r, val);
	}
	if (r->transport.len == 0)
		defer(r, "mail transport unavailable");
out:
	check_resolved_free(&cr);
	str_free(&full);
	str_free(&bare);
	str_free(&ext);
	return r->verdict;
}
