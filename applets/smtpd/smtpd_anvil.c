/* MIT licence: see LICENSE. */
/*
 * smtpd_anvil.c - smtpd_client_connection_count_limit and the
 * smtpd_client_{connection,message,recipient,auth}_rate_limit counters
 * without Postfix's anvil server.
 *
 * Runs in each smtpd process, unprivileged.  The processes of one mail
 * system share one small file, $data_directory/smtpd_anvil, read and
 * written under an fcntl() lock for a few microseconds per connection:
 * a table of live sessions (pid, client address) and, for each counted
 * event (connection, MAIL, RCPT, AUTH), a ring of its recent times.  A
 * session of a process that died without saying goodbye (kill -9) is
 * recognised by its pid and forgotten, so a crash
 * never leaves a client locked out.  When the file cannot be used (no
 * data_directory), the limits are not enforced and a warning says so;
 * `postfix start` makes data_directory.  The file is read as hostile:
 * a short one, one of another layout, or one whose ring index is out of
 * range is started afresh, never used to index memory.
 * Man page: smtpd(8).
 */
#include <sys/socket.h>
#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "../../lib/conf.h"
#include "../../lib/inet.h"
#include "../../lib/log.h"
#include "../../lib/table/match.h"
#include "../../lib/x.h"
#include "smtpd_sess.h"

#define ANVIL_FILE	"smtpd_anvil"
#define ANVIL_MAGIC	0x6d746170U	/* the layout version */
#define ANVIL_NCONN	1024		/* live sessions tracked */
#define ANVIL_NRATE	2048		/* event times remembered, per kind */
#define ANVIL_NKIND	4		/* connect + SMTPD_ANVIL_* */

struct anvil_slot {
	int32_t		pid;		/* 0: free */
	int32_t		family;
	uint32_t	service;	/* hash of service_name */
	unsigned char	addr[INET_ADDR_LEN];
	int64_t		time;
};

struct anvil_head {
	uint32_t	magic;
	uint32_t	next[ANVIL_NKIND];	/* next rate slot to overwrite */
};

/* a connection reads the head, conn and rate[0]; an event its own ring */
struct anvil_file {
	struct anvil_head head;
	struct anvil_slot conn[ANVIL_NCONN];
	struct anvil_slot rate[ANVIL_NKIND][ANVIL_NRATE];
};

#define RING_AT(k)	(offsetof(struct anvil_file, rate) + \
	(size_t)(k) * sizeof(((struct anvil_file *)0)->rate[0]))
#define CONN_PART	RING_AT(1)

/* the session's; smtpd_anvil_disconnect() resets them for the next one */
static int anvil_fd = -1;
static int anvil_slot = -1;
static int anvil_failed;	/* the file cannot be used: warned */

static int
lock(int fd, int type)
{
	struct flock fl;

	memset(&fl, 0, sizeof(fl));
	fl.l_type = (short)type;
	fl.l_whence = SEEK_SET;
	while (fcntl(fd, F_SETLKW, &fl) < 0)
		if (errno != EINTR)
			return -1;
	return 0;
}

static int
alive(pid_t pid)
{
	return pid > 0 && (kill(pid, 0) == 0 || errno == EPERM);
}

/*
 * load - len bytes of the file into f (at least the head), or a fresh
 * file when it is not one of ours (then all of it is written back)
 */
static int
load(struct anvil_file *f, size_t len, const char *path, size_t *wlen)
{
	ssize_t n;
	struct stat st;
	int i, ok;

	*wlen = len;
	n = pread(anvil_fd, f, len, 0);
	if (n < 0 || fstat(anvil_fd, &st) < 0)
		return -1;
	ok = (size_t)n == len && (size_t)st.st_size == sizeof(*f) &&
	    f->head.magic == ANVIL_MAGIC;
	for (i = 0; ok && i < ANVIL_NKIND; i++)
		if (f->head.next[i] >= ANVIL_NRATE)
			ok = 0;
	if (ok)
		return 0;
	if (n > 0)
		warn("%s: corrupt or of another version: starting afresh",
		    path);
	memset(f, 0, sizeof(*f));
	f->head.magic = ANVIL_MAGIC;
	*wlen = sizeof(*f);
	return 0;
}

/* open_file - open and lock the shared file: 0, or -1 (errno set) */
static int
open_file(const char *path)
{
	if (anvil_fd < 0)
		anvil_fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC |
		    O_NOFOLLOW, 0600);
	if (anvil_fd < 0)
		return -1;
	return lock(anvil_fd, F_WRLCK);
}

/* save - write the first len bytes of f back and unlock */
static void
save(const struct anvil_file *f, size_t len, const char *path)
{
	if (pwrite(anvil_fd, f, len, 0) != (ssize_t)len)
		warn("%s: write: %s", path, strerror(errno));
	lock(anvil_fd, F_UNLCK);
}

