/* MIT licence: see LICENSE. */
/*
 * local_rcpt.c - the local delivery agent's recipient switch, as
 * Postfix's local(8): a recipient goes to the alias tables first (the
 * local part with its extension, then without), then, for a user known
 * to getpwnam, to the first ~/.forward file of forward_path, then to the
 * mailbox; an unknown user goes to luser_relay or bounces.  Alias,
 * .forward and :include: values name addresses, |commands, /files and
 * further :include: files.  An address in a local domain is delivered
 * here recursively; other addresses, those reached through an owner-
 * alias, a .forward file or a :include: file are forwarded through
 * cleanup (local_fwd.c).  Only those values, written by the owner of a
 * table or file, name commands, files and includes (with that owner's
 * rights): the recipient address itself, and luser_relay's expansion of
 * it, are always addresses, and \user there is no alias bypass.
 *
 * Runs in local(8) as root (when master runs as root).  Files named by
 * users (.forward, :include:) are opened with that user's effective ids;
 * deliveries happen in child processes (local_cmd.c).  Man page: local(8).
 */
#include <sys/stat.h>
#include <sys/types.h>

#include <errno.h>
#include <fcntl.h>
#include <pwd.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "../../config.h"
#include "../../lib/check/check.h"
#include "../../lib/conf.h"
#include "../../lib/log.h"
#include "../../lib/queue/agent.h"
#include "../../lib/queue/queue.h"
#include "../../lib/readl.h"
#include "../../lib/str.h"
#include "../../lib/table/alias.h"
#include "../../lib/table/dict.h"
#include "../../lib/table/maps.h"
#include "../../lib/x.h"
#include "local.h"

#define LOCAL_LEVEL_MAX	100	/* recursion, as Postfix */
#define LOCAL_FILE_MAX	(1024 * 1024)	/* largest .forward or include */

static int deliver_recipient(struct local_ctx *, struct local_attr);
static int deliver_text(struct local_ctx *, struct local_attr *,
    const char *);

/* local_keep - remember s, freed when the request recipient is done */
char *
local_keep(struct local_ctx *c, char *s)
{
	c->keep = xreallocarray(c->keep, c->nkeep + 1, sizeof(*c->keep));
	c->keep[c->nkeep++] = s;
	return s;
}

/* been_here - the duplicate filter: 1 when key was seen, else adds it */
static int
been_here(struct local_ctx *c, const char *fmt, ...)
{
	struct str k = STR_INIT;
	va_list ap;
	size_t i;

	str_init(&k);
	va_start(ap, fmt);
	str_vaddf(&k, fmt, ap);
	va_end(ap);
	for (i = 0; i < c->nseen; i++)
		if (strcmp(c->seen[i], k.s) == 0) {
			str_free(&k);
			return 1;
		}
	c->seen = xreallocarray(c->seen, c->nseen + 1, sizeof(*c->seen));
	c->seen[c->nseen++] = str_steal(&k);
	return 0;
}

static int
rank(int status)
{
	return status == AGENT_DEFER ? 3 : status == AGENT_BOUNCE ? 2 : 1;
}

/*
 * local_result - the result of one delivery made for the request
 * recipient: logged as Postfix logs it (to=<the address delivered>,
 * orig_to=<the request's recipient>), and kept when it is the worst so
 * far (deferred over bounced over sent): qmgr gets one result per
 * recipient.
 */
void
local_result(struct local_ctx *c, const struct local_attr *a, int status,
    const char *dsn, const char *fmt, ...)
{
	struct agent_rcpt r;
	struct str t = STR_INIT;
	va_list ap;

	str_init(&t);
	va_start(ap, fmt);
	str_vaddf(&t, fmt, ap);
	va_end(ap);
	memset(&r, 0, sizeof(r));
	r.off = c->top->off;
	r.addr = (char *)a->addr;
	r.orig = c->top->orig ? c->top->orig : c->top->addr;
	agent_done(c->req, &r, status, dsn, "local", "%s", t.s);
	if (rank(status) > c->rank) {
		c->rank = rank(status);
		c->status = r.status;
		memcpy(c->dsn, r.dsn, sizeof(c->dsn));
		free(c->reason);
		c->reason = r.reason;
		r.reason = NULL;
	}
	free(r.relay);
	free(r.reason);
	str_free(&t);
}

