/* MIT licence: see LICENSE. */
/*
 * queue.c - unit tests of lib/queue/queue.c (ids, writer, reader, mark_done,
 * corrupt files) and lib/queue/submit.c (maildrop files; cleanup through the
 * real binary when $MTA names it).
 *
 * submit.c's fallback re-executes /proc/self/exe as "cleanup": that is
 * this program, which then hands over to $MTA under the same name.
 */
#include <sys/stat.h>
#include <sys/time.h>

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../../lib/conf.h"
#include "../../lib/io.h"
#include "../../lib/log.h"
#include "../../lib/queue/queue.h"
#include "../../lib/queue/submit.h"
#include "../../lib/str.h"
#include "../../lib/x.h"
#include "t.h"

static char top[] = "/tmp/mta-uq.XXXXXX";
static char qdir[64];

static void
mkq(void)
{
	struct str err = STR_INIT;

	/*
	 * As postfix start makes them: cleanup, started here as root,
	 * becomes mail_owner and must be able to write.
	 */
	str_init(&err);
	chmod(top, 0755);
	if (queue_dirs(qdir, "postfix", 1, &err) < 0)
		fprintf(stderr, "queue_dirs: %s\n", err.s);
	str_free(&err);
}

static int
count(const char *sub)
{
	char path[256];
	struct dirent *e;
	DIR *dp;
	int n = 0;

	snprintf(path, sizeof(path), "%s/%s", qdir, sub);
	if ((dp = opendir(path)) == NULL)
		return -1;
	while ((e = readdir(dp)) != NULL)
		if (strcmp(e->d_name, ".") && strcmp(e->d_name, ".."))
			n++;
	closedir(dp);
	return n;
}

static void
test_ids(void)
{
	struct timeval tv = { 0, 0x12345 };
	char id[QUEUE_ID_MAX];

	queue_make_id(id, sizeof(id), &tv, 0xabcULL, 0);
	T_STR("short id: hex usec + hex inode", id, "12345ABC");
	tv.tv_usec = 7;
	queue_make_id(id, sizeof(id), &tv, 1ULL, 0);
	T_STR("short id: usec padded to 5", id, "000071");
	tv.tv_sec = 52;
	tv.tv_usec = 53;
	queue_make_id(id, sizeof(id), &tv, 51ULL, 1);
	T_STR("long id: base-52 time, z, base-51 inode", id,
	    "0000100011z10");
	tv.tv_sec = 1700000000;
	queue_make_id(id, sizeof(id), &tv, 123456789ULL, 1);
	T_OK("long id has one z and is valid", queue_id_ok(id) &&
	    strchr(id, 'z') == strrchr(id, 'z') && strlen(id) > 11);
	T_OK("queue_id_ok refuses paths", !queue_id_ok("../x") &&
	    !queue_id_ok(".tmp") && !queue_id_ok(""));
}

