/* MIT licence: see LICENSE. */
/*
 * check/table.c - the access(5) tables: what an answer means (Postfix's
 * check_table_result): OK, REJECT, DEFER, 4NN/5NN text, DUNNO, WARN,
 * HOLD, DISCARD, FILTER, REDIRECT, PREPEND, DEFER_IF_*, a restriction
 * class or list; the mail address search (check_mail_access); and the
 * check_*_access restrictions that ask them.  Runs inside smtpd,
 * unprivileged.  Man page: access(5).
 */
#include <ctype.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "../../config.h"
#include "../conf.h"
#include "../log.h"
#include "../str.h"
#include "../table/maps.h"
#include "../x.h"
#include "int.h"

/* check_dsn_split(): an optional "d.ddd.ddd " before the text */
const char *
check_dsn_split(const char *text, const char *def, char *dsn, size_t len)
{
	size_t a, b;

	str_copy(dsn, def, len);
	if ((text[0] == '4' || text[0] == '5') && text[1] == '.' &&
	    (a = strspn(text + 2, "0123456789")) >= 1 && a <= 3 &&
	    text[2 + a] == '.' &&
	    (b = strspn(text + 3 + a, "0123456789")) >= 1 && b <= 3 &&
	    (text[3 + a + b] == 0 || isspace((unsigned char)text[3 + a + b]))) {
		if (3 + a + b < len) {
			memcpy(dsn, text, 3 + a + b);
			dsn[3 + a + b] = 0;
		}
		text += 3 + a + b;
		while (isspace((unsigned char)*text))
			text++;
	}
	return text;
}

/*
 * smtpd_dsn_fix(): an address status that cannot be right for the
 * reply class (X.1.1 "bad destination mailbox" for a sender) is fixed.
 */
const char *
check_dsn_fix(char *dsn, const char *class)
{
	int sender = strcmp(class, CHECK_NAME_SENDER) == 0;
	int rcpt = strcmp(class, CHECK_NAME_RECIPIENT) == 0;

	if (strncmp(dsn + 1, ".1.", 3) != 0)
		return dsn;
	if (sender) {
		if (strcmp(dsn + 4, "1") == 0 || strcmp(dsn + 4, "3") == 0 ||
		    strcmp(dsn + 4, "6") == 0)
			strcpy(dsn + 4, "7");
		else if (strcmp(dsn + 4, "2") == 0)
			strcpy(dsn + 4, "8");
	} else if (rcpt) {
		if (strcmp(dsn + 4, "7") == 0)
			strcpy(dsn + 4, "1");
		else if (strcmp(dsn + 4, "8") == 0)
			strcpy(dsn + 4, "2");
	} else {
		strcpy(dsn + 2, "7.1");
	}
	return dsn;
}

static int
is_header(const char *s)
{
	size_t n = 0;

	while (s[n] && s[n] != ':' && s[n] > ' ' && s[n] < 0x7f)
		n++;
	return n > 0 && s[n] == ':';
}

/* is line (with its \n) one of the lines of text */
static int
has_line(const char *text, const char *line)
{
	size_t n = strlen(line);

	for (; *text; text = strchr(text, '\n') + 1)
		if (strncmp(text, line, n) == 0)
			return 1;
	return 0;
}

/* not_in_client_helo(): side effects need a mail transaction */
static int
in_transaction(struct check_ctx *c, const char *table, const char *action)
{
	if (c->sender == NULL) {
		warn("access table %s: with smtpd_delay_reject=no, action %s "
		    "is always skipped in Client host or Helo command "
		    "restrictions", table, action);
		return 0;
	}
	return 1;
}

#define CMD(w)	(cmdlen == strlen(w) && strncasecmp(value, (w), cmdlen) == 0)

/*
 * Postfix's check_table_result(): what an access table (or policy)
 * answer means.  datum is the key, for messages.
 */
