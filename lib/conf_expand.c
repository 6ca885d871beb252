/* MIT licence: see LICENSE. */
/*
 * conf_expand.c - $name expansion of parameter values, and the search
 * for the names a value refers to (which tells postconf the main.cf
 * parameters that something uses).  Runs in every program,
 * unprivileged.  Man page: mta.conf(5).
 */
#include <ctype.h>
#include <string.h>

#include "conf.h"
#include "conf_int.h"
#include "str.h"

#include "../config.h"

/*
 * Expansion, as Postfix's mac_expand() with recursion: $name, ${name},
 * $(name), ${name?text}, ${name:text}, ${name?{text}:{text}},
 * ${{text} == {text} ? {text} : {text}} (and !=), and $$.  The ?/: tests
 * look at the raw value, as Postfix does.  An undefined name is empty.
 */
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
	if (conf_expand_mem(a1, b1 - a1, &l, depth, err) < 0 ||
	    conf_expand_mem(a2, b2 - a2, &r, depth, err) < 0)
		goto out;
	if ((strcmp(l.s, r.s) == 0) == eq)
		rc = conf_expand_mem(t1, u1 - t1, out, depth, err);
	else
		rc = t2 ? conf_expand_mem(t2, u2 - t2, out, depth, err) : 0;
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
	e = conf_find(name);
	raw = e ? conf_rawval(e) : "";
	if (op == end) {
		if (e == NULL)
			return 0;
		if (depth >= CONF_EXPAND_DEPTH)
			return experr(err, "unreasonable macro call nesting",
			    name, len);
		if (conf_value(e, depth + 1, &v, err) < 0)
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
		return conf_expand_mem(op + 1, end - op - 1, out, depth, err);
	}
	/* the Postfix 3 form, {text1}:{text2}; as Postfix, text after
	 * the groups is ignored */
	if ((*op == '?') == set)
		return conf_expand_mem(a, b - a, out, depth, err);
	p = skipws(p, end);
	if (p < end && *p == ':') {
		p++;
		if (group(&p, end, &t, &u) == 0)
			return conf_expand_mem(t, u - t, out, depth, err);
	}
	return 0;
}

/*
 * conf_expand_mem - the n bytes at s, expanded, appended to out; -1 with
 * the reason in err
 */
int
conf_expand_mem(const char *s, size_t n, struct str *out, int depth,
    struct str *err)
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
 * conf_expand - expand $name references in text into out.  -1 on a
 * syntax error or a loop, with the reason in out.
 */
int
conf_expand(const char *text, struct str *out, int flags)
{
	struct str err = STR_INIT;

	(void)flags;
	conf_init();
	str_reset(out);
	if (conf_expand_mem(text, strlen(text), out, 0, &err) < 0) {
		str_set(out, err.s);
		str_free(&err);
		return -1;
	}
	str_free(&err);
	return 0;
}
/*
 * conf_expand_refs - mark the parameters that a text refers to as $name
 * (or ${name...}) as known
 */
void
conf_expand_refs(const char *s)
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
			if ((e = conf_find(name)) != NULL)
				e->known = 1;
		}
		s = n;
	}
}
