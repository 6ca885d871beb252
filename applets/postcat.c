/* MIT licence: see LICENSE. */
/*
 * postcat.c - show queue files: the envelope records by name, the
 * content, and the records after it, in the shape of Postfix's postcat
 * ("*** ENVELOPE RECORDS file ***", "sender: ...", ...).
 *
 * Run by the administrator (root or mail_owner, who may read the queue)
 * with that user's privileges; any user may show a file he can read
 * (a copy, a maildrop file of his own).  Files are read with queue.c's
 * record reader; a corrupt or truncated file is an error that names the
 * file and the offset.  Man pages: postcat(1), mta-queue(5).
 */
#include <sys/stat.h>
#include <sys/types.h>

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>
#include <time.h>
#include <unistd.h>

#include "../lib/conf.h"
#include "../lib/io.h"
#include "../lib/log.h"
#include "../lib/priv.h"
#include "../lib/queue/queue.h"
#include "../lib/str.h"
#include "../lib/x.h"

#define USAGE	"usage: postcat [-bdehHoqv] [-c config_dir] [files...]"

/* what to show */
#define SHOW_ENV	1	/* -e */
#define SHOW_HDR	2	/* -h */
#define SHOW_BODY	4	/* -b */
#define SHOW_ALL	(SHOW_ENV | SHOW_HDR | SHOW_BODY)

/* -q: where to look, in Postfix's order */
static const char *const search[] = {
	Q_INCOMING, Q_ACTIVE, Q_DEFERRED, Q_HOLD, Q_MAILDROP, Q_CORRUPT,
};

struct cat {
	int		show;
	int		offsets;	/* -o */
	int		headings;	/* "*** ... ***" (not -h, -b) */
	struct io	out;
};

/* asctime()'s shape of a REC_TIME or REC_WARN value ("SEC[.USEC]") */
static void
put_time(struct cat *c, const char *label, const char *v)
{
	char buf[64];
	struct tm tm;
	time_t t = 0;
	const char *p;

	for (p = v; *p >= '0' && *p <= '9' && t < ((time_t)1 << 40); p++)
		t = t * 10 + (*p - '0');
	if (p == v || (*p && *p != '.')) {
		io_printf(&c->out, "%s: %s\n", label, v);
		return;
	}
	localtime_r(&t, &tm);
	strftime(buf, sizeof(buf), "%a %b %e %H:%M:%S %Y", &tm);
	io_printf(&c->out, "%s: %s\n", label, buf);
}

/* the name Postfix's postcat gives an envelope record */
static const char *
label(int type)
{
	switch (type) {
	case REC_SIZE:		return "message_size";
	case REC_FROM:		return "sender";
	case REC_ATTR:		return "named_attribute";
	case REC_ORIG:		return "original_recipient";
	case REC_RCPT:		return "recipient";
	case REC_DONE:		return "done_recipient";
	}
	return NULL;
}

/* a line of the header: a field name and a colon, or a continuation */
static int
header_line(const char *s, size_t n)
{
	size_t i;

	if (n > 0 && (s[0] == ' ' || s[0] == '\t'))
		return 1;
	for (i = 0; i < n; i++) {
		if (s[i] == ':')
			return i > 0;
		if ((unsigned char)s[i] <= ' ' || s[i] == 0x7f)
			return 0;
	}
	return 0;
}

/*
 * cat_fd - show the queue file open on fd, called name.  0, or -1 after
 * an error message naming the file.
 */