static int
table_result(struct check_ctx *c, const char *table, const char *value,
    const char *datum, const char *rname, const char *rclass,
    const char *def_acl)
{
	struct check_rlist l;
	const char *text;
	char dsn[16];
	size_t cmdlen;
	int status, code;
	struct str t = STR_INIT;

	cmdlen = strcspn(value, " \t");
	text = value + cmdlen;
	while (isspace((unsigned char)*text))
		text++;
	if (CMD("DUNNO"))
		return CHECK_S_DUNNO;
	if (CMD("REJECT") || CMD("DEFER")) {
		text = check_dsn_split(text, CMD("DEFER") ? "4.7.1" : "5.7.1", dsn,
		    sizeof(dsn));
		return check_reject(c, 0, CMD("DEFER") ?
		    (int)conf_int(P_access_map_defer_code) :
		    (int)conf_int(P_access_map_reject_code), check_dsn_fix(dsn, rclass),
		    "<%s>: %s rejected: %s", rname, rclass,
		    *text ? text : "Access denied");
	}
	if (CMD("DEFER_IF_PERMIT") || CMD("DEFER_IF_REJECT")) {
		text = check_dsn_split(text, "4.7.1", dsn, sizeof(dsn));
		if (CMD("DEFER_IF_PERMIT"))
			check_defer_if_permit(c, 450, check_dsn_fix(dsn, rclass),
			    "<%s>: %s rejected: %s", rname, rclass,
			    *text ? text : "Service unavailable");
		else
			check_defer_if_reject(c, 450, check_dsn_fix(dsn, rclass),
			    "<%s>: %s rejected: %s", rname, rclass,
			    *text ? text : "Service unavailable");
		return CHECK_S_DUNNO;
	}
	if (CMD("WARN")) {
		check_log(c, "warn", text);
		return CHECK_S_DUNNO;
	}
	if (CMD("INFO")) {
		check_log(c, "info", text);
		return CHECK_S_DUNNO;
	}
	if (CMD("FILTER")) {
		if (!in_transaction(c, table, "FILTER"))
			return CHECK_S_DUNNO;
		if (*text == 0 || strchr(text, ':') == NULL) {
			warn("access table %s entry \"%s\" %s", table, datum,
			    *text ? "requires transport:destination" :
			    "has FILTER entry without value");
			return CHECK_S_DUNNO;
		}
		str_init(&t);
		str_addf(&t, "<%s>: %s triggers FILTER %s", rname, rclass, text);
		check_log(c, "filter", t.s);
		str_free(&t);
		free(c->filter);
		c->filter = xstrdup(text);
		return CHECK_S_DUNNO;
	}
	if (CMD("HOLD") || CMD("DISCARD")) {
		int hold = CMD("HOLD");

		if (!in_transaction(c, table, hold ? "HOLD" : "DISCARD"))
			return CHECK_S_DUNNO;
		str_init(&t);
		str_addf(&t, "<%s>: %s %s", rname, rclass, *text ? text :
		    hold ? "triggers HOLD action" : "triggers DISCARD action");
		check_log(c, hold ? "hold" : "discard", t.s);
		str_free(&t);
		if (hold) {
			c->hold = 1;
			free(c->hold_reason);
			c->hold_reason = *text ? xstrdup(text) : NULL;
			return CHECK_S_DUNNO;
		}
		c->discard = 1;
		free(c->discard_reason);
		c->discard_reason = *text ? xstrdup(text) : NULL;
		return CHECK_S_OK;
	}
	if (CMD("REDIRECT")) {
		if (!in_transaction(c, table, "REDIRECT"))
			return CHECK_S_DUNNO;
		if (strchr(text, '@') == NULL) {
			warn("access table %s entry \"%s\" requires "
			    "user@domain target", table, datum);
			return CHECK_S_DUNNO;
		}
		str_init(&t);
		str_addf(&t, "<%s>: %s triggers REDIRECT %s", rname, rclass,
		    text);
		check_log(c, "redirect", t.s);
		str_free(&t);
		free(c->redirect);
		c->redirect = xstrdup(text);
		return CHECK_S_DUNNO;
	}
	if (CMD("PREPEND")) {
		if (!in_transaction(c, table, "PREPEND"))
			return CHECK_S_DUNNO;
		if (*text == 0 || !is_header(text)) {
			warn("access table %s entry \"%s\" requires "
			    "header: text", table, datum);
			return CHECK_S_DUNNO;
		}
		/* once, however many RCPTs evaluate the same entry */
		str_init(&t);
		str_addf(&t, "%s\n", text);
		if (!has_line(c->prepend.s, t.s))
			str_adds(&c->prepend, t.s);
		str_free(&t);
		return CHECK_S_DUNNO;
	}
	if (CMD("BCC")) {
		warn("access table %s: action BCC is not supported; skipped",
		    table);
		return CHECK_S_DUNNO;
	}
	if (value[strspn(value, "0123456789")] == 0 && *value)
		return CHECK_S_OK;
	if (cmdlen == 3 && *text && (value[0] == '4' || value[0] == '5') &&
	    isdigit((unsigned char)value[1]) &&
	    isdigit((unsigned char)value[2])) {
		char def[] = "5.7.1";

		def[0] = value[0];
		code = (value[0] - '0') * 100 + (value[1] - '0') * 10 +
		    (value[2] - '0');
		text = check_dsn_split(text, def, dsn, sizeof(dsn));
		return check_reject(c, 0, code, check_dsn_fix(dsn, rclass),
		    "<%s>: %s rejected: %s", rname, rclass,
		    *text ? text : "Access denied");
	}
	if (CMD("OK") || CMD("RELAY"))
		return CHECK_S_OK;
	if (strchr(value, ':') != NULL) {
		warn("access table %s has entry with lookup table: %s", table,
		    value);
		warn("do not specify lookup tables inside SMTPD access maps");
		warn("define a restriction class and specify its name instead.");
		return check_config_error(c);
	}
	if (c->priv_recursion > 100) {
		warn("access table %s entry %s causes unreasonable recursion",
		    table, value);
		return check_config_error(c);
	}
	check_rlist_parse(&l, value);
	if (l.n == 0) {
		warn("access table %s entry %s has empty value", table, value);
		status = CHECK_S_OK;
	} else {
		status = check_generic(c, &l, rname, rclass, def_acl);
	}
	check_rlist_free(&l);
	return status;
}

