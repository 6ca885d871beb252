/* MIT licence: see LICENSE. */
/*
 * conf.c - main.cf: compiled defaults, the file, $name expansion, typed
 * access and per-service overrides.
 *
 * Every applet calls conf_load() first, with whatever privileges it was
 * started with; nothing here needs privileges.  The rows of config.def.h
 * section 2 are the parameters; main.cf (Postfix syntax, read with
 * readl.c) may set them and may define parameters of its own, which other
 * values use as $name.  Values are expanded lazily, when they are used,
 * so a parameter may use one that is set later in the file; each
 * expansion is cached until conf_set() changes something.  Typed values
 * (INT, BOOL, TIME) are checked once at load time, so a bad value stops a
 * program at setup with a message that names the parameter, never in the
 * middle of a session.  Man pages: mta.conf(5), postconf(1).
 */
#include <sys/types.h>
#include <sys/socket.h>
#include <netinet/in.h>
#include <arpa/inet.h>

#include <ctype.h>
#include <errno.h>
#include <ifaddrs.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sysexits.h>
#include <unistd.h>

#include "conf.h"
#include "log.h"
#include "num.h"
#include "readl.h"
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
 * is ents[P_name]; parameters that main.cf defines follow.
 */
static struct ent *ents;
static size_t nents, maxents;
static char *cdir, *cfile;

/* Per-transport parameters: <service>_<suffix>, as Postfix's qmgr. */
static const char *const transport_suffix[] = {
	"delivery_slot_cost", "delivery_slot_discount", "delivery_slot_loan",
	"destination_concurrency_failed_cohort_limit",
	"destination_concurrency_limit",
	"destination_concurrency_negative_feedback",
	"destination_concurrency_positive_feedback",
	"destination_rate_delay", "destination_recipient_limit",
	"extra_recipient_limit", "initial_destination_concurrency",
	"minimum_delivery_slots", "recipient_limit", "recipient_refill_delay",
	"recipient_refill_limit", "time_limit", "transport_rate_delay",
};

/*
 * Parameter aliases (conf_alias_prefix): alias[p] is the row read when a
 * program asks for row p; NULL: none.
 */
static enum conf_param *alias;

static int value(struct ent *, int, const char **, struct str *);

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

static void
init(void)
{
	size_t i;

	if (ents)
		return;
	maxents = P_COUNT + 32;
	ents = xcalloc(maxents, sizeof(*ents));
	for (i = 0; i < P_COUNT; i++) {
		ents[i].name = conf_rows[i].name;
		ents[i].row = &conf_rows[i];
	}
	nents = P_COUNT;
	if (cdir == NULL) {
		cdir = xstrdup(CONFIG_DIR);
		cfile = xstrdup(CONFIG_DIR "/main.cf");
	}
}

static struct ent *
find(const char *name)
{
	const struct conf_row *r;
	size_t i;

	init();
	if ((r = conf_row(name)) != NULL)
		return &ents[r - conf_rows];
	for (i = P_COUNT; i < nents; i++)
		if (strcmp(ents[i].name, name) == 0)
			return &ents[i];
	return NULL;
}

static struct ent *
add(const char *name)
{
	struct ent *e;

	if ((e = find(name)) != NULL)
		return e;
	if (nents == maxents) {
		maxents *= 2;
		ents = xreallocarray(ents, maxents, sizeof(*ents));
	}
	e = &ents[nents++];
	memset(e, 0, sizeof(*e));
	e->name = xstrdup(name);
	return e;
}

/* Forget every expansion and computed default: something changed. */
static void
flush(void)
{
	size_t i;

	for (i = 0; i < nents; i++) {
		free(ents[i].exp);
		ents[i].exp = NULL;
		free(ents[i].def);
		ents[i].def = NULL;
	}
}

static void
setval(struct ent *e, const char *val, int src, int line)
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

	for (i = 0; ents && i < nents; i++) {
		free(ents[i].val);
		free(ents[i].def);
		free(ents[i].exp);
		if (ents[i].row == NULL)
			free((char *)ents[i].name);
	}
	free(ents);
	ents = NULL;
	nents = maxents = 0;
	free(cdir);
	free(cfile);
	cdir = cfile = NULL;
}

