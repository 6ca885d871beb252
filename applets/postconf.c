/* MIT licence: see LICENSE. */
/*
 * postconf.c - show and edit main.cf, as Postfix's postconf(1).
 *
 * Run by the administrator (or by scripts) with the caller's privileges:
 * it reads main.cf and, with -e, -X or -#, rewrites it atomically (a
 * temporary file, fsync, rename, fsync of the directory), keeping comments,
 * blank lines and the order of entries.  The output is Postfix's, line for
 * line: "name = value", sorted by name, white space in values collapsed
 * to single spaces.  Man page: postconf(1).
 */
#include <sys/stat.h>

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>
#include <unistd.h>

#include "../lib/conf.h"
#include "../lib/log.h"
#include "../lib/priv.h"
#include "../lib/str.h"
#include "../lib/table/dict.h"
#include "../lib/x.h"

#define SHOW_DEFAULTS	0x01	/* -d */
#define SHOW_SET	0x02	/* -n */
#define SHOW_NONAME	0x04	/* -h */
#define SHOW_NOVALUE	0x08	/* -H */
#define SHOW_EXPAND	0x10	/* -x */

#define EDIT_SET	1	/* -e */
#define EDIT_REMOVE	2	/* -X */
#define EDIT_COMMENT	3	/* -# */

struct edit {
	char	*name;
	char	*value;		/* -e only */
	int	found;
};

static void
usage(FILE *fp)
{
	fprintf(fp, "usage: postconf [-c config_dir] [-d (defaults)] "
	    "[-n (non-default)] [-h (no names)]\n"
	    "                [-H (no values)] [-x (expand values)] "
	    "[-o name=value (override)]\n"
	    "                [-m (table types)] [name ...]\n"
	    "       postconf [-c config_dir] -e name=value ...\n"
	    "       postconf [-c config_dir] -X name ...    (remove)\n"
	    "       postconf [-c config_dir] -# name ...    (comment out)\n");
}

/*
 * split - "name = value" into its trimmed halves, in place; Postfix's
 * split_nameval().  NULL, or the reason it is malformed.
 */
static const char *
split(char *s, char **name, char **value)
{
	char *p, *end;

	s = str_skipws(s);
	*name = s;
	s += strcspn(s, " \t=");
	if (s == *name)
		return "missing attribute name";
	end = s;
	s = str_skipws(s);
	if (*s != '=')
		return "missing '=' after attribute name";
	*end = 0;
	p = str_skipws(s + 1);
	end = p + strlen(p);
	while (end > p && isspace((unsigned char)end[-1]))
		end--;
	*end = 0;
	*value = p;
	return NULL;
}

/* Print a value as Postfix does: white space runs become one space. */
static void
putvalue(const char *v)
{
	const char *p = v;
	size_t n;
	int first = 1;

	for (;;) {
		while (*p && isspace((unsigned char)*p))
			p++;
		if (*p == 0)
			break;
		n = strcspn(p, " \t\r\n");
		if (!first)
			putchar(' ');
		fwrite(p, 1, n, stdout);
		first = 0;
		p += n;
	}
}

static void
show(const char *name, int how)
{
	const struct conf_row *row = conf_row(name);
	const char *v;
	struct str exp = STR_INIT;

	if (how & SHOW_DEFAULTS)
		v = conf_default(name);
	else
		v = conf_raw(name);
	if (v == NULL)
		v = "";
	if ((how & SHOW_EXPAND) && (row == NULL || row->type != CONF_RAW)) {
		if (how & SHOW_DEFAULTS) {
			if (conf_expand(v, &exp, 0) < 0)
				die("parameter %s: %s", name, exp.s);
			v = exp.s;
		} else {
			v = conf_get(name);
		}
	}
	if (how & SHOW_NOVALUE) {
		printf("%s\n", name);
	} else if (how & SHOW_NONAME) {
		putvalue(v);
		putchar('\n');
	} else {
		printf("%s =", name);
		if (*str_skipws(v))
			putchar(' ');
		putvalue(v);
		putchar('\n');
	}
	str_free(&exp);
}

static struct edit *
edit_find(struct edit *ed, size_t n, const char *name, size_t len)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (strlen(ed[i].name) == len &&
		    strncmp(ed[i].name, name, len) == 0)
			return &ed[i];
	return NULL;
}

