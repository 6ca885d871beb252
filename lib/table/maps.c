/* MIT licence: see LICENSE. */
/*
 * maps.c - Postfix's search orders, implemented once.
 *
 * A "maps" is the value of a table parameter (alias_maps, virtual_alias_
 * maps, smtpd_sender_access ...): tables tried in order, the first that
 * has the key wins.  On top of it sit the two key orders every caller
 * uses: access(5) (smtpd_check.c's check_mail_access, check_domain_
 * access, check_addr_access, check_namadr_access) and virtual(5) /
 * canonical(5) (mail_addr_find, mail_addr_map).  Used by smtpd, cleanup,
 * local and the command-line tools, with their privileges: the tables are
 * opened by maps_open(), before a daemon drops privileges.
 * Man pages: access(5), virtual(5), canonical(5).
 *
 * A table that fails makes the whole search fail (-1), never "not
 * found": the caller answers with a temporary error (451 4.3.0, or a
 * deferral), as Postfix does with DICT_ERR_RETRY.  Partial keys (a
 * domain, "user@", an address prefix) are not given to regexp and cidr
 * tables, whose patterns are written for whole keys.
 */
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "../inet.h"
#include "../log.h"
#include "../str.h"
#include "../x.h"
#include "alias.h"
#include "dict.h"
#include "maps.h"
#include "match.h"

/*
 * maps_open - the tables of spec (separated by commas or white space,
 * $names already expanded), opened with dict_open() flags.  title names
 * the list in messages.  A table that cannot be opened is reported now
 * and fails each search that reaches it, as Postfix's surrogate tables
 * do, so a missing file defers mail instead of being skipped.
 */
struct maps *
maps_open(const char *title, const char *spec, int flags)
{
	struct maps *m;
	struct maps_tab *t;
	struct str err = STR_INIT;
	char *copy, *cp, *item;

	m = xcalloc(1, sizeof(*m));
	m->title = xstrdup(title);
	str_init(&m->err);
	str_init(&m->val);
	str_init(&m->key);
	str_init(&err);
	if ((flags & (DICT_TRY0NUL | DICT_TRY1NUL)) == 0)
		flags |= DICT_TRY0NUL | DICT_TRY1NUL;
	cp = copy = xstrdup(spec ? spec : "");
	while ((item = match_next(&cp)) != NULL) {
		m->tab = xreallocarray(m->tab, m->n + 1, sizeof(*m->tab));
		t = &m->tab[m->n++];
		t->spec = xstrdup(item);
		t->why = NULL;
		str_reset(&err);
		if ((t->dict = dict_open(item, flags, &err)) == NULL) {
			t->why = xasprintf("%s: %s", title,
			    err.len ? err.s : "cannot open table");
			warn("%s", t->why);
		}
	}
	free(copy);
	str_free(&err);
	return m;
}

/* maps_close - close the tables and release the list */
void
maps_close(struct maps *m)
{
	size_t i;

	if (m == NULL)
		return;
	for (i = 0; i < m->n; i++) {
		if (m->tab[i].dict)
			dict_close(m->tab[i].dict);
		free(m->tab[i].spec);
		free(m->tab[i].why);
	}
	free(m->tab);
	free(m->title);
	str_free(&m->err);
	str_free(&m->val);
	str_free(&m->key);
	free(m);
}

/*
 * maps_find - look key up in each table in order.  flags MAPS_PARTIAL
 * skips tables that are not fixed-string (regexp, cidr).  Returns 1 with
 * *val (valid until the next search) and m->hit (the table that had the
 * key: local(8) takes the rights of its owner), 0 when no table has the
 * key, -1 when a table failed first (m->err says which; also logged).
 */
int
maps_find(struct maps *m, const char *key, int flags, const char **val)
{
	struct maps_tab *t;
	size_t i;
	int r;

	m->error = 0;
	m->hit = NULL;
	str_reset(&m->err);
	if (val)
		*val = NULL;
	/* as Postfix: an empty partial key (user@ of "@x") is no key */
	if (*key == 0)
		return 0;
	flags &= MAPS_PARTIAL;
	for (i = 0; i < m->n; i++) {
		t = &m->tab[i];
		if (t->dict == NULL) {
			str_set(&m->err, t->why);
			m->error = 1;
			return -1;
		}
		if (flags && (t->dict->flags & flags) == 0)
			continue;
		r = dict_lookup(t->dict, key, &m->val);
		if (r > 0) {
			if (m->val.len == 0) {
				/* Postfix: an empty result is a config error */
				str_reset(&m->err);
				str_addf(&m->err, "%s lookup of %s returns an "
				    "empty string result", m->title, key);
				warn("%s", m->err.s);
				m->error = 1;
				return -1;
			}
			if (val)
				*val = m->val.s;
			m->hit = t;
			return 1;
		}
		if (r < 0) {
			str_reset(&m->err);
			str_addf(&m->err, "%s:%s lookup error for \"%s\"%s%s",
			    t->dict->type, t->dict->name, key,
			    t->dict->err.len ? ": " : "",
			    t->dict->err.len ? t->dict->err.s : "");
			warn("%s", m->err.s);
			m->error = 1;
			return -1;
		}
	}
	return 0;
}

