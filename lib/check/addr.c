/* MIT licence: see LICENSE. */
/*
 * check/addr.c - where an address goes: Postfix's trivial-rewrite
 * canonicalization (source routes, bang paths, the percent hack,
 * @$myorigin) and resolver classification (local, virtual alias,
 * virtual mailbox, relay, default), plus mynetworks.  Used by smtpd's
 * restrictions now, and by cleanup and qmgr later; each process opens the
 * lists (tables included) at check_addr_setup(), before it drops
 * privileges.  Man pages: access(5), mta.conf(5).
 *
 * The resolver loop is Postfix's resolve_addr(): strip every local
 * @domain from the right; after each strip, a routing operator left in
 * the local part ('@' of a quoted local part when resolve_dequoted_address
 * is set, '!' with swap_bangpath, '%' with allow_percent_hack) makes the
 * next domain the destination, and the loop goes on.  An address whose
 * final local part still holds '@', '!' or '%' is flagged ROUTED: a
 * relay check must not trust it (allow_untrusted_routing=no).  So
 * user%other@mydomain becomes user@other (remote), other!user@mydomain
 * user@other, "user@other"@mydomain user@other, @mydomain:user@other
 * user@other, user@other. user@other, and user@[192.0.2.1] is local only
 * when 192.0.2.1 is one of inet_interfaces or proxy_interfaces.
 */
#include <sys/types.h>
#include <sys/socket.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "../../config.h"
#include "../conf.h"
#include "../inet.h"
#include "../log.h"
#include "../str.h"
#include "../table/match.h"
#include "../x.h"
#include "int.h"

struct match_list *check_mynetworks_list;
struct match_list *check_relay_domains_list;
static struct match_list *mydest, *valias_doms, *vmbox_doms;
static struct inet_addr_list own;	/* inet_interfaces + proxy_interfaces */
static int addr_ready;

static struct match_list *
list(const char *pname, int type)
{
	const char *pdms = conf_str(P_parent_domain_matches_subdomains);

	return match_init(pname, type | match_parent_style(pname, pdms),
	    conf_get(pname));
}

/*
 * check_addr_setup - open mydestination, relay_domains,
 * virtual_*_domains and mynetworks (tables too) and learn the
 * interface addresses.  Once per process; later calls do nothing.
 */
void
check_addr_setup(void)
{
	if (addr_ready)
		return;
	addr_ready = 1;
	mydest = list("mydestination", MATCH_DOMAIN);
	check_relay_domains_list = list("relay_domains", MATCH_DOMAIN);
	valias_doms = list("virtual_alias_domains", MATCH_STRING);
	vmbox_doms = list("virtual_mailbox_domains", MATCH_STRING);
	check_mynetworks_list = list("mynetworks", MATCH_NAMADR);
	inet_addr_list_iface(&own, conf_str(P_inet_interfaces), 1);
	inet_addr_list_iface(&own, conf_str(P_proxy_interfaces), 0);
}

/* check_list_match - match_find() that logs a failing table */
int
check_list_match(struct match_list *ml, const char *name)
{
	int r = match_find(ml, name, NULL);

	if (r < 0)
		warn("%s: %s", ml->pname, ml->err.s);
	return r;
}

/* check_own_literal - is [addr] (or [ipv6:addr]) one of this host's */
int
check_own_literal(const char *lit)
{
	char buf[INET_ADDR_STRLEN + 8];
	size_t len = strlen(lit);

	if (len < 3 || lit[0] != '[' || lit[len - 1] != ']' ||
	    len - 2 >= sizeof(buf))
		return 0;
	memcpy(buf, lit + 1, len - 2);
	buf[len - 2] = 0;
	return inet_addr_list_has(&own, strncasecmp(buf, "ipv6:", 5) == 0 ?
	    buf + 5 : buf);
}

/*
 * check_is_local_domain - Postfix's resolve_local(): the domain (a
 * trailing dot is ignored) matches mydestination, or is an address
 * literal of this host.  1 yes, 0 no, -1 a table failed.
 */
int
check_is_local_domain(const char *domain)
{
	struct str d = STR_INIT;
	int r;

	check_addr_setup();
	str_init(&d);
	str_set(&d, domain);
	if (d.len > 1 && d.s[d.len - 1] == '.' && d.s[d.len - 2] != '.')
		str_trunc(&d, d.len - 1);
	str_lower(&d);
	if (d.len == 0)
		r = 0;
	else if (d.s[0] == '[')
		r = check_own_literal(d.s);
	else
		r = check_list_match(mydest, d.s);
	str_free(&d);
	return r;
}

