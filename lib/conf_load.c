/* MIT licence: see LICENSE. */
/*
 * conf_load.c - reading the configuration: main.cf (Postfix syntax, read
 * with readl.c), the master.cf services that make per-transport
 * parameters used, the checks at load time (typed values, "unused
 * parameter", the no-op list), and the start of each program
 * (conf_load(), conf_daemon(), conf_log()).  A malformed file or a bad
 * value is fatal here, at setup, never in a session.  Runs in every
 * program, unprivileged.  Man pages: mta.conf(5), postconf(1).
 */
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>
#include <unistd.h>

#include "conf.h"
#include "conf_int.h"
#include "log.h"
#include "readl.h"
#include "str.h"
#include "x.h"

#include "../config.h"

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

static void
parse_line(struct readl *rl, char *line)
{
	char *p = str_skipws(line), *name, *val, *end;

	name = p;
	p += strcspn(p, " \t=");
	if (p == name)
		die("%s, line %d: missing attribute name: \"%s\"", conf_cfile,
		    rl->lineno, line);
	end = p;
	p = str_skipws(p);
	if (*p != '=')
		die("%s, line %d: missing '=' after attribute name: \"%s\"",
		    conf_cfile, rl->lineno, line);
	*end = 0;
	val = str_skipws(p + 1);
	end = val + strlen(val);
	while (end > val && isspace((unsigned char)end[-1]))
		*--end = 0;
	{
		struct ent *e = conf_add(name);

		if (e->src == SRC_FILE)
			warn("%s, line %d: overriding earlier entry: %s=%s",
			    conf_cfile, rl->lineno, name, e->val);
		conf_setval(e, val, SRC_FILE, rl->lineno);
	}
}

static void
read_main(void)
{
	FILE *fp;
	struct readl rl;
	struct str line = STR_INIT;
	int r;

	if ((fp = fopen(conf_cfile, "r")) == NULL) {
		if (errno == ENOENT || errno == ENOTDIR)
			return;		/* no main.cf: the defaults */
		die("open %s:", conf_cfile);
	}
	readl_init(&rl, fp, conf_cfile, 0);
	str_init(&line);
	while ((r = readl_next(&rl, &line)) > 0)
		parse_line(&rl, line.s);
	if (r < 0)
		die("read %s:", conf_cfile);
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

	for (i = 0; i < conf_nents; i++) {
		if (conf_ents[i].val)
			conf_expand_refs(conf_ents[i].val);
		if (conf_ents[i].row && conf_ents[i].row->def)
			conf_expand_refs(conf_ents[i].row->def);
	}
	copy = xstrdup(conf_rawval(&conf_ents[P_smtpd_restriction_classes]));
	for (p = copy; (w = str_token(&p, ", \t\r\n")) != NULL;)
		if ((e = conf_find(w)) != NULL)
			e->known = 1;
	free(copy);

	path = xasprintf("%s/master.cf", conf_cdir);
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
			conf_expand_refs(p);
			if (p != line.s || *p == 0)
				continue;
			svc = xreallocarray(svc, nsvc + 1, sizeof(*svc));
			svc[nsvc++] = xstrndup(p, strcspn(p, " \t"));
		}
		str_free(&line);
		fclose(fp);
	}
	free(path);

	for (i = P_COUNT; i < conf_nents; i++) {
		e = &conf_ents[i];
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
			warn("%s, line %d: unused parameter: %s=%s", conf_cfile,
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
	for (i = 0; i < conf_nents; i++) {
		if (conf_ents[i].row && conf_ents[i].row->type != CONF_STR &&
		    conf_ents[i].row->type != CONF_RAW) {
			if (conf_typed(&conf_ents[i], &n, &err) == 0)
				continue;
		} else if (fatal ||
		    conf_value(&conf_ents[i], 0, &v, &err) == 0) {
			continue;
		} else {
			str_addf(&err, " (parameter %s)", conf_ents[i].name);
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
	conf_init();
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
		same = conf_value(e, 0, &v, &err) == 0 &&
		    conf_value(&d, 0, &dv, &err) == 0 && strcmp(v, dv) == 0;
	else
		same = conf_typed(e, &n, &err) == 0 &&
		    conf_typed(&d, &dn, &err) == 0 && n == dn;
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

	conf_init();
	for (i = 0; i < conf_nnoops; i++) {
		e = &conf_ents[conf_noops[i].param];
		if (is_default(e))
			continue;
		if (e->src == SRC_FILE)
			warn("%s, line %d: %s = %s has no effect in mta: %s",
			    conf_cfile, e->line, e->name, e->val,
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
	conf_cdir = xstrdup(dir);
	conf_cfile = xasprintf("%s/main.cf", dir);
	conf_init();
	/* Postfix records a -c or $MAIL_CONFIG directory as a setting */
	if (explicit)
		conf_setval(&conf_ents[P_config_directory], dir, SRC_SET, 0);
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