/*
 * Computed defaults, as Postfix's mail_params.c: myhostname is
 * gethostname() (no DNS: a mail system must start when DNS does not),
 * with .$mydomain (or .localdomain) added when it has no dot; mydomain is
 * $myhostname less its first label; mynetworks follows mynetworks_style.
 */
static char *
hostname(void)
{
	char buf[256];
	const char *dom = "localdomain";
	struct ent *d = &ents[P_mydomain];
	struct str err = STR_INIT;

	if (gethostname(buf, sizeof(buf)) != 0 || buf[0] == 0)
		str_copy(buf, "localhost", sizeof(buf));
	buf[sizeof(buf) - 1] = 0;
	if (strchr(buf, '.'))
		return xstrdup(buf);
	if (d->src != SRC_DEFAULT && value(d, 0, &dom, &err) < 0)
		dom = "localdomain";
	str_free(&err);
	return xasprintf("%s.%s", buf, *dom ? dom : "localdomain");
}

static char *
domainname(void)
{
	const char *h, *dot;
	struct str err = STR_INIT;

	if (value(&ents[P_myhostname], 0, &h, &err) < 0)
		h = "";
	str_free(&err);
	if ((dot = strchr(h, '.')) == NULL || dot[1] == 0)
		return xstrdup("localdomain");
	return xstrdup(dot + 1);
}

static int
has_word(const char *list, const char *word)
{
	char *copy = xstrdup(list), *p = copy, *w;
	int found = 0;

	while (!found && (w = str_token(&p, ", \t\r\n")) != NULL)
		found = strcasecmp(w, word) == 0;
	free(copy);
	return found;
}

static int
masklen(const unsigned char *m, size_t n)
{
	size_t i;
	int len = 0, b;

	for (i = 0; i < n; i++)
		for (b = 7; b >= 0; b--) {
			if (!(m[i] & (1 << b)))
				return len;
			len++;
		}
	return len;
}

static void
addnet(struct str *out, const char *net)
{
	char *copy = xstrdup(out->s), *p = copy, *w;
	int dup = 0;

	while (!dup && (w = str_token(&p, " ")) != NULL)
		dup = strcmp(w, net) == 0;
	free(copy);
	if (dup)
		return;
	if (out->len)
		str_addc(out, ' ');
	str_adds(out, net);
}

/* One interface address as a network of the given style. */
static void
ifnet(struct str *out, const struct ifaddrs *p, const char *style)
{
	unsigned char a[16], m[16];
	char buf[INET6_ADDRSTRLEN], net[INET6_ADDRSTRLEN + 16];
	size_t n, i;
	int len, v6 = p->ifa_addr->sa_family == AF_INET6;

	n = v6 ? 16 : 4;
	if (v6)
		memcpy(a, &((struct sockaddr_in6 *)(void *)p->ifa_addr)->
		    sin6_addr, 16);
	else
		memcpy(a, &((struct sockaddr_in *)(void *)p->ifa_addr)->
		    sin_addr, 4);
	len = (int)n * 8;
	if (strcasecmp(style, "host") != 0 && p->ifa_netmask) {
		if (v6)
			memcpy(m, &((struct sockaddr_in6 *)(void *)
			    p->ifa_netmask)->sin6_addr, 16);
		else
			memcpy(m, &((struct sockaddr_in *)(void *)
			    p->ifa_netmask)->sin_addr, 4);
		len = masklen(m, n);
	}
	/* class style: the old class A/B/C network of an IPv4 address */
	if (!v6 && strcasecmp(style, "class") == 0)
		len = a[0] < 128 ? 8 : a[0] < 192 ? 16 : a[0] < 224 ? 24 : 32;
	for (i = 0; i < n; i++) {
		int bits = len - (int)i * 8;

		if (bits <= 0)
			a[i] = 0;
		else if (bits < 8)
			a[i] &= (unsigned char)(0xff << (8 - bits));
	}
	if (inet_ntop(v6 ? AF_INET6 : AF_INET, a, buf, sizeof(buf)) == NULL)
		return;
	if (v6)
		snprintf(net, sizeof(net), "[%s]/%d", buf, len);
	else
		snprintf(net, sizeof(net), "%s/%d", buf, len);
	addnet(out, net);
}

