/* MIT licence: see LICENSE. */
/*
 * rewrite.c - cleanup's address rewriting, in Postfix's order.
 *
 * Run by cleanup as mail_owner; the tables are opened by rewrite_init()
 * at startup.  Man pages: cleanup(8), canonical(5), virtual(5).
 *
 * An address is first qualified as Postfix's trivial-rewrite does in the
 * "local" context: "user" gets @$myorigin (append_at_myorigin),
 * "user@host" gets .$mydomain (append_dot_mydomain), a trailing dot goes.
 * Then, as cleanup_envelope.c and cleanup_message.c: sender_canonical_maps
 * or recipient_canonical_maps, then canonical_maps (each only for the
 * classes its *_classes parameter names, each applied until the address
 * stops changing, at most 10 times, each result qualified again), then
 * masquerade_domains for masquerade_classes.  Recipients are expanded
 * last through virtual_alias_maps, recursively: an address already
 * expanded once in this expansion is kept as it is (so "a -> a, b" and
 * loops terminate), with virtual_alias_recursion_limit levels and
 * virtual_alias_expansion_limit results at most.  A table error is a
 * temporary failure of the whole message (-1), never "not found".
 *
 * Header addresses are found with a small scanner (quoted strings,
 * comments, <angle> addresses, groups); only the address text is
 * replaced, so an unchanged header keeps its bytes and its folding.
 */
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "../conf.h"
#include "../log.h"
#include "../str.h"
#include "../table/alias.h"
#include "../table/maps.h"
#include "../table/match.h"
#include "../x.h"
#include "rewrite.h"

#define MAP11_LOOPS	10	/* Postfix's cleanup_map11 MAX_RECURSION */

struct rewrite {
	struct maps	*send_canon, *rcpt_canon, *canon, *virt;
	int		send_flags, rcpt_flags, canon_flags, masq_flags;
	char		**masq;		/* masquerade_domains, in order */
	struct match_list *masq_except;
	struct match_list *mydest;
	int		prop_canon, prop_virt;
	const char	*delim;
	struct str	err;
};

static int
classes(const char *pname)
{
	char *copy, *cp, *tok;
	int f = 0;

	cp = copy = xstrdup(conf_get(pname));
	while ((tok = str_token(&cp, ", \t\r\n")) != NULL) {
		if (strcasecmp(tok, "envelope_sender") == 0)
			f |= RW_ENV_SENDER;
		else if (strcasecmp(tok, "envelope_recipient") == 0)
			f |= RW_ENV_RCPT;
		else if (strcasecmp(tok, "header_sender") == 0)
			f |= RW_HDR_SENDER;
		else if (strcasecmp(tok, "header_recipient") == 0)
			f |= RW_HDR_RCPT;
		else
			warn("%s: unknown address class: %s", pname, tok);
	}
	free(copy);
	return f;
}

static struct maps *
open_maps(enum conf_param p)
{
	const char *v = conf_str(p);

	if (*v == 0)
		return NULL;
	return maps_open(conf_rows[p].name, v, DICT_FOLD);
}

