/* MIT licence: see LICENSE. */
/*
 * conf_int.h - what the parts of the configuration share, and nothing
 * outside lib/conf*.c includes: the entries (conf.c), their computed
 * defaults (conf_default.c), $name expansion (conf_expand.c) and the
 * reading of main.cf (conf_load.c).
 */
#ifndef MTA_CONF_INT_H
#define MTA_CONF_INT_H

#include <stddef.h>

#include "conf.h"
#include "str.h"

#define SRC_DEFAULT	0	/* the compiled (or computed) default */
#define SRC_FILE	1	/* main.cf */
#define SRC_SET		2	/* conf_set(), -c or $MAIL_CONFIG */

struct ent {
	const char	*name;
	const struct conf_row *row;	/* NULL: defined by main.cf */
	char		*val;		/* NULL: the default */
	char		*def;		/* a computed default */
	char		*exp;		/* the cached expansion */
	int		src;
	int		line;		/* main.cf line of val */
	int		known;		/* user-defined, and used */
	int		busy;		/* computing the default */
};

/*
 * The first P_COUNT entries are the rows, in row order, so a row's entry
 * is conf_ents[P_name]; parameters that main.cf defines follow.
 */
extern struct ent *conf_ents;
extern size_t conf_nents;
extern char *conf_cdir, *conf_cfile;	/* conf_dir(), conf_file() */

/* conf.c */
void	conf_init(void);
struct ent *conf_find(const char *);
struct ent *conf_add(const char *);
void	conf_setval(struct ent *, const char *, int, int);
const char *conf_rawval(struct ent *);
int	conf_value(struct ent *, int, const char **, struct str *);
int	conf_typed(struct ent *, long long *, struct str *);

/* conf_default.c */
const char *conf_default_computed(struct ent *);

/* conf_expand.c */
int	conf_expand_mem(const char *, size_t, struct str *, int, struct str *);
void	conf_expand_refs(const char *);

#endif
