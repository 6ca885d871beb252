/* MIT licence: see LICENSE. */
/*
 * check/rbl.c - DNS blocklists for smtpd's restrictions: reject_rbl_client
 * and reject_rhsbl_{client,helo,sender,recipient}, with Postfix's reply
 * templates (default_rbl_reply, rbl_reply_maps and their $rbl_* names).
 * Runs inside smtpd, unprivileged.  Man page: access(5).
 */
#include <ctype.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>

#include "../../config.h"
#include "../conf.h"
#include "../dns.h"
#include "../inet.h"
#include "../log.h"
#include "../str.h"
#include "../table/maps.h"
#include "../x.h"
#include "int.h"

/* $name expansion of an RBL reply template (mac_expand, small) */
struct rblx {
	struct check_ctx *c;
	const char *domain, *what, *class, *txt;
};

static const char *
rbl_value(struct rblx *x, const char *name, size_t len, struct str *tmp)
{
#define IS(w)	(len == strlen(w) && strncmp(name, (w), len) == 0)
	if (IS("rbl_code")) {
		str_reset(tmp);
		str_addf(tmp, "%lld", conf_int(P_maps_rbl_reject_code));
		return tmp->s;
	}
	if (IS("rbl_domain"))
		return x->domain;
	if (IS("rbl_reason") || IS("rbl_txt"))
		return x->txt;
	if (IS("rbl_what"))
		return x->what;
	if (IS("rbl_class"))
		return x->class;
	if (IS("client"))
		return check_namaddr(x->c);
	if (IS("client_address"))
		return x->c->client_addr ? x->c->client_addr : "";
	if (IS("client_name"))
		return x->c->client_name ? x->c->client_name : "";
	if (IS("helo_name"))
		return x->c->helo_name ? x->c->helo_name : "";
	if (IS("sender"))
		return x->c->sender && *x->c->sender ? x->c->sender : "<>";
	if (IS("recipient"))
		return x->c->recipient ? x->c->recipient : "";
	return NULL;
#undef IS
}

static int
rbl_expand(struct rblx *x, const char *s, size_t n, struct str *out,
    int depth)
{
	struct str tmp = STR_INIT;
	const char *e = s + n, *name, *v, *end;
	size_t nlen, lev;
	int op;

	if (depth > 10)
		return -1;
	str_init(&tmp);
	while (s < e) {
		if (*s != '$') {
			str_addc(out, *s++);
			continue;
		}
		s++;
		if (s < e && *s == '$') {
			str_addc(out, *s++);
			continue;
		}
		op = 0;
		if (s < e && (*s == '{' || *s == '(')) {
			char close = *s == '{' ? '}' : ')';

			name = ++s;
			for (end = s, lev = 1; end < e; end++) {
				if (*end == '{' || *end == '(')
					lev++;
				else if ((*end == '}' || *end == ')') &&
				    --lev == 0)
					break;
			}
			if (end >= e || *end != close)
				return str_free(&tmp), -1;
			nlen = strcspn(name, "?:}) ");
			if (name + nlen > end)
				nlen = (size_t)(end - name);
			if (name + nlen < end)
				op = name[nlen];
			v = rbl_value(x, name, nlen, &tmp);
			if (v == NULL)
				return str_free(&tmp), -1;
			if (op == '?' && *v)
				rbl_expand(x, name + nlen + 1,
				    (size_t)(end - name - nlen - 1), out,
				    depth + 1);
			else if (op == ':' && !*v)
				rbl_expand(x, name + nlen + 1,
				    (size_t)(end - name - nlen - 1), out,
				    depth + 1);
			else if (op == 0)
				str_adds(out, v);
			s = end + 1;
		} else {
			name = s;
			while (s < e && (isalnum((unsigned char)*s) ||
			    *s == '_'))
				s++;
			if ((v = rbl_value(x, name, (size_t)(s - name),
			    &tmp)) == NULL)
				return str_free(&tmp), -1;
			str_adds(out, v);
		}
	}
	str_free(&tmp);
	return 0;
}