/* rewrite_init - open the tables and read the settings (at startup) */
struct rewrite *
rewrite_init(void)
{
	struct rewrite *rw;
	char *copy, *cp, *tok;
	size_t n = 0;
	const char *prop;

	rw = xcalloc(1, sizeof(*rw));
	str_init(&rw->err);
	rw->send_canon = open_maps(P_sender_canonical_maps);
	rw->rcpt_canon = open_maps(P_recipient_canonical_maps);
	rw->canon = open_maps(P_canonical_maps);
	rw->virt = open_maps(P_virtual_alias_maps);
	rw->send_flags = classes("sender_canonical_classes");
	rw->rcpt_flags = classes("recipient_canonical_classes");
	rw->canon_flags = classes("canonical_classes");
	rw->masq_flags = classes("masquerade_classes");
	cp = copy = xstrdup(conf_str(P_masquerade_domains));
	rw->masq = xcalloc(1, sizeof(*rw->masq));
	while ((tok = str_token(&cp, ", \t\r\n")) != NULL) {
		rw->masq = xreallocarray(rw->masq, n + 2, sizeof(*rw->masq));
		rw->masq[n++] = xstrdup(tok);
		rw->masq[n] = NULL;
	}
	free(copy);
	if (*conf_str(P_masquerade_exceptions))
		rw->masq_except = match_init("masquerade_exceptions",
		    MATCH_STRING, conf_str(P_masquerade_exceptions));
	rw->mydest = match_init("mydestination", MATCH_DOMAIN |
	    match_parent_style("mydestination",
	    conf_str(P_parent_domain_matches_subdomains)),
	    conf_str(P_mydestination));
	prop = conf_str(P_propagate_unmatched_extensions);
	rw->prop_canon = strstr(prop, "canonical") != NULL;
	rw->prop_virt = strstr(prop, "virtual") != NULL;
	rw->delim = conf_str(P_recipient_delimiter);
	return rw;
}

/*
 * rewrite_init_generic - a rewriter for generic(5) tables (the smtp
 * client's smtp_generic_maps, in parameter p): the table maps every
 * class of address, with no masquerading.  NULL when p is empty.
 */
struct rewrite *
rewrite_init_generic(enum conf_param p)
{
	struct rewrite *rw;

	if (*conf_str(p) == 0)
		return NULL;
	rw = xcalloc(1, sizeof(*rw));
	str_init(&rw->err);
	rw->canon = open_maps(p);
	rw->canon_flags = RW_ENV_SENDER | RW_ENV_RCPT | RW_HDR_SENDER |
	    RW_HDR_RCPT;
	rw->masq = xcalloc(1, sizeof(*rw->masq));
	rw->mydest = match_init("mydestination", MATCH_DOMAIN |
	    match_parent_style("mydestination",
	    conf_str(P_parent_domain_matches_subdomains)),
	    conf_str(P_mydestination));
	rw->prop_canon = strstr(conf_str(P_propagate_unmatched_extensions),
	    "generic") != NULL;
	rw->delim = conf_str(P_recipient_delimiter);
	return rw;
}

/* rewrite_free - close the tables */
void
rewrite_free(struct rewrite *rw)
{
	size_t i;

	if (rw == NULL)
		return;
	maps_close(rw->send_canon);
	maps_close(rw->rcpt_canon);
	maps_close(rw->canon);
	maps_close(rw->virt);
	for (i = 0; rw->masq[i]; i++)
		free(rw->masq[i]);
	free(rw->masq);
	if (rw->masq_except)
		match_free(rw->masq_except);
	match_free(rw->mydest);
	str_free(&rw->err);
	free(rw);
}

/* rewrite_error - why the last call failed */
const char *
rewrite_error(struct rewrite *rw)
{
	return rw->err.s;
}

/* rewrite_qualify - the address in the local context (trivial-rewrite) */
void
rewrite_qualify(struct rewrite *rw, const char *in, struct str *out)
{
	const char *at;

	(void)rw;
	str_set(out, in);
	if (*in == 0)
		return;
	if (out->len > 1 && out->s[out->len - 1] == '.')
		str_trunc(out, out->len - 1);
	if ((at = strrchr(out->s, '@')) == NULL) {
		if (conf_bool(P_append_at_myorigin)) {
			str_addc(out, '@');
			str_adds(out, conf_str(P_myorigin));
		}
	} else if (strchr(at, '.') == NULL && at[1] &&
	    conf_bool(P_append_dot_mydomain)) {
		str_addc(out, '.');
		str_adds(out, conf_str(P_mydomain));
	}
}

static int
islocal(const char *domain, void *ctx)
{
	struct rewrite *rw = ctx;

	return match_find(rw->mydest, domain, NULL);
}

