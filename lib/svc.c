/* MIT licence: see LICENSE. */
/*
 * svc.c - the service table: master.cf parsing and the compiled default
 * table.  svc_run.c has the running side (listeners, triggers).
 *
 * Used by master (as root or as the user who started it) and by
 * postfix(1) check.  Man pages: master(5) for the file format, master(8)
 * for what master does with it.
 *
 * The format is Postfix's: eight columns, '-' for a default, a logical
 * line continued by lines that start with white space, and Postfix 3's
 * "{ text with spaces }" words, so "-o { name = value }" works.  A
 * service whose program mta does not have is a warning and is skipped,
 * so that Postfix's own master.cf loads as it is.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "conf.h"
#include "log.h"
#include "num.h"
#include "readl.h"
#include "str.h"
#include "svc.h"
#include "x.h"

/*
 * The table mta runs with no master.cf: Postfix's default services that
 * mta provides, in master.cf syntax (master(5) shows it too).
 */
const char svc_default_text[] =
"# service type  private unpriv  chroot  wakeup  maxproc command + args\n"
"smtp      inet  n       -       n       -       -       smtpd\n"
"#submission inet n       -       n       -       -       smtpd\n"
"#  -o syslog_name=mta/submission\n"
"#  -o smtpd_tls_security_level=encrypt\n"
"#  -o smtpd_sasl_auth_enable=yes\n"
"#  -o smtpd_tls_auth_only=yes\n"
"#  -o smtpd_reject_unlisted_recipient=no\n"
"#  -o smtpd_recipient_restrictions=permit_sasl_authenticated,reject\n"
"#submissions inet n      -       n       -       -       smtpd\n"
"#  -o syslog_name=mta/submissions\n"
"#  -o smtpd_tls_wrappermode=yes\n"
"#  -o smtpd_sasl_auth_enable=yes\n"
"#  -o smtpd_reject_unlisted_recipient=no\n"
"#  -o smtpd_recipient_restrictions=permit_sasl_authenticated,reject\n"
"pickup    unix  n       -       n       60      1       pickup\n"
"cleanup   unix  n       -       n       -       0       cleanup\n"
"qmgr      unix  n       -       n       300     1       qmgr\n"
"smtp      unix  -       -       n       -       -       smtp\n"
"relay     unix  -       -       n       -       -       smtp\n"
"        -o syslog_name=mta/$service_name\n"
"showq     unix  n       -       n       -       -       showq\n"
"local     unix  -       n       n       -       -       local\n"
"lmtp      unix  -       -       n       -       -       lmtp\n";

/* the programs of master.cf's column 8 that mta has */
static const char *const provided[] = {
	"cleanup", "lmtp", "local", "pickup", "qmgr", "showq", "smtp",
	"smtpd",
};

/* svc_provided - 1 when mta has the master.cf program name */
int
svc_provided(const char *cmd)
{
	size_t i;

	for (i = 0; i < sizeof(provided) / sizeof(provided[0]); i++)
		if (strcmp(cmd, provided[i]) == 0)
			return 1;
	return 0;
}

/*
 * svc_is_daemon - 1 for the long-running services (pickup, qmgr) that
 * master starts at boot and keeps running; the others run one process
 * per connection.
 */
int
svc_is_daemon(const struct svc *s)
{
	return (s->type == SVC_UNIX || s->type == SVC_FIFO) &&
	    (strcmp(s->command, "pickup") == 0 ||
	    strcmp(s->command, "qmgr") == 0);
}

/* svc_type_name - "inet", "unix" or "fifo" */
const char *
svc_type_name(int type)
{
	switch (type) {
	case SVC_INET:
		return "inet";
	case SVC_UNIX:
		return "unix";
	case SVC_FIFO:
		return "fifo";
	}
	return "?";
}

/* svc_path - the socket or fifo of a unix or fifo service (allocated) */
char *
svc_path(const char *qdir, const struct svc *s)
{
	return xasprintf("%s/%s/%s", qdir, s->private ? "private" : "public",
	    s->name);
}

/* svc_free - release one parsed service */
void
svc_free(struct svc *s)
{
	int i;

	free(s->name);
	free(s->host);
	free(s->port);
	free(s->command);
	for (i = 0; i < s->argc; i++)
		free(s->argv[i]);
	free(s->argv);
	memset(s, 0, sizeof(*s));
}

/* svc_table_free - release a table */
void
svc_table_free(struct svc_table *t)
{
	size_t i;

	for (i = 0; i < t->n; i++)
		svc_free(&t->v[i]);
	free(t->v);
	free(t->path);
	memset(t, 0, sizeof(*t));
}

/*
 * word - the next word of *sp into w: white-space delimited, or Postfix
 * 3's "{ text }" with the braces and the white space just inside them
 * removed.  1 with *braced set, 0 at the end, -1 on a missing '}'.
 */