/* local_allowed - is exp_type listed in allow_mail_to_* value list */
int
local_allowed(const char *list, int exp_type)
{
	char *copy, *cp, *w;
	int ok = 0, bit;

	/* the envelope's own address is never a command or file */
	if (exp_type == LOCAL_EXP_NONE)
		return 0;
	cp = copy = xstrdup(list);
	while ((w = str_token(&cp, ", \t\r\n")) != NULL) {
		bit = strcasecmp(w, "alias") == 0 ? LOCAL_EXP_ALIAS :
		    strcasecmp(w, "forward") == 0 ? LOCAL_EXP_FWD :
		    strcasecmp(w, "include") == 0 ? LOCAL_EXP_INCL : 0;
		if (bit == 0 && *w)
			warn("unknown value %s in allow_mail_to_commands or "
			    "allow_mail_to_files", w);
		if (bit & exp_type)
			ok = 1;
	}
	free(copy);
	return ok;
}

/* local_dh_mask - prepend_delivered_header as LOCAL_DH_* bits */
int
local_dh_mask(void)
{
	char *copy, *cp, *w;
	int mask = 0;

	cp = copy = xstrdup(conf_str(P_prepend_delivered_header));
	while ((w = str_token(&cp, ", \t\r\n")) != NULL) {
		if (strcasecmp(w, "command") == 0)
			mask |= LOCAL_DH_COMMAND;
		else if (strcasecmp(w, "file") == 0)
			mask |= LOCAL_DH_FILE;
		else if (strcasecmp(w, "forward") == 0)
			mask |= LOCAL_DH_FORWARD;
		else if (*w)
			warn("unknown prepend_delivered_header value: %s", w);
	}
	free(copy);
	return mask;
}

/* one local attribute for $name expansion; NULL: undefined */
static const char *
attr_value(const struct local_attr *a, const char *name, size_t n)
{
#define IS(s) (n == strlen(s) && strncmp(name, s, n) == 0)
	if (IS("user"))
		return a->user;
	if (IS("extension"))
		return a->ext;
	if (IS("domain"))
		return a->domain;
	if (IS("local"))
		return a->local;
	if (IS("recipient"))
		return a->addr;
	if (IS("home"))
		return a->priv.set ? a->priv.home : NULL;
	if (IS("shell"))
		return a->priv.set ? a->priv.shell : NULL;
	if (IS("recipient_delimiter"))
		return *conf_str(P_recipient_delimiter) ?
		    conf_str(P_recipient_delimiter) : NULL;
#undef IS
	return NULL;
}

/*
 * local_expand - Postfix's local_expand(): $name, ${name}, ${name?text}
 * and ${name:text} with the attributes user, extension, domain, local,
 * recipient, home, shell and recipient_delimiter.  Characters of a
 * value not in filter become '_'.  Returns 0, 1 when a plain reference
 * was undefined (Postfix skips such a forward_path entry), -1 on bad
 * syntax.
 */
int
local_expand(const char *s, const struct local_attr *a, const char *filter,
    struct str *out)
{
	const char *name, *v, *end, *p;
	size_t n;
	int undef = 0, op;