/* one-to-one mapping, applied until the address stops changing */
static int
map11(struct rewrite *rw, struct maps *m, int prop, struct str *addr)
{
	struct str q;
	char **list;
	int i, status;

	str_init(&q);
	for (i = 0; i < MAP11_LOOPS; i++) {
		list = maps_addr_map(m, addr->s, rw->delim, islocal, rw, prop,
		    &status);
		if (status < 0) {
			str_set(&rw->err, m->err.len ? m->err.s :
			    "table lookup error");
			str_free(&q);
			return -1;
		}
		if (list == NULL)
			break;
		if (list[0] && list[1])
			warn("%s: multi-valued entry for %s", m->title,
			    addr->s);
		rewrite_qualify(rw, list[0] ? list[0] : addr->s, &q);
		alias_list_free(list);
		if (strcasecmp(q.s, addr->s) == 0) {
			str_set(addr, q.s);
			break;
		}
		str_set(addr, q.s);
	}
	str_free(&q);
	return 0;
}

/* masquerade - user@host.example.com -> user@example.com */
static int
masquerade(struct rewrite *rw, struct str *addr)
{
	const char *at = strrchr(addr->s, '@'), *dom;
	struct str local;
	size_t i, dl, ml;
	int r;

	if (at == NULL || rw->masq[0] == NULL)
		return 0;
	if (rw->masq_except) {
		str_init(&local);
		str_setmem(&local, addr->s, (size_t)(at - addr->s));
		str_lower(&local);
		r = match_find(rw->masq_except, local.s, NULL);
		str_free(&local);
		if (r != 0)
			return r < 0 ? -1 : 0;
	}
	dom = at + 1;
	dl = strlen(dom);
	for (i = 0; rw->masq[i]; i++) {
		const char *m = rw->masq[i];
		int neg = *m == '!';

		m += neg;
		ml = strlen(m);
		if (dl == ml && strcasecmp(dom, m) == 0)
			return 0;	/* already masqueraded */
		if (dl > ml && dom[dl - ml - 1] == '.' &&
		    strcasecmp(dom + dl - ml, m) == 0) {
			if (neg)
				return 0;
			str_trunc(addr, (size_t)(dom - addr->s));
			str_adds(addr, m);
			return 0;
		}
	}
	return 0;
}

/*
 * rewrite_addr - canonical mapping and masquerading of an address of
 * class (RW_*), already qualified by the caller when it should be.
 * 0 with the result in out, or -1 on a table error (rewrite_error()).
 */
int
rewrite_addr(struct rewrite *rw, int class, const char *in, struct str *out)
{
	str_set(out, in);
	if (*in == 0)
		return 0;
	if (rw->send_canon && (class & (RW_ENV_SENDER | RW_HDR_SENDER)) &&
	    (rw->send_flags & class) &&
	    map11(rw, rw->send_canon, rw->prop_canon, out) < 0)
		return -1;
	if (rw->rcpt_canon && (class & (RW_ENV_RCPT | RW_HDR_RCPT)) &&
	    (rw->rcpt_flags & class) &&
	    map11(rw, rw->rcpt_canon, rw->prop_canon, out) < 0)
		return -1;
	if (rw->canon && (rw->canon_flags & class) &&
	    map11(rw, rw->canon, rw->prop_canon, out) < 0)
		return -1;
	if ((rw->masq_flags & class) && masquerade(rw, out) < 0) {
		str_set(&rw->err, "masquerade_exceptions lookup error");
		return -1;
	}
	return 0;
}

/* the virtual expansion in progress */
struct vexp {
	char	**seen;		/* every address expanded so far */
	size_t	nseen;
	char	**out;		/* the result, NULL-terminated */
	size_t	nout;
};

static int
vseen(char **list, size_t n, const char *a)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (strcasecmp(list[i], a) == 0)
			return 1;
	return 0;
}

static void
vadd(char ***list, size_t *n, const char *a)
{
	*list = xreallocarray(*list, *n + 2, sizeof(**list));
	(*list)[(*n)++] = xstrdup(a);
	(*list)[*n] = NULL;
}

