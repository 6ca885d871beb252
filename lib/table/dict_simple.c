/* MIT licence: see LICENSE. */
/*
 * dict_simple.c - the table types that need no index file: static:,
 * inline:, texthash:, unix: and fail:.
 *
 * Any process that looks something up, with its privileges; texthash:
 * reads its file once, at open (so during setup, before a chroot), as
 * Postfix does.  Man page: postmap(1).
 *
 *	static:VALUE, static:{ VALUE WITH SPACES }	every key -> VALUE
 *	inline:{ k1=v1, k2=v2, { k3 = text with , } }	Postfix 3.0 syntax
 *	texthash:FILE		postmap(1) input read as a table
 *	unix:passwd.byname	getpwnam(): name:passwd:uid:gid:gecos:dir:shell
 *	unix:group.byname	getgrnam(): "name:passwd:gid:member,..."
 *	fail:NAME		every lookup is an error (tests, fallbacks)
 */
#include <sys/stat.h>

#include <ctype.h>
#include <errno.h>
#include <grp.h>
#include <pwd.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../log.h"
#include "../priv.h"
#include "../str.h"
#include "../x.h"
#include "dict.h"
#include "table.h"

/*
 * A small hash of key -> value that remembers the order of insertion
 * (for postmap -s), shared by inline: and texthash:.
 */
struct ent {
	char	*key;
	char	*val;
	size_t	next;		/* chain, 1-based; 0 ends it */
};

struct htab {
	struct ent	*e;
	size_t		n, cap;
	size_t		*bucket;	/* 1-based indexes into e */
	size_t		nbucket;
	size_t		seqpos;
	char		*value;		/* static: the one value */
};

static uint32_t
hash(const char *s)
{
	uint32_t h = 2166136261U;

	while (*s)
		h = (h ^ (unsigned char)*s++) * 16777619U;
	return h;
}

static struct ent *
ht_find(struct htab *ht, const char *key)
{
	size_t i;

	if (ht->nbucket == 0)
		return NULL;
	for (i = ht->bucket[hash(key) % ht->nbucket]; i; i = ht->e[i - 1].next)
		if (strcmp(ht->e[i - 1].key, key) == 0)
			return &ht->e[i - 1];
	return NULL;
}

static void
ht_rehash(struct htab *ht)
{
	size_t i, b;

	free(ht->bucket);
	ht->nbucket = ht->cap * 2 + 1;
	ht->bucket = xcalloc(ht->nbucket, sizeof(*ht->bucket));
	for (i = 0; i < ht->n; i++) {
		b = hash(ht->e[i].key) % ht->nbucket;
		ht->e[i].next = ht->bucket[b];
		ht->bucket[b] = i + 1;
	}
}

/* ht_add - add key -> val; an existing key stays unless replace */
static int
ht_add(struct htab *ht, const char *key, const char *val, int replace)
{
	struct ent *ep;

	if ((ep = ht_find(ht, key)) != NULL) {
		if (replace) {
			free(ep->val);
			ep->val = xstrdup(val);
		}
		return 1;
	}
	if (ht->n == ht->cap) {
		ht->cap = ht->cap ? ht->cap * 2 : 16;
		ht->e = xreallocarray(ht->e, ht->cap, sizeof(*ht->e));
	}
	ep = &ht->e[ht->n++];
	ep->key = xstrdup(key);
	ep->val = xstrdup(val);
	ep->next = 0;
	if (ht->n * 2 > ht->nbucket) {
		ht_rehash(ht);
	} else {
		size_t b = hash(key) % ht->nbucket;

		ep->next = ht->bucket[b];
		ht->bucket[b] = ht->n;
	}
	return 0;
}

static void
ht_free(struct htab *ht)
{
	size_t i;

	for (i = 0; i < ht->n; i++) {
		free(ht->e[i].key);
		free(ht->e[i].val);
	}
	free(ht->e);
	free(ht->bucket);
	free(ht->value);
	free(ht);
}

static int
ht_lookup(struct dict *d, const char *key, struct str *val)
{
	struct ent *ep;

	if ((ep = ht_find(d->priv, key)) == NULL)
		return 0;
	str_set(val, ep->val);
	return 1;
}

static int
ht_seq(struct dict *d, int how, struct str *key, struct str *val)
{
	struct htab *ht = d->priv;

	if (how == DICT_SEQ_FIRST)
		ht->seqpos = 0;
	if (ht->seqpos >= ht->n)
		return 0;
	str_set(key, ht->e[ht->seqpos].key);
	str_set(val, ht->e[ht->seqpos].val);
	ht->seqpos++;
	return 1;
}