static void
slurp(const char *path, struct str *buf, struct stat *st)
{
	char chunk[8192];
	size_t n;
	FILE *fp;

	str_init(buf);
	if ((fp = priv_fopen(path)) == NULL) {
		if (errno != ENOENT)
			die("open %s:", path);
		st->st_mode = 0644;
		st->st_uid = (uid_t)-1;
		return;
	}
	if (fstat(fileno(fp), st) < 0)
		die("stat %s:", path);
	while ((n = fread(chunk, 1, sizeof(chunk), fp)) > 0)
		str_addmem(buf, chunk, n);
	if (ferror(fp))
		die("read %s:", path);
	fclose(fp);
}

/* Replace path with the contents of out: temp file, fsync, rename. */
static void
commit(const char *path, const struct str *out, const struct stat *st)
{
	char *tmp = xasprintf("%s.%ld.tmp", path, (long)getpid()), *dcopy;
	size_t off = 0;
	ssize_t n;
	int fd;

	/*
	 * a new file, never one already there: in a directory another
	 * account may write, a link put there in advance would have root
	 * truncate, fill and chown the file it names
	 */
	(void)unlink(tmp);
	fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC,
	    0600);
	if (fd < 0)
		die("open %s:", tmp);
	while (off < out->len) {
		if ((n = write(fd, out->s + off, out->len - off)) < 0) {
			if (errno == EINTR)
				continue;
			unlink(tmp);
			die("write %s:", tmp);
		}
		off += (size_t)n;
	}
	/* keep the owner and mode of the file being replaced */
	if (st->st_uid != (uid_t)-1 && geteuid() == 0 &&
	    fchown(fd, st->st_uid, st->st_gid) < 0)
		warn("chown %s: %s", tmp, strerror(errno));
	if (fchmod(fd, st->st_mode & 07777) < 0 || fsync(fd) < 0 ||
	    close(fd) < 0) {
		unlink(tmp);
		die("write %s:", tmp);
	}
	if (rename(tmp, path) < 0) {
		unlink(tmp);
		die("rename %s to %s:", tmp, path);
	}
	dcopy = xstrdup(path);
	if ((fd = open(dirname(dcopy), O_RDONLY | O_CLOEXEC)) >= 0) {
		if (fsync(fd) < 0 && errno != EINVAL)
			die("fsync %s:", dcopy);
		close(fd);
	}
	free(dcopy);
	free(tmp);
}

/*
 * edit - rewrite main.cf as Postfix's pcf_edit_main(): comment and blank
 * lines are copied, even inside a continued entry; the entries named are
 * replaced (with their continuation lines), removed or commented out;
 * -e appends the names that were not there.
 */
static void
edit(const char *path, struct edit *ed, size_t n, int mode)
{
	struct str in, out;
	struct stat st;
	struct edit *cur = NULL;
	const char *p, *nl, *line, *q;
	size_t len, i;

	slurp(path, &in, &st);
	if (mode != EDIT_SET && in.len == 0) {
		str_free(&in);
		return;
	}
	str_init(&out);
	for (p = in.s; p < in.s + in.len; p = nl) {
		line = p;
		if ((nl = memchr(p, '\n', in.s + in.len - p)) == NULL)
			nl = in.s + in.len;
		else
			nl++;
		len = (size_t)(nl - line);
		q = line;
		while (q < nl && (*q == ' ' || *q == '\t' || *q == '\r'))
			q++;
		if (q == nl || *q == '#' || *q == '\n') {
			str_addmem(&out, line, len);
			continue;
		}
		if (q > line) {			/* a continuation line */
			if (cur == NULL)
				str_addmem(&out, line, len);
			else if (mode == EDIT_COMMENT) {
				str_addc(&out, '#');
				str_addmem(&out, line, len);
			}
			continue;
		}
		cur = edit_find(ed, n, line, strcspn(line, " \t=\r\n"));
		if (cur == NULL) {
			str_addmem(&out, line, len);
			continue;
		}
		if (cur->found++ == 1)
			warn("%s: multiple entries for \"%s\"", path,
			    cur->name);
		if (mode == EDIT_SET)
			str_addf(&out, "%s = %s\n", cur->name, cur->value);
		else if (mode == EDIT_COMMENT) {
			str_addc(&out, '#');
			str_addmem(&out, line, len);
		}
	}
	if (mode == EDIT_SET) {
		for (i = 0; i < n; i++) {
			if (ed[i].found)
				continue;
			if (out.len && out.s[out.len - 1] != '\n')
				str_addc(&out, '\n');
			str_addf(&out, "%s = %s\n", ed[i].name, ed[i].value);
			ed[i].found = 1;
		}
	}
	if (out.len && out.s[out.len - 1] != '\n' && in.len &&
	    in.s[in.len - 1] == '\n')
		str_addc(&out, '\n');
	commit(path, &out, &st);
	str_free(&in);
	str_free(&out);
}