static int
vexpand(struct rewrite *rw, struct vexp *v, const char *addr, int depth)
{
	struct str q;
	char **list;
	size_t i;
	int status, r = 0;

	if (depth > conf_int(P_virtual_alias_recursion_limit)) {
		str_reset(&rw->err);
		str_addf(&rw->err, "unreasonable virtual_alias_maps map "
		    "nesting for %s", addr);
		return -1;
	}
	if (vseen(v->seen, v->nseen, addr) || rw->virt == NULL) {
		list = NULL;
		status = 0;
	} else {
		vadd(&v->seen, &v->nseen, addr);
		list = maps_addr_map(rw->virt, addr, rw->delim, islocal, rw,
		    rw->prop_virt, &status);
	}
	if (status < 0) {
		str_set(&rw->err, rw->virt->err.len ? rw->virt->err.s :
		    "virtual_alias_maps lookup error");
		return -1;
	}
	if (list == NULL) {
		if (!vseen(v->out, v->nout, addr))
			vadd(&v->out, &v->nout, addr);
		if ((long long)v->nout > conf_int(P_virtual_alias_expansion_limit)) {
			str_reset(&rw->err);
			str_addf(&rw->err, "unreasonable virtual_alias_maps "
			    "map expansion size for %s", addr);
			return -1;
		}
		return 0;
	}
	str_init(&q);
	for (i = 0; list[i] && r == 0; i++) {
		rewrite_qualify(rw, list[i], &q);
		r = vexpand(rw, v, q.s, depth + 1);
	}
	str_free(&q);
	alias_list_free(list);
	return r;
}

/*
 * rewrite_virtual - expand a recipient through virtual_alias_maps.  The
 * NULL-terminated list (alias_list_free()) is the address itself when no
 * table has it; NULL when a table failed or a limit was hit, with the
 * reason in err (the message is then deferred, as Postfix does).
 */
char **
rewrite_virtual(struct rewrite *rw, const char *addr, struct str *err)
{
	struct vexp v;

	memset(&v, 0, sizeof(v));
	if (vexpand(rw, &v, addr, 0) < 0) {
		str_set(err, rw->err.s);
		alias_list_free(v.seen);
		alias_list_free(v.out);
		return NULL;
	}
	alias_list_free(v.seen);
	if (v.out == NULL)
		v.out = xcalloc(1, sizeof(*v.out));
	return v.out;
}

/* header addresses ------------------------------------------------------- */

/* skip a quoted string or a (nested) comment starting at p */
static const char *
skip_special(const char *p)
{
	int depth = 0;

	if (*p == '"') {
		for (p++; *p && *p != '"'; p++)
			if (*p == '\\' && p[1])
				p++;
		return *p ? p + 1 : p;
	}
	for (; *p; p++) {
		if (*p == '\\' && p[1])
			p++;
		else if (*p == '(')
			depth++;
		else if (*p == ')' && --depth == 0)
			return p + 1;
	}
	return p;
}

typedef void (*span_fn)(void *, const char *, size_t);