static void
ht_close(struct dict *d)
{
	ht_free(d->priv);
	dict_free(d);
}

static struct dict *
ht_dict(const char *type, const char *name, int flags, struct htab *ht)
{
	struct dict *d;

	d = dict_alloc(type, name, flags, sizeof(*d));
	d->priv = ht;
	d->lookup = ht_lookup;
	d->seq = ht_seq;
	d->close = ht_close;
	return d;
}

/*
 * braced - the text inside "{ ... }" (s starts at the '{'), trimmed, in
 * a fresh string; *end after the '}'.  NULL when the '}' is missing.
 */
static char *
braced(const char *s, const char **end)
{
	const char *p;
	int depth = 0;
	struct str t = STR_INIT;

	for (p = s; *p; p++) {
		if (*p == '{')
			depth++;
		else if (*p == '}' && --depth == 0)
			break;
	}
	if (*p != '}')
		return NULL;
	*end = p + 1;
	str_setmem(&t, s + 1, (size_t)(p - s - 1));
	str_trim(&t);
	return str_steal(&t);
}

/* static: ------------------------------------------------------------- */

static int
static_lookup(struct dict *d, const char *key, struct str *val)
{
	struct htab *ht = d->priv;

	(void)key;
	str_set(val, ht->value);
	return 1;
}

/* dict_static_open - static:VALUE or static:{ VALUE } */
struct dict *
dict_static_open(const char *name, int flags, struct str *err)
{
	struct htab *ht;
	struct dict *d;
	const char *end;
	char *value;

	if (*name == '{') {
		if ((value = braced(name, &end)) == NULL) {
			str_reset(err);
			str_addf(err, "bad static:name syntax: missing '}' "
			    "in \"%s\"", name);
			return NULL;
		}
		if (*str_skipws(end)) {
			str_reset(err);
			str_addf(err, "bad static:name syntax: syntax error "
			    "after '}' in \"%s\"", name);
			free(value);
			return NULL;
		}
	} else {
		value = xstrdup(name);
	}
	ht = xcalloc(1, sizeof(*ht));
	ht->value = value;
	d = ht_dict("static", name, flags, ht);
	d->lookup = static_lookup;
	d->seq = NULL;
	return d;
}

/* inline: ------------------------------------------------------------- */

/* split "name = value" as Postfix's split_nameval(); NULL or why not */
static const char *
split_nameval(char *s, char **np, char **vp)
{
	char *p, *e;
	size_t n;

	s = str_skipws(s);
	if (*s == 0)
		return "missing attribute name";
	for (p = s; *p && !isspace((unsigned char)*p) && *p != '='; p++)
		;
	e = p;
	p = str_skipws(p);
	if (*p != '=')
		return "missing '=' after attribute name";
	*e = 0;
	p = str_skipws(p + 1);
	n = strlen(p);
	while (n > 0 && isspace((unsigned char)p[n - 1]))
		p[--n] = 0;
	*np = s;
	*vp = p;
	return NULL;
}

/* dict_inline_open - inline:{ name=value, { name = value }, ... } */
struct dict *
dict_inline_open(const char *name, int flags, struct str *err)
{
	struct htab *ht;
	const char *why = "bad syntax", *end, *p, *q;
	char *body = NULL, *tok, *k, *v;
	size_t n;

	ht = xcalloc(1, sizeof(*ht));
	if (*name != '{' || (body = braced(name, &end)) == NULL ||
	    *str_skipws(end) || *body == 0)
		goto bad;
	for (p = body; *p; p = q) {
		p += strspn(p, ", \t\r\n");
		if (*p == 0)
			break;
		if (*p == '{') {
			if ((tok = braced(p, &q)) == NULL)
				goto bad;
		} else {
			n = strcspn(p, ", \t\r\n{");
			tok = xstrndup(p, n);
			q = p + n;
		}
		why = split_nameval(tok, &k, &v);
		if (why == NULL) {
			if (flags & DICT_FOLD)
				str_lcase(k);
			ht_add(ht, k, v, 0);
		}
		free(tok);
		if (why)
			goto bad;
	}
	free(body);
	return ht_dict("inline", name, flags, ht);
bad:
	str_reset(err);
	str_addf(err, "%s: \"inline:%s\"; need \"inline:{name=value...}\"",
	    why, name);
	free(body);
	ht_free(ht);
	return NULL;
}

/* texthash: ----------------------------------------------------------- */

struct thload {
	struct htab	*ht;
	const char	*path;
	int		flags;
};