static int addr_find(struct maps *, const char *, const char *,
    maps_local_fn, void *, const char **, struct str *, int);

/*
 * split_local - Postfix's split_addr(): where the extension of a local
 * part starts (the delimiter), or NULL when it must not be split.
 */
static const char *
split_local(const char *local, size_t len, const char *delim)
{
	size_t n;

	/* never split these, whatever the delimiter */
	if ((len == 10 && strncasecmp(local, "postmaster", 10) == 0) ||
	    (len == 13 && strncasecmp(local, "mailer-daemon", 13) == 0) ||
	    (len == 13 && strncasecmp(local, "double-bounce", 13) == 0))
		return NULL;
	/* sendmail compatibility: owner-foo and foo-request stay whole */
	if (strchr(delim, '-')) {
		if (len >= 6 && strncasecmp(local, "owner-", 6) == 0)
			return NULL;
		if (len > 8 && strncasecmp(local + len - 8, "-request", 8) == 0)
			return NULL;
	}
	for (n = 0; n < len && !strchr(delim, local[n]); n++)
		;
	/* no delimiter, or nothing before it */
	if (n == 0 || n == len)
		return NULL;
	return local + n;
}

/*
 * maps_strip_addr - Postfix's strip_addr(): addr without its extension
 * (user+ext@domain -> user@domain, the delimiter set being delim) in
 * bare, and the extension with its delimiter ("+ext") in ext (may be
 * NULL).  Returns 1 when there was an extension to strip, else 0.
 */
int
maps_strip_addr(const char *addr, const char *delim, struct str *bare,
    struct str *ext)
{
	const char *at, *x;
	size_t llen;

	if (delim == NULL || *delim == 0 || addr[strcspn(addr, delim)] == 0)
		return 0;
	at = strrchr(addr, '@');
	llen = at ? (size_t)(at - addr) : strlen(addr);
	if ((x = split_local(addr, llen, delim)) == NULL)
		return 0;
	str_setmem(bare, addr, (size_t)(x - addr));
	if (at)
		str_adds(bare, at);
	if (ext)
		str_setmem(ext, x, (size_t)(addr + llen - x));
	return 1;
}

/*
 * maps_access_domain - access(5) lookup of a domain or host name: the
 * name, then its parent domains, as ".parent" keys, or as bare "parent"
 * keys with MAPS_PARENT (smtpd_access_maps listed in
 * parent_domain_matches_subdomains).  MAPS_PARTIAL in flags makes the
 * first key partial too (the domain of an address).  The parents of a
 * numerical address are not tried.  1/0/-1 as maps_find().
 */
int
maps_access_domain(struct maps *m, const char *domain, int flags,
    const char **val)
{
	unsigned char a[INET_ADDR_LEN];
	const char *name, *next;
	int lflags = flags & MAPS_PARTIAL, numeric = 1, fam, r;

	for (name = domain; *name; name = next) {
		if ((r = maps_find(m, name, lflags, val)) != 0)
			return r;
		/* no subdomain magic for numerical host names */
		if (numeric && (numeric = inet_addr_pton(domain, &fam, a) == 0))
			break;
		if ((next = strchr(name + 1, '.')) == NULL)
			break;
		if (flags & MAPS_PARENT)
			next++;
		lflags = MAPS_PARTIAL;
	}
	return 0;
}

/*
 * maps_access_ip - access(5) lookup of an IP address: the address, then
 * shorter prefixes cut at the last '.' (IPv4: 1.2.3.4, 1.2.3, 1.2, 1)
 * or ':' (IPv6, in the text the caller has: 2001:db8::1, 2001:db8:,
 * 2001:db8, 2001).  1/0/-1 as maps_find().
 */
