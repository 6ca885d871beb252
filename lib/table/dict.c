/* MIT licence: see LICENSE. */
/*
 * dict.c - the table layer: "type:name" to a table, lookups with
 * Postfix's key folding, a per-process cache of open tables.
 *
 * Every process that looks something up (smtpd, cleanup, qmgr, local,
 * postmap, postalias, ...), with that process's privileges; the tables
 * are opened during setup, before privileges are dropped, so an error
 * here may be fatal, while a lookup error never is.  Man pages:
 * postmap(1), mta.conf(5) (default_database_type).
 *
 * mta builds one indexed file type, cdb.  A configuration written for
 * Postfix says hash:, btree:, dbm:, lmdb: or sdbm:; those are read as
 * cdb: with a notice, once per type per process, so that such a
 * configuration works after one postmap run.  proxy: is dropped: there is
 * no proxymap, and the tables are read in the process that asks.
 */
#include <sys/stat.h>

#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "../conf.h"
#include "../log.h"
#include "../str.h"
#include "../svc.h"
#include "../x.h"
#include "dict.h"

#include "../../config.h"

struct dtype {
	const char	*name;
	struct dict	*(*open)(const char *, int, struct str *);
	int		fixed;		/* keys are fixed strings: fold */
};

static const struct dtype dtypes[] = {
	{ "cdb", dict_cdb_open, 1 },
	{ "cidr", dict_cidr_open, 0 },
	{ "fail", dict_fail_open, 1 },
	{ "inline", dict_inline_open, 1 },
	{ "regexp", dict_regexp_open, 0 },
	{ "static", dict_static_open, 1 },
	{ "texthash", dict_texthash_open, 1 },
	{ "unix", dict_unix_open, 1 },
};
#define NDTYPES (sizeof(dtypes) / sizeof(dtypes[0]))

/* Postfix's other indexed types: all read as cdb */
static const char *const synonyms[] = {
	"btree", "dbm", "hash", "lmdb", "sdbm",
};
#define NSYNONYMS (sizeof(synonyms) / sizeof(synonyms[0]))
static int told[NSYNONYMS];

/* what postconf -m prints: every name dict_open() accepts, sorted */
static const char types_text[] =
    "btree\ncdb\ncidr\ndbm\nfail\nhash\ninline\nlmdb\nproxy\nregexp\n"
    "sdbm\nstatic\ntexthash\nunix\n";

/* the cache: one entry per distinct (type:name, flags) */
struct cent {
	char		*spec;
	int		flags;
	int		refs;
	struct dict	*d;
	struct cent	*next;
};
static struct cent *cache;

/* dict_types - the supported type names, one a line, sorted */
const char *
dict_types(void)
{
	return types_text;
}

/*
 * dict_split - "type:name" into fresh copies.  A name without a type (no
 * ':' before the first '/') gives *type = NULL.  Returns 0, or -1 when
 * the type or the name is empty.
 */
int
dict_split(const char *spec, char **type, char **name)
{
	const char *colon, *slash;

	*type = *name = NULL;
	colon = strchr(spec, ':');
	slash = strchr(spec, '/');
	if (colon == NULL || (slash && slash < colon)) {
		if (*spec == 0)
			return -1;
		*name = xstrdup(spec);
		return 0;
	}
	if (colon == spec || colon[1] == 0)
		return -1;
	*type = xstrndup(spec, (size_t)(colon - spec));
	*name = xstrdup(colon + 1);
	return 0;
}

/*
 * dict_resolve - the type mta uses for a type name (hash -> cdb, with a
 * notice the first time); NULL for a type it does not know.  name is
 * only for the notice.
 */
const char *
dict_resolve(const char *type, const char *name)
{
	size_t i;

	for (i = 0; i < NDTYPES; i++)
		if (strcmp(type, dtypes[i].name) == 0)
			return dtypes[i].name;
	for (i = 0; i < NSYNONYMS; i++) {
		if (strcmp(type, synonyms[i]) != 0)
			continue;
		if (!told[i]++)
			info("%s:%s: using cdb:%s instead (%s is not built "
			    "into mta)", type, name, name, type);
		return "cdb";
	}
	return NULL;
}

static const struct dtype *
find_type(const char *name)
{
	size_t i;

	for (i = 0; i < NDTYPES; i++)
		if (strcmp(name, dtypes[i].name) == 0)
			return &dtypes[i];
	return NULL;
}

/* every open table, for dict_changed() */
static struct dict *live;

/* stamp - what d's file is now, to tell a rebuilt file later */
static void
stamp(struct dict *d)
{
	struct stat st;

	if (d->file && stat(d->file, &st) == 0) {
		d->dev = st.st_dev;
		d->ino = st.st_ino;
		d->mtime = (long long)st.st_mtime;
	}
	/* a long-lived service asks before each client */
	svc_serve_stale = dict_changed;
}

/*
 * dict_changed - the name of an open table whose file was rebuilt or
 * changed since it was opened (postmap renames a new file into place),
 * or NULL: a long-lived process then ends after its client, as
 * Postfix's daemons do, and the next one reads the new file
 */