static int
thash_add(void *ctx, const char *key, const char *val, int lineno)
{
	struct thload *lp = ctx;

	if (ht_add(lp->ht, key, val, lp->flags & DICT_DUP_REPLACE) &&
	    !(lp->flags & (DICT_DUP_REPLACE | DICT_DUP_IGNORE)))
		warn("%s, line %d: duplicate entry: \"%s\"", lp->path,
		    lineno, key);
	return 0;
}

/* dict_texthash_open - a postmap source file, read now, kept in memory */
struct dict *
dict_texthash_open(const char *name, int flags, struct str *err)
{
	struct thload ld;
	struct dict *d;
	struct stat st;
	uid_t owner = (uid_t)-1;
	FILE *fp;
	int r;

	if ((fp = priv_fopen(name)) == NULL) {
		str_reset(err);
		str_addf(err, "open database %s: %s", name, strerror(errno));
		return NULL;
	}
	if (fstat(fileno(fp), &st) == 0)
		owner = st.st_uid;
	ld.ht = xcalloc(1, sizeof(*ld.ht));
	ld.path = name;
	ld.flags = flags;
	r = table_read(fp, name, TABLE_TEXTHASH |
	    ((flags & DICT_FOLD) ? TABLE_FOLD : 0), thash_add, &ld);
	fclose(fp);
	if (r < 0) {
		str_reset(err);
		str_addf(err, "read %s: %s", name, strerror(errno));
		ht_free(ld.ht);
		return NULL;
	}
	d = ht_dict("texthash", name, flags, ld.ht);
	d->file = xstrdup(name);
	d->owner = owner;
	return d;
}

/* unix: --------------------------------------------------------------- */

/* getpwnam() and getgrnam() say "no such name" in several ways */
static int
sys_error(int e)
{
	return e == EIO || e == EINTR || e == EMFILE || e == ENFILE ||
	    e == ENOMEM || e == ERANGE;
}

static int
unix_passwd(struct dict *d, const char *key, struct str *val)
{
	struct passwd *pw;

	errno = 0;
	if ((pw = getpwnam(key)) == NULL) {
		if (!sys_error(errno))
			return 0;
		str_reset(&d->err);
		str_addf(&d->err, "unix:%s: getpwnam %s: %s", d->name, key,
		    strerror(errno));
		return -1;
	}
	str_addf(val, "%s:%s:%ld:%ld:%s:%s:%s", pw->pw_name, pw->pw_passwd,
	    (long)pw->pw_uid, (long)pw->pw_gid, pw->pw_gecos, pw->pw_dir,
	    pw->pw_shell);
	return 1;
}

static int
unix_group(struct dict *d, const char *key, struct str *val)
{
	struct group *gr;
	char **mp;

	errno = 0;
	if ((gr = getgrnam(key)) == NULL) {
		if (!sys_error(errno))
			return 0;
		str_reset(&d->err);
		str_addf(&d->err, "unix:%s: getgrnam %s: %s", d->name, key,
		    strerror(errno));
		return -1;
	}
	str_addf(val, "%s:%s:%ld:", gr->gr_name, gr->gr_passwd,
	    (long)gr->gr_gid);
	for (mp = gr->gr_mem; mp && *mp; mp++)
		str_addf(val, "%s%s", mp == gr->gr_mem ? "" : ",", *mp);
	return 1;
}

static void
plain_close(struct dict *d)
{
	dict_free(d);
}

/* dict_unix_open - unix:passwd.byname or unix:group.byname */
struct dict *
dict_unix_open(const char *name, int flags, struct str *err)
{
	struct dict *d;
	int (*fn)(struct dict *, const char *, struct str *);

	if (strcmp(name, "passwd.byname") == 0)
		fn = unix_passwd;
	else if (strcmp(name, "group.byname") == 0)
		fn = unix_group;
	else {
		str_reset(err);
		str_addf(err, "unknown table: unix:%s", name);
		return NULL;
	}
	d = dict_alloc("unix", name, flags, sizeof(*d));
	d->lookup = fn;
	d->close = plain_close;
	return d;
}

/* fail: --------------------------------------------------------------- */

static int
fail_lookup(struct dict *d, const char *key, struct str *val)
{
	(void)key;
	(void)val;
	str_set(&d->err, "lookups in a fail: table always fail");
	return -1;
}

static int
fail_seq(struct dict *d, int how, struct str *key, struct str *val)
{
	return fail_lookup(d, NULL, NULL);
}

/* dict_fail_open - a table whose every lookup is an error */
struct dict *
dict_fail_open(const char *name, int flags, struct str *err)
{
	struct dict *d;

	d = dict_alloc("fail", name, flags, sizeof(*d));
	d->lookup = fail_lookup;
	d->seq = fail_seq;
	d->close = plain_close;
	return d;
}
