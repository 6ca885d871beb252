/* MIT licence: see LICENSE. */
/*
 * postalias.c - alias database maintenance, as Postfix's postalias(1).
 *
 * Run by the administrator (or by newaliases) with the caller's
 * privileges; as root it builds each table as the owner of the text file
 * unless -o.  Builds FILE.cdb from aliases(5) text FILE, storing what
 * Postfix's postalias stores, so either program reads the other's table;
 * queries (-q), deletes (-d), incremental updates (-i) and lists (-s).
 * Man page: postalias(1).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "../lib/conf.h"
#include "../lib/log.h"
#include "../lib/str.h"
#include "../lib/table/alias.h"
#include "../lib/table/dict.h"
#include "../lib/x.h"

#define USAGE "usage: postalias [-Nfinoprsuvw] [-c config_dir] [-d key] " \
	"[-q key] [map_type:]file..."

struct opts {
	int	dflags;		/* writer: DICT_TRY*NUL, DICT_DUP_* */
	int	aflags;		/* ALIAS_* */
	int	nul;		/* -N / -n: DICT_TRY1NUL or DICT_TRY0NUL */
	int	fold;		/* not -f */
};

/*
 * An in-memory copy of a table, for -i and -d: cdb files cannot be
 * changed in place, so the table is read, changed and written anew.
 */
struct ent {
	char	*key;
	char	*val;		/* NULL: deleted */
};

struct tab {
	struct ent	*v;
	size_t		n, cap;
	size_t		*idx;	/* open addressing: index + 1, 0 empty */
	size_t		nidx;
};

static size_t
hash(const char *s)
{
	size_t h = 5381;

	while (*s)
		h = h * 33 + (unsigned char)*s++;
	return h;
}

static void
tab_rehash(struct tab *t)
{
	size_t i, j;

	free(t->idx);
	t->nidx = t->nidx ? t->nidx * 2 : 64;
	t->idx = xcalloc(t->nidx, sizeof(*t->idx));
	for (i = 0; i < t->n; i++) {
		j = hash(t->v[i].key) & (t->nidx - 1);
		while (t->idx[j])
			j = (j + 1) & (t->nidx - 1);
		t->idx[j] = i + 1;
	}
}

static struct ent *
tab_find(struct tab *t, const char *key)
{
	size_t j;

	if (t->nidx == 0)
		return NULL;
	j = hash(key) & (t->nidx - 1);
	for (; t->idx[j]; j = (j + 1) & (t->nidx - 1))
		if (strcmp(t->v[t->idx[j] - 1].key, key) == 0)
			return &t->v[t->idx[j] - 1];
	return NULL;
}

/* tab_set - add or replace key (val NULL deletes) */
static void
tab_set(struct tab *t, const char *key, const char *val)
{
	struct ent *e;

	if ((e = tab_find(t, key)) != NULL) {
		free(e->val);
		e->val = val ? xstrdup(val) : NULL;
		return;
	}
	if (t->n == t->cap) {
		t->cap = t->cap ? t->cap * 2 : 64;
		t->v = xreallocarray(t->v, t->cap, sizeof(*t->v));
	}
	t->v[t->n].key = xstrdup(key);
	t->v[t->n].val = val ? xstrdup(val) : NULL;
	t->n++;
	if (t->n * 2 >= t->nidx)
		tab_rehash(t);
	else {
		size_t j = hash(key) & (t->nidx - 1);

		while (t->idx[j])
			j = (j + 1) & (t->nidx - 1);
		t->idx[j] = t->n;
	}
}

static void
tab_free(struct tab *t)
{
	size_t i;

	for (i = 0; i < t->n; i++) {
		free(t->v[i].key);
		free(t->v[i].val);
	}
	free(t->v);
	free(t->idx);
	memset(t, 0, sizeof(*t));
}

static void
usage(FILE *fp, int status)
{
	fprintf(fp, "%s\n", USAGE);
	exit(status);
}

/* open_table - [type:]name for reading; NULL with the error logged */
static struct dict *
open_table(const char *spec, const struct opts *o, int quiet)
{
	struct str err = STR_INIT;
	struct dict *d;
	int flags = DICT_NO_CACHE | o->nul;

	if (o->fold)
		flags |= DICT_FOLD;
	str_init(&err);
	if ((d = dict_open(spec, flags, &err)) == NULL && !quiet)
		error("%s", err.s);
	str_free(&err);
	return d;
}

/*
 * query - -q: the first table that has key; print its value.  With key
 * "-", keys come from stdin, one a line, and found ones print as
 * "key:<tab>value".  Returns 0 when something was found, 1 when not.
 */