static void
test_roundtrip(void)
{
	struct str err = STR_INIT, d = STR_INIT;
	struct queue_writer *w;
	struct queue_reader *r;
	struct queue_size sz;
	char id[QUEUE_ID_MAX], big[10000], path[512];
	long long rcpt_off = -1, rcpt2_off, off, mesg;
	int type, res, nrec = 0, nparts = 0, ok = 1;
	struct stat st;

	str_init(&err);
	str_init(&d);
	memset(big, 'b', sizeof(big));
	w = queue_create(qdir, "incoming", 0, &err);
	T_OK("queue_create", w != NULL);
	if (w == NULL)
		return;
	str_copy(id, w->id, sizeof(id));
	queue_puts(w, REC_FROM, "a@example.com");
	rcpt_off = queue_puts(w, REC_RCPT, "b@example.com");
	rcpt2_off = queue_puts(w, REC_RCPT, "c@example.com");
	mesg = queue_put(w, REC_MESG, "", 0);
	queue_put_line(w, "Subject: x", 10);
	queue_put_line(w, "", 0);
	queue_put_line(w, "nul\0cr\r", 7);
	queue_put_line(w, big, sizeof(big));
	queue_put(w, REC_XTRA, "", 0);
	queue_put(w, REC_END, "", 0);
	snprintf(path, sizeof(path), "%s/q/incoming/%s", top, id);
	/* Postfix's way: the id name at once, "incomplete" until commit */
	T_OK("incomplete file under its id before commit, mode 0600",
	    stat(path, &st) == 0 && (st.st_mode & 0777) == 0600);
	T_OK("no temporary name beside it", count("incoming") == 1);
	errno = 0;
	r = queue_open(qdir, "incoming", id, QUEUE_RDONLY, &err);
	T_OK("queue_open refuses an incomplete file (EAGAIN)",
	    r == NULL && errno == EAGAIN);
	str_reset(&err);
	memset(&sz, 0, sizeof(sz));
	sz.size = 10 + 1 + 1 + 8 + 10001;
	sz.mesg = mesg;
	sz.nrcpt = 2;
	T_OK("queue_commit", queue_commit(w, &sz, &err) == 0);
	T_OK("committed file marked complete, mode 0700",
	    stat(path, &st) == 0 && (st.st_mode & 0777) == 0700);
	T_OK("no temporary file left", count("incoming") == 1);

	r = queue_open(qdir, "incoming", id, QUEUE_RDWR, &err);
	T_OK("queue_open", r != NULL);
	if (r == NULL)
		return;
	T_OK("REC_SIZE read back", r->size.nrcpt == 2 &&
	    r->size.mesg == mesg && r->size.size == sz.size);
	while ((res = queue_get(r, &type, &d, &off)) == QUEUE_REC) {
		nrec++;
		if (type == REC_RCPT && off == rcpt_off)
			ok &= strcmp(d.s, "b@example.com") == 0;
		if (type == REC_MESG)
			ok &= off == mesg;
		if (type == REC_LINE && nrec == 7)
			ok &= d.len == 7 && memcmp(d.s, "nul\0cr\r", 7) == 0;
		if (type == REC_PART)
			nparts++, ok &= d.len == QUEUE_PART_MAX;
		if (type == REC_LINE && nrec == 10)
			ok &= d.len == sizeof(big) - 2 * QUEUE_PART_MAX;
	}
	T_OK("records read back with offsets, binary-safe", ok &&
	    res == QUEUE_EOF && nrec == 12);
	T_OK("long line split into REC_PART pieces", nparts == 2);
	T_OK("queue_mark_done", queue_mark_done(r, rcpt_off, 1) == 0);
	T_OK("queue_mark_done refuses a non-recipient offset",
	    queue_mark_done(r, mesg, 1) < 0);
	/* qmgr holds no descriptor between uses */
	queue_release(r);
	T_OK("queue_release closes the file", r->fd == -1);
	T_OK("queue_mark_done after queue_release",
	    queue_mark_done(r, rcpt2_off, 0) == 0 && r->fd == -1);
	queue_close(r);
	r = queue_open(qdir, "incoming", id, QUEUE_RDONLY, &err);
	res = 0;
	while (r && queue_get(r, &type, &d, &off) == QUEUE_REC)
		if (off == rcpt_off)
			res = type == REC_DONE && strcmp(d.s,
			    "b@example.com") == 0;
		else if (off == rcpt2_off && type != REC_DONE)
			res = -1;
	T_OK("recipients read back as REC_DONE", res == 1);
	queue_close(r);

	/* truncate: the reader says corrupt; quarantine moves it */
	T_OK("truncate", truncate(path, st.st_size - 3) == 0);
	r = queue_open(qdir, "incoming", id, QUEUE_RDONLY, &err);
	while (r && (res = queue_get(r, &type, &d, &off)) == QUEUE_REC)
		;
	T_OK("truncated file detected", r && res == QUEUE_BAD && r->corrupt);
	queue_close(r);
	T_OK("quarantine to corrupt/", queue_quarantine(qdir, "incoming",
	    id, "truncated") == 0 && count("incoming") == 0 &&
	    count("corrupt") == 1);
	str_free(&err);
	str_free(&d);
}

static void
test_corrupt(void)
{
	struct str err = STR_INIT, d = STR_INIT;
	struct queue_reader *r;
	const char *bad[] = {
		"V1 1\nZ3 abc\n",			/* bad size record */
		"X1 1\n",				/* not a queue file */
		"V1 1\nZ63 " "              0               0"
		    "               0               0\nS01 a\nE0 \n",
		"V1 1\nZ63 " "              0               0"
		    "               0               0\nS2 a\nE0 \n",
		"V1 1\nZ63 " "              0               0"
		    "               0               0\nQ1 a\nE0 \n",
	};
	char path[512];
	size_t i;
	int type, res, fd, nbad = 0;

	str_init(&err);
	str_init(&d);
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		snprintf(path, sizeof(path), "%s/q/active/BAD%zu", top, i);
		fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
		if (fd < 0 || write(fd, bad[i], strlen(bad[i])) < 0)
			continue;
		close(fd);
		snprintf(path, sizeof(path), "BAD%zu", i);
		r = queue_open(qdir, "active", path, QUEUE_RDONLY, &err);
		res = QUEUE_BAD;
		if (r) {
			while ((res = queue_get(r, &type, &d, NULL)) ==
			    QUEUE_REC)
				;
			queue_close(r);
		}
		nbad += res == QUEUE_BAD;
	}
	T_OK("malformed files: bad header, leading zero, short record, "
	    "unknown type", nbad == 5);
	str_free(&err);
	str_free(&d);
}

static void
test_abort(void)
{
	struct str err = STR_INIT;
	struct queue_writer *w;

	str_init(&err);
	w = queue_create(qdir, "deferred", 1, &err);
	queue_puts(w, REC_FROM, "x");
	queue_abort(w);
	T_OK("queue_abort leaves nothing", count("deferred") == 0);
	str_free(&err);
}

