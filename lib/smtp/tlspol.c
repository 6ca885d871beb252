/* MIT licence: see LICENSE. */
/*
 * smtp/tlspol.c - the TLS policy of the smtp client for one next hop, as
 * Postfix's smtp_tls_policy.c computes it: smtp_tls_policy_maps looked
 * up with the next hop as given, and for a domain next hop (no "[...]",
 * no ":port") with each parent domain in turn, a leading dot on it
 * ("sub.example.com", ".example.com", ".com"), the first hit winning;
 * else smtp_tls_security_level (when empty: the obsolete
 * smtp_enforce_tls, smtp_tls_enforce_peername and smtp_use_tls, as
 * Postfix).  An entry is a level and attributes: match= (verify,
 * secure; colon-separated, may repeat), protocols=,
 * ciphers=, exclude=, servername= (once each).  What would weaken the
 * policy if misread makes it invalid: an unknown level or attribute, an
 * attribute twice, match= at another level; the delivery is then
 * deferred with "client TLS configuration problem" (4.7.5) and a warning
 * that names the table, the key and the fault.  mta has no DANE: "dane"
 * falls back to "may" and "dane-only" is invalid, both with Postfix's
 * warning for a build without DANE support.  At verify and secure the
 * match list (the entry's match=, else smtp_tls_verify_cert_match or
 * smtp_tls_secure_cert_match: names separated by white space, commas or
 * colons) is resolved by smtp_tls_pol_names(): "hostname" (the server's
 * name), "nexthop", "dot-nexthop" (any name below the next hop), a name,
 * or ".domain" (any name below domain).
 *
 * Run inside the smtp and lmtp agents and sendmail's relay mode, from
 * client.c.  Man page: smtp(8).
 */
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "../../config.h"
#include "../conf.h"
#include "../log.h"
#include "../str.h"
#include "../table/maps.h"
#include "../x.h"
#include "tlspol.h"

/* levels that exist only while an entry is read */
#define L_DANE		10
#define L_DANE_ONLY	11
#define L_FPRINT	12

static const struct {
	const char	*name;
	int		level;
} levels[] = {
	{ "none", TLS_NONE }, { "may", TLS_MAY }, { "encrypt", TLS_ENCRYPT },
	{ "dane", L_DANE }, { "dane-only", L_DANE_ONLY },
	{ "fingerprint", L_FPRINT }, { "verify", TLS_VERIFY },
	{ "secure", TLS_SECURE },
};
#define NLEVELS	(sizeof(levels) / sizeof(levels[0]))

static struct maps *pol_maps;	/* smtp_tls_policy_maps, once */

static int
level_word(const char *w)
{
	size_t i;

	for (i = 0; i < NLEVELS; i++)
		if (strcasecmp(w, levels[i].name) == 0)
			return levels[i].level;
	return -1;
}

static const char *
level_name(int level)
{
	size_t i;

	for (i = 0; i < NLEVELS; i++)
		if (levels[i].level == level)
			return levels[i].name;
	return "unknown";
}

/* the next token of *p (commas, white space), NUL-terminated; NULL at end */
static char *
next_tok(char **p, const char *sep)
{
	char *t = *p + strspn(*p, sep);
	size_t n = strcspn(t, sep);

	if (*t == 0)
		return NULL;
	*p = t + n + (t[n] != 0);
	t[n] = 0;
	return t;
}

/* add the names of list (split at sep) to the NULL-terminated *v */
static void
split_add(char ***v, const char *list, const char *sep)
{
	char *buf = xstrdup(list), *p = buf, *t;
	size_t n = 0;

	while (*v != NULL && (*v)[n] != NULL)
		n++;
	while ((t = next_tok(&p, sep)) != NULL) {
		*v = xreallocarray(*v, n + 2, sizeof(char *));
		(*v)[n++] = xstrdup(t);
		(*v)[n] = NULL;
	}
	free(buf);
}

/* a domain next hop (Postfix's valid_hostname()): parent domains apply */
static int
is_domain(const char *s)
{
	size_t i, label = 0, n = strlen(s);
	int alpha = 0;

	if (n == 0 || n > 255)
		return 0;
	for (i = 0; i < n; i++) {
		if (s[i] == '.') {
			if (label == 0 || s[i - 1] == '-')
				return 0;
			label = 0;
			continue;
		}
		if (strchr("abcdefghijklmnopqrstuvwxyz"
		    "ABCDEFGHIJKLMNOPQRSTUVWXYZ_", s[i]) != NULL)
			alpha = 1;
		else if (s[i] == '-') {
			if (label == 0)
				return 0;
		} else if (s[i] < '0' || s[i] > '9')
			return 0;
		if (++label > 63)
			return 0;
	}
	return label > 0 && s[n - 1] != '-' && alpha;
}