static int
query(const char *key, char **specs, int n, const struct opts *o)
{
	struct dict **d;
	struct str val = STR_INIT, line = STR_INIT;
	int i, r, found = 0, c;

	d = xcalloc((size_t)n, sizeof(*d));
	for (i = 0; i < n; i++)
		if ((d[i] = open_table(specs[i], o, 0)) == NULL)
			exit(1);
	str_init(&val);
	str_init(&line);
	for (;;) {
		if (strcmp(key, "-") == 0) {
			str_reset(&line);
			while ((c = getchar()) != EOF && c != '\n')
				str_addc(&line, c);
			if (c == EOF && line.len == 0)
				break;
			if (line.len && line.s[line.len - 1] == '\r')
				str_trunc(&line, line.len - 1);
		} else {
			str_set(&line, key);
		}
		for (i = 0; i < n; i++) {
			r = dict_lookup(d[i], line.s, &val);
			if (r < 0)
				die("table %s:%s: query error: %s", d[i]->type,
				    d[i]->name, d[i]->err.s);
			if (r == 0)
				continue;
			found = 1;
			if (strcmp(key, "-") == 0)
				printf("%s:\t%s\n", line.s, val.s);
			else
				printf("%s\n", val.s);
			break;
		}
		if (strcmp(key, "-") != 0)
			break;
	}
	if (fflush(stdout) == EOF || ferror(stdout))
		die("write error on standard output:");
	for (i = 0; i < n; i++)
		dict_close(d[i]);
	free(d);
	str_free(&val);
	str_free(&line);
	return found ? 0 : 1;
}

/* list - -s: every entry of every table as "key:<tab>value" */
static int
list(char **specs, int n, const struct opts *o)
{
	struct dict *d;
	struct str k = STR_INIT, v = STR_INIT;
	int i, r, how;

	str_init(&k);
	str_init(&v);
	for (i = 0; i < n; i++) {
		if ((d = open_table(specs[i], o, 0)) == NULL)
			exit(1);
		for (how = DICT_SEQ_FIRST;
		    (r = dict_seq(d, how, &k, &v)) > 0; how = DICT_SEQ_NEXT)
			printf("%s:\t%s\n", k.s, v.s);
		if (r < 0)
			die("table %s:%s: %s", d->type, d->name, d->err.s);
		dict_close(d);
	}
	str_free(&k);
	str_free(&v);
	if (fflush(stdout) == EOF || ferror(stdout))
		die("write error on standard output:");
	return 0;
}

/*
 * load - the entries of an existing table into t; with missing_ok, a
 * table that is not there is empty.  Sets *nul to the NUL form the table uses.
 */
static void
load(const char *spec, const struct opts *o, struct tab *t, int *nul,
    int missing_ok)
{
	struct dict *d;
	struct str k = STR_INIT, v = STR_INIT;
	struct opts lo = *o;
	int r, how;

	lo.fold = 0;
	*nul = o->nul;
	errno = 0;
	if ((d = open_table(spec, &lo, missing_ok)) == NULL) {
		if (missing_ok && errno == ENOENT)
			return;
		if (missing_ok)
			(void)open_table(spec, &lo, 0);	/* for the message */
		exit(1);
	}
	str_init(&k);
	str_init(&v);
	for (how = DICT_SEQ_FIRST; (r = dict_seq(d, how, &k, &v)) > 0;
	    how = DICT_SEQ_NEXT)
		if (tab_find(t, k.s) == NULL)	/* the first one wins */
			tab_set(t, k.s, v.s);
	if (r < 0)
		die("table %s:%s: %s", d->type, d->name, d->err.s);
	if (*nul == 0 && t->n > 0)
		*nul = d->flags & (DICT_TRY0NUL | DICT_TRY1NUL);
	if (*nul == (DICT_TRY0NUL | DICT_TRY1NUL))
		*nul = 0;
	dict_close(d);
	str_free(&k);
	str_free(&v);
}

/* store - write t as the table spec, in place of the old one */
static void
store(const char *spec, struct tab *t, int nul)
{
	struct dict_writer *w;
	struct str err = STR_INIT;
	size_t i;

	str_init(&err);
	if ((w = dict_create(spec, nul, &err)) == NULL)
		die("%s", err.s);
	for (i = 0; i < t->n; i++) {
		if (t->v[i].val == NULL)
			continue;
		if (dict_put(w, t->v[i].key, strlen(t->v[i].key),
		    t->v[i].val, strlen(t->v[i].val)) < 0) {
			dict_abort(w);
			exit(1);
		}
	}
	if (dict_commit(w, &err) < 0)
		die("%s", err.s);
	str_free(&err);
}

/*
 * delete - -d: remove key (or the keys on stdin, for "-") from each
 * table.  Returns 0 when something was deleted, else 1.
 */