	str_reset(out);
	while (*s) {
		if (*s != '$') {
			str_addc(out, *s++);
			continue;
		}
		s++;
		op = 0;
		if (*s == '{') {
			name = ++s;
			n = strcspn(s, "}?:");
			if (s[n] == 0)
				return -1;
			op = s[n] == '}' ? 0 : s[n];
			if (op) {
				p = s + n + 1;
				if ((end = strchr(p, '}')) == NULL)
					return -1;
			} else {
				p = end = s + n;
			}
		} else {
			name = s;
			for (n = 0; name[n] == '_' || (name[n] >= 'a' &&
			    name[n] <= 'z') || (name[n] >= '0' &&
			    name[n] <= '9'); n++)
				;
			if (n == 0)
				return -1;
			p = end = s + n - 1;
		}
		v = attr_value(a, name, n);
		if (op == '?') {
			if (v && *v)
				str_addmem(out, p, (size_t)(end - p));
		} else if (op == ':') {
			if (!v || !*v)
				str_addmem(out, p, (size_t)(end - p));
		} else if (v == NULL) {
			undef = 1;
		} else {
			for (; *v; v++)
				str_addc(out, filter && strchr(filter, *v) ?
				    *v : filter ? '_' : *v);
		}
		s = end + 1;
	}
	return undef;
}

/* read a user's file (.forward, :include:) as that user; NULL: errno */
static char *
read_as(const struct local_user *u, const char *path, struct stat *st)
{
	struct str body = STR_INIT, line = STR_INIT;
	struct readl rl;
	FILE *fp;
	int fd, e;

	if (u && u->set && local_become(u) < 0)
		return NULL;
	fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK);
	e = errno;
	if (u && u->set)
		local_unbecome();
	if (fd < 0) {
		errno = e;
		return NULL;
	}
	if (fstat(fd, st) < 0 || (fp = fdopen(fd, "r")) == NULL) {
		e = errno;
		close(fd);
		errno = e;
		return NULL;
	}
	str_init(&body);
	str_init(&line);
	if (!S_ISREG(st->st_mode)) {
		fclose(fp);
		return str_steal(&body);
	}
	/* logical lines: comments go, continuation lines join */
	readl_init(&rl, fp, path, 0);
	while (readl_next(&rl, &line) > 0 && body.len < LOCAL_FILE_MAX) {
		if (body.len)
			str_adds(&body, ", ");
		str_addmem(&body, line.s, line.len);
	}
	readl_free(&rl);
	fclose(fp);
	str_free(&line);
	return str_steal(&body);
}

/* parse the recipient address into a's local, user, ext, domain */
static void
parse_addr(struct local_ctx *c, struct local_attr *a)
{
	char *lc, *at, *x;
	const char *delim = conf_str(P_recipient_delimiter);
	size_t n;

	lc = local_keep(c, xstrdup(a->addr));
	str_lcase(lc);
	if ((at = strrchr(lc, '@')) != NULL) {
		*at = 0;
		a->domain = at + 1;
	} else {
		a->domain = "";
	}
	a->local = lc;
	a->ext = NULL;
	a->user = lc;
	if (*delim == 0)
		return;
	n = strlen(lc);
	if (conf_bool(P_owner_request_special) && (strncmp(lc, "owner-",
	    6) == 0 || (n > 8 && strcmp(lc + n - 8, "-request") == 0)))
		return;
	if (lc[strcspn(lc, delim)] == 0)
		return;
	x = local_keep(c, xstrdup(lc));
	x[strcspn(x, delim)] = 0;
	if (strchr(lc + strlen(x) + 1, '/')) {
		warn("%s: address with illegal extension: %s",
		    c->req->queue_id, lc);
		lc[strlen(x)] = 0;
		return;
	}
	a->user = x;
	a->ext = lc + strlen(x) + 1;
}

/* set a->priv from a passwd entry */
static void
priv_from_pw(struct local_ctx *c, struct local_attr *a,
    const struct passwd *pw)
{
	a->priv.set = 1;
	a->priv.uid = pw->pw_uid;
	a->priv.gid = pw->pw_gid;
	a->priv.name = local_keep(c, xstrdup(pw->pw_name));
	a->priv.home = local_keep(c, xstrdup(pw->pw_dir));
	a->priv.shell = local_keep(c, xstrdup(pw->pw_shell));
}

/*
 * alias_priv - the rights of an alias's |commands and /files (Postfix's
 * alias.c): those of the owner of the table that had the alias, unset
 * (default_privs) when root owns it or it has no file (inline:, static:
 * are main.cf's).  -1 when the owner is unknown (deferred).
 */