/*
 * parse - a policy entry into pol; its level, or -1 (warned: where names
 * the table and key)
 */
static int
parse(struct smtp_tls_pol *pol, const char *where, const char *v)
{
	static const char sep[] = "\t\n\r ,";
	char *buf = xstrdup(v), *p = buf, *tok, *val, **slot;
	int level = -1;

	if ((tok = next_tok(&p, sep)) == NULL) {
		warn("%s: invalid empty policy", where);
		goto out;
	}
	if ((level = level_word(tok)) < 0) {
		warn("%s: invalid security level \"%s\"", where, tok);
		goto out;
	}
	if (level == L_FPRINT) {
		warn("%s: security level \"%s\" is not supported", where, tok);
		level = -1;
		goto out;
	}
	if (level == TLS_NONE) {
		while ((tok = next_tok(&p, sep)) != NULL)
			warn("%s: ignoring attribute \"%s\" with TLS disabled",
			    where, tok);
		goto out;
	}
	while ((tok = next_tok(&p, sep)) != NULL) {
		if ((val = strchr(tok, '=')) == NULL || val == tok) {
			warn("%s: malformed attribute/value pair \"%s\": %s",
			    where, tok, val ? "missing attribute name" :
			    "missing '=' after attribute name");
			level = -1;
			goto out;
		}
		*val++ = 0;
		if (strcasecmp(tok, "match") == 0) {
			if (*val == 0) {
				warn("%s: attribute \"%s\" has empty value",
				    where, tok);
				level = -1;
				goto out;
			}
			if (level != TLS_VERIFY && level != TLS_SECURE) {
				warn("%s: attribute \"%s\" invalid at security "
				    "level \"%s\"", where, tok,
				    level_name(level));
				level = -1;
				goto out;
			}
			split_add(&pol->match, val, ":");
			continue;
		}
		if (strcasecmp(tok, "ciphers") == 0)
			slot = &pol->ciphers;
		else if (strcasecmp(tok, "protocols") == 0)
			slot = &pol->protocols;
		else if (strcasecmp(tok, "exclude") == 0)
			slot = &pol->exclude;
		else if (strcasecmp(tok, "servername") == 0)
			slot = &pol->servername;
		else {
			warn("%s: invalid attribute name: \"%s\"", where, tok);
			level = -1;
			goto out;
		}
		if (*val == 0 && slot != &pol->exclude &&
		    slot != &pol->protocols) {
			warn("%s: attribute \"%s\" has empty value", where,
			    tok);
			level = -1;
			goto out;
		}
		if (*slot != NULL) {
			warn("%s: attribute \"%s\" is specified multiple times",
			    where, tok);
			level = -1;
			goto out;
		}
		*slot = xstrdup(val);
	}
out:
	free(buf);
	return level;
}

/*
 * smtp_tls_pol_find - the policy for nexthop ("[host]:port", "domain";
 * NULL or "" for none) into pol; lmtp names lmtp_tls_policy_maps in the
 * warnings.  0, or -1 when the policy is invalid or the table failed
 * (warned): the caller defers with "client TLS configuration problem"
 * (4.7.5), as Postfix.
 */