static char *
networks(void)
{
	struct ifaddrs *ifa, *p;
	struct str out = STR_INIT, err = STR_INIT;
	const char *style, *proto;
	int pass, fam;

	if (value(&ents[P_mynetworks_style], 0, &style, &err) < 0)
		style = "host";
	if (value(&ents[P_inet_protocols], 0, &proto, &err) < 0)
		proto = "all";
	str_free(&err);
	if (strcasecmp(style, "host") != 0 &&
	    strcasecmp(style, "subnet") != 0 &&
	    strcasecmp(style, "class") != 0) {
		warn("unknown mynetworks_style parameter value: %s", style);
		style = "host";
	}
	str_init(&out);
	if (getifaddrs(&ifa) != 0) {
		warn("getifaddrs:");
		str_set(&out, "127.0.0.0/8 [::1]/128");
		return str_steal(&out);
	}
	/* IPv4 first, then IPv6, each in interface order, as Postfix */
	for (pass = 0; pass < 2; pass++) {
		fam = pass == 0 ? AF_INET : AF_INET6;
		if (!has_word(proto, "all") &&
		    !has_word(proto, pass == 0 ? "ipv4" : "ipv6"))
			continue;
		for (p = ifa; p; p = p->ifa_next)
			if (p->ifa_addr && p->ifa_addr->sa_family == fam)
				ifnet(&out, p, style);
	}
	freeifaddrs(ifa);
	return str_steal(&out);
}

static const char *
computed(struct ent *e)
{
	size_t i = (size_t)(e - ents);

	if (e->def)
		return e->def;
	if (e->busy)		/* myhostname = $mydomain and the like */
		return "";
	e->busy = 1;
	switch (i) {
	case P_myhostname:
		e->def = hostname();
		break;
	case P_mydomain:
		e->def = domainname();
		break;
	case P_mynetworks:
		e->def = networks();
		break;
	case P_process_id:
		e->def = xasprintf("%ld", (long)getpid());
		break;
	case P_process_name:
		e->def = xstrdup(log_applet);
		break;
	default:
		e->def = xstrdup("");
		break;
	}
	e->busy = 0;
	return e->def;
}

static const char *
rawval(struct ent *e)
{
	if (e->val)
		return e->val;
	if (e->row == NULL)
		return "";
	return e->row->def ? e->row->def : computed(e);
}

/*
 * Expansion, as Postfix's mac_expand() with recursion: $name, ${name},
 * $(name), ${name?text}, ${name:text}, ${name?{text}:{text}},
 * ${{text} == {text} ? {text} : {text}} (and !=), and $$.  The ?/: tests
 * look at the raw value, as Postfix does.  An undefined name is empty.
 */
static int expand(const char *, size_t, struct str *, int, struct str *);

static int
isname(int c)
{
	return isalnum((unsigned char)c) || c == '_';
}

/* The end of a bracketed group that starts at s (at the open bracket). */
static const char *
closing(const char *s, const char *end)
{
	int open = *s, close = open == '{' ? '}' : ')', level = 0;

	for (; s < end; s++) {
		if (*s == open)
			level++;
		else if (*s == close && --level == 0)
			return s;
	}
	return NULL;
}

static const char *
skipws(const char *s, const char *end)
{
	while (s < end && isspace((unsigned char)*s))
		s++;
	return s;
}

/*
 * A {text} group at *sp: its trimmed contents in [*a, *b); *sp moves
 * past it.  -1 when there is none.
 */