/* as Postfix's anvil: counters are per service and client address */
static uint32_t
hash(const char *s)
{
	uint32_t h = 2166136261U;

	for (; *s; s++)
		h = (h ^ (unsigned char)*s) * 16777619U;
	return h;
}

static int
same(const struct anvil_slot *s, uint32_t svc, int family,
    const unsigned char *addr)
{
	return s->service == svc && s->family == family &&
	    memcmp(s->addr, addr, INET_ADDR_LEN) == 0;
}

static void
fill(struct anvil_slot *s, pid_t pid, uint32_t svc, int family,
    const unsigned char *addr, long long now)
{
	s->pid = (int32_t)pid;
	s->service = svc;
	s->family = family;
	memcpy(s->addr, addr, INET_ADDR_LEN);
	s->time = now;
}

/*
 * exempt - 1 when smtpd_client_event_limit_exceptions names the client
 * (looked up once per session: each client of the process is its own)
 */
static int
exempt(struct smtpd_sess *s)
{
	struct match_list *ex;

	if (s->anvil_exempt == 0) {
		ex = match_init("smtpd_client_event_limit_exceptions",
		    MATCH_NAMADR,
		    conf_str(P_smtpd_client_event_limit_exceptions));
		s->anvil_exempt = match_find(ex, s->name, s->addr) > 0 ? 1 : 2;
		match_free(ex);
	}
	return s->anvil_exempt == 1;
}

static void
give_up(void)
{
	if (anvil_fd >= 0)
		close(anvil_fd);
	anvil_fd = -1;
	anvil_failed = 1;
}

/*
 * count_event - note an event of kind k and say how many of the client's
 * fell within the last time unit, this one included; every attempt
 * counts, refused or not, as with Postfix's anvil
 */
static int
count_event(struct anvil_file *f, int k, uint32_t key, int family,
    const unsigned char *addr, long long now, long long unit)
{
	struct anvil_slot *ring = f->rate[k];
	int i, rate = 1;

	for (i = 0; i < ANVIL_NRATE; i++)
		if (ring[i].pid != 0 && ring[i].time > now - unit &&
		    same(&ring[i], key, family, addr))
			rate++;
	fill(&ring[f->head.next[k]], 1, key, family, addr, now);
	f->head.next[k] = (f->head.next[k] + 1) % ANVIL_NRATE;
	return rate;
}

/*
 * smtpd_anvil_connect - count this connection; 0 go on, -1 when a limit
 * is exceeded (the 421 reply and the warning are done)
 */
int
smtpd_anvil_connect(struct smtpd_sess *s)
{
	long long climit = conf_int(P_smtpd_client_connection_count_limit);
	long long rlimit = conf_int(P_smtpd_client_connection_rate_limit);
	long long unit = conf_time(P_anvil_rate_time_unit);
	const char *svc = *conf_str(P_service_name) ?
	    conf_str(P_service_name) : "smtp";
	static struct anvil_file f;
	unsigned char addr[INET_ADDR_LEN];
	long long now = (long long)time(NULL);
	int family, count = 0, rate = 1, i, r = 0, free_slot = -1;
	uint32_t key = hash(svc);
	size_t wlen;
	char *path;

	if (s->local || (climit == 0 && rlimit == 0))
		return 0;
	memset(addr, 0, sizeof(addr));
	if (inet_addr_parse(s->addr, &family, addr) < 0 || exempt(s))
		return 0;
	path = xasprintf("%s/%s", conf_str(P_data_directory), ANVIL_FILE);
	if (open_file(path) < 0 || load(&f, CONN_PART, path, &wlen) < 0) {
		warn("%s: %s: connection count and rate limits are not "
		    "enforced", path, strerror(errno));
		give_up();
		free(path);
		return 0;
	}
	for (i = 0; i < ANVIL_NCONN; i++) {
		/*
		 * a slot of this process is an earlier session's that could
		 * not be cleared (the file failed since): it serves one
		 * client at a time
		 */
		if (f.conn[i].pid != 0 && (!alive(f.conn[i].pid) ||
		    f.conn[i].pid == (int32_t)getpid()))
			f.conn[i].pid = 0;
		if (f.conn[i].pid == 0) {
			if (free_slot < 0)
				free_slot = i;
		} else if (same(&f.conn[i], key, family, addr)) {
			count++;
		}
	}
	rate = count_event(&f, 0, key, family, addr, now, unit);
	if (climit > 0 && count + 1 > climit) {
		warn("Connection concurrency limit exceeded: %d from %s for "
		    "service %s", count + 1, s->namaddr, svc);
		r = -1;
	} else if (rlimit > 0 && rate > rlimit) {
		warn("Connection rate limit exceeded: %d from %s for "
		    "service %s", rate, s->namaddr, svc);
		r = -1;
	} else if (free_slot >= 0) {
		fill(&f.conn[free_slot], getpid(), key, family, addr, now);
		anvil_slot = free_slot;
	}
	save(&f, wlen, path);
	free(path);
	if (r < 0)
		smtpd_reply(s, "421 4.7.0 %s Error: too many connections "
		    "from %s", conf_str(P_myhostname), s->addr);
	return r;
}

