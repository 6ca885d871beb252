/* MIT licence: see LICENSE. */
/*
 * postmap.c - build, query, list and update lookup tables.
 *
 * Run by hand or from scripts, with the caller's privileges; when root
 * builds a table from a file that root does not own, the table is written
 * as that file's owner (unless -o), as Postfix's postmap does.  The
 * output file gets the group and other read bits of its source (unless
 * -p).  Man page: postmap(1).
 *
 * Building goes through lib/table/table.c (the text format) and the cdb writer
 * of lib/table/dict_cdb.c, so the result is the file Postfix would write.  A
 * cdb file cannot be changed in place: -i and -d read the old table and
 * write a new one, which replaces the old one in a single rename.
 */
#include <errno.h>
#include <grp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "../lib/conf.h"
#include "../lib/log.h"
#include "../lib/priv.h"
#include "../lib/str.h"
#include "../lib/table/dict.h"
#include "../lib/table/table.h"
#include "../lib/x.h"

#define USAGE "usage: postmap [-bfFhimnNoprsuUvw] [-c config_dir] " \
	"[-d key] [-q key] [map_type:]file..."

/* what the options asked for */
struct opts {
	int	fold;		/* fold keys (not -f) */
	int	nul;		/* DICT_TRY0NUL (-n), DICT_TRY1NUL (-N) */
	int	dup;		/* DICT_DUP_* of -r, -w, or the warning */
	int	as_owner;	/* not -o */
	int	keep_perm;	/* not -p */
	int	header, body;	/* -h, -b: keys from a message on stdin */
	int	incremental;	/* -i */
	int	verbose;	/* -v */
	int	mode;		/* 'q', 'd', 's' or 0 (build) */
	const char *key;	/* of -q or -d */
};

static void
usage(void)
{
	die("%s", USAGE);
}

static int
open_flags(const struct opts *o)
{
	return (o->fold ? DICT_FOLD : 0) | o->nul | o->dup | DICT_NO_CACHE;
}

/* the type mta writes for spec: only cdb is written */
static void
split_spec(const char *spec, char **name)
{
	char *type;

	while (strncmp(spec, "proxy:", 6) == 0)
		spec += 6;
	if (dict_split(spec, &type, name) < 0)
		die("open dictionary: expecting \"type:name\" form instead "
		    "of \"%s\"", spec);
	free(type);
}

static struct dict *
xopen(const char *spec, const struct opts *o)
{
	struct str err = STR_INIT;
	struct dict *d;

	if ((d = dict_open(spec, open_flags(o), &err)) == NULL)
		die("%s", err.s);
	str_free(&err);
	return d;
}

static void
lookup_error(struct dict *d)
{
	die("table %s:%s: query error: %s", d->type, d->name, d->err.s);
}

/* build ------------------------------------------------------------------ */

struct build {
	struct dict_writer *w;
	int	failed;
};

static int
put_entry(void *ctx, const char *key, const char *val, int lineno)
{
	struct build *bp = ctx;

	(void)lineno;
	if (dict_put(bp->w, key, strlen(key), val, strlen(val)) < 0) {
		bp->failed = 1;
		return -1;
	}
	return 0;
}

/* old_form - DICT_TRY1NUL when the existing table stores NULs (-N) */
static int
old_form(const char *spec, const struct opts *o)
{
	struct str err = STR_INIT, key = STR_INIT, val = STR_INIT;
	struct dict *d;
	int nul = 0;

	if ((d = dict_open(spec, open_flags(o) & ~DICT_FOLD, &err)) != NULL) {
		if (dict_seq(d, DICT_SEQ_FIRST, &key, &val) > 0 &&
		    (d->flags & (DICT_TRY0NUL | DICT_TRY1NUL)) ==
		    DICT_TRY1NUL)
			nul = DICT_TRY1NUL;
		dict_close(d);
	}
	str_free(&err);
	str_free(&key);
	str_free(&val);
	return nul;
}

/*
 * copy_old - put the entries of the existing table (if any) into w, as
 * they are, skipping the first entry of each key in dels.  Returns how
 * many of dels were found; *nul learns the NUL form of the old table.
 */
