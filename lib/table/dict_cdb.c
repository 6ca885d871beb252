/* MIT licence: see LICENSE. */
/*
 * dict_cdb.c - cdb: tables (tinycdb), the reader and the writer.
 *
 * The reader runs in every process that looks up an indexed table, with
 * its privileges; the writer in postmap, postalias and newaliases, as the
 * invoking user (or the source file's owner).  Root works by name only
 * where no other account can change the names: in a directory another
 * account may write, the reader follows no link and takes only a file
 * with one name (else root's own secret tables could be listed, or
 * copied into a new world-readable table), the writer makes its file
 * with O_EXCL, sets its mode through the descriptor (dict_writer_mode)
 * and renames it into place.  Man page: postmap(1).
 *
 * The file format is Postfix's: NAME.cdb holds the keys and values
 * without a terminating NUL unless the writer was asked for one (postmap
 * -N); the reader tries both forms unless told (-n, -N), and keeps to the
 * form the first hit used, as Postfix's dict_cdb.c does.  Duplicate keys
 * get Postfix's treatment too, through the same tinycdb calls: kept first
 * with a warning by default, replaced (DICT_DUP_REPLACE, postmap -r) or
 * both stored with the first one winning (DICT_DUP_IGNORE, postmap -w).
 * So a table built by either program is byte for byte the same file.
 *
 * Unlike Postfix, mta can list a cdb table (postmap -s), which is how it
 * updates one: postmap -i and -d write a new file and rename it.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cdb.h>

#include "../log.h"
#include "../priv.h"
#include "../str.h"
#include "../x.h"
#include "dict.h"

struct cdbdict {
	struct dict	d;
	struct cdb	cdb;
	int		fd;
	unsigned	seqpos;
};

/*
 * The keys written so far, so that finding a duplicate costs one probe:
 * tinycdb's own check (cdb_make_put with INSERT or REPLACE) scans a hash
 * chain per key, quadratic on large tables.  tinycdb is still asked to
 * REPLACE when a duplicate must replace, so the file stays byte-identical
 * to what Postfix writes.
 */
struct seen {
	unsigned	hash;
	unsigned	len;
	char		*key;		/* NULL: free slot */
};

struct dict_writer {
	struct cdb_make	cm;
	int		fd;
	int		flags;
	int		mode;		/* -1, or fchmod()ed before rename */
	char		*name;		/* for messages: as the user said */
	char		*path;		/* NAME.cdb */
	char		*tmp;		/* NAME.cdb.PID.tmp until commit */
	struct str	key;		/* scratch: folded, NUL-terminated */
	struct str	val;
	struct seen	*seen;		/* keys written so far */
	size_t		nseen, capseen;
};

/* the NUL forms a table may use: both unless told */
static int
nul_forms(int flags)
{
	int f = flags & (DICT_TRY0NUL | DICT_TRY1NUL);

	return f ? f : DICT_TRY0NUL | DICT_TRY1NUL;
}

static int
cdb_lookup(struct dict *d, const char *key, struct str *val)
{
	struct cdbdict *cd = (struct cdbdict *)d;
	size_t klen = strlen(key);
	unsigned vlen;
	const char *v;
	int r = 0;

	if (klen >= 0xffffffffU)
		return 0;
	if (d->flags & DICT_TRY1NUL) {
		if ((r = cdb_find(&cd->cdb, key, (unsigned)klen + 1)) > 0)
			d->flags &= ~DICT_TRY0NUL;
	}
	if (r == 0 && (d->flags & DICT_TRY0NUL)) {
		if ((r = cdb_find(&cd->cdb, key, (unsigned)klen)) > 0)
			d->flags &= ~DICT_TRY1NUL;
	}
	if (r < 0)
		goto corrupt;
	if (r == 0)
		return 0;
	vlen = cdb_datalen(&cd->cdb);
	if ((v = cdb_getdata(&cd->cdb)) == NULL)
		goto corrupt;
	if (vlen > 0 && v[vlen - 1] == 0)
		vlen--;
	str_setmem(val, v, vlen);
	return 1;
corrupt:
	str_reset(&d->err);
	str_addf(&d->err, "%s: corrupt database", d->file);
	return -1;
}