static int
read_stream(const char *path, struct str *types)
{
	struct str d = STR_INIT;
	struct io io;
	int fd, type, res;

	str_init(&d);
	str_reset(types);
	if ((fd = open(path, O_RDONLY)) < 0)
		return -1;
	io_init(&io, fd, 0);
	while ((res = queue_io_get(&io, &type, &d, QUEUE_REC_MAX)) ==
	    QUEUE_REC)
		str_addc(types, type);
	io_free(&io);
	close(fd);
	str_free(&d);
	return res;
}

static void
test_submit(void)
{
	struct str out = STR_INIT, types = STR_INIT, err = STR_INIT;
	struct submit *s;
	char path[512], big[5000];
	struct stat st;
	int r;

	str_init(&out);
	str_init(&types);
	str_init(&err);
	memset(big, 'z', sizeof(big));
	s = submit_open(SUBMIT_MAILDROP, &err);
	T_OK("submit_open maildrop", s != NULL);
	if (s == NULL)
		return;
	submit_recs(s, REC_FROM, "u@example.com");
	submit_recs(s, REC_RCPT, "v@example.com");
	submit_line(s, "Subject: m", 10);
	submit_line(s, big, sizeof(big));
	r = submit_close(s, &out);
	T_OK("submit_close maildrop returns 0 and a name", r == 0 &&
	    out.len == 24);
	snprintf(path, sizeof(path), "%s/q/maildrop/%s", top, out.s);
	T_OK("maildrop file mode 0640, no temporary left",
	    stat(path, &st) == 0 && (st.st_mode & 0777) == 0640 &&
	    count("maildrop") == 1);
	T_OK("maildrop records", read_stream(path, &types) == QUEUE_EOF &&
	    strcmp(types.s, "SRMLPLXE") == 0);
	s = submit_open(SUBMIT_MAILDROP, &err);
	submit_recs(s, REC_FROM, "u@example.com");
	/* created under its final name, 0600 until complete */
	snprintf(path, sizeof(path), "%s/q/maildrop/%s", top, submit_id(s));
	T_OK("a maildrop file being written is 0600, incomplete",
	    stat(path, &st) == 0 && (st.st_mode & 0777) == 0600 &&
	    queue_incomplete(Q_MAILDROP, &st) && count("maildrop") == 2);
	submit_abort(s);
	T_OK("submit_abort removes the maildrop file",
	    count("maildrop") == 1);

	if (getenv("MTA") == NULL) {
		printf("ok - submit to cleanup (skipped: no $MTA)\n");
		goto out;
	}
	s = submit_open(SUBMIT_CLEANUP, &err);
	T_OK("submit_open cleanup (fallback)", s != NULL);
	if (s == NULL)
		goto out;
	submit_recs(s, REC_FROM, "u@example.com");
	submit_recs(s, REC_RCPT, "v@example.com");
	submit_line(s, "Subject: c", 10);
	submit_line(s, "", 0);
	submit_line(s, big, sizeof(big));
	r = submit_close(s, &out);
	T_OK("submit_close cleanup returns 0 and the queue id", r == 0 &&
	    queue_id_ok(out.s) && count("incoming") == 1);
	snprintf(path, sizeof(path), "%s/q/incoming/%s", top, out.s);
	T_OK("the queue file exists", stat(path, &st) == 0);
	s = submit_open(SUBMIT_CLEANUP, &err);
	submit_recs(s, REC_FROM, "u@example.com");
	submit_line(s, "Subject: c", 10);
	r = submit_close(s, &out);
	T_OK("cleanup's 5xx answer comes back", r == 5 &&
	    strcmp(out.s, "5.1.0 no recipients specified") == 0);
	s = submit_open(SUBMIT_CLEANUP, &err);
	submit_recs(s, REC_FROM, "u@example.com");
	submit_recs(s, REC_RCPT, "v@example.com");
	submit_line(s, "Subject: c", 10);
	submit_abort(s);
	T_OK("submit_abort: cleanup queues nothing", count("incoming") == 1);
out:
	str_free(&out);
	str_free(&types);
	str_free(&err);
}

int
main(int argc, char **argv)
{
	char path[512];
	const char *base = strrchr(argv[0], '/') ? strrchr(argv[0], '/') + 1 :
	    argv[0];
	FILE *fp;

	(void)argc;
	if (strcmp(base, "cleanup") == 0 && getenv("MTA")) {
		execv(getenv("MTA"), argv);
		return 71;
	}
	if (mkdtemp(top) == NULL)
		return 2;
	snprintf(qdir, sizeof(qdir), "%s/q", top);
	mkdir(qdir, 0755);
	mkq();
	snprintf(path, sizeof(path), "%s/main.cf", top);
	if ((fp = fopen(path, "w")) == NULL)
		return 2;
	fprintf(fp, "queue_directory = %s/q\nmyhostname = h.example.com\n"
	    "maillog_file = %s/log\n", top, top);
	t_daemon_dir(fp);
	fclose(fp);
	if (conf_load(top, CONF_QUIET) < 0)
		return 2;
	test_ids();
	test_roundtrip();
	test_corrupt();
	test_abort();
	test_submit();
	snprintf(path, sizeof(path), "rm -rf '%s'", top);
	if (system(path) != 0)
		(void)0;
	T_DONE();
}
