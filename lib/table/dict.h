/* MIT licence: see LICENSE. */
/*
 * dict.h - the one lookup-table layer, addressed as type:name.
 *
 * Types: cdb (hash, btree, dbm, lmdb and sdbm are synonyms with a
 * notice), regexp, cidr, static, inline, texthash, unix (passwd.byname,
 * group.byname), fail,
 * and proxy:TYPE:NAME (the proxy is dropped: mta has no proxymap).
 * Results: 1 found (value in *val), 0 not found, -1 error (the text in
 * dict->err; callers treat it as a temporary failure, as Postfix does).
 * A bad rule in a pattern table (regexp, cidr) is, as in Postfix, a
 * warning "TYPE map FILE, line N: ...: skipping this rule" and the table
 * opens without it; `postfix check` opens every table the
 * configuration names and fails when any warns (log_warnings()).
 *
 * dict_open() returns a shared, counted handle: opening the same
 * "type:name" with the same flags twice gives the same table (pass
 * DICT_NO_CACHE for a private one); dict_close() drops one reference.
 * Fixed-string tables fold the lookup key to lower case when opened with
 * DICT_FOLD; pattern tables never do.  dict_seq(d, DICT_SEQ_FIRST, ...)
 * then DICT_SEQ_NEXT lists a table where the type allows (cdb, texthash,
 * inline; mta's cdb can, Postfix's cannot).
 *
 * The writer builds NAME.cdb under a temporary name, then fsyncs and
 * renames it into place and fsyncs the directory, so a reader sees the
 * old table or the new one, never half of one.  Files are byte for byte
 * what Postfix's postmap writes for the same input and flags.
 */
#ifndef MTA_DICT_H
#define MTA_DICT_H

#include <sys/types.h>

#include "../str.h"

/* open flags (Postfix's DICT_FLAG_* where they share a meaning) */
#define DICT_FOLD	0x0001	/* fold keys to lower case (fixed tables) */
#define DICT_TRY0NUL	0x0002	/* keys and values stored without a NUL */
#define DICT_TRY1NUL	0x0004	/* keys and values stored with a NUL */
#define DICT_PATTERN	0x0008	/* set by regexp/cidr: keys are patterns */
#define DICT_FIXED	0x0010	/* set by fixed-string tables */
#define DICT_DUP_WARN	0x0020	/* writer: warn about a repeated key */
#define DICT_DUP_REPLACE 0x0040	/* writer: a later key replaces */
#define DICT_DUP_IGNORE	0x0080	/* writer: keep both, no message */
#define DICT_NO_CACHE	0x0100	/* dict_open: a private handle */
#define DICT_NO_REGSUB	0x0200	/* pattern tables: skip rules with $n */

/* dict_seq() "how" */
#define DICT_SEQ_FIRST	0
#define DICT_SEQ_NEXT	1

struct dict {
	const char	*type;	/* canonical type name ("cdb") */
	char		*name;	/* what follows "type:" */
	char		*file;	/* file actually read (cdb: NAME.cdb) */
	uid_t		owner;	/* its owner when opened, or (uid_t)-1 */
	int		flags;
	struct str	err;	/* the last error, for logs and replies */
	struct str	fold;	/* scratch for the folded key */
	int	(*lookup)(struct dict *, const char *, struct str *);
	int	(*seq)(struct dict *, int, struct str *, struct str *);
	void	(*close)(struct dict *);
	void	*priv;		/* the type's own state */
	/* the file when opened, for dict_changed(); the live list */
	dev_t		dev;
	ino_t		ino;
	long long	mtime;
	struct dict	*next, *prev;
};

/* writer for postmap/postalias: only cdb-backed types */
struct dict_writer;

struct dict *dict_open(const char *, int, struct str *);
int	dict_lookup(struct dict *, const char *, struct str *);
int	dict_seq(struct dict *, int, struct str *, struct str *);
void	dict_close(struct dict *);
const char *dict_types(void);
const char *dict_changed(void);
int	dict_split(const char *, char **, char **);
const char *dict_resolve(const char *, const char *);

struct dict_writer *dict_create(const char *, int, struct str *);
int	dict_put(struct dict_writer *, const char *, size_t,
	    const char *, size_t);
int	dict_commit(struct dict_writer *, struct str *);
void	dict_abort(struct dict_writer *);
void	dict_writer_flags(struct dict_writer *, int);
void	dict_writer_mode(struct dict_writer *, mode_t);

/* per-type constructors, called by dict_open() */
struct dict *dict_cdb_open(const char *, int, struct str *);
struct dict *dict_regexp_open(const char *, int, struct str *);
struct dict *dict_cidr_open(const char *, int, struct str *);
struct dict *dict_static_open(const char *, int, struct str *);
struct dict *dict_inline_open(const char *, int, struct str *);
struct dict *dict_texthash_open(const char *, int, struct str *);
struct dict *dict_unix_open(const char *, int, struct str *);
struct dict *dict_fail_open(const char *, int, struct str *);

/* shared by the table types */
struct dict *dict_alloc(const char *, const char *, int, size_t);
void	dict_free(struct dict *);
void	dict_warn(const char *, const char *, int, const char *, ...)
	    __attribute__((format(printf, 4, 5)));

#endif