int
maps_access_ip(struct maps *m, const char *addr, int flags,
    const char **val)
{
	char *copy, *cut;
	int delim = strchr(addr, ':') ? ':' : '.';
	int lflags = flags & MAPS_PARTIAL, r;

	copy = xstrdup(addr);
	for (;;) {
		if ((r = maps_find(m, copy, lflags, val)) != 0)
			break;
		lflags = MAPS_PARTIAL;
		if ((cut = strrchr(copy, delim)) == NULL)
			break;
		*cut = 0;
	}
	free(copy);
	return r;
}

/*
 * maps_access_host - access(5) lookup of a client or server: the host
 * name and its parent domains, then the address and its prefixes
 * (check_namadr_access).  1/0/-1 as maps_find().
 */
int
maps_access_host(struct maps *m, const char *name, const char *addr,
    int flags, const char **val)
{
	int r;

	if (name && *name &&
	    (r = maps_access_domain(m, name, flags, val)) != 0)
		return r;
	if (addr && *addr)
		return maps_access_ip(m, addr, flags, val);
	return 0;
}

/*
 * maps_access_mail - access(5) lookup of a mail address user+ext@domain
 * (check_mail_access): user+ext@domain, user@domain (with delim set),
 * the domain and its parents (as maps_access_domain(), MAPS_PARENT from
 * flags), user+ext@, user@ (with delim).  The null sender "" is looked
 * up once as nullkey (smtpd_null_access_lookup_key, "<>").  An address
 * without @domain is not looked up (the caller qualifies it first, as
 * Postfix's resolver does).  1/0/-1 as maps_find().
 */
int
maps_access_mail(struct maps *m, const char *addr, const char *delim,
    const char *nullkey, int flags, const char **val)
{
	struct str bare = STR_INIT, tmp = STR_INIT;
	const char *at;
	int stripped, r;

	if (*addr == 0)
		return nullkey && *nullkey ?
		    maps_find(m, nullkey, MAPS_FULL, val) : 0;
	if ((at = strrchr(addr, '@')) == NULL)
		return 0;
	str_init(&bare);
	str_init(&tmp);
	stripped = maps_strip_addr(addr, delim, &bare, NULL);
	if ((r = maps_find(m, addr, MAPS_FULL, val)) != 0)
		goto out;
	if (stripped && (r = maps_find(m, bare.s, MAPS_PARTIAL, val)) != 0)
		goto out;
	if ((r = maps_access_domain(m, at + 1,
	    (flags & MAPS_PARENT) | MAPS_PARTIAL, val)) != 0)
		goto out;
	str_setmem(&tmp, addr, (size_t)(at + 1 - addr));
	if ((r = maps_find(m, tmp.s, MAPS_PARTIAL, val)) != 0)
		goto out;
	if (stripped) {
		at = strrchr(bare.s, '@');
		str_setmem(&tmp, bare.s, (size_t)(at + 1 - bare.s));
		r = maps_find(m, tmp.s, MAPS_PARTIAL, val);
	}
out:
	str_free(&bare);
	str_free(&tmp);
	return r;
}

/*
 * quote_local - local as an RFC 5322 local part, quoted when it holds
 * specials (Postfix's quote_822_local), so that the envelope's
 * "a,b@c"@domain stays one address when "@domain @other" maps it
 */
static void
quote_local(struct str *out, const char *local)
{
	const char *p;

	str_reset(out);
	if (local[strcspn(local, "\"(),:;<>@[\\] \t")] == 0) {
		str_adds(out, local);
		return;
	}
	str_addc(out, '"');
	for (p = local; *p; p++) {
		if (*p == '"' || *p == '\\')
			str_addc(out, '\\');
		str_addc(out, *p);
	}
	str_addc(out, '"');
}

/*
 * maps_addr_find - virtual(5)/canonical(5) lookup (mail_addr_find):
 * user+ext@domain, user@domain, then when islocal(domain, ctx) says the
 * domain is this machine's (the caller's test: $myorigin, mydestination,
 * the interface addresses) user+ext and user, then @domain.  A bare
 * "user" is looked up as itself, then without its extension.  When the
 * match needed the extension cut off, ext (may be NULL) gets it ("+ext"),
 * else it is emptied.  1/0/-1 as maps_find().
 */
int
maps_addr_find(struct maps *m, const char *addr, const char *delim,
    maps_local_fn islocal, void *ctx, const char **val, struct str *ext)
{
	return addr_find(m, addr, delim, islocal, ctx, val, ext, 0);
}