static int
copy_old(const char *spec, const struct opts *o, struct dict_writer *w,
    char **dels, size_t ndel, int *nul)
{
	struct str err = STR_INIT, key = STR_INIT, val = STR_INIT;
	struct dict *d;
	char *hit;
	size_t i;
	int r, found = 0, how = DICT_SEQ_FIRST;

	hit = xcalloc(ndel ? ndel : 1, 1);
	d = dict_open(spec, (open_flags(o) & ~DICT_FOLD), &err);
	if (d == NULL) {
		if (errno != ENOENT || ndel)
			die("%s", err.s);
		goto out;
	}
	while ((r = dict_seq(d, how, &key, &val)) > 0) {
		how = DICT_SEQ_NEXT;
		for (i = 0; i < ndel; i++)
			if (!hit[i] && strcmp(dels[i], key.s) == 0)
				break;
		if (i < ndel) {
			hit[i] = 1;
			found++;
			continue;
		}
		if (dict_put(w, key.s, key.len, val.s, val.len) < 0)
			die("%s: cannot copy the table", d->file);
	}
	if (r < 0)
		die("table %s:%s: %s", d->type, d->name, d->err.s);
	*nul = d->flags & (DICT_TRY0NUL | DICT_TRY1NUL);
	dict_close(d);
out:
	free(hit);
	str_free(&err);
	str_free(&key);
	str_free(&val);
	return found;
}

/*
 * build - postmap [-i] [type:]file.  Without -i the source file is read;
 * with -i the old table and then the entries on stdin.
 */
static void
build(const char *spec, const struct opts *o)
{
	struct build b;
	struct str err = STR_INIT;
	struct stat st;
	char *name;
	FILE *fp;
	mode_t mask = 0;
	uid_t euid = geteuid();
	gid_t egid = getegid();
	int wflags, nul, changed = 0, saved_mask = 0;

	split_spec(spec, &name);
	if (o->incremental) {
		fp = stdin;
	} else {
		if ((fp = priv_fopen(name)) == NULL)
			die("open %s:", name);
		if (fstat(fileno(fp), &st) < 0)
			die("fstat %s:", name);
		if (o->keep_perm && S_ISREG(st.st_mode)) {
			mask = umask(022 | (~st.st_mode & 077));
			saved_mask = 1;
		}
		/* root builds someone else's table as its owner */
		if (o->as_owner && euid == 0 && st.st_uid != 0) {
			if (setgroups(1, &st.st_gid) < 0 ||
			    setegid(st.st_gid) < 0 || seteuid(st.st_uid) < 0)
				die("set privileges to uid %ld:",
				    (long)st.st_uid);
			changed = 1;
		}
	}
	wflags = o->nul | DICT_DUP_IGNORE;
	if (o->incremental && o->nul == 0)
		wflags |= old_form(spec, o);
	if ((b.w = dict_create(spec, wflags, &err)) == NULL)
		die("%s", err.s);
	b.failed = 0;
	if (o->incremental)
		(void)copy_old(spec, o, b.w, NULL, 0, &nul);
	/* from here on, new entries meet the duplicate rules */
	dict_writer_flags(b.w, (wflags & ~DICT_DUP_IGNORE) | o->dup);
	if (table_read(fp, o->incremental ? "-" : name,
	    o->fold ? TABLE_FOLD : 0, put_entry, &b) < 0) {
		dict_abort(b.w);
		if (b.failed)
			exit(1);
		die("read %s:", o->incremental ? "stdin" : name);
	}
	if (dict_commit(b.w, &err) < 0)
		die("%s", err.s);
	if (!o->incremental)
		fclose(fp);
	if (changed && (seteuid(euid) < 0 || setegid(egid) < 0))
		die("restore privileges:");
	if (saved_mask)
		umask(mask);
	str_free(&err);
	free(name);
}

/* delete ----------------------------------------------------------------- */