/* check_found - act on a table answer (copied: a class may search again) */
int
check_found(struct check_ctx *c, struct maps *m, int r, const char *val,
    const char *datum, const char *rname, const char *rclass,
    const char *def_acl, int *hit)
{
	char *v;
	int status;

	*hit = r != 0;
	if (r < 0) {
		warn("%s: table lookup problem: %s", m->title, m->err.s);
		return check_dict_retry(c, rname);
	}
	if (r == 0)
		return CHECK_S_DUNNO;
	v = xstrdup(val);
	status = table_result(c, m->title, v, datum, rname, rclass, def_acl);
	free(v);
	return status;
}

/* the resolved form of an address (lower case, qualified) */
int
check_resolve(struct check_ctx *c, const char *addr, struct check_resolved *r)
{
	check_resolved_init(r);
	check_addr_resolve(addr, r);
	if (r->flags & CHECK_RES_FAIL) {
		check_dict_retry(c, addr);
		return -1;
	}
	return 0;
}

/* check_mail_access - Postfix's check_mail_access() */
int
check_mail_access(struct check_ctx *c, struct maps *m, const char *addr,
    const char *rclass, const char *def_acl)
{
	struct check_resolved r;
	struct str full = STR_INIT;
	const char *val;
	int status, hit, x;

	if (check_resolve(c, addr, &r) < 0) {
		check_resolved_free(&r);
		return CHECK_S_REJECT;
	}
	str_init(&full);
	str_addf(&full, "%s@%s", r.local.s, r.domain.s);
	x = maps_access_mail(m, full.s, conf_str(P_recipient_delimiter), NULL,
	    check_S.parent, &val);
	status = check_found(c, m, x, val, addr, addr, rclass, def_acl, &hit);
	/* source-routed recipients are too suspicious for OK */
	if (status == CHECK_S_OK && (r.flags & CHECK_RES_ROUTED) &&
	    !conf_bool(P_allow_untrusted_routing) &&
	    strcmp(rclass, CHECK_NAME_RECIPIENT) == 0)
		status = CHECK_S_DUNNO;
	str_free(&full);
	check_resolved_free(&r);
	return status;
}


/*
 * check_r_client_access - check_client_access (how 0) and
 * check_reverse_client_hostname_access (how 1): the client's name, then
 * its address
 */
int
check_r_client_access(struct check_ctx *c, const struct check_call *a)
{
	const char *v, *name = c->client_name;
	int x, hit;

	if (a->how == 1 && c->client_reverse_name)
		name = c->client_reverse_name;
	x = maps_access_host(a->map, name, c->client_addr, check_S.parent, &v);
	return check_found(c, a->map, x, v, c->client_addr, check_namaddr(c),
	    a->how == 1 ? CHECK_NAME_REV_CLIENT : CHECK_NAME_CLIENT,
	    a->def_acl, &hit);
}

/*
 * check_r_domain_access - check_helo_access and check_etrn_access: the
 * domain and, with parent_domain_matches_subdomains, its parents
 */
int
check_r_domain_access(struct check_ctx *c, const struct check_call *a)
{
	const char *v, *rclass, *d = check_subject(c, a->how, &rclass);
	int x, hit;

	x = maps_access_domain(a->map, d, check_S.parent, &v);
	return check_found(c, a->map, x, v, d, d, rclass, a->def_acl, &hit);
}

/*
 * check_r_sender_access - check_sender_access; the null sender is
 * looked up as smtpd_null_access_lookup_key
 */
int
check_r_sender_access(struct check_ctx *c, const struct check_call *a)
{
	const char *v, *sender = c->sender;
	int x, hit;

	if (a->map == NULL)
		return CHECK_S_DUNNO;
	if (*sender)
		return check_mail_access(c, a->map, sender, CHECK_NAME_SENDER,
		    a->def_acl);
	x = maps_find(a->map, conf_str(P_smtpd_null_access_lookup_key),
	    MAPS_FULL, &v);
	return check_found(c, a->map, x, v, sender, sender, CHECK_NAME_SENDER,
	    a->def_acl, &hit);
}

/* check_r_recipient_access - check_recipient_access */
int
check_r_recipient_access(struct check_ctx *c, const struct check_call *a)
{
	return check_mail_access(c, a->map, c->priv_recipient,
	    CHECK_NAME_RECIPIENT, a->def_acl);
}
