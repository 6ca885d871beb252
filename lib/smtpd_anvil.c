/* MIT licence: see LICENSE. */
/*
 * smtpd_anvil.c - smtpd_client_connection_count_limit and
 * smtpd_client_connection_rate_limit without Postfix's anvil server.
 *
 * Runs in each smtpd process, unprivileged.  The processes of one mail
 * system share one small file, $data_directory/smtpd_anvil, read and
 * written under an fcntl() lock for a few microseconds per connection:
 * a table of live sessions (pid, client address) and a ring of recent
 * connection times.  A session of a process that died without saying
 * goodbye (kill -9) is recognised by its pid and forgotten, so a crash
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

#include "conf.h"
#include "inet.h"
#include "log.h"
#include "match.h"
#include "smtpd_sess.h"
#include "x.h"

#define ANVIL_FILE	"smtpd_anvil"
#define ANVIL_MAGIC	0x6d74616fU	/* the layout version */
#define ANVIL_NCONN	1024		/* live sessions tracked */
#define ANVIL_NRATE	2048		/* connection times remembered */

struct anvil_slot {
	int32_t		pid;		/* 0: free */
	int32_t		family;
	uint32_t	service;	/* hash of service_name */
	unsigned char	addr[INET_ADDR_LEN];
	int64_t		time;
};

struct anvil_file {
	uint32_t	magic;
	uint32_t	next;		/* next rate slot to overwrite */
	struct anvil_slot conn[ANVIL_NCONN];
	struct anvil_slot rate[ANVIL_NRATE];
};

static int anvil_fd = -1;
static int anvil_slot = -1;

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

/* load - the file into f, or a fresh table when it is not one of ours */
static int
load(struct anvil_file *f, const char *path)
{
	ssize_t n;

	n = pread(anvil_fd, f, sizeof(*f), 0);
	if (n < 0)
		return -1;
	if ((size_t)n == sizeof(*f) && f->magic == ANVIL_MAGIC &&
	    f->next < ANVIL_NRATE)
		return 0;
	if (n > 0)
		warn("%s: corrupt or of another version: starting afresh",
		    path);
	memset(f, 0, sizeof(*f));
	f->magic = ANVIL_MAGIC;
	return 0;
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
	struct match_list *ex;
	unsigned char addr[INET_ADDR_LEN];
	long long now = (long long)time(NULL);
	int family, count = 0, rate = 1, i, r = 0, free_slot = -1;
	uint32_t key = hash(svc);
	char *path;

	if (s->local || (climit == 0 && rlimit == 0))
		return 0;
	memset(addr, 0, sizeof(addr));
	if (inet_addr_parse(s->addr, &family, addr) < 0)
		return 0;
	ex = match_init("smtpd_client_event_limit_exceptions", MATCH_NAMADR,
	    conf_str(P_smtpd_client_event_limit_exceptions));
	i = match_find(ex, s->name, s->addr);
	match_free(ex);
	if (i > 0)
		return 0;
	path = xasprintf("%s/%s", conf_str(P_data_directory), ANVIL_FILE);
	anvil_fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW,
	    0600);
	if (anvil_fd < 0 || lock(anvil_fd, F_WRLCK) < 0 ||
	    load(&f, path) < 0) {
		warn("%s: %s: connection count and rate limits are not "
		    "enforced", path, strerror(errno));
		if (anvil_fd >= 0)
			close(anvil_fd);
		anvil_fd = -1;
		free(path);
		return 0;
	}
	for (i = 0; i < ANVIL_NCONN; i++) {
		if (f.conn[i].pid != 0 && !alive(f.conn[i].pid))
			f.conn[i].pid = 0;
		if (f.conn[i].pid == 0) {
			if (free_slot < 0)
				free_slot = i;
		} else if (same(&f.conn[i], key, family, addr)) {
			count++;
		}
	}
	for (i = 0; i < ANVIL_NRATE; i++)
		if (f.rate[i].pid != 0 && f.rate[i].time > now - unit &&
		    same(&f.rate[i], key, family, addr))
			rate++;
	/* every attempt counts toward the rate, as with Postfix's anvil */
	fill(&f.rate[f.next], 1, key, family, addr, now);
	f.next = (f.next + 1) % ANVIL_NRATE;
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
	if (pwrite(anvil_fd, &f, sizeof(f), 0) != (ssize_t)sizeof(f))
		warn("%s: write: %s", path, strerror(errno));
	lock(anvil_fd, F_UNLCK);
	free(path);
	if (r < 0)
		smtpd_reply(s, "421 4.7.0 %s Error: too many connections "
		    "from %s", conf_str(P_myhostname), s->addr);
	return r;
}

/* smtpd_anvil_disconnect - forget this process's session */
void
smtpd_anvil_disconnect(void)
{
	struct anvil_slot slot;
	off_t off;

	if (anvil_fd < 0)
		return;
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