const char *
dict_changed(void)
{
	struct stat st;
	struct dict *d;

	for (d = live; d; d = d->next) {
		if (d->file == NULL || d->ino == 0)
			continue;
		if (stat(d->file, &st) < 0 || st.st_ino != d->ino ||
		    st.st_dev != d->dev || (long long)st.st_mtime != d->mtime)
			return d->file;
	}
	return NULL;
}

/*
 * dict_open - open "type:name" (or a bare name, of default_database_type).
 * NULL with the reason in err.
 */
struct dict *
dict_open(const char *spec, int flags, struct str *err)
{
	const struct dtype *tp;
	const char *canon, *deftype;
	char *type = NULL, *name = NULL;
	struct str key = STR_INIT;
	struct cent *ce;
	struct dict *d = NULL;

	while (strncmp(spec, "proxy:", 6) == 0)
		spec += 6;
	if (dict_split(spec, &type, &name) < 0) {
		str_reset(err);
		str_addf(err, "open dictionary: expecting \"type:name\" "
		    "form instead of \"%s\"", spec);
		goto out;
	}
	if (type == NULL) {
		deftype = conf_str(P_default_database_type);
		type = xstrdup(deftype && *deftype ? deftype :
		    DEFAULT_TABLE_TYPE);
	}
	if ((canon = dict_resolve(type, name)) == NULL ||
	    (tp = find_type(canon)) == NULL) {
		str_reset(err);
		str_addf(err, "unsupported dictionary type: %s", type);
		goto out;
	}
	str_addf(&key, "%s:%s", canon, name);
	if (!(flags & DICT_NO_CACHE)) {
		for (ce = cache; ce; ce = ce->next) {
			if (ce->flags == flags &&
			    strcmp(ce->spec, key.s) == 0) {
				ce->refs++;
				d = ce->d;
				goto out;
			}
		}
	}
	if ((d = tp->open(name, flags, err)) == NULL)
		goto out;
	stamp(d);
	if (tp->fixed)
		d->flags = (d->flags & ~DICT_PATTERN) | DICT_FIXED;
	else
		d->flags = (d->flags & ~(DICT_FOLD | DICT_FIXED)) |
		    DICT_PATTERN;
	if (!(flags & DICT_NO_CACHE)) {
		ce = xcalloc(1, sizeof(*ce));
		ce->spec = str_steal(&key);
		ce->flags = flags;
		ce->refs = 1;
		ce->d = d;
		ce->next = cache;
		cache = ce;
	}
out:
	str_free(&key);
	free(type);
	free(name);
	return d;
}

/* dict_lookup - 1 found (value in val), 0 not found, -1 error (d->err) */
int
dict_lookup(struct dict *d, const char *key, struct str *val)
{
	if ((d->flags & (DICT_FOLD | DICT_PATTERN)) == DICT_FOLD) {
		str_set(&d->fold, key);
		str_lower(&d->fold);
		key = d->fold.s;
	}
	str_reset(val);
	return d->lookup(d, key, val);
}

/* dict_seq - the first or next entry: 1, 0 at the end, -1 error */
int
dict_seq(struct dict *d, int how, struct str *key, struct str *val)
{
	if (d->seq == NULL) {
		str_reset(&d->err);
		str_addf(&d->err, "%s tables cannot be listed", d->type);
		return -1;
	}
	str_reset(key);
	str_reset(val);
	return d->seq(d, how, key, val);
}

/* dict_close - drop one reference; the last one closes the table */
void
dict_close(struct dict *d)
{
	struct cent **pp, *ce;

	if (d == NULL)
		return;
	for (pp = &cache; (ce = *pp) != NULL; pp = &ce->next) {
		if (ce->d != d)
			continue;
		if (--ce->refs > 0)
			return;
		*pp = ce->next;
		free(ce->spec);
		free(ce);
		break;
	}
	d->close(d);
}

/*
 * dict_alloc - a zeroed table of size bytes (a type's own struct that
 * begins with struct dict), named and with its strings ready.
 */
struct dict *
dict_alloc(const char *type, const char *name, int flags, size_t size)
{
	struct dict *d;

	if (size < sizeof(*d))
		bug("dict_alloc: size %zu", size);
	d = xcalloc(1, size);
	d->type = type;
	d->name = xstrdup(name);
	d->flags = flags;
	d->owner = (uid_t)-1;
	str_init(&d->err);
	str_init(&d->fold);
	d->next = live;
	if (live)
		live->prev = d;
	live = d;
	return d;
}

/* dict_free - release what dict_alloc() made, and the table itself */
void
dict_free(struct dict *d)
{
	if (d->prev)
		d->prev->next = d->next;
	else if (live == d)
		live = d->next;
	if (d->next)
		d->next->prev = d->prev;
	free(d->name);
	free(d->file);
	str_free(&d->err);
	str_free(&d->fold);
	free(d);
}


/*
 * dict_warn - a problem in the text of table file (of type) at lineno,
 * logged in Postfix's shape "regexp map FILE, line N: ...".
 */
void
dict_warn(const char *type, const char *file, int lineno,
    const char *fmt, ...)
{
	struct str msg = STR_INIT;
	va_list ap;

	str_addf(&msg, "%s map %s, line %d: ", type, file, lineno);
	va_start(ap, fmt);
	str_vaddf(&msg, fmt, ap);
	va_end(ap);
	warn("%s", msg.s);
	str_free(&msg);
}