static int
alias_priv(struct local_ctx *c, struct local_attr *a,
    const struct maps_tab *t)
{
	struct stat st;
	struct passwd *pw;

	memset(&a->priv, 0, sizeof(a->priv));
	if (t == NULL || t->dict == NULL || t->dict->file == NULL)
		return 0;
	/*
	 * the owner of the file the alias came from, as it was opened: by
	 * name now, its owner could have put a link to another's file there
	 */
	if (t->dict->owner != (uid_t)-1)
		st.st_uid = t->dict->owner;
	else if (stat(t->dict->file, &st) < 0) {
		warn("cannot find alias database owner for %s: %s: %s",
		    t->spec, t->dict->file, strerror(errno));
		local_result(c, a, AGENT_DEFER, "4.3.0",
		    "cannot find alias database owner");
		return -1;
	}
	if (st.st_uid == 0)
		return 0;
	if ((pw = getpwuid(st.st_uid)) == NULL) {
		warn("cannot find alias database owner for %s", t->spec);
		local_result(c, a, AGENT_DEFER, "4.3.0",
		    "cannot find alias database owner");
		return -1;
	}
	priv_from_pw(c, a, pw);
	return 0;
}

/* deliver_alias - 1 when name is an alias (delivered), 0 if not */
static int
deliver_alias(struct local_ctx *c, struct local_attr a, const char *name)
{
	const char *val, *ov;
	char *value, *owner;
	int r;

	if (a.exp_from && strcasecmp(a.exp_from, name) == 0)
		return 0;
	if (a.level > LOCAL_LEVEL_MAX) {
		warn("alias database loop for %s", name);
		local_result(c, &a, AGENT_BOUNCE, "5.4.6",
		    "alias database loop for %s", name);
		return 1;
	}
	if ((r = maps_find(c->aliases, name, MAPS_FULL, &val)) < 0) {
		local_result(c, &a, AGENT_DEFER, "4.3.0",
		    "alias database unavailable");
		return 1;
	}
	if (r == 0)
		return 0;
	value = local_keep(c, xstrdup(val));
	a.exp_from = local_keep(c, xstrdup(name));
	a.exp_type = LOCAL_EXP_ALIAS;
	if (alias_priv(c, &a, c->aliases->hit) < 0)
		return 1;
	/* where problems go: the owner- alias, if there is one */
	a.owner = NULL;
	if (conf_bool(P_owner_request_special)) {
		owner = local_keep(c, xasprintf("owner-%s", name));
		if (maps_find(c->aliases, owner, MAPS_FULL, &ov) > 0) {
			char **l = NULL;
			size_t nl = 0;

			if (conf_bool(P_expand_owner_alias))
				l = alias_split(ov, &nl);
			a.owner = owner;
			a.sender = local_keep(c, nl == 1 && strchr(l[0], '@') ?
			    xstrdup(l[0]) : xasprintf("%s@%s", nl == 1 ?
			    l[0] : owner, conf_str(P_myorigin)));
			alias_list_free(l);
		}
	}
	/* NOTIFY=SUCCESS is not passed on: the alias reports "expanded" */
	a.notify = a.notify == DSN_NOTIFY_SUCCESS ? DSN_NOTIFY_NEVER :
	    a.notify & ~DSN_NOTIFY_SUCCESS;
	if (deliver_text(c, &a, value) < 1) {
		warn("no recipient in alias lookup result for %s", name);
		local_result(c, &a, AGENT_DEFER, "4.3.0",
		    "alias database unavailable");
	}
	return 1;
}