/* call fn for each address in a header value: its start and length */
static void
scan(const char *v, span_fn fn, void *ctx)
{
	const char *p = v, *item = v, *s, *e, *q;
	int angle = 0;

	for (;;) {
		if (*p == '"' || *p == '(') {
			p = skip_special(p);
			continue;
		}
		if (*p == '<') {
			for (q = p + 1; *q && *q != '>'; q++)
				if (*q == '"')
					q = skip_special(q) - 1;
			if (*q == 0)
				return;
			/* a source route @a,@b:user@dom keeps its route */
			s = p + 1;
			if (*s == '@' && memchr(s, ':', (size_t)(q - s)))
				s = (const char *)memchr(s, ':',
				    (size_t)(q - s)) + 1;
			fn(ctx, s, (size_t)(q - s));
			angle = 1;
			p = q + 1;
			continue;
		}
		if (*p == ':' && !angle) {
			item = p + 1;	/* a group: "name: a, b;" */
			p++;
			continue;
		}
		if (*p == ',' || *p == ';' || *p == 0) {
			if (!angle) {
				/* a bare address, maybe with comments */
				for (s = item; *s == ' ' || *s == '\t' ||
				    *s == '\r' || *s == '\n'; s++)
					;
				for (e = s; e < p && *e != '('; e++)
					if (*e == '"')
						e = skip_special(e) - 1;
				while (e > s && strchr(" \t\r\n", e[-1]))
					e--;
				if (e > s)
					fn(ctx, s, (size_t)(e - s));
			}
			if (*p == 0)
				return;
			angle = 0;
			item = ++p;
			continue;
		}
		p++;
	}
}

struct hctx {
	struct rewrite	*rw;
	int		class, qualify, failed, changed;
	const char	*v;
	size_t		done;		/* bytes of v copied to out */
	struct str	*out, a, q, r;
	void		(*fn)(void *, const char *);
	void		*fnctx;
};

static void
span_rewrite(void *ctx, const char *s, size_t len)
{
	struct hctx *h = ctx;

	if (h->failed || len == 0)
		return;
	str_setmem(&h->a, s, len);
	if (h->qualify)
		rewrite_qualify(h->rw, h->a.s, &h->q);
	else
		str_set(&h->q, h->a.s);
	if (rewrite_addr(h->rw, h->class, h->q.s, &h->r) < 0) {
		h->failed = 1;
		return;
	}
	if (strcmp(h->r.s, h->a.s) == 0)
		return;
	h->changed = 1;
	str_addmem(h->out, h->v + h->done, (size_t)(s - h->v) - h->done);
	str_adds(h->out, h->r.s);
	h->done = (size_t)(s - h->v) + len;
}

/*
 * rewrite_header - rewrite the addresses in a header value of class
 * RW_HDR_SENDER or RW_HDR_RCPT (qualify: the local context).  1 with the
 * new value in out, 0 when nothing changed, -1 on a table error.
 */
int
rewrite_header(struct rewrite *rw, int class, int qualify, const char *v,
    struct str *out)
{
	struct hctx h;

	memset(&h, 0, sizeof(h));
	h.rw = rw;
	h.class = class;
	h.qualify = qualify;
	h.v = v;
	h.out = out;
	str_reset(out);
	str_init(&h.a);
	str_init(&h.q);
	str_init(&h.r);
	scan(v, span_rewrite, &h);
	str_adds(out, v + h.done);
	str_free(&h.a);
	str_free(&h.q);
	str_free(&h.r);
	return h.failed ? -1 : h.changed;
}

static void
span_call(void *ctx, const char *s, size_t len)
{
	struct hctx *h = ctx;
	size_t i;

	/*
	 * A control character (a CR or LF from folding, a NUL, an ESC) has
	 * no place in an address: as a recipient it would reach queue
	 * files, logs and the next hop's RCPT TO, so it is refused here,
	 * for every caller (cleanup's and sendmail's extraction)
	 */
	for (i = 0; i < len; i++)
		if ((unsigned char)s[i] < 0x20 || s[i] == 0x7f) {
			warn("header address with a control character: "
			    "ignored");
			return;
		}
	str_setmem(&h->a, s, len);
	h->fn(h->fnctx, h->a.s);
	h->changed++;
}

/*
 * rewrite_header_addrs - call fn(ctx, address) for each address in a
 * header value (sendmail -t); returns how many there were
 */
int
rewrite_header_addrs(const char *v, void (*fn)(void *, const char *),
    void *ctx)
{
	struct hctx h;

	memset(&h, 0, sizeof(h));
	str_init(&h.a);
	h.fn = fn;
	h.fnctx = ctx;
	scan(v, span_call, &h);
	str_free(&h.a);
	return h.changed;
}