static int
group(const char **sp, const char *end, const char **a, const char **b)
{
	const char *s = skipws(*sp, end), *e;

	if (s >= end || *s != '{' || (e = closing(s, end)) == NULL)
		return -1;
	*a = skipws(s + 1, e);
	*b = e;
	while (*b > *a && isspace((unsigned char)(*b)[-1]))
		(*b)--;
	*sp = e + 1;
	return 0;
}

static int
experr(struct str *err, const char *what, const char *s, size_t n)
{
	str_reset(err);
	str_addf(err, "%s: \"%.*s\"", what, (int)n, s);
	return -1;
}

/* ${{a} == {b} ? {x} : {y}}: the body is from s to end. */
static int
relational(const char *s, const char *end, struct str *out, int depth,
    struct str *err)
{
	const char *a1, *b1, *a2, *b2, *t1, *u1, *t2 = NULL, *u2 = NULL;
	const char *p = s;
	struct str l = STR_INIT, r = STR_INIT;
	int eq, rc = -1;

	if (group(&p, end, &a1, &b1) < 0)
		return experr(err, "bad relational expression", s, end - s);
	p = skipws(p, end);
	if (end - p >= 2 && p[1] == '=' && (p[0] == '=' || p[0] == '!'))
		eq = p[0] == '=';
	else
		return experr(err, "unknown operator in relational expression",
		    s, end - s);
	p += 2;
	if (group(&p, end, &a2, &b2) < 0)
		return experr(err, "bad relational expression", s, end - s);
	p = skipws(p, end);
	if (p >= end || *p++ != '?' || group(&p, end, &t1, &u1) < 0)
		return experr(err, "missing '?' in relational expression", s,
		    end - s);
	p = skipws(p, end);
	if (p < end && *p == ':') {
		p++;
		if (group(&p, end, &t2, &u2) < 0)
			return experr(err, "bad relational expression", s,
			    end - s);
		p = skipws(p, end);
	}
	if (p != end)
		return experr(err, "text after relational expression", s,
		    end - s);
	str_init(&l);
	str_init(&r);
	if (expand(a1, b1 - a1, &l, depth, err) < 0 ||
	    expand(a2, b2 - a2, &r, depth, err) < 0)
		goto out;
	if ((strcmp(l.s, r.s) == 0) == eq)
		rc = expand(t1, u1 - t1, out, depth, err);
	else
		rc = t2 ? expand(t2, u2 - t2, out, depth, err) : 0;
out:
	str_free(&l);
	str_free(&r);
	return rc;
}

/* A reference: name in [n, n + len), then the operator text, if any. */
static int
reference(const char *n, size_t len, const char *op, const char *end,
    struct str *out, int depth, struct str *err)
{
	char name[256];
	struct ent *e;
	const char *raw, *v, *a, *b, *p, *t, *u;
	int set;

	if (len == 0)
		return experr(err, "empty macro name", n, end - n);
	if (len >= sizeof(name))
		return experr(err, "macro name too long", n, len);
	memcpy(name, n, len);
	name[len] = 0;
	e = find(name);
	raw = e ? rawval(e) : "";
	if (op == end) {
		if (e == NULL)
			return 0;
		if (depth >= CONF_EXPAND_DEPTH)
			return experr(err, "unreasonable macro call nesting",
			    name, len);
		if (value(e, depth + 1, &v, err) < 0)
			return -1;
		str_adds(out, v);
		return 0;
	}
	if (*op != '?' && *op != ':')
		return experr(err, "unknown operator", op, end - op);
	set = *raw != 0;
	p = op + 1;
	if (group(&p, end, &a, &b) < 0) {
		/* the Postfix 2 form: the rest is the text */
		if ((*op == '?') != set)
			return 0;
		return expand(op + 1, end - op - 1, out, depth, err);
	}
	/* the Postfix 3 form, {text1}:{text2}; as Postfix, text after
	 * the groups is ignored */
	if ((*op == '?') == set)
		return expand(a, b - a, out, depth, err);
	p = skipws(p, end);
	if (p < end && *p == ':') {
		p++;
		if (group(&p, end, &t, &u) == 0)
			return expand(t, u - t, out, depth, err);
	}
	return 0;
}