/* deliver_include - the addresses of a :include: file */
static void
deliver_include(struct local_ctx *c, struct local_attr a, const char *path)
{
	struct local_user *u = a.priv.set ? &a.priv : NULL;
	struct local_user dp;
	struct passwd *pw;
	struct stat st;
	char *body;

	if (!local_allowed(conf_str(P_allow_mail_to_files), a.exp_type)) {
		local_result(c, &a, AGENT_BOUNCE, "5.7.1",
		    "mail to file is restricted");
		return;
	}
	if (a.level > LOCAL_LEVEL_MAX) {
		warn(":include: nesting limit exceeded for %s", path);
		local_result(c, &a, AGENT_BOUNCE, "5.4.6",
		    ":include: nesting limit exceeded");
		return;
	}
	/* once per file and rights, as the rights decide what it does */
	if (been_here(c, "include %ld %s", u ? (long)u->uid : -1L, path))
		return;
	memset(&dp, 0, sizeof(dp));
	if (u == NULL && local_default_privs(&dp) == 0)
		u = &dp;
	if (*path != '/') {
		local_result(c, &a, AGENT_BOUNCE, "5.3.5",
		    ":include:%s uses a relative path", path);
		local_user_free(&dp);
		return;
	}
	body = u ? read_as(u, path, &st) : NULL;
	local_user_free(&dp);
	if (body == NULL) {
		local_result(c, &a, AGENT_DEFER, "4.3.0",
		    "cannot open include file %s: %s", path, strerror(errno));
		return;
	}
	local_keep(c, body);
	if (!S_ISREG(st.st_mode) || (st.st_mode & S_IWOTH)) {
		warn(":include: file %s is %s", path, S_ISREG(st.st_mode) ?
		    "world writable" : "not a regular file");
		local_result(c, &a, AGENT_BOUNCE, "5.3.5",
		    "mail system configuration error");
		return;
	}
	/*
	 * Postfix's rights: a user's file in a root-owned alias lends its
	 * owner's rights (not default_privs'); in a user's alias or .forward
	 * the rights stay that user's, so that including another's file
	 * never acts as that other user.
	 */
	if ((!a.priv.set || a.priv.uid == 0) && st.st_uid != 0) {
		if ((pw = getpwuid(st.st_uid)) == NULL) {
			local_result(c, &a, AGENT_DEFER, "4.3.0",
			    "cannot find owner of include file %s", path);
			return;
		}
		priv_from_pw(c, &a, pw);
	}
	a.exp_type = LOCAL_EXP_INCL;
	a.level++;
	deliver_text(c, &a, body);
}

/* one address of an expansion: here when local, else forwarded */
static void
deliver_addr(struct local_ctx *c, struct local_attr a, const char *addr)
{
	const char *at;
	int r;

	if (strchr(addr, '@') == NULL && addr[0] != '\\')
		addr = local_keep(c, xasprintf("%s@%s", addr,
		    conf_str(P_myorigin)));
	a.addr = addr;
	at = strrchr(addr, '@');
	r = at ? check_is_local_domain(at + 1) : 1;
	if (r < 0) {
		local_result(c, &a, AGENT_DEFER, "4.3.0",
		    "address resolver failure");
		return;
	}
	if (r == 0) {
		local_forward(c, &a);
		return;
	}
	deliver_recipient(c, a);
}

/*
 * deliver_text - the destinations of an alias value or file body:
 * the number of destinations
 */
static int
deliver_text(struct local_ctx *c, struct local_attr *a, const char *text)
{
	char **list;
	size_t n, i;

	list = alias_split(text, &n);
	for (i = 0; i < n; i++) {
		const char *d = list[i];

		switch (alias_kind(d)) {
		case ALIAS_K_PIPE:
			if (!local_allowed(conf_str(P_allow_mail_to_commands),
			    a->exp_type)) {
				local_result(c, a, AGENT_BOUNCE, "5.7.1",
				    "mail to command is restricted");
				break;
			}
			local_command(c, a, d + 1, a->priv.set ? &a->priv :
			    NULL);
			break;
		case ALIAS_K_FILE:
			if (!local_allowed(conf_str(P_allow_mail_to_files),
			    a->exp_type)) {
				local_result(c, a, AGENT_BOUNCE, "5.7.1",
				    "mail to file is restricted");
				break;
			}
			local_file(c, a, d);
			break;
		case ALIAS_K_INCLUDE:
			deliver_include(c, *a, d + 9);
			break;
		default:
			deliver_addr(c, *a, d);
			break;
		}
	}
	alias_list_free(list);
	return (int)n;
}