/*
 * addr_find - maps_addr_find(); with quote, the whole address is asked
 * in external form ("a,b"@x), as Postfix 3.5 asks virtual and canonical
 * tables, so that a regexp's $1 of a local part keeps its quotes
 */
static int
addr_find(struct maps *m, const char *addr, const char *delim,
    maps_local_fn islocal, void *ctx, const char **val, struct str *ext,
    int quote)
{
	struct str bare = STR_INIT, x = STR_INIT, tmp = STR_INIT;
	const char *at;
	int stripped, r, loc;

	str_init(&bare);
	str_init(&x);
	str_init(&tmp);
	if (ext)
		str_reset(ext);
	stripped = maps_strip_addr(addr, delim, &bare, &x);
	if (quote && (at = strrchr(addr, '@')) != NULL) {
		char *local = xstrndup(addr, (size_t)(at - addr));

		quote_local(&tmp, local);
		free(local);
		str_adds(&tmp, at);
		r = maps_find(m, tmp.s, MAPS_FULL, val);
	} else {
		r = maps_find(m, addr, MAPS_FULL, val);
	}
	if (r != 0)
		goto out;
	if (stripped && (r = maps_find(m, bare.s, MAPS_PARTIAL, val)) != 0) {
		if (r > 0 && ext)
			str_set(ext, x.s);
		goto out;
	}
	if ((at = strrchr(addr, '@')) == NULL)
		goto out;
	loc = islocal ? islocal(at + 1, ctx) : 0;
	if (loc < 0) {
		str_set(&m->err, "cannot tell whether the domain is local");
		m->error = 1;
		r = -1;
		goto out;
	}
	if (loc > 0) {
		str_setmem(&tmp, addr, (size_t)(at - addr));
		if ((r = maps_find(m, tmp.s, MAPS_PARTIAL, val)) != 0)
			goto out;
		if (stripped) {
			str_setmem(&tmp, bare.s,
			    (size_t)(strrchr(bare.s, '@') - bare.s));
			r = maps_find(m, tmp.s, MAPS_PARTIAL, val);
			if (r > 0 && ext)
				str_set(ext, x.s);
			if (r != 0)
				goto out;
		}
	}
	r = maps_find(m, at, MAPS_PARTIAL, val);
out:
	str_free(&bare);
	str_free(&x);
	str_free(&tmp);
	return r;
}

/*
 * maps_addr_map - maps_addr_find() (the whole address asked in external
 * form) and what Postfix's mail_addr_map() makes of the result: a value
 * "@other" keeps the user part ("user" of user+ext@domain when the match
 * cut the extension, else "user+ext"; quoted as needed), the value is
 * split into addresses (alias_split()), and with propagate
 * (propagate_unmatched_extensions names this table class) an extension
 * that had to be cut off goes back into each: before its last '@', or at
 * the end.  Returns the NULL-terminated list (alias_list_free()), or
 * NULL with *status 0 (not found) or -1 (table error, m->err).
 */
char **
maps_addr_map(struct maps *m, const char *addr, const char *delim,
    maps_local_fn islocal, void *ctx, int propagate, int *status)
{
	struct str ext = STR_INIT, buf = STR_INIT, one = STR_INIT;
	const char *val, *at;
	char **list;
	size_t i;
	int r;

	str_init(&ext);
	r = addr_find(m, addr, delim, islocal, ctx, &val, &ext, 1);
	*status = r;
	if (r <= 0) {
		str_free(&ext);
		return NULL;
	}
	str_init(&one);
	str_init(&buf);
	if (val[0] == '@') {
		at = strrchr(addr, '@');
		str_setmem(&one, addr, at ? (size_t)(at - addr) :
		    strlen(addr));
		if (ext.len && ext.len <= one.len)
			str_trunc(&one, one.len - ext.len);
		quote_local(&buf, one.s);
		str_adds(&buf, val);
	} else {
		str_set(&buf, val);
	}
	list = alias_split(buf.s, NULL);
	if (propagate && ext.len) {
		for (i = 0; list[i]; i++) {
			at = strrchr(list[i], '@');
			str_setmem(&one, list[i], at ? (size_t)(at - list[i]) :
			    strlen(list[i]));
			str_adds(&one, ext.s);
			if (at)
				str_adds(&one, at);
			free(list[i]);
			list[i] = xstrdup(one.s);
		}
	}
	str_free(&one);
	str_free(&buf);
	str_free(&ext);
	return list;
}