static int
expand(const char *s, size_t n, struct str *out, int depth, struct str *err)
{
	const char *end = s + n, *q, *name;

	while (s < end) {
		if (*s != '$') {
			q = memchr(s, '$', end - s);
			if (q == NULL)
				q = end;
			str_addmem(out, s, q - s);
			s = q;
			continue;
		}
		if (s + 1 < end && s[1] == '$') {
			str_addc(out, '$');
			s += 2;
			continue;
		}
		if (s + 1 < end && (s[1] == '{' || s[1] == '(')) {
			if ((q = closing(s + 1, end)) == NULL)
				return experr(err, "truncated macro reference",
				    s, end - s);
			if (s[1] == '{' && s[2] == '{') {
				if (relational(s + 2, q, out, depth, err) < 0)
					return -1;
			} else {
				for (name = s + 2; name < q && isname(*name);)
					name++;
				if (reference(s + 2, name - s - 2, name, q,
				    out, depth, err) < 0)
					return -1;
			}
			s = q + 1;
			continue;
		}
		for (name = s + 1; name < end && isname(*name);)
			name++;
		if (name == s + 1)
			return experr(err, "empty macro name", s, end - s);
		if (reference(s + 1, name - s - 1, name, name, out, depth,
		    err) < 0)
			return -1;
		s = name;
	}
	return 0;
}

/*
 * value - the value of an entry as programs see it: expanded (RAW rows
 * raw), cached.  -1 with the reason in err on an expansion error.
 */