int
smtp_tls_pol_find(struct smtp_tls_pol *pol, const char *nexthop, int lmtp)
{
	const char *title = lmtp ? "lmtp_tls_policy_maps" :
	    "smtp_tls_policy_maps";
	const char *v = NULL, *key;
	struct str where = STR_INIT;
	int r = 0, level, dom;

	memset(pol, 0, sizeof(*pol));
	if (*conf_str(P_smtp_tls_policy_maps) && nexthop && *nexthop) {
		if (pol_maps == NULL)
			pol_maps = maps_open(title,
			    conf_str(P_smtp_tls_policy_maps), DICT_FOLD);
		dom = is_domain(nexthop);
		for (key = nexthop; key != NULL; key = dom ?
		    strchr(key + 1, '.') : NULL) {
			str_set(&where, title);
			str_addf(&where, ", next-hop destination \"%s\"", key);
			if ((r = maps_find(pol_maps, key, MAPS_FULL, &v)) < 0) {
				warn("%s: policy table lookup error", where.s);
				goto bad;
			}
			if (r > 0 && v != NULL)
				break;
		}
	}
	if (r > 0 && v != NULL)
		level = parse(pol, where.s, v);
	else if (*(v = conf_str(P_smtp_tls_security_level)) == 0) {
		/* Postfix's obsolete switches, read when the level is empty */
		if (conf_bool(P_smtp_enforce_tls))
			level = conf_bool(P_smtp_tls_enforce_peername) ?
			    TLS_VERIFY : TLS_ENCRYPT;
		else
			level = conf_bool(P_smtp_use_tls) ? TLS_MAY : TLS_NONE;
	} else {
		str_set(&where, lmtp ? "lmtp_tls_security_level" :
		    "smtp_tls_security_level");
		level = parse(pol, where.s, v);
	}
	if (level < 0)
		goto bad;
	if (level == L_DANE || level == L_DANE_ONLY) {
		/* no TLSA lookups: Postfix built without DANE support */
		warn("%s: %s configured, but no requisite library support",
		    nexthop && *nexthop ? nexthop : "(none)",
		    level_name(level));
		if (level == L_DANE_ONLY)
			goto bad;
		level = TLS_MAY;
	}
	pol->level = level;
	if ((level == TLS_VERIFY || level == TLS_SECURE) && pol->match == NULL)
		split_add(&pol->match, conf_str(level == TLS_VERIFY ?
		    P_smtp_tls_verify_cert_match :
		    P_smtp_tls_secure_cert_match), "\t\n\r, :");
	str_free(&where);
	return 0;
bad:
	str_free(&where);
	smtp_tls_pol_free(pol);
	return -1;
}

/* smtp_tls_nexthop_name - "[host]:port" -> "host", "dom:port" -> "dom" */
char *
smtp_tls_nexthop_name(const char *nh)
{
	const char *e;

	if (nh == NULL)
		return xstrdup("");
	if (*nh == '[' && (e = strchr(nh, ']')) != NULL)
		return xstrndup(nh + 1, (size_t)(e - nh - 1));
	if ((e = strrchr(nh, ':')) != NULL && strchr(nh, ':') == e)
		return xstrndup(nh, (size_t)(e - nh));
	return xstrdup(nh);
}

/*
 * smtp_tls_pol_names - pol's match list for a server named host (the MX
 * name, or the host of "[host]") of the next hop nexthop: "hostname" ->
 * host, "nexthop" -> the next hop's domain, "dot-nexthop" -> ".domain",
 * other names as they are; for tls_client_start(); free with
 * smtp_tls_names_free()
 */
char **
smtp_tls_pol_names(const struct smtp_tls_pol *pol, const char *host,
    const char *nexthop)
{
	char **v = NULL, *nh = smtp_tls_nexthop_name(nexthop), *n;
	size_t i, k = 0;

	v = xreallocarray(NULL, 1, sizeof(char *));
	v[0] = NULL;
	for (i = 0; pol->match != NULL && pol->match[i] != NULL; i++) {
		n = pol->match[i];
		if (strcasecmp(n, "hostname") == 0)
			n = xstrdup(host ? host : "");
		else if (strcasecmp(n, "nexthop") == 0)
			n = xstrdup(nh);
		else if (strcasecmp(n, "dot-nexthop") == 0) {
			n = xmalloc(strlen(nh) + 2);
			n[0] = '.';
			memcpy(n + 1, nh, strlen(nh) + 1);
		} else
			n = xstrdup(n);
		v = xreallocarray(v, k + 2, sizeof(char *));
		v[k++] = n;
		v[k] = NULL;
	}
	free(nh);
	return v;
}

/* smtp_tls_names_free - a list from smtp_tls_pol_names() */
void
smtp_tls_names_free(char **v)
{
	size_t i;

	for (i = 0; v != NULL && v[i] != NULL; i++)
		free(v[i]);
	free(v);
}

/* smtp_tls_pol_free - what smtp_tls_pol_find() allocated */
void
smtp_tls_pol_free(struct smtp_tls_pol *pol)
{
	smtp_tls_names_free(pol->match);
	free(pol->protocols);
	free(pol->ciphers);
	free(pol->exclude);
	free(pol->servername);
	memset(pol, 0, sizeof(*pol));
}