/* check_mynetworks - is the client (address text) in mynetworks */
int
check_mynetworks(const char *addr)
{
	int r;

	check_addr_setup();
	if ((r = match_find(check_mynetworks_list, "", addr)) < 0)
		warn("mynetworks: %s", check_mynetworks_list->err.s);
	return r;
}

/* the domain class of a remote domain (not local) */
static enum check_class
remote_class(const char *d)
{
	int r;

	if ((r = check_list_match(valias_doms, d)) > 0)
		return CHECK_CLASS_ALIAS;
	if (r == 0 && (r = check_list_match(vmbox_doms, d)) > 0)
		return CHECK_CLASS_VIRTUAL;
	if (r == 0 && (r = check_list_match(check_relay_domains_list, d)) > 0)
		return CHECK_CLASS_RELAY;
	return r < 0 ? CHECK_CLASS_ERROR : CHECK_CLASS_DEFAULT;
}

/* check_domain_class - the class of mail to @domain */
int
check_domain_class(const char *domain)
{
	int r;

	check_addr_setup();
	if ((r = check_is_local_domain(domain)) < 0)
		return CHECK_CLASS_ERROR;
	return r ? CHECK_CLASS_LOCAL : (int)remote_class(domain);
}

/*
 * Postfix's canonical rewrite of one address (rewrite_tree, "local"
 * context): drop a source route, swap a bang path, the percent hack,
 * then append @$myorigin to a bare local part.
 */
static void
canon(struct str *a)
{
	struct str t = STR_INIT;
	char *p;

	str_init(&t);
	if (a->s[0] == '@' && (p = strchr(a->s, ':')) != NULL && p[1]) {
		str_set(&t, p + 1);
		str_set(a, t.s);
	}
	if (strchr(a->s, '@') == NULL && conf_bool(P_swap_bangpath) &&
	    (p = strchr(a->s, '!')) != NULL && p != a->s && p[1]) {
		str_set(&t, p + 1);
		str_addc(&t, '@');
		str_addmem(&t, a->s, (size_t)(p - a->s));
		str_set(a, t.s);
	}
	if (strchr(a->s, '@') == NULL && conf_bool(P_allow_percent_hack) &&
	    (p = strrchr(a->s, '%')) != NULL)
		*p = '@';
	if (strchr(a->s, '@') == NULL && conf_bool(P_append_at_myorigin)) {
		str_addc(a, '@');
		str_adds(a, conf_str(P_myorigin));
	}
	str_free(&t);
}

/* a host name as Postfix's valid_hostname() wants it, roughly */
static int
valid_host(const char *s)
{
	size_t label = 0, n = 0;
	int alpha = 0;
	const char *p;

	if (*s == 0 || strlen(s) > 255)
		return 0;
	for (p = s; *p; p++, n++) {
		unsigned char c = *p;

		if (c == '.') {
			if (label == 0 || p[-1] == '-')
				return 0;
			label = 0;
			continue;
		}
		if (c == '-') {
			if (label == 0)
				return 0;
		} else if (c >= '0' && c <= '9') {
			;
		} else if ((c | 0x20) >= 'a' && (c | 0x20) <= 'z') {
			alpha = 1;
		} else if (c == '_' || c >= 0x80) {
			alpha = 1;	/* Postfix allows _ and UTF-8 */
		} else {
			return 0;
		}
		if (++label > 63)
			return 0;
	}
	if (label == 0 || p[-1] == '-')
		return 0;
	return alpha || strchr(s, '.') == NULL ? alpha : 0;
}

/* check_valid_hostname - Postfix's valid_hostname(), for the restrictions */
int
check_valid_hostname(const char *s)
{
	return valid_host(s);
}

void
check_resolved_init(struct check_resolved *r)
{
	memset(r, 0, sizeof(*r));
	str_init(&r->local);
	str_init(&r->domain);
}

void
check_resolved_free(struct check_resolved *r)
{
	str_free(&r->local);
	str_free(&r->domain);
}

/*
 * check_addr_resolve - classify an envelope address (no <>) as Postfix's
 * resolver does; the final address is r->local "@" r->domain (lower
 * case).  Returns r->class.  A table failure gives CHECK_CLASS_ERROR
 * with CHECK_RES_FAIL; a malformed domain CHECK_RES_ERROR (class default).
 */