static const struct {
	int		param;
	const char	*what;		/* the warning */
	const char	*reply;		/* "too ... from ADDR" */
} events[ANVIL_NKIND] = {
	{ 0, NULL, NULL },		/* connections: smtpd_anvil_connect */
	{ P_smtpd_client_message_rate_limit,
	    "Message delivery request", "too much mail" },
	{ P_smtpd_client_recipient_rate_limit,
	    "Recipient address", "too many recipients" },
	{ P_smtpd_client_auth_rate_limit,
	    "AUTH command", "too many AUTH commands" },
};

/*
 * smtpd_anvil_event - count a MAIL, RCPT or AUTH command (SMTPD_ANVIL_*)
 * of this client; 0 go on, -1 when its rate limit is exceeded (the 450
 * reply and the warning are done)
 */
int
smtpd_anvil_event(struct smtpd_sess *s, int kind)
{
	long long limit, unit = conf_time(P_anvil_rate_time_unit);
	const char *svc = *conf_str(P_service_name) ?
	    conf_str(P_service_name) : "smtp";
	static struct anvil_file f;
	unsigned char addr[INET_ADDR_LEN];
	int family, rate;
	size_t off, len;
	ssize_t n;
	char *path;

	if (kind < 1 || kind >= ANVIL_NKIND)
		return 0;
	limit = conf_int(events[kind].param);
	if (s->local || limit == 0 || anvil_failed)
		return 0;
	memset(addr, 0, sizeof(addr));
	if (inet_addr_parse(s->addr, &family, addr) < 0 || exempt(s))
		return 0;
	path = xasprintf("%s/%s", conf_str(P_data_directory), ANVIL_FILE);
	if (open_file(path) < 0 || load(&f, sizeof(f.head), path, &len) < 0) {
		warn("%s: %s: client rate limits are not enforced", path,
		    strerror(errno));
		give_up();
		free(path);
		return 0;
	}
	off = RING_AT(kind);
	if (len == sizeof(f.head)) {
		/* the head was good: read this kind's ring only */
		n = pread(anvil_fd, f.rate[kind], sizeof(f.rate[kind]),
		    (off_t)off);
		if (n != (ssize_t)sizeof(f.rate[kind]))
			memset(f.rate[kind], 0, sizeof(f.rate[kind]));
	}
	rate = count_event(&f, kind, hash(svc), family, addr,
	    (long long)time(NULL), unit);
	if (len == sizeof(f.head)) {
		if (pwrite(anvil_fd, &f.head, sizeof(f.head), 0) !=
		    (ssize_t)sizeof(f.head) || pwrite(anvil_fd, f.rate[kind],
		    sizeof(f.rate[kind]), (off_t)off) !=
		    (ssize_t)sizeof(f.rate[kind]))
			warn("%s: write: %s", path, strerror(errno));
		lock(anvil_fd, F_UNLCK);
	} else {
		save(&f, len, path);
	}
	free(path);
	if (rate <= limit)
		return 0;
	warn("%s rate limit exceeded: %d from %s for service %s",
	    events[kind].what, rate, s->namaddr, svc);
	smtpd_reply(s, "450 4.7.1 Error: %s from %s", events[kind].reply,
	    s->addr);
	return -1;
}

/*
 * smtpd_anvil_disconnect - forget this process's session; the next
 * session of the process starts afresh (the file is opened again, a
 * failure warned about again)
 */
void
smtpd_anvil_disconnect(struct smtpd_sess *s)
{
	struct anvil_slot slot;
	off_t off;

	s->anvil_exempt = 0;
	anvil_failed = 0;
	if (anvil_fd < 0) {
		anvil_slot = -1;
		return;
	}
	if (anvil_slot >= 0 && lock(anvil_fd, F_WRLCK) == 0) {
		off = (off_t)offsetof(struct anvil_file, conn) +
		    (off_t)anvil_slot * (off_t)sizeof(slot);
		if (pread(anvil_fd, &slot, sizeof(slot), off) ==
		    (ssize_t)sizeof(slot) && slot.pid == (int32_t)getpid()) {
			memset(&slot, 0, sizeof(slot));
			if (pwrite(anvil_fd, &slot, sizeof(slot), off) < 0)
				(void)0;
		}
		lock(anvil_fd, F_UNLCK);
	}
	close(anvil_fd);
	anvil_fd = -1;
	anvil_slot = -1;
}