static int
value(struct ent *e, int depth, const char **res, struct str *err)
{
	struct str out = STR_INIT;
	const char *raw;

	if (e->exp) {
		*res = e->exp;
		return 0;
	}
	raw = rawval(e);
	if (e->row && e->row->type == CONF_RAW) {
		*res = raw;
		return 0;
	}
	if (strchr(raw, '$') == NULL) {
		*res = raw;
		return 0;
	}
	str_init(&out);
	if (expand(raw, strlen(raw), &out, depth, err) < 0) {
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

	if (value(e, 0, &v, &err) < 0)
		die("parameter %s: %s", e->name, err.s);
	return v;
}

/*
 * Typed values.  The messages are Postfix's, so that whoever searched
 * the web for one finds the answer.
 */
static int
typed(struct ent *e, long long *out, struct str *err)
{
	const struct conf_row *r = e->row;
	const char *v;
	int unit;

	if (value(e, 0, &v, err) < 0) {
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

	init();
	p = aliased(p);
	if (conf_rows[p].type != t)
		bug("parameter %s is not of the type asked for",
		    conf_rows[p].name);
	if (typed(&ents[p], &v, &err) < 0)
		die("%s", err.s);
	str_free(&err);
	return v;
}

/* conf_str - the expanded value of a parameter (RAW: unexpanded) */
const char *
conf_str(enum conf_param p)
{
	init();
	return must(&ents[aliased(p)]);
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
	struct ent *e = find(name);

	return e ? must(e) : NULL;
}

/* conf_raw - the unexpanded value of any parameter by name, or NULL */
const char *
conf_raw(const char *name)
{
	struct ent *e = find(name);

	return e ? rawval(e) : NULL;
}

/* conf_default - the compiled or computed default, or NULL */
const char *
conf_default(const char *name)
{
	struct ent *e = find(name);

	if (e == NULL || e->row == NULL)
		return NULL;
	return e->row->def ? e->row->def : computed(e);
}

/* conf_isset - was the parameter set in main.cf, by -c or conf_set()? */
int
conf_isset(const char *name)
{
	struct ent *e = find(name);

	return e && e->src != SRC_DEFAULT;
}

/*
 * conf_known - is this a parameter, for postconf: a row, or one that
 * main.cf defines and something uses.
 */
int
conf_known(const char *name)
{
	struct ent *e = find(name);

	return e && (e->row || e->known || e->src == SRC_SET);
}

/* conf_set - override a parameter (master.cf -o, postconf -o) */
void
conf_set(const char *name, const char *val)
{
	struct ent *e = add(name);

	setval(e, val, SRC_SET, 0);
	flush();
}

/*
 * conf_expand - expand $name references in text into out.  -1 on a
 * syntax error or a loop, with the reason in out.
 */
int
conf_expand(const char *text, struct str *out, int flags)
{
	struct str err = STR_INIT;

	(void)flags;
	init();
	str_reset(out);
	if (expand(text, strlen(text), out, 0, &err) < 0) {
		str_set(out, err.s);
		str_free(&err);
		return -1;
	}
	str_free(&err);
	return 0;
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

	init();
	v = xcalloc(nents + 1, sizeof(*v));
	for (i = 0; i < nents; i++) {
		e = &ents[i];
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
	init();
	return cdir;
}

/* conf_file - the main.cf path in use */
const char *
conf_file(void)
{
	init();
	return cfile;
}

/* Mark the parameters that a text refers to as $name (or ${name...}). */
static void
mark_refs(const char *s)
{
	const char *n;
	char name[256];
	struct ent *e;

	while ((s = strchr(s, '$')) != NULL) {
		s++;
		if (*s == '$') {
			s++;
			continue;
		}
		if (*s == '{' || *s == '(')
			s++;
		for (n = s; isname(*n); n++)
			;
		if (n > s && (size_t)(n - s) < sizeof(name)) {
			memcpy(name, s, n - s);
			name[n - s] = 0;
			if ((e = find(name)) != NULL)
				e->known = 1;
		}
		s = n;
	}
}

static void
parse_line(struct readl *rl, char *line)
{
	char *p = str_skipws(line), *name, *val, *end;

	name = p;
	p += strcspn(p, " \t=");
	if (p == name)
		die("%s, line %d: missing attribute name: \"%s\"", cfile,
		    rl->lineno, line);
	end = p;
	p = str_skipws(p);
	if (*p != '=')
		die("%s, line %d: missing '=' after attribute name: \"%s\"",
		    cfile, rl->lineno, line);
	*end = 0;
	val = str_skipws(p + 1);
	end = val + strlen(val);
	while (end > val && isspace((unsigned char)end[-1]))
		*--end = 0;
	{
		struct ent *e = add(name);

		if (e->src == SRC_FILE)
			warn("%s, line %d: overriding earlier entry: %s=%s",
			    cfile, rl->lineno, name, e->val);
		setval(e, val, SRC_FILE, rl->lineno);
	}
}

static void
read_main(void)
{
	FILE *fp;
	struct readl rl;
	struct str line = STR_INIT;
	int r;

	if ((fp = fopen(cfile, "r")) == NULL) {
		if (errno == ENOENT || errno == ENOTDIR)
			return;		/* no main.cf: the defaults */
		die("open %s:", cfile);
	}
	readl_init(&rl, fp, cfile, 0);
	str_init(&line);
	while ((r = readl_next(&rl, &line)) > 0)
		parse_line(&rl, line.s);
	if (r < 0)
		die("read %s:", cfile);
	str_free(&line);
	readl_free(&rl);
	fclose(fp);
}

/*
 * Which main.cf-defined parameters are used: referenced as $name by any
 * value (main.cf, defaults, master.cf), named in smtpd_restriction_classes,
 * or a per-transport parameter of a master.cf service (of any service,
 * when there is no master.cf).  Postfix's postconf warns about the rest.
 */
static void
mark_known(int flags)
{
	char *path, *copy, *p, *w, **svc = NULL;
	size_t i, j, k, nsvc = 0, len;
	int have_master = 0;
	FILE *fp;
	struct str line = STR_INIT;
	struct ent *e;
	int c;

	for (i = 0; i < nents; i++) {
		if (ents[i].val)
			mark_refs(ents[i].val);
		if (ents[i].row && ents[i].row->def)
			mark_refs(ents[i].row->def);
	}
	copy = xstrdup(rawval(&ents[P_smtpd_restriction_classes]));
	for (p = copy; (w = str_token(&p, ", \t\r\n")) != NULL;)
		if ((e = find(w)) != NULL)
			e->known = 1;
	free(copy);

	path = xasprintf("%s/master.cf", cdir);
	if ((fp = fopen(path, "r")) != NULL) {
		have_master = 1;
		str_init(&line);
		for (;;) {
			str_reset(&line);
			while ((c = getc(fp)) != EOF && c != '\n')
				str_addc(&line, c);
			if (c == EOF && line.len == 0)
				break;
			p = str_skipws(line.s);
			if (*p == '#')
				continue;
			mark_refs(p);
			if (p != line.s || *p == 0)
				continue;
			svc = xreallocarray(svc, nsvc + 1, sizeof(*svc));
			svc[nsvc++] = xstrndup(p, strcspn(p, " \t"));
		}
		str_free(&line);
		fclose(fp);
	}
	free(path);

	for (i = P_COUNT; i < nents; i++) {
		e = &ents[i];
		for (k = 0; !e->known && k < sizeof(transport_suffix) /
		    sizeof(transport_suffix[0]); k++) {
			if (strlen(e->name) <= strlen(transport_suffix[k]) + 1)
				continue;
			len = strlen(e->name) - strlen(transport_suffix[k]);
			if (strcmp(e->name + len, transport_suffix[k]) != 0 ||
			    e->name[len - 1] != '_')
				continue;
			if (!have_master)
				e->known = 1;
			for (j = 0; j < nsvc && !e->known; j++)
				if (strlen(svc[j]) == len - 1 &&
				    strncmp(svc[j], e->name, len - 1) == 0)
					e->known = 1;
		}
		if (!e->known && e->src == SRC_FILE && !(flags & CONF_QUIET))
			warn("%s, line %d: unused parameter: %s=%s", cfile,
			    e->line, e->name, e->val);
	}
	for (i = 0; i < nsvc; i++)
		free(svc[i]);
	free(svc);
}

static int
check(int fatal)
{
	struct str err = STR_INIT;
	const char *v;
	long long n;
	size_t i;
	int bad = 0;

	str_init(&err);
	for (i = 0; i < nents; i++) {
		if (ents[i].row && ents[i].row->type != CONF_STR &&
		    ents[i].row->type != CONF_RAW) {
			if (typed(&ents[i], &n, &err) == 0)
				continue;
		} else if (fatal || value(&ents[i], 0, &v, &err) == 0) {
			continue;
		} else {
			str_addf(&err, " (parameter %s)", ents[i].name);
		}
		if (fatal)
			die("%s", err.s);
		error("%s", err.s);
		bad++;
	}
	str_free(&err);
	return bad;
}

/*
 * conf_check - check every parameter: typed values parse and are in
 * range, every value expands.  Logs each problem; returns their number.
 */
int
conf_check(void)
{
	init();
	return check(0);
}

/* does the entry hold its row's default (as a program would see it)? */
static int
is_default(struct ent *e)
{
	struct ent d;
	struct str err = STR_INIT;
	const char *v, *dv;
	long long n, dn;
	int same;

	if (e->val == NULL)
		return 1;
	if (e->row->def == NULL)	/* computed: none is on the list */
		return 0;
	memset(&d, 0, sizeof(d));
	d.name = e->name;
	d.row = e->row;
	str_init(&err);
	if (e->row->type == CONF_STR || e->row->type == CONF_RAW)
		same = value(e, 0, &v, &err) == 0 &&
		    value(&d, 0, &dv, &err) == 0 && strcmp(v, dv) == 0;
	else
		same = typed(e, &n, &err) == 0 && typed(&d, &dn, &err) == 0 &&
		    n == dn;
	free(d.exp);
	free(d.def);
	str_free(&err);
	return same;
}

/*
 * conf_noop_warn - warn about each parameter of config.def.h's no-op
 * list that the configuration sets to other than its default: mta
 * accepts it but it changes nothing.  Called where main.cf is read for
 * the whole mail system (master's start and reload, `postfix check`),
 * not in every process.  Returns the number of warnings.
 */
int
conf_noop_warn(void)
{
	struct ent *e;
	size_t i;
	int n = 0;

	init();
	for (i = 0; i < conf_nnoops; i++) {
		e = &ents[conf_noops[i].param];
		if (is_default(e))
			continue;
		if (e->src == SRC_FILE)
			warn("%s, line %d: %s = %s has no effect in mta: %s",
			    cfile, e->line, e->name, e->val,
			    conf_noops[i].why);
		else
			warn("%s = %s has no effect in mta: %s", e->name,
			    e->val, conf_noops[i].why);
		n++;
	}
	return n;
}

/*
 * conf_load - read the configuration: the directory is dir (-c), else
 * $MAIL_CONFIG, else CONFIG_DIR.  No main.cf means the compiled defaults.
 * A malformed line or (unless CONF_NOCHECK) a bad typed value is fatal.
 */
int
conf_load(const char *dir, int flags)
{
	int explicit = 1;

	conf_free();
	if (dir == NULL || *dir == 0) {
		dir = getenv("MAIL_CONFIG");
		if (dir == NULL || *dir == 0) {
			dir = CONFIG_DIR;
			explicit = 0;
		}
	}
	cdir = xstrdup(dir);
	cfile = xasprintf("%s/main.cf", dir);
	init();
	/* Postfix records a -c or $MAIL_CONFIG directory as a setting */
	if (explicit)
		setval(&ents[P_config_directory], dir, SRC_SET, 0);
	if (!(flags & CONF_NOFILE)) {
		read_main();
		mark_known(flags);
	}
	if (!(flags & CONF_NOCHECK))
		check(1);
	return 0;
}

/*
 * conf_log - route messages as the configuration says (syslog_name,
 * maillog_file); where is LOG_TO_STDERR and/or LOG_TO_SYSLOG.  A command
 * that already writes to stderr does not also copy its messages to a
 * maillog_file of /dev/stdout or /dev/stderr, which would mix them into
 * its output or say them twice.
 */
void
conf_log(int where)
{
	const char *file = conf_str(P_maillog_file);

	if ((where & LOG_TO_STDERR) && (strcmp(file, "/dev/stdout") == 0 ||
	    strcmp(file, "/dev/stderr") == 0))
		where &= ~LOG_TO_SYSLOG;
	log_setup(where, conf_str(P_syslog_name), file);
}

/*
 * conf_override - apply one "name=value" of a -o option (master.cf or the
 * command line); -1 when it has no name or no '='
 */
int
conf_override(const char *nv)
{
	const char *eq = strchr(nv, '=');
	char *name;

	if (eq == NULL || eq == nv)
		return -1;
	name = xstrndup(nv, (size_t)(eq - nv));
	conf_set(name, eq + 1);
	free(name);
	return 0;
}

/*
 * conf_daemon - the start of every service master runs: its options
 * (-c config_dir, -o name=value, and master's -t -u -v -z -S, which need
 * nothing here), the configuration with the overrides, logging to the
 * mail log.  A usage or configuration error is fatal.
 */
void
conf_daemon(int argc, char **argv)
{
	const char *confdir = NULL;
	char **over = NULL;
	size_t nover = 0, i;
	int ch;

	while ((ch = getopt(argc, argv, "c:o:tuvzS")) != -1) {
		switch (ch) {
		case 'c':
			confdir = optarg;
			break;
		case 'o':
			over = xreallocarray(over, nover + 1, sizeof(*over));
			over[nover++] = optarg;
			break;
		case 't': case 'u': case 'v': case 'z': case 'S':
			break;	/* master's flags: nothing to do here */
		default:
			die_status(EX_USAGE, "usage: %s [-c config_dir] "
			    "[-o name=value]", argv[0]);
		}
	}
	if (conf_load(confdir, CONF_QUIET) < 0)
		die_status(EX_CONFIG, "cannot load the configuration");
	for (i = 0; i < nover; i++)
		if (conf_override(over[i]) < 0)
			die_status(EX_USAGE, "-o %s: need name=value",
			    over[i]);
	free(over);
	conf_log(LOG_TO_SYSLOG);
}