/* -m: the table types, one a line, as dict.c names them */
static int
show_types(void)
{
	char *copy = xstrdup(dict_types()), *p = copy, *w;

	while ((w = str_token(&p, " ,\t\r\n")) != NULL)
		printf("%s\n", w);
	free(copy);
	return 0;
}

/* postconf_main - show or edit main.cf */
int
postconf_main(int argc, char **argv)
{
	const char *dir = NULL, *why, **names;
	char **over = NULL, *name, *value;
	struct edit *ed;
	size_t nover = 0, i;
	int c, how = 0, mode = 0, types = 0, rc = 0, dflags;

	if (argc > 1 && strcmp(argv[1], "--help") == 0) {
		usage(stdout);
		return 0;
	}
	while ((c = getopt(argc, argv, "c:dehHmno:xX#")) != -1) {
		switch (c) {
		case 'c':
			dir = optarg;
			break;
		case 'd':
			how |= SHOW_DEFAULTS;
			break;
		case 'e':
			mode = EDIT_SET;
			break;
		case 'h':
			how |= SHOW_NONAME;
			break;
		case 'H':
			how |= SHOW_NOVALUE;
			break;
		case 'm':
			types = 1;
			break;
		case 'n':
			how |= SHOW_SET;
			break;
		case 'o':
			over = xreallocarray(over, nover + 1, sizeof(*over));
			over[nover++] = optarg;
			break;
		case 'x':
			how |= SHOW_EXPAND;
			break;
		case 'X':
			mode = EDIT_REMOVE;
			break;
		case '#':
			mode = EDIT_COMMENT;
			break;
		default:
			usage(stderr);
			return EX_USAGE;
		}
	}
	argc -= optind;
	argv += optind;
	if (types) {
		free(over);
		return show_types();
	}
	if ((how & SHOW_DEFAULTS) && (how & SHOW_SET)) {
		warn("the -d and -n options cannot be used together");
		usage(stderr);
		return EX_USAGE;
	}
	dflags = CONF_NOCHECK;
	if (how & SHOW_DEFAULTS)
		dflags |= CONF_NOFILE | CONF_QUIET;
	if (mode)
		dflags |= CONF_QUIET;
	conf_load(dir, dflags);
	conf_log(LOG_TO_STDERR | LOG_TO_SYSLOG);

	if (mode) {
		if (argc == 0) {
			usage(stderr);
			return EX_USAGE;
		}
		ed = xcalloc((size_t)argc, sizeof(*ed));
		for (c = 0; c < argc; c++) {
			ed[c].name = xstrdup(argv[c]);
			if (mode != EDIT_SET) {
				ed[c].name[strcspn(ed[c].name, " \t")] = 0;
				continue;
			}
			if ((why = split(ed[c].name, &name, &value)) != NULL)
				die("%s: \"%s\"", why, argv[c]);
			memmove(ed[c].name, name, strlen(name) + 1);
			ed[c].value = xstrdup(value);
		}
		edit(conf_file(), ed, (size_t)argc, mode);
		for (c = 0; c < argc; c++) {
			free(ed[c].name);
			free(ed[c].value);
		}
		free(ed);
		free(over);
		conf_free();
		return 0;
	}

	for (i = 0; i < nover; i++) {
		if ((why = split(over[i], &name, &value)) != NULL)
			die("-o %s: \"%s\"", why, over[i]);
		conf_set(name, value);
	}
	free(over);

	if (argc == 0) {
		names = conf_list((how & SHOW_SET) ? CONF_LIST_SET :
		    (how & SHOW_DEFAULTS) ? CONF_LIST_ROWS : 0);
		for (i = 0; names[i]; i++)
			show(names[i], how);
		free(names);
	} else {
		for (c = 0; c < argc; c++) {
			if (!conf_known(argv[c]) ||
			    ((how & SHOW_DEFAULTS) && !conf_row(argv[c]))) {
				warn("%s: unknown parameter", argv[c]);
				continue;
			}
			if ((how & SHOW_SET) && !conf_isset(argv[c]))
				continue;
			show(argv[c], how);
		}
	}
	if (fflush(stdout) != 0 || ferror(stdout)) {
		warn("write error on standard output: %s", strerror(errno));
		rc = EX_IOERR;
	}
	conf_free();
	return rc;
}