static int
cdb_seq(struct dict *d, int how, struct str *key, struct str *val)
{
	struct cdbdict *cd = (struct cdbdict *)d;
	const char *k, *v;
	unsigned klen, vlen;
	int r;

	if (how == DICT_SEQ_FIRST)
		cdb_seqinit(&cd->seqpos, &cd->cdb);
	if ((r = cdb_seqnext(&cd->seqpos, &cd->cdb)) == 0)
		return 0;
	klen = cdb_keylen(&cd->cdb);
	vlen = cdb_datalen(&cd->cdb);
	if (r < 0 || (k = cdb_getkey(&cd->cdb)) == NULL ||
	    (v = cdb_getdata(&cd->cdb)) == NULL) {
		str_reset(&d->err);
		str_addf(&d->err, "%s: corrupt database", d->file);
		return -1;
	}
	/* an entry tells which form the table uses, as a lookup hit does */
	if (klen > 0 && k[klen - 1] == 0) {
		klen--;
		if (vlen > 0 && v[vlen - 1] == 0)
			vlen--;
		if (d->flags & DICT_TRY1NUL)
			d->flags &= ~DICT_TRY0NUL;
	} else if (d->flags & DICT_TRY0NUL) {
		d->flags &= ~DICT_TRY1NUL;
	}
	str_setmem(key, k, klen);
	str_setmem(val, v, vlen);
	return 1;
}

static void
cdb_close(struct dict *d)
{
	struct cdbdict *cd = (struct cdbdict *)d;

	cdb_free(&cd->cdb);
	close(cd->fd);
	dict_free(d);
}

/* dict_cdb_open - open NAME.cdb for lookups; NULL with err */
struct dict *
dict_cdb_open(const char *name, int flags, struct str *err)
{
	struct cdbdict *cd;
	struct stat st;
	char *path;
	int fd, e;

	path = xasprintf("%s.cdb", name);
	if ((fd = priv_open(path, O_RDONLY, 0)) < 0) {
		e = errno;
		str_reset(err);
		str_addf(err, "open database %s: %s", path, e == ELOOP ?
		    "a symbolic link in a directory that another account may "
		    "change" : e == EPERM ? "not a regular file with one "
		    "link, in a directory that another account may change" :
		    strerror(e));
		free(path);
		errno = e;
		return NULL;
	}
	cd = (struct cdbdict *)dict_alloc("cdb", name, flags, sizeof(*cd));
	cd->d.file = path;
	if (fstat(fd, &st) == 0)
		cd->d.owner = st.st_uid;
	cd->fd = fd;
	if (cdb_init(&cd->cdb, fd) < 0) {
		str_reset(err);
		str_addf(err, "open database %s: %s", path,
		    errno == EPROTO ? "not a cdb file" : strerror(errno));
		close(fd);
		dict_free(&cd->d);
		return NULL;
	}
	cd->d.flags = (flags & ~(DICT_TRY0NUL | DICT_TRY1NUL)) |
	    nul_forms(flags);
	cd->d.lookup = cdb_lookup;
	cd->d.seq = cdb_seq;
	cd->d.close = cdb_close;
	return &cd->d;
}

/*
 * dict_create - start writing a new cdb table for "type:name" (hash: and
 * the other synonyms, or a bare name, mean cdb).  NULL with err.
 */