/* delete - remove one entry per key; the number of keys found */
static int
delete(const char *spec, const struct opts *o, char **keys, size_t nkey)
{
	struct dict_writer *w;
	struct str err = STR_INIT;
	int nul, wflags, found;

	wflags = o->nul | DICT_DUP_IGNORE;
	if (o->nul == 0)
		wflags |= old_form(spec, o);
	if ((w = dict_create(spec, wflags, &err)) == NULL)
		die("%s", err.s);
	found = copy_old(spec, o, w, keys, nkey, &nul);
	if (found == 0)
		dict_abort(w);
	else if (dict_commit(w, &err) < 0)
		die("%s", err.s);
	str_free(&err);
	return found;
}

/* queries ---------------------------------------------------------------- */

/* query_one - look key up in each table in turn; print the first hit */
static int
query_one(struct dict **maps, int n, const char *key, int with_key)
{
	struct str val = STR_INIT;
	int i, r = 0;

	for (i = 0; i < n && r == 0; i++) {
		if ((r = dict_lookup(maps[i], key, &val)) < 0)
			lookup_error(maps[i]);
		if (r > 0) {
			if (with_key)
				printf("%s\t%s\n", key, val.s);
			else
				printf("%s\n", val.s);
		}
	}
	str_free(&val);
	return r > 0;
}

/*
 * message_keys - postmap -h / -b: each logical header line (joined with
 * its continuation lines by newlines) or each body line is a key.
 */
static int
message_keys(struct dict **maps, int n, const struct opts *o)
{
	struct str line = STR_INIT, hdr = STR_INIT;
	int c, found = 0, inhdr = 1;
	size_t i;

	for (;;) {
		str_reset(&line);
		while ((c = getchar()) != EOF && c != '\n')
			str_addc(&line, c);
		if (c == EOF && line.len == 0)
			break;
		if (inhdr && line.len && (line.s[0] == ' ' ||
		    line.s[0] == '\t') && hdr.len) {
			str_addc(&hdr, '\n');
			str_addmem(&hdr, line.s, line.len);
			continue;
		}
		if (hdr.len && o->header)
			found += query_one(maps, n, hdr.s, 1);
		str_reset(&hdr);
		if (inhdr) {
			for (i = 0; i < line.len; i++)
				if (line.s[i] == ':' || line.s[i] <= ' ' ||
				    line.s[i] > '~')
					break;
			if (i > 0 && i < line.len && line.s[i] == ':') {
				str_setmem(&hdr, line.s, line.len);
				continue;
			}
			inhdr = 0;
			if (!o->body)
				break;
		}
		if (o->body)
			found += query_one(maps, n, line.s, 1);
	}
	if (hdr.len && o->header)
		found += query_one(maps, n, hdr.s, 1);
	str_free(&line);
	str_free(&hdr);
	return found;
}

/* query - postmap -q KEY or -q -; the exit status */
static int
query(char **specs, int n, const struct opts *o)
{
	struct dict **maps;
	struct str key = STR_INIT;
	int i, c, found = 0;

	maps = xcalloc((size_t)n, sizeof(*maps));
	if (strcmp(o->key, "-") != 0) {
		/* open lazily: a hit in the first table is enough */
		for (i = 0; i < n && !found; i++) {
			maps[i] = xopen(specs[i], o);
			found = query_one(maps + i, 1, o->key, 0);
		}
		goto out;
	}
	for (i = 0; i < n; i++)
		maps[i] = xopen(specs[i], o);
	if (o->header || o->body) {
		found = message_keys(maps, n, o);
		goto out;
	}
	for (;;) {
		str_reset(&key);
		while ((c = getchar()) != EOF && c != '\n')
			str_addc(&key, c);
		if (c == EOF && key.len == 0)
			break;
		found += query_one(maps, n, key.s, 1);
	}
out:
	for (i = 0; i < n; i++)
		dict_close(maps[i]);
	free(maps);
	str_free(&key);
	return found ? 0 : 1;
}

/* list - postmap -s: every entry as "key<TAB>value" */
static void
list(const char *spec, const struct opts *o)
{
	struct str key = STR_INIT, val = STR_INIT;
	struct dict *d;
	int r, how = DICT_SEQ_FIRST;

	d = xopen(spec, o);
	while ((r = dict_seq(d, how, &key, &val)) > 0) {
		printf("%s\t%s\n", key.s, val.s);
		how = DICT_SEQ_NEXT;
	}
	if (r < 0)
		die("table %s:%s: %s", d->type, d->name, d->err.s);
	dict_close(d);
	str_free(&key);
	str_free(&val);
}