static int
delete(const char *key, char **specs, int n, const struct opts *o)
{
	struct tab t;
	struct ent *e;
	struct str line = STR_INIT;
	char **keys = NULL;
	size_t nkeys = 0, j;
	int i, c, nul, found = 0, any;

	str_init(&line);
	if (strcmp(key, "-") == 0) {
		for (;;) {
			str_reset(&line);
			while ((c = getchar()) != EOF && c != '\n')
				str_addc(&line, c);
			if (c == EOF && line.len == 0)
				break;
			str_trim(&line);
			keys = xreallocarray(keys, nkeys + 1, sizeof(*keys));
			keys[nkeys++] = xstrdup(line.s);
		}
	} else {
		keys = xcalloc(1, sizeof(*keys));
		keys[nkeys++] = xstrdup(key);
	}
	for (j = 0; o->fold && j < nkeys; j++)
		str_lcase(keys[j]);
	for (i = 0; i < n; i++) {
		memset(&t, 0, sizeof(t));
		load(specs[i], o, &t, &nul, 0);
		for (j = 0, any = 0; j < nkeys; j++) {
			if ((e = tab_find(&t, keys[j])) != NULL && e->val) {
				free(e->val);
				e->val = NULL;
				any = found = 1;
			}
		}
		if (any)
			store(specs[i], &t, nul);
		tab_free(&t);
	}
	for (j = 0; j < nkeys; j++)
		free(keys[j]);
	free(keys);
	str_free(&line);
	return found ? 0 : 1;
}

static int
add_entry(void *ctx, const char *name, const char *value, int lineno)
{
	struct tab *t = ctx;
	struct ent *e;

	(void)lineno;
	if ((e = tab_find(t, name)) != NULL && e->val)
		return 0;	/* -w: the first one stays */
	tab_set(t, name, value);
	return 0;
}

static int
set_entry(void *ctx, const char *name, const char *value, int lineno)
{
	(void)lineno;
	tab_set(ctx, name, value);
	return 0;
}

/*
 * update - -i: aliases(5) entries from stdin replace or join those of
 * each table (-w: existing entries stay), and the "@" and NIS entries
 * are renewed, as Postfix's incremental mode does.
 */
static int
update(char **specs, int n, const struct opts *o)
{
	struct tab in, t;
	char stamp[32];
	const char *host = conf_str(P_myhostname);
	size_t j;
	int i, nul;

	memset(&in, 0, sizeof(in));
	if (alias_parse(stdin, "stdin", o->aflags,
	    (o->dflags & DICT_DUP_IGNORE) ? add_entry : set_entry, &in) < 0)
		die("read standard input:");
	snprintf(stamp, sizeof(stamp), "%010lld", (long long)time(NULL));
	for (i = 0; i < n; i++) {
		memset(&t, 0, sizeof(t));
		load(specs[i], o, &t, &nul, 1);
		for (j = 0; j < in.n; j++) {
			if ((o->dflags & DICT_DUP_IGNORE) &&
			    tab_find(&t, in.v[j].key))
				continue;
			tab_set(&t, in.v[j].key, in.v[j].val);
		}
		tab_set(&t, "@", "@");
		tab_set(&t, "YP_LAST_MODIFIED", stamp);
		if (host && *host)
			tab_set(&t, "YP_MASTER_NAME", host);
		store(specs[i], &t, nul);
		tab_free(&t);
	}
	tab_free(&in);
	return 0;
}

/* postalias_main - postalias(1) */
int
postalias_main(int argc, char **argv)
{
	struct opts o;
	const char *confdir = NULL, *qkey = NULL, *dkey = NULL;
	int c, i, seq = 0, incr = 0, ret = 0;

	if (argc > 1 && strcmp(argv[1], "--help") == 0)
		usage(stdout, 0);
	memset(&o, 0, sizeof(o));
	o.fold = 1;
	o.dflags = DICT_DUP_WARN;
	while ((c = getopt(argc, argv, "Nc:d:finopq:rsuvw")) != -1) {
		switch (c) {
		case 'N':
			o.nul = DICT_TRY1NUL;
			break;
		case 'n':
			o.nul = DICT_TRY0NUL;
			break;
		case 'c':
			confdir = optarg;
			break;
		case 'd':
			dkey = optarg;
			break;
		case 'f':
			o.fold = 0;
			o.aflags |= ALIAS_NOFOLD;
			break;
		case 'i':
			incr = 1;
			break;
		case 'o':
			o.aflags |= ALIAS_KEEPPRIV;
			break;
		case 'p':
			o.aflags |= ALIAS_NOPERM;
			break;
		case 'q':
			qkey = optarg;
			break;
		case 'r':
			o.dflags = DICT_DUP_REPLACE;
			break;
		case 's':
			seq = 1;
			break;
		case 'u':
		case 'v':
			break;
		case 'w':
			o.dflags = DICT_DUP_IGNORE;
			break;
		default:
			die("%s", USAGE);
		}
	}
	if (optind >= argc || (qkey != NULL) + (dkey != NULL) + seq > 1)
		die("%s", USAGE);
	if (conf_load(confdir, CONF_QUIET) < 0)
		exit(1);
	conf_log(LOG_TO_STDERR | LOG_TO_SYSLOG);
	argc -= optind;
	argv += optind;
	if (qkey)
		return query(qkey, argv, argc, &o);
	if (dkey)
		return delete(dkey, argv, argc, &o);
	if (seq)
		return list(argv, argc, &o);
	if (incr)
		return update(argv, argc, &o);
	for (i = 0; i < argc; i++)
		if (alias_build(argv[i], o.dflags | o.nul, o.aflags) < 0)
			return 1;
	return ret;
}