struct dict_writer *
dict_create(const char *spec, int flags, struct str *err)
{
	struct dict_writer *w;
	const char *canon;
	char *type = NULL, *name = NULL;
	int fd;

	while (strncmp(spec, "proxy:", 6) == 0)
		spec += 6;
	if (dict_split(spec, &type, &name) < 0) {
		str_reset(err);
		str_addf(err, "open dictionary: expecting \"type:name\" "
		    "form instead of \"%s\"", spec);
		goto fail;
	}
	canon = type ? dict_resolve(type, name) : "cdb";
	if (canon == NULL || strcmp(canon, "cdb") != 0) {
		str_reset(err);
		if (canon == NULL)
			str_addf(err, "unsupported dictionary type: %s", type);
		else
			str_addf(err, "unsupported dictionary type: %s does "
			    "not support bulk-mode creation.", type);
		goto fail;
	}
	w = xcalloc(1, sizeof(*w));
	w->flags = flags;
	w->mode = -1;
	w->name = name;
	w->path = xasprintf("%s.cdb", name);
	w->tmp = xasprintf("%s.cdb.%ld.tmp", name, (long)getpid());
	str_init(&w->key);
	str_init(&w->val);
	/* a left-over of a crashed run with our pid is ours to remove */
	(void)unlink(w->tmp);
	fd = open(w->tmp, O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
	if (fd < 0 || cdb_make_start(&w->cm, fd) < 0) {
		str_reset(err);
		str_addf(err, "open database %s: %s", w->tmp,
		    strerror(errno));
		if (fd >= 0) {
			close(fd);
			(void)unlink(w->tmp);
		}
		str_free(&w->key);
		str_free(&w->val);
		free(w->path);
		free(w->tmp);
		free(w->name);
		free(w);
		free(type);
		return NULL;
	}
	w->fd = fd;
	free(type);
	return w;
fail:
	free(type);
	free(name);
	return NULL;
}

/* seen_add - remember a key; 1 when it was there already */
static int
seen_add(struct dict_writer *w, const char *key, unsigned len)
{
	unsigned h = cdb_hash(key, len);
	struct seen *old;
	size_t i, n;

	if (2 * (w->nseen + 1) > w->capseen) {
		old = w->seen;
		n = w->capseen;
		w->capseen = n ? 2 * n : 1024;
		w->seen = xcalloc(w->capseen, sizeof(*w->seen));
		w->nseen = 0;
		for (i = 0; i < n; i++)
			if (old[i].key) {
				size_t j = old[i].hash & (w->capseen - 1);

				while (w->seen[j].key)
					j = (j + 1) & (w->capseen - 1);
				w->seen[j] = old[i];
				w->nseen++;
			}
		free(old);
	}
	for (i = h & (w->capseen - 1); w->seen[i].key;
	    i = (i + 1) & (w->capseen - 1))
		if (w->seen[i].hash == h && w->seen[i].len == len &&
		    memcmp(w->seen[i].key, key, len) == 0)
			return 1;
	w->seen[i].hash = h;
	w->seen[i].len = len;
	w->seen[i].key = xmalloc(len ? len : 1);
	memcpy(w->seen[i].key, key, len);
	w->nseen++;
	return 0;
}

/*
 * dict_put - add one entry.  0 added, 1 the key was there already
 * (handled as the flags say), -1 error (a write error, or a duplicate
 * without DICT_DUP_*), with the reason in the log.
 */
int
dict_put(struct dict_writer *w, const char *key, size_t klen,
    const char *val, size_t vlen)
{
	enum cdb_put_mode mode;
	int r, dup;

	str_setmem(&w->key, key, klen);
	if (w->flags & DICT_FOLD)
		str_lower(&w->key);
	str_setmem(&w->val, val, vlen);
	/* the NUL is part of the record only when asked for (-N) */
	if ((w->flags & (DICT_TRY0NUL | DICT_TRY1NUL)) == DICT_TRY1NUL) {
		w->key.len++;
		w->val.len++;
	}
	if (w->key.len > 0x7fffffff || w->val.len > 0x7fffffff) {
		error("%s: entry too large: \"%.100s\"", w->name, w->key.s);
		return -1;
	}
	dup = seen_add(w, w->key.s, (unsigned)w->key.len);
	if (!dup || (w->flags & DICT_DUP_IGNORE))
		mode = CDB_PUT_ADD;
	else if (w->flags & DICT_DUP_REPLACE)
		mode = CDB_PUT_REPLACE;
	else
		mode = CDB_PUT_INSERT;
	if (mode == CDB_PUT_INSERT)
		r = 1;		/* first one wins: tinycdb would say the same */
	else
		r = cdb_make_put(&w->cm, w->key.s, (unsigned)w->key.len,
		    w->val.s, (unsigned)w->val.len, mode);
	if (r < 0) {
		error("write %s: %s", w->tmp, strerror(errno));
		return -1;
	}
	if (r == 0)
		return 0;
	if (w->flags & (DICT_DUP_IGNORE | DICT_DUP_REPLACE))
		return 1;
	if (w->flags & DICT_DUP_WARN) {
		warn("%s: duplicate entry: \"%s\"", w->name, w->key.s);
		return 1;
	}
	error("%s: duplicate entry: \"%s\"", w->name, w->key.s);
	return -1;
}

/*
 * dict_writer_flags - change the rules for the entries still to come
 * (postmap -i copies the old table as it is, then adds with -r or -w)
 */
void
dict_writer_flags(struct dict_writer *w, int flags)
{
	w->flags = flags;
}

static void
writer_free(struct dict_writer *w)
{
	size_t i;

	for (i = 0; i < w->capseen; i++)
		free(w->seen[i].key);
	free(w->seen);
	str_free(&w->key);
	str_free(&w->val);
	free(w->name);
	free(w->path);
	free(w->tmp);
	free(w);
}

/* fsync the directory that holds path, so a rename is on disk */
static int
sync_dir(const char *path)
{
	const char *slash = strrchr(path, '/');
	char *dir;
	int fd, r;

	if (slash == NULL)
		dir = xstrdup(".");
	else if (slash == path)
		dir = xstrdup("/");
	else
		dir = xstrndup(path, (size_t)(slash - path));
	fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	free(dir);
	if (fd < 0)
		return -1;
	r = fsync(fd);
	close(fd);
	return r;
}

/*
 * dict_commit - finish the table, put it on disk and in place of the old
 * one.  0, or -1 with err (the old table is then untouched).
 */
int
dict_commit(struct dict_writer *w, struct str *err)
{
	int r = -1;

	if (cdb_make_finish(&w->cm) < 0 || fsync(w->fd) < 0) {
		str_reset(err);
		str_addf(err, "write %s: %s", w->tmp, strerror(errno));
		close(w->fd);
		goto out;
	}
	if (w->mode >= 0 && fchmod(w->fd, (mode_t)w->mode) < 0) {
		str_reset(err);
		str_addf(err, "chmod %s: %s", w->tmp, strerror(errno));
		close(w->fd);
		goto out;
	}
	if (close(w->fd) < 0) {
		str_reset(err);
		str_addf(err, "close %s: %s", w->tmp, strerror(errno));
		goto out;
	}
	if (rename(w->tmp, w->path) < 0) {
		str_reset(err);
		str_addf(err, "rename %s to %s: %s", w->tmp, w->path,
		    strerror(errno));
		goto out;
	}
	if (sync_dir(w->path) < 0) {
		str_reset(err);
		str_addf(err, "fsync directory of %s: %s", w->path,
		    strerror(errno));
		writer_free(w);
		return -1;
	}
	r = 0;
out:
	if (r < 0)
		(void)unlink(w->tmp);
	writer_free(w);
	return r;
}

/*
 * dict_writer_mode - the new table gets mode (permission bits) at
 * commit, set on its descriptor before it takes the table's name
 */
void
dict_writer_mode(struct dict_writer *w, mode_t mode)
{
	w->mode = (int)(mode & 07777);
}

/* dict_abort - forget the new table; the old one stays */
void
dict_abort(struct dict_writer *w)
{
	if (w == NULL)
		return;
	/* finishing frees tinycdb's memory; the file goes anyway */
	(void)cdb_make_finish(&w->cm);
	close(w->fd);
	(void)unlink(w->tmp);
	writer_free(w);
}
