/* MIT licence: see LICENSE. */
/*
 * conf.h - main.cf: compiled defaults, the file, $name expansion and
 * per-service overrides.  One row per parameter lives in config.def.h.
 */
#ifndef MTA_CONF_H
#define MTA_CONF_H

#include "str.h"

enum conf_type { CONF_STR, CONF_RAW, CONF_INT, CONF_BOOL, CONF_TIME };

enum conf_param {
#define PARAM(name, type, def, min, max, doc) P_##name,
#include "../config.h"
#undef PARAM
	P_COUNT
};

struct conf_row {
	const char	*name;
	enum conf_type	type;
	const char	*def;		/* NULL: computed at run time */
	long long	min, max;
	const char	*doc;
};

extern const struct conf_row conf_rows[P_COUNT];

/* config.def.h's section 3: parameters that change nothing in mta */
struct conf_noop {
	enum conf_param	param;
	const char	*why;
};

extern const struct conf_noop conf_noops[];
extern const size_t conf_nnoops;

/* conf_load() flags */
#define CONF_NOCHECK	1	/* postconf: typed values unchecked */
#define CONF_NOFILE	2	/* compiled defaults only (postconf -d) */
#define CONF_QUIET	4	/* no "unused parameter" warnings */

/* conf_list() flags */
#define CONF_LIST_SET	1	/* only parameters set in main.cf or -o */
#define CONF_LIST_ROWS	2	/* only compiled-in parameters */

int	conf_load(const char *, int);
const char *conf_dir(void);
const char *conf_file(void);
const char *conf_str(enum conf_param);
long long conf_int(enum conf_param);
int	conf_bool(enum conf_param);
long long conf_time(enum conf_param);
const char *conf_get(const char *);
const char *conf_raw(const char *);
const char *conf_default(const char *);
int	conf_isset(const char *);
int	conf_known(const char *);
void	conf_set(const char *, const char *);
int	conf_expand(const char *, struct str *, int);
const struct conf_row *conf_row(const char *);
const char **conf_list(int);
int	conf_check(void);
void	conf_log(int);
int	conf_override(const char *);
void	conf_daemon(int, char **);
void	conf_free(void);
void	conf_alias_prefix(const char *, const char *);
int	conf_noop_warn(void);

#endif