static int
cat_fd(struct cat *c, int fd, const char *name)
{
	struct io in;
	struct str d = STR_INIT;
	long long off = 0, next;
	int type, res, first = 1, in_content = 0, in_hdr = 1, cont = 0;
	int ret = -1, show;
	char num[32];

	io_init(&in, fd, 0);
	str_init(&d);
	for (;;) {
		res = queue_io_get(&in, &type, &d, QUEUE_REC_MAX);
		if (res == QUEUE_EOF) {
			if (first)
				warn("%s: input is not a valid queue file",
				    name);
			else
				error("%s: truncated queue file: no end "
				    "record after offset %lld", name, off);
			break;
		}
		if (res != QUEUE_REC) {
			if (first)
				warn("%s: input is not a valid queue file",
				    name);
			else if (res == QUEUE_BAD)
				error("%s: corrupt queue file record at "
				    "offset %lld", name, off);
			else
				error("%s: read error: %s", name,
				    strerror(in.err ? in.err : EIO));
			break;
		}
		next = off + 3 + (long long)snprintf(num, sizeof(num), "%zu",
		    d.len) + (long long)d.len;
		if (first && c->headings)
			io_printf(&c->out, "*** ENVELOPE RECORDS %s ***\n",
			    name);
		first = 0;
		/* what this record belongs to */
		if (in_content && (type == REC_LINE || type == REC_PART)) {
			if (!cont)
				in_hdr = in_hdr && header_line(d.s, d.len);
			show = c->show & (in_hdr ? SHOW_HDR : SHOW_BODY);
		} else if (type == REC_MESG || type == REC_XTRA ||
		    type == REC_END) {
			show = c->headings;
		} else {
			show = c->show & SHOW_ENV;
		}
		if (show && c->offsets && !(type == REC_PART && cont))
			io_printf(&c->out, "%9lld ", off);
		if (!show)
			;
		else if (type == REC_MESG)
			io_printf(&c->out, "*** MESSAGE CONTENTS %s ***\n",
			    name);
		else if (type == REC_XTRA)
			io_printf(&c->out, "*** HEADER EXTRACTED %s ***\n",
			    name);
		else if (type == REC_END)
			io_printf(&c->out, "*** MESSAGE FILE END %s ***\n",
			    name);
		else if (in_content && type == REC_LINE)
			io_printf(&c->out, "%s\n", d.s);
		else if (in_content && type == REC_PART)
			io_write(&c->out, d.s, d.len);
		else if (type == REC_TIME)
			put_time(c, "message_arrival_time", d.s);
		else if (type == REC_WARN)
			put_time(c, "warning_message_time", d.s);
		else if (type == REC_ORCPT)
			io_printf(&c->out, "named_attribute: "
			    "dsn_orig_rcpt=%s\n", d.s);
		else if (type == REC_NOTIFY)
			io_printf(&c->out, "named_attribute: dsn_notify=%s\n",
			    d.s);
		else if (type == REC_VERSION)
			io_printf(&c->out, "queue_file_version: %s\n", d.s);
		else if (label(type))
			io_printf(&c->out, "%s: %s\n", label(type), d.s);
		else
			io_printf(&c->out, "record type %c: %s\n", type, d.s);
		if (type == REC_MESG)
			in_content = 1;
		else if (type == REC_XTRA)
			in_content = 0;
		cont = in_content && type == REC_PART;
		off = next;
		if (c->out.wbuf.len > 65536)
			io_flush(&c->out);
		if (type == REC_END) {
			ret = 0;
			break;
		}
	}
	io_flush(&c->out);
	str_free(&d);
	io_free(&in);
	return ret;
}

static int
cat_path(struct cat *c, const char *path, const char *name)
{
	int fd, r;

	/* as root in mail_owner's queue: no link, no second name */
	if ((fd = priv_open(path, O_RDONLY | O_NONBLOCK, 0)) < 0)
		return -1;
	r = cat_fd(c, fd, name);
	close(fd);
	return r == 0 ? 0 : -2;
}

/* postcat_main - postcat(1) */
int
postcat_main(int argc, char **argv)
{
	struct cat c;
	struct str name = STR_INIT;
	const char *confdir = NULL, *qdir;
	char *path;
	size_t i;
	int ch, byq = 0, status = 0, r;

	if (argc > 1 && strcmp(argv[1], "--help") == 0) {
		printf("%s\n", USAGE);
		return 0;
	}
	memset(&c, 0, sizeof(c));
	while ((ch = getopt(argc, argv, "bc:dehHoqv")) != -1) {
		switch (ch) {
		case 'b':
			c.show |= SHOW_BODY;
			break;
		case 'c':
			confdir = optarg;
			break;
		case 'd':
		case 'v':
			break;
		case 'e':
			c.show |= SHOW_ENV;
			break;
		case 'h':
			c.show |= SHOW_HDR;
			break;
		case 'H':
			break;	/* Postfix 3.x: -h without -e, as -h */
		case 'o':
			c.offsets = 1;
			break;
		case 'q':
			byq = 1;
			break;
		default:
			die_status(EX_USAGE, "%s", USAGE);
		}
	}
	/* -e, -h, -b: those parts; the headings come with -e (or none) */
	c.headings = c.show == 0 || (c.show & SHOW_ENV);
	if (c.show == 0)
		c.show = SHOW_ALL;
	if (conf_load(confdir, CONF_QUIET) < 0)
		return EX_CONFIG;
	conf_log(LOG_TO_STDERR);
	io_init(&c.out, 1, 0);
	qdir = conf_str(P_queue_directory);
	if (optind == argc && !byq) {
		r = cat_fd(&c, 0, "stdin");
		io_free(&c.out);
		return r == 0 ? 0 : 1;
	}
	if (optind == argc)
		die_status(EX_USAGE, "%s", USAGE);
	str_init(&name);
	for (; optind < argc; optind++) {
		const char *arg = argv[optind];

		if (!byq) {
			if ((r = cat_path(&c, arg, arg)) == -1)
				die("open %s:", arg);
			if (r < 0)
				status = 1;
			continue;
		}
		if (!queue_id_ok(arg))
			die("open queue file %s: %s", arg, strerror(EINVAL));
		r = -1;
		for (i = 0; i < sizeof(search) / sizeof(search[0]) && r == -1;
		    i++) {
			str_reset(&name);
			str_addf(&name, "%s/%s", search[i], arg);
			path = xasprintf("%s/%s", qdir, name.s);
			r = cat_path(&c, path, name.s);
			if (r == -1 && errno != ENOENT)
				die("open queue file %s:", arg);
			free(path);
		}
		if (r == -1)
			die("open queue file %s: %s", arg, strerror(ENOENT));
		if (r < 0)
			status = 1;
	}
	str_free(&name);
	io_free(&c.out);
	return status;
}