int
check_addr_resolve(const char *addr, struct check_resolved *r)
{
	struct str a = STR_INIT, saved = STR_INIT;
	const char *rd;
	char *at, *op;
	size_t loops, max = strlen(addr) + 100, cut;
	int remote = 0, loc;

	check_addr_setup();
	r->flags = 0;
	r->class = CHECK_CLASS_DEFAULT;
	str_init(&a);
	str_init(&saved);
	str_set(&a, addr);
	str_lower(&a);
	canon(&a);
	for (loops = 0; loops < max; loops++) {
		/* trailing dot, but not dot-dot or at-dot */
		if (a.len > 2 && a.s[a.len - 1] == '.' &&
		    strchr(a.s, '@') && a.s[a.len - 2] != '.' &&
		    a.s[a.len - 2] != '@')
			str_trunc(&a, a.len - 1);
		if (conf_bool(P_resolve_null_domain) && a.len &&
		    a.s[a.len - 1] == '@')
			str_trunc(&a, a.len - 1);
		if ((at = strrchr(a.s, '@')) != NULL) {
			if (at[1] && (loc = check_is_local_domain(at + 1)) <= 0) {
				if (loc < 0) {
					r->flags |= CHECK_RES_FAIL;
					r->class = CHECK_CLASS_ERROR;
					goto out;
				}
				remote = 1;
				break;
			}
			str_set(&saved, at);
			str_trunc(&a, (size_t)(at - a.s));
		}
		/*
		 * What is left is the local part.  An '@' in it can only
		 * have come from a quoted local part ("user@other"@domain).
		 */
		if (strchr(a.s, '@') == NULL &&
		    ((conf_bool(P_swap_bangpath) && strchr(a.s, '!')) ||
		    (conf_bool(P_allow_percent_hack) && strchr(a.s, '%')))) {
			canon(&a);
			continue;
		}
		if (conf_bool(P_resolve_dequoted_address) &&
		    ((op = strrchr(a.s, '@')) != NULL ||
		    (conf_bool(P_allow_percent_hack) &&
		    (op = strrchr(a.s, '%')) != NULL) ||
		    (conf_bool(P_swap_bangpath) &&
		    (op = strrchr(a.s, '!')) != NULL))) {
			if (*op == '%')
				*op = '@';
			canon(&a);
			continue;
		}
		if (a.len == 0)
			str_set(&a, "mailer-daemon");
		break;
	}
	if (!remote) {
		if (saved.len)
			str_adds(&a, saved.s);
		else {
			str_addc(&a, '@');
			str_adds(&a, conf_str(P_myhostname));
			str_lower(&a);
		}
	}
	at = strrchr(a.s, '@');
	cut = (size_t)(at - a.s);
	rd = at + 1;
	str_setmem(&r->local, a.s, cut);
	str_set(&r->domain, rd);
	if (*rd == '[') {
		if (!check_literal_ok(rd))
			r->flags |= CHECK_RES_ERROR;
	} else if (!valid_host(rd)) {
		r->flags |= CHECK_RES_ERROR;
	}
	if (r->flags & CHECK_RES_ERROR) {
		r->class = CHECK_CLASS_DEFAULT;
		goto out;
	}
	if (strcspn(a.s, "@!%") < cut)
		r->flags |= CHECK_RES_ROUTED;
	r->class = remote ? remote_class(rd) : CHECK_CLASS_LOCAL;
	if (r->class == CHECK_CLASS_ERROR)
		r->flags |= CHECK_RES_FAIL;
out:
	str_free(&a);
	str_free(&saved);
	return r->class;
}

/* check_literal_ok - [1.2.3.4] or [ipv6:...] (valid_mailhost_literal) */
int
check_literal_ok(const char *lit)
{
	unsigned char a[INET_ADDR_LEN];
	char buf[INET_ADDR_STRLEN + 8];
	size_t len = strlen(lit);
	const char *s;
	int fam;

	if (len < 3 || lit[0] != '[' || lit[len - 1] != ']' ||
	    len - 2 >= sizeof(buf))
		return 0;
	memcpy(buf, lit + 1, len - 2);
	buf[len - 2] = 0;
	s = buf;
	if (strncasecmp(s, "ipv6:", 5) == 0)
		s += 5;
	else if (strchr(s, ':'))
		return 0;
	return inet_addr_pton(s, &fam, a) == 0;
}