static int
word(const char **sp, struct str *w, int *braced)
{
	const char *s = *sp, *start, *end;
	int depth;

	str_reset(w);
	*braced = 0;
	while (*s == ' ' || *s == '\t' || *s == '\r' || *s == '\n')
		s++;
	if (*s == 0) {
		*sp = s;
		return 0;
	}
	if (*s != '{') {
		start = s;
		s += strcspn(s, " \t\r\n");
		str_setmem(w, start, (size_t)(s - start));
		*sp = s;
		return 1;
	}
	start = ++s;
	for (depth = 1; *s && depth; s++) {
		if (*s == '{')
			depth++;
		else if (*s == '}')
			depth--;
	}
	if (depth)
		return -1;
	end = s - 1;
	str_setmem(w, start, (size_t)(end - start));
	str_trim(w);
	*braced = 1;
	*sp = s;
	return 1;
}

static void
addarg(struct svc *s, const char *a)
{
	s->argv = xreallocarray(s->argv, (size_t)s->argc + 2,
	    sizeof(*s->argv));
	s->argv[s->argc++] = xstrdup(a);
	s->argv[s->argc] = NULL;
}

/* "-o { name = value }" and "-o name=value" -> "name=value" */
static int
override(struct svc *s, const char *text, struct str *err)
{
	const char *eq = strchr(text, '=');
	struct str name = STR_INIT, val = STR_INIT;
	int r = -1;

	if (eq == NULL) {
		str_addf(err, "-o \"%s\": expected name=value", text);
		return -1;
	}
	str_setmem(&name, text, (size_t)(eq - text));
	str_trim(&name);
	str_set(&val, eq + 1);
	str_trim(&val);
	if (name.len == 0 || name.s[strcspn(name.s, " \t{}$=")] != 0) {
		str_addf(err, "-o \"%s\": bad parameter name", text);
		goto out;
	}
	addarg(s, "-o");
	str_addc(&name, '=');
	str_addmem(&name, val.s, val.len);
	addarg(s, name.s);
	r = 0;
out:
	str_free(&name);
	str_free(&val);
	return r;
}

/* the host and port of an inet service name: "host:port", "[v6]:port" */
static int
inet_name(struct svc *s, struct str *err)
{
	const char *n = s->name, *colon;

	if (*n == '[') {
		colon = strstr(n, "]:");
		if (colon == NULL) {
			str_addf(err, "bad inet service \"%s\"", n);
			return -1;
		}
		s->host = xstrndup(n + 1, (size_t)(colon - n - 1));
		s->port = xstrdup(colon + 2);
	} else if ((colon = strrchr(n, ':')) != NULL) {
		s->host = xstrndup(n, (size_t)(colon - n));
		s->port = xstrdup(colon + 1);
	} else {
		s->port = xstrdup(n);
	}
	if (*s->port == 0 || (s->host && *s->host == 0)) {
		str_addf(err, "bad inet service \"%s\"", n);
		return -1;
	}
	return 0;
}

static int
yesno(const char *w, int def, const char *col, struct str *err)
{
	if (strcmp(w, "-") == 0)
		return def;
	if (strcmp(w, "y") == 0)
		return 1;
	if (strcmp(w, "n") == 0)
		return 0;
	str_addf(err, "bad %s field \"%s\": expected y, n or -", col, w);
	return -1;
}

/*
 * svc_parse - one logical master.cf line into s.  0 on success; 1 for a
 * service of a type mta does not run (pass, unix-dgram), with the reason
 * in err; -1 on a syntax error, with the reason in err.
 */
