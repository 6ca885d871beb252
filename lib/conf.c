/* MIT licence: see LICENSE. */
/*
 * conf.c - main.cf's parameters: the compiled rows, the entries that
 * hold their values, and typed access to them (conf_str(), conf_int(),
 * conf_bool(), conf_time(), conf_get()...), with aliases and overrides.
 *
 * Every applet calls conf_load() (conf_load.c) first, with whatever
 * privileges it was started with; nothing here needs privileges.  The
 * rows of config.def.h section 2 are the parameters; main.cf may set
 * them and may define parameters of its own, which other values use as
 * $name (conf_expand.c).  Values are expanded lazily, when they are used,
 * so a parameter may use one that is set later in the file; each
 * expansion is cached until conf_set() changes something.  Typed values
 * (INT, BOOL, TIME) are checked once at load time, so a bad value stops a
 * program at setup with a message that names the parameter, never in the
 * middle of a session.  Man pages: mta.conf(5), postconf(1).
 */
#include <ctype.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "conf.h"
#include "conf_int.h"
#include "log.h"
#include "num.h"
#include "str.h"
#include "x.h"

#include "../config.h"

const struct conf_row conf_rows[P_COUNT] = {
#define PARAM(name, type, def, min, max, doc) \
	{ #name, CONF_##type, def, min, max, doc },
#include "../config.h"
#undef PARAM
};

const struct conf_noop conf_noops[] = {
#define NOOP(name, why) { P_##name, why },
#include "../config.h"
#undef NOOP
};
const size_t conf_nnoops = sizeof(conf_noops) / sizeof(conf_noops[0]);

/* the entries (conf_int.h says how they are kept) and their room */
struct ent *conf_ents;
size_t conf_nents;
char *conf_cdir, *conf_cfile;
static size_t maxents;

/*
 * Parameter aliases (conf_alias_prefix): alias[p] is the row read when a
 * program asks for row p; NULL: none.
 */
static enum conf_param *alias;

static int
rowcmp(const void *key, const void *row)
{
	return strcmp(key, ((const struct conf_row *)row)->name);
}

/* conf_row - the compiled-in row of a parameter, or NULL */
const struct conf_row *
conf_row(const char *name)
{
	return bsearch(name, conf_rows, P_COUNT, sizeof(conf_rows[0]),
	    rowcmp);
}

/* conf_init - the entries of the rows, once */
void
conf_init(void)
{
	size_t i;

	if (conf_ents)
		return;
	maxents = P_COUNT + 32;
	conf_ents = xcalloc(maxents, sizeof(*conf_ents));
	for (i = 0; i < P_COUNT; i++) {
		conf_ents[i].name = conf_rows[i].name;
		conf_ents[i].row = &conf_rows[i];
	}
	conf_nents = P_COUNT;
	if (conf_cdir == NULL) {
		conf_cdir = xstrdup(CONFIG_DIR);
		conf_cfile = xstrdup(CONFIG_DIR "/main.cf");
	}
}

/* conf_find - the entry of a parameter, or NULL */
struct ent *
conf_find(const char *name)
{
	const struct conf_row *r;
	size_t i;

	conf_init();
	if ((r = conf_row(name)) != NULL)
		return &conf_ents[r - conf_rows];
	for (i = P_COUNT; i < conf_nents; i++)
		if (strcmp(conf_ents[i].name, name) == 0)
			return &conf_ents[i];
	return NULL;
}

/* conf_add - the entry of a parameter, made when there is none */
struct ent *
conf_add(const char *name)
{
	struct ent *e;

	if ((e = conf_find(name)) != NULL)
		return e;
	if (conf_nents == maxents) {
		maxents *= 2;
		conf_ents = xreallocarray(conf_ents, maxents,
		    sizeof(*conf_ents));
	}
	e = &conf_ents[conf_nents++];
	memset(e, 0, sizeof(*e));
	e->name = xstrdup(name);
	return e;
}

/* Forget every expansion and computed default: something changed. */
static void
flush(void)
{
	size_t i;

	for (i = 0; i < conf_nents; i++) {
		free(conf_ents[i].exp);
		conf_ents[i].exp = NULL;
		free(conf_ents[i].def);
		conf_ents[i].def = NULL;
	}
}

/* conf_setval - an entry's value, and where it came from */
void
conf_setval(struct ent *e, const char *val, int src, int line)
{
	free(e->val);
	e->val = xstrdup(val);
	e->src = src;
	e->line = line;
}

/* conf_free - forget the configuration (conf_load() starts afresh) */
void
conf_free(void)
{
	size_t i;

	for (i = 0; conf_ents && i < conf_nents; i++) {
		free(conf_ents[i].val);
		free(conf_ents[i].def);
		free(conf_ents[i].exp);
		if (conf_ents[i].row == NULL)
			free((char *)conf_ents[i].name);
	}
	free(conf_ents);
	conf_ents = NULL;
	conf_nents = maxents = 0;
	free(conf_cdir);
	free(conf_cfile);
	conf_cdir = conf_cfile = NULL;
}

/* conf_rawval - the unexpanded value of an entry */
const char *
conf_rawval(struct ent *e)
{
	if (e->val)
		return e->val;
	if (e->row == NULL)
		return "";
	return e->row->def ? e->row->def : conf_default_computed(e);
}

/*
 * conf_value - the value of an entry as programs see it: expanded (RAW rows
 * raw), cached.  -1 with the reason in err on an expansion error.
 */
int
conf_value(struct ent *e, int depth, const char **res, struct str *err)
{
	struct str out = STR_INIT;
	const char *raw;

	if (e->exp) {
		*res = e->exp;
		return 0;
	}
	raw = conf_rawval(e);
	if (e->row && e->row->type == CONF_RAW) {
		*res = raw;
		return 0;
	}
	if (strchr(raw, '$') == NULL) {
		*res = raw;
		return 0;
	}
	str_init(&out);
	if (conf_expand_mem(raw, strlen(raw), &out, depth, err) < 0) {
		str_free(&out);
		return -1;
	}
	e->exp = str_steal(&out);
	*res = e->exp;
	return 0;
}

static const char *
must(struct ent *e)
{
	struct str err = STR_INIT;
	const char *v;

	if (conf_value(e, 0, &v, &err) < 0)
		die("parameter %s: %s", e->name, err.s);
	return v;
}

/*
 * conf_typed - the value of a typed entry (INT, BOOL, TIME) in *out; -1
 * with err.  The messages are Postfix's, so that whoever searched the
 * web for one finds the answer.
 */
int
conf_typed(struct ent *e, long long *out, struct str *err)
{
	const struct conf_row *r = e->row;
	const char *v;
	int unit;

	if (conf_value(e, 0, &v, err) < 0) {
		str_addf(err, " (parameter %s)", e->name);
		return -1;
	}
	str_reset(err);
	switch (r->type) {
	case CONF_INT:
		if (num_parse(v, LLONG_MIN, LLONG_MAX, out) < 0) {
			str_addf(err, "bad numerical configuration: %s = %s",
			    r->name, v);
			return -1;
		}
		if (*out < r->min) {
			str_addf(err, "invalid %s parameter value %lld < %lld",
			    r->name, *out, r->min);
			return -1;
		}
		if (*out > r->max) {
			str_addf(err, "invalid %s parameter value %lld > %lld",
			    r->name, *out, r->max);
			return -1;
		}
		return 0;
	case CONF_TIME:
		unit = 's';
		if (r->def && *r->def &&
		    isalpha((unsigned char)r->def[strlen(r->def) - 1]))
			unit = r->def[strlen(r->def) - 1];
		if (num_time(v, unit, out) < 0) {
			str_addf(err, "parameter %s: bad time value or unit: "
			    "%s", r->name, v);
			return -1;
		}
		if (*out < r->min) {
			str_addf(err, "invalid %s: %lld (min %lld)", r->name,
			    *out, r->min);
			return -1;
		}
		if (r->max && *out > r->max) {
			str_addf(err, "invalid %s: %lld (max %lld)", r->name,
			    *out, r->max);
			return -1;
		}
		return 0;
	case CONF_BOOL:
		if (strcasecmp(v, "yes") == 0)
			*out = 1;
		else if (strcasecmp(v, "no") == 0)
			*out = 0;
		else {
			str_addf(err, "bad boolean configuration: %s = %s",
			    r->name, v);
			return -1;
		}
		return 0;
	default:
		return 0;
	}
}

/*
 * conf_alias_prefix - from now on, a read of a row named FROM<rest>
 * through conf_str(), conf_int(), conf_bool() or conf_time() returns the
 * row TO<rest> when one of the same type exists (the lmtp agent: lmtp_*
 * for smtp_*, as Postfix's lmtp reads its own parameters).  A later call
 * with a longer FROM refines an earlier one (smtp_helo_ -> lmtp_lhlo_).
 * Names given to conf_get() are not aliased.
 */
void
conf_alias_prefix(const char *from, const char *to)
{
	struct str n = STR_INIT;
	const struct conf_row *r;
	size_t i, len = strlen(from);

	if (alias == NULL) {
		alias = xcalloc(P_COUNT, sizeof(*alias));
		for (i = 0; i < P_COUNT; i++)
			alias[i] = (enum conf_param)i;
	}
	for (i = 0; i < P_COUNT; i++) {
		if (strncmp(conf_rows[i].name, from, len) != 0)
			continue;
		str_set(&n, to);
		str_adds(&n, conf_rows[i].name + len);
		if ((r = conf_row(n.s)) != NULL &&
		    r->type == conf_rows[i].type)
			alias[i] = (enum conf_param)(r - conf_rows);
	}
	str_free(&n);
}

static enum conf_param
aliased(enum conf_param p)
{
	return alias ? alias[p] : p;
}

static long long
typed_or_die(enum conf_param p, enum conf_type t)
{
	struct str err = STR_INIT;
	long long v;

	conf_init();
	p = aliased(p);
	if (conf_rows[p].type != t)
		bug("parameter %s is not of the type asked for",
		    conf_rows[p].name);
	if (conf_typed(&conf_ents[p], &v, &err) < 0)
		die("%s", err.s);
	str_free(&err);
	return v;
}

/* conf_str - the expanded value of a parameter (RAW: unexpanded) */
const char *
conf_str(enum conf_param p)
{
	conf_init();
	return must(&conf_ents[aliased(p)]);
}

/* conf_int - a whole-number parameter; a bad value is fatal */
long long
conf_int(enum conf_param p)
{
	return typed_or_die(p, CONF_INT);
}

/* conf_bool - a yes/no parameter; a bad value is fatal */
int
conf_bool(enum conf_param p)
{
	return (int)typed_or_die(p, CONF_BOOL);
}

/* conf_time - a time parameter in seconds; a bad value is fatal */
long long
conf_time(enum conf_param p)
{
	return typed_or_die(p, CONF_TIME);
}

/* conf_get - the expanded value of any parameter by name, or NULL */
const char *
conf_get(const char *name)
{
	struct ent *e = conf_find(name);

	return e ? must(e) : NULL;
}

/* conf_raw - the unexpanded value of any parameter by name, or NULL */
const char *
conf_raw(const char *name)
{
	struct ent *e = conf_find(name);

	return e ? conf_rawval(e) : NULL;
}

/* conf_isset - was the parameter set in main.cf, by -c or conf_set()? */
int
conf_isset(const char *name)
{
	struct ent *e = conf_find(name);

	return e && e->src != SRC_DEFAULT;
}

/*
 * conf_known - is this a parameter, for postconf: a row, or one that
 * main.cf defines and something uses.
 */
int
conf_known(const char *name)
{
	struct ent *e = conf_find(name);

	return e && (e->row || e->known || e->src == SRC_SET);
}

/* conf_set - override a parameter (master.cf -o, postconf -o) */
void
conf_set(const char *name, const char *val)
{
	struct ent *e = conf_add(name);

	conf_setval(e, val, SRC_SET, 0);
	flush();
}

static int
namecmp(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/*
 * conf_list - the names of the known parameters, sorted, in a
 * NULL-terminated array that the caller frees (not the names).
 */
const char **
conf_list(int flags)
{
	const char **v;
	size_t i, n = 0;
	struct ent *e;

	conf_init();
	v = xcalloc(conf_nents + 1, sizeof(*v));
	for (i = 0; i < conf_nents; i++) {
		e = &conf_ents[i];
		if ((flags & CONF_LIST_ROWS) && e->row == NULL)
			continue;
		if ((flags & CONF_LIST_SET) && e->src == SRC_DEFAULT)
			continue;
		if (e->row || e->known || e->src == SRC_SET)
			v[n++] = e->name;
	}
	qsort(v, n, sizeof(*v), namecmp);
	v[n] = NULL;
	return v;
}

/* conf_dir - the configuration directory in use */
const char *
conf_dir(void)
{
	conf_init();
	return conf_cdir;
}

/* conf_file - the main.cf path in use */
const char *
conf_file(void)
{
	conf_init();
	return conf_cfile;
}