/*
 * deliver_forward - the first .forward file of forward_path: 1 when one
 * was found and named something, else 0 (mailbox delivery follows)
 */
static int
deliver_forward(struct local_ctx *c, struct local_attr a,
    const struct passwd *pw)
{
	struct str path = STR_INIT;
	struct stat st, ost;
	char *fp, *cp, *item, *body = NULL;
	int found = 0, r;

	priv_from_pw(c, &a, pw);
	a.exp_type = LOCAL_EXP_FWD;
	a.owner = a.user;
	str_init(&path);
	cp = fp = xstrdup(conf_str(P_forward_path));
	while ((item = str_token(&cp, ", \t\r\n")) != NULL) {
		if (*item == 0)
			continue;
		r = local_expand(item, &a, conf_str(P_forward_expansion_filter),
		    &path);
		if (r != 0 || path.len == 0)
			continue;
		if (local_become(&a.priv) < 0)
			break;
		r = lstat(path.s, &st);
		local_unbecome();
		if (r == 0) {
			found = 1;
			break;
		}
	}
	free(fp);
	if (!found) {
		str_free(&path);
		return 0;
	}
	found = 0;
	if (been_here(c, "forward %s", path.s)) {
		found = been_here(c, "forward-done %s", path.s);
		if (!found)	/* not done: we are inside it */
			c->nseen--, free(c->seen[c->nseen]);
		str_free(&path);
		return found;
	}
	a.exp_from = a.local;
	if (!S_ISREG(st.st_mode))
		warn("file %s is not a regular file", path.s);
	else if (st.st_uid != 0 && st.st_uid != pw->pw_uid)
		warn("file %s has bad owner uid %ld", path.s, (long)st.st_uid);
	else if (st.st_mode & 002)
		warn("file %s is world writable", path.s);
	else if ((body = read_as(&a.priv, path.s, &ost)) == NULL)
		warn("cannot open file %s: %s", path.s, strerror(errno));
	else if (ost.st_dev != st.st_dev || ost.st_ino != st.st_ino) {
		/*
		 * another file took the name after the checks above (an
		 * account that may write the directory): its text must not
		 * speak with the user's rights
		 */
		warn("file %s changed while it was opened", path.s);
		free(body);
		body = NULL;
	}
	if (body) {
		local_keep(c, body);
		a.notify = a.notify == DSN_NOTIFY_SUCCESS ?
		    DSN_NOTIFY_NEVER : a.notify & ~DSN_NOTIFY_SUCCESS;
		a.level++;
		if (deliver_text(c, &a, body) > 0) {
			found = 1;
			been_here(c, "forward-done %s", path.s);
		}
	}
	str_free(&path);
	return found;
}

/* deliver_unknown - luser_relay, or the bounce Postfix gives */
static void
deliver_unknown(struct local_ctx *c, struct local_attr a)
{
	struct str to = STR_INIT;
	const char *relay = conf_str(P_luser_relay);

	if (*relay && !a.no_luser) {
		str_init(&to);
		if (local_expand(relay, &a, NULL, &to) < 0 || to.len == 0) {
			warn("bad luser_relay value: %s", relay);
			local_result(c, &a, AGENT_DEFER, "4.3.5",
			    "mail system configuration error");
		} else {
			/* one address, never |command, /file or :include: */
			a.no_luser = 1;
			a.level++;
			deliver_addr(c, a, local_keep(c, str_steal(&to)));
		}
		str_free(&to);
		return;
	}
	local_result(c, &a, AGENT_BOUNCE, "5.1.1", "unknown user: \"%s\"",
	    a.user);
}