int
svc_parse(const char *line, struct svc *s, struct str *err)
{
	struct str w = STR_INIT;
	const char *p = line;
	long long n;
	int col, braced, r, ret = -1;
	char *q;

	memset(s, 0, sizeof(*s));
	s->argv = xcalloc(1, sizeof(*s->argv));
	str_reset(err);
	for (col = 1; col <= 8; col++) {
		if ((r = word(&p, &w, &braced)) <= 0) {
			str_addf(err, r < 0 ? "missing '}'" :
			    "expected 8 fields, found %d", col - 1);
			goto out;
		}
		switch (col) {
		case 1:
			s->name = xstrdup(w.s);
			break;
		case 2:
			if (strcmp(w.s, "inet") == 0)
				s->type = SVC_INET;
			else if (strcmp(w.s, "unix") == 0)
				s->type = SVC_UNIX;
			else if (strcmp(w.s, "fifo") == 0)
				s->type = SVC_FIFO;
			else if (strcmp(w.s, "pass") == 0 ||
			    strcmp(w.s, "unix-dgram") == 0) {
				str_addf(err, "service %s: type %s is not "
				    "supported by mta", s->name, w.s);
				ret = 1;
				goto out;
			} else {
				str_addf(err, "bad transport type: %s", w.s);
				goto out;
			}
			break;
		case 3:
			if ((s->private = yesno(w.s, 1, "private", err)) < 0)
				goto out;
			break;
		case 4:
			if ((s->unpriv = yesno(w.s, 1, "unpriv", err)) < 0)
				goto out;
			break;
		case 5:
			if ((s->chroot = yesno(w.s, 0, "chroot", err)) < 0)
				goto out;
			break;
		case 6:
			if (strcmp(w.s, "-") == 0) {
				s->wakeup = 0;
				break;
			}
			/* "1000?": wake only when used; mta wakes always */
			if (w.len > 1 && w.s[w.len - 1] == '?')
				str_trunc(&w, w.len - 1);
			if (num_parse(w.s, 0, 1000000, &n) < 0) {
				str_addf(err, "bad wakeup time: %s", w.s);
				goto out;
			}
			s->wakeup = (int)n;
			break;
		case 7:
			if (strcmp(w.s, "-") == 0) {
				s->maxproc = -1;
				break;
			}
			if (num_parse(w.s, 0, 1000000, &n) < 0) {
				str_addf(err, "bad process limit: %s", w.s);
				goto out;
			}
			s->maxproc = (int)n;
			break;
		case 8:
			/* a path names the program by its base name */
			q = strrchr(w.s, '/');
			s->command = xstrdup(q ? q + 1 : w.s);
			break;
		}
	}
	if (s->type == SVC_INET && inet_name(s, err) < 0)
		goto out;
	if (s->type != SVC_INET && strchr(s->name, '/')) {
		str_addf(err, "bad service name \"%s\"", s->name);
		goto out;
	}
	while ((r = word(&p, &w, &braced)) > 0) {
		if (!braced && strcmp(w.s, "-o") == 0) {
			if ((r = word(&p, &w, &braced)) <= 0) {
				str_addf(err, r < 0 ? "missing '}'" :
				    "-o without name=value");
				goto out;
			}
			if (override(s, w.s, err) < 0)
				goto out;
		} else if (!braced && strncmp(w.s, "-o", 2) == 0) {
			if (override(s, w.s + 2, err) < 0)
				goto out;
		} else {
			addarg(s, w.s);
		}
	}
	if (r < 0) {
		str_addf(err, "missing '}'");
		goto out;
	}
	ret = 0;
out:
	str_free(&w);
	if (ret != 0)
		svc_free(s);
	return ret;
}

static int
same(const struct svc *a, const struct svc *b)
{
	return a->type == b->type && strcmp(a->name, b->name) == 0;
}

/*
 * load - the services of fp.  Errors are logged with file and line and
 * counted; a program mta lacks is a warning and is skipped (unless
 * SVC_KEEP_ALL).
 */
static int
load(FILE *fp, const char *path, struct svc_table *t, int flags)
{
	struct readl rl;
	struct str line = STR_INIT, err = STR_INIT;
	struct svc s;
	size_t i;
	int r, errors = 0;

	readl_init(&rl, fp, path, 0);
	while ((r = readl_next(&rl, &line)) > 0) {
		if ((r = svc_parse(line.s, &s, &err)) != 0) {
			if (r > 0) {
				warn("%s: line %d: %s: skipped", path,
				    rl.lineno, err.s);
			} else {
				error("%s: line %d: %s", path, rl.lineno,
				    err.s);
				errors++;
			}
			continue;
		}
		s.line = rl.lineno;
		if (!svc_provided(s.command) && !(flags & SVC_KEEP_ALL)) {
			warn("%s: line %d: service %s: program %s is not "
			    "provided by mta: skipped", path, s.line, s.name,
			    s.command);
			svc_free(&s);
			continue;
		}
		for (i = 0; i < t->n; i++)
			if (same(&t->v[i], &s))
				break;
		if (i < t->n) {
			error("%s: line %d: duplicate service %s/%s (first at "
			    "line %d)", path, s.line, s.name,
			    svc_type_name(s.type), t->v[i].line);
			errors++;
			svc_free(&s);
			continue;
		}
		t->v = xreallocarray(t->v, t->n + 1, sizeof(*t->v));
		t->v[t->n++] = s;
	}
	if (r < 0) {
		error("%s: read error", path);
		errors++;
	}
	errors += rl.errors;
	readl_free(&rl);
	str_free(&line);
	str_free(&err);
	return errors;
}

/*
 * svc_load - read master.cf at path into t (emptied first); with no such
 * file, the compiled default table.  Returns -1 when the file had errors
 * (each logged with its line; t holds the good lines), 0 otherwise.
 */
int
svc_load(const char *path, struct svc_table *t, int flags)
{
	FILE *fp;
	int errors;

	memset(t, 0, sizeof(*t));
	if ((fp = fopen(path, "r")) == NULL) {
		if (errno != ENOENT) {
			error("open %s: %s", path, strerror(errno));
			return -1;
		}
		svc_defaults(t);
		return 0;
	}
	t->path = xstrdup(path);
	errors = load(fp, path, t, flags);
	fclose(fp);
	return errors ? -1 : 0;
}

/* svc_defaults - the compiled default table into t (emptied first) */
void
svc_defaults(struct svc_table *t)
{
	FILE *fp;

	memset(t, 0, sizeof(*t));
	t->path = xstrdup("(default master.cf)");
	fp = fmemopen((void *)svc_default_text, sizeof(svc_default_text) - 1,
	    "r");
	if (fp == NULL)
		die("fmemopen:");
	if (load(fp, t->path, t, 0) != 0)
		bug("the default master.cf does not parse");
	fclose(fp);
}