/* rbl_reject_reply() */
static int
rbl_reply(struct check_ctx *c, const char *zone, const char *what,
    const char *rclass, const char *txt)
{
	struct rblx x = { c, zone, what, rclass, txt };
	struct str why = STR_INIT;
	const char *tmpl = NULL, *text;
	char dsn[16];
	int status, code;

	str_init(&why);
	if (*conf_str(P_rbl_reply_maps) &&
	    maps_find(check_S.rbl_reply, zone, MAPS_FULL, &tmpl) <= 0)
		tmpl = NULL;
	if (tmpl == NULL || rbl_expand(&x, tmpl, strlen(tmpl), &why, 0) < 0) {
		if (tmpl)
			warn("rbl_reply: bad rbl reply template for domain "
			    "%s: %s", zone, tmpl);
		str_reset(&why);
		tmpl = conf_str(P_default_rbl_reply);
		if (rbl_expand(&x, tmpl, strlen(tmpl), &why, 0) < 0)
			warn("bad default rbl reply template: %s", tmpl);
	}
	if ((why.s[0] != '4' && why.s[0] != '5') ||
	    !isdigit((unsigned char)why.s[1]) ||
	    !isdigit((unsigned char)why.s[2]) || why.s[3] != ' ') {
		warn("rbl response code configuration error: %s", why.s);
		status = check_reject(c, 0, 450, "4.7.1",
		    "Service unavailable");
	} else {
		code = (why.s[0] - '0') * 100 + (why.s[1] - '0') * 10 +
		    (why.s[2] - '0');
		text = check_dsn_split(why.s + 4, "4.7.1", dsn, sizeof(dsn));
		status = check_reject(c, 0, code, check_dsn_fix(dsn, rclass), "%s",
		    *text ? text : "Service unavailable");
	}
	str_free(&why);
	return status;
}

/* reject_rbl_client, reject_rhsbl_*: query under zone[=d.d.d.d] */
static int
rbl_check(struct check_ctx *c, const char *arg, const char *what,
    const char *rclass, int byaddr)
{
	unsigned char a[INET_ADDR_LEN];
	struct str q = STR_INIT, ans = STR_INIT, txt = STR_INIT;
	char *zone = xstrdup(arg), *want, *line, *cp;
	int fam, i, status = CHECK_S_DUNNO, hit = 0;

	str_init(&q);
	str_init(&ans);
	str_init(&txt);
	if ((want = strchr(zone, '=')) != NULL)
		*want++ = 0;
	if (byaddr) {
		if (what == NULL || inet_addr_pton(what, &fam, a) < 0)
			goto out;
		inet_addr_unmap(&fam, a);
		if (fam == AF_INET6) {
			for (i = 15; i >= 0; i--)
				str_addf(&q, "%x.%x.", a[i] & 15, a[i] >> 4);
		} else {
			for (i = 3; i >= 0; i--)
				str_addf(&q, "%u.", a[i]);
		}
	} else {
		const char *d = strrchr(what, '@');

		d = d ? d + 1 : what;
		if (*d == 0 || *d == '[')
			goto out;
		str_addf(&q, "%s.", d);
	}
	str_adds(&q, zone);
	switch (dns_query(q.s, DNS_T_A, &ans)) {
	case DNS_OK:
		break;
	case DNS_RETRY:
		warn("%s: RBL lookup error: temporary failure", q.s);
		/* FALLTHROUGH */
	default:
		goto out;
	}
	if (want == NULL)
		hit = 1;
	for (cp = ans.s; !hit && (line = str_token(&cp, "\n")) != NULL; )
		hit = strcmp(line, want) == 0;
	if (!hit)
		goto out;
	if (dns_query(q.s, DNS_T_TXT, &txt) != DNS_OK)
		str_reset(&txt);
	status = rbl_reply(c, zone, what, rclass, txt.s);
out:
	free(zone);
	str_free(&q);
	str_free(&ans);
	str_free(&txt);
	return status;
}


/* check_r_rbl_client - reject_rbl_client: the client address reversed */
int
check_r_rbl_client(struct check_ctx *c, const struct check_call *a)
{
	return rbl_check(c, a->arg, c->client_addr, CHECK_NAME_CLIENT, 1);
}

/*
 * check_r_rhsbl - reject_rhsbl_client, reject_rhsbl_reverse_client,
 * reject_rhsbl_helo, reject_rhsbl_sender, reject_rhsbl_recipient: the
 * name or the address's domain
 */
int
check_r_rhsbl(struct check_ctx *c, const struct check_call *a)
{
	const char *rclass, *what = check_subject(c, a->how, &rclass);

	if (what == NULL || (a->how == CHECK_ON_CLIENT &&
	    strcmp(what, "unknown") == 0))
		return CHECK_S_DUNNO;
	return rbl_check(c, a->arg, what, rclass, 0);
}