/* read_keys - "-d -": the keys on stdin, one a line */
static char **
read_keys(size_t *np)
{
	struct str key = STR_INIT;
	char **v = NULL;
	size_t n = 0;
	int c;

	for (;;) {
		str_reset(&key);
		while ((c = getchar()) != EOF && c != '\n')
			str_addc(&key, c);
		if (c == EOF && key.len == 0)
			break;
		v = xreallocarray(v, n + 1, sizeof(*v));
		v[n++] = xstrdup(key.s);
	}
	str_free(&key);
	*np = n;
	return v;
}

/* postmap_main - postmap(1) */
int
postmap_main(int argc, char **argv)
{
	struct opts o;
	const char *confdir = NULL, *arg;
	char **keys, *one;
	size_t nkey, k;
	int i, j, status = 0, found = 0;
	char c;

	memset(&o, 0, sizeof(o));
	o.fold = o.as_owner = o.keep_perm = 1;
	o.dup = DICT_DUP_WARN;
	for (i = 1; i < argc && argv[i][0] == '-' && argv[i][1]; i++) {
		if (strcmp(argv[i], "--") == 0) {
			i++;
			break;
		}
		if (strcmp(argv[i], "--help") == 0) {
			printf("%s\n", USAGE);
			return 0;
		}
		for (j = 1; (c = argv[i][j]) != 0; j++) {
			if (strchr("cdq", c)) {
				if (argv[i][j + 1])
					arg = argv[i] + j + 1;
				else if (i + 1 < argc)
					arg = argv[++i];
				else
					usage();
				if (c == 'c') {
					confdir = arg;
				} else {
					if (o.mode)
						die("specify only one of -s -q "
						    "or -d");
					o.mode = c;
					o.key = arg;
				}
				break;
			}
			switch (c) {
			case 'b': o.body = 1; break;
			case 'f': o.fold = 0; break;
			case 'h': o.header = 1; break;
			case 'i': o.incremental = 1; break;
			case 'm': case 'u': case 'U': break;
			case 'N': o.nul = DICT_TRY1NUL; break;
			case 'n': o.nul = DICT_TRY0NUL; break;
			case 'o': o.as_owner = 0; break;
			case 'p': o.keep_perm = 0; break;
			case 'r': o.dup = DICT_DUP_REPLACE; break;
			case 'w': o.dup = DICT_DUP_IGNORE; break;
			case 'v': o.verbose++; break;
			case 's':
				if (o.mode)
					die("specify only one of -s -q or -d");
				o.mode = 's';
				break;
			case 'F':
				die("-F (base64 values) is not supported by "
				    "mta");
			default:
				warn("invalid option -- '%c'", c);
				usage();
			}
		}
	}
	if (i >= argc)
		usage();
	if (conf_load(confdir, CONF_QUIET) < 0)
		die("cannot read the configuration");
	conf_log(LOG_TO_STDERR | LOG_TO_SYSLOG);

	switch (o.mode) {
	case 'q':
		return query(argv + i, argc - i, &o);
	case 's':
		for (; i < argc; i++)
			list(argv[i], &o);
		break;
	case 'd':
		if (strcmp(o.key, "-") == 0) {
			keys = read_keys(&nkey);
		} else {
			one = xstrdup(o.key);
			keys = &one;
			nkey = 1;
		}
		if (o.fold)
			for (k = 0; k < nkey; k++)
				str_lcase(keys[k]);
		for (; i < argc; i++)
			found += delete(argv[i], &o, keys, nkey);
		for (k = 0; k < nkey; k++)
			free(keys[k]);
		if (keys != &one)
			free(keys);
		status = found ? 0 : 1;
		break;
	default:
		for (; i < argc; i++)
			build(argv[i], &o);
		break;
	}
	if (fflush(stdout) == EOF || ferror(stdout))
		die("write error on standard output:");
	return status;
}