/* deliver_switch - aliases, then the user's .forward and mailbox */
static int
deliver_switch(struct local_ctx *c, struct local_attr a)
{
	struct passwd *pw;
	struct stat st;
	struct local_user u;
	int r;

	a.level++;
	if (a.local[0] == '\\' && a.exp_type != LOCAL_EXP_NONE) {
		/* \user of a trusted file: the mailbox, no alias or .forward */
		a.addr++, a.local++, a.user++;
		if ((pw = getpwnam(a.user)) == NULL) {
			deliver_unknown(c, a);
			return 0;
		}
		goto mailbox;
	}
	if (deliver_alias(c, a, a.local))
		return 0;
	if (a.ext && deliver_alias(c, a, a.user))
		return 0;
	if ((a.owner && strcasecmp(a.owner, a.user) != 0) ||
	    a.exp_type == LOCAL_EXP_INCL) {
		local_forward(c, &a);
		return 0;
	}
	errno = 0;
	if ((pw = getpwnam(a.user)) == NULL) {
		if (errno != 0 && errno != ENOENT && errno != ESRCH) {
			warn("error looking up passwd info for %s: %s",
			    a.user, strerror(errno));
			local_result(c, &a, AGENT_DEFER, "4.0.0",
			    "user lookup error");
			return 0;
		}
		deliver_unknown(c, a);
		return 0;
	}
	memset(&u, 0, sizeof(u));
	local_user_pw(&u, pw);
	if (local_become(&u) == 0) {
		r = stat(pw->pw_dir, &st);
		local_unbecome();
		if (r < 0 && conf_bool(P_require_home_directory)) {
			local_result(c, &a, AGENT_DEFER, "4.3.0",
			    "cannot access home directory %s: %s",
			    pw->pw_dir, strerror(errno));
			local_user_free(&u);
			return 0;
		}
	}
	local_user_free(&u);
	if (deliver_forward(c, a, pw))
		return 0;
mailbox:
	memset(&u, 0, sizeof(u));
	local_user_pw(&u, pw);
	local_mailbox(c, &a, &u);
	local_user_free(&u);
	return 0;
}

/* deliver_recipient - one recipient, at any depth */
static int
deliver_recipient(struct local_ctx *c, struct local_attr a)
{
	size_t i;

	a.level++;
	if (a.level > LOCAL_LEVEL_MAX) {
		warn("recipient nesting limit exceeded for %s", a.addr);
		local_result(c, &a, AGENT_BOUNCE, "5.4.6",
		    "recipient nesting limit exceeded");
		return 0;
	}
	if (been_here(c, "recipient %d %s", a.level, a.addr))
		return 0;
	for (i = 0; i < c->ndto; i++)
		if (strcasecmp(c->dto[i], a.addr) == 0) {
			local_result(c, &a, AGENT_BOUNCE, "5.4.6",
			    "mail forwarding loop for %s", a.addr);
			return 0;
		}
	if (a.delivered == NULL)
		a.delivered = a.addr;
	parse_addr(c, &a);
	if (a.user[0] == 0 || (a.user[0] == '\\' && a.user[1] == 0)) {
		local_result(c, &a, AGENT_BOUNCE, "5.1.3",
		    "null username in \"%s\"", a.addr);
		return 0;
	}
	return deliver_switch(c, a);
}

/*
 * local_recipient - deliver one recipient of the request and set its
 * result (the worst of the deliveries it led to)
 */
void
local_recipient(struct local_ctx *c, struct agent_rcpt *p)
{
	struct local_attr a;
	size_t i;

	memset(&a, 0, sizeof(a));
	c->top = p;
	c->rank = 0;
	a.addr = p->addr;
	a.sender = c->msg->sender;
	a.notify = p->notify;
	deliver_recipient(c, a);
	local_forward_flush(c);
	if (c->rank) {
		p->status = c->status;
		memcpy(p->dsn, c->dsn, sizeof(p->dsn));
		free(p->relay);
		p->relay = xstrdup("local");
		free(p->reason);
		p->reason = c->reason;
		c->reason = NULL;
	}
	for (i = 0; i < c->nseen; i++)
		free(c->seen[i]);
	for (i = 0; i < c->nkeep; i++)
		free(c->keep[i]);
	free(c->seen);
	free(c->keep);
	c->seen = c->keep = NULL;
	c->nseen = c->nkeep = 0;
}
