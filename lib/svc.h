/* MIT licence: see LICENSE. */
/*
 * svc.h - the service table (master.cf) as mta reads it, the compiled
 * default table (svc.c), the listeners and unix services (svc_run.c),
 * and triggers: the short requests that master, postqueue, sendmail,
 * smtpd's ETRN and `postfix flush` send to pickup and qmgr (svc_trig.c).
 * Man pages: master(5), master(8).
 */
#ifndef MTA_SVC_H
#define MTA_SVC_H

#include <stdint.h>
#include <sys/types.h>
#include <time.h>

#include "str.h"

#define SVC_BACKLOG	100	/* listen() queue, Postfix's inet default */

/* column 2 */
#define SVC_INET	1
#define SVC_UNIX	2
#define SVC_FIFO	3

/* trigger requests, as Postfix's qmgr and pickup know them */
#define SVC_TRIG_WAKEUP		'W'	/* look for work */
#define SVC_TRIG_INCOMING	'I'	/* scan incoming */
#define SVC_TRIG_DEFERRED	'D'	/* scan deferred */
#define SVC_TRIG_ALL		'A'	/* scan every queue */
#define SVC_TRIG_FLUSH_DEAD	'F'	/* forget unreachable destinations */

struct svc {
	char	*name;		/* column 1 as written */
	char	*host;		/* inet: the host of host:port, or NULL */
	char	*port;		/* inet: the port or service name */
	int	type;		/* SVC_* */
	int	private;	/* column 3: under private/ (1) or public/ */
	int	unpriv;		/* column 4 */
	int	chroot;		/* column 5: read, not used by mta */
	int	wakeup;		/* column 6: seconds, 0 for none */
	int	maxproc;	/* column 7: -1 for default_process_limit */
	char	*command;	/* column 8: the program */
	char	**argv;		/* the program's arguments after its name;
				 * -o name=value as two words; NULL-ended */
	int	argc;
	int	line;		/* where it starts in its file */
};

struct svc_table {
	struct svc *v;
	size_t	n;
	char	*path;		/* the file, or "(default master.cf)" */
};

/* svc_load() flags */
#define SVC_KEEP_ALL	1	/* keep services mta does not provide */

int	svc_parse(const char *, struct svc *, struct str *);
int	svc_load(const char *, struct svc_table *, int);
void	svc_defaults(struct svc_table *);
void	svc_free(struct svc *);
void	svc_table_free(struct svc_table *);
int	svc_provided(const char *);
int	svc_is_daemon(const struct svc *);
const char *svc_type_name(int);
char	*svc_path(const char *, const struct svc *);
char	*svc_locate(const char *, const char *);
int	svc_connect(const char *, const char *, struct str *);
int	svc_spawn(const char *, pid_t *, struct str *);
int	svc_trigger(const char *, const char *, const char *);
int	svc_trigger_path(const char *, const char *);
int	svc_trigger_read(int, char *, size_t, int);
int	svc_trigger_accept(int, uid_t *);
int	svc_peer_uid(int, uid_t *);

/* trigger clients that connected and have not written yet (svc_trig.c) */
#define SVC_TRIG_CONNS	8	/* at most this many wait */
#define SVC_TRIG_WAIT	2	/* seconds each may take to write */

struct svc_trig {
	struct {
		int	fd;
		uid_t	uid;
		time_t	until;
	}	c[SVC_TRIG_CONNS];
	size_t	n;
};

struct pollfd;
typedef void (*svc_trig_fn)(void *, const char *, int, uid_t);

void	svc_trig_accept(struct svc_trig *, int, svc_trig_fn, void *);
size_t	svc_trig_pollfds(const struct svc_trig *, struct pollfd *);
void	svc_trig_ready(struct svc_trig *, int, svc_trig_fn, void *);
void	svc_trig_expire(struct svc_trig *);
void	svc_exec_self(const char *, char **, char **);
long	svc_master_pid(const char *);
int	svc_lock(const char *);
char	**svc_env(const char *);
void	svc_env_free(char **);
char	*svc_key(const struct svc *, const char *);
int	svc_listen(const struct svc *, const char *, uid_t, gid_t, int **,
	    size_t *);

extern const char svc_default_text[];

/*
 * long-lived service processes (svc_serve.c): master hands a service
 * process its status pipe and its listeners at these descriptors, and
 * their count in the environment variable SVC_SERVE_ENV
 */
#define SVC_STATUS_FD	3
#define SVC_LISTEN_FD	4
#define SVC_LISTEN_MAX	64
#define SVC_SERVE_ENV	"MTA_SERVE"

/* one message on the status pipe: process pid is free (1) or busy (0) */
struct svc_status {
	int32_t	pid;
	int32_t	avail;
};

/*
 * svc_serve - run fn(ctx) for each client, with the client on fd 0 and
 * fd 1.  Under master: client after client, until max_use clients,
 * max_idle seconds idle, SIGHUP (reload) or master's end; else once.
 * fn returns 0 to go on with the next client, anything else to end the
 * process with that status.  Returns the status to exit with.
 */
int	svc_serve(int (*)(void *), void *);
/*
 * svc_serve_timer - while waiting for a client, call fn(ctx) at the
 * svc_serve_now() time at (one timer; fn NULL cancels): the SMTP
 * client's connection cache closes its idle connections with it
 */
void	svc_serve_timer(long long, void (*)(void *), void *);
long long svc_serve_now(void);
/*
 * svc_serve_free - tell master now that this process is free for its
 * next client, before its last words to this one (a delivery agent's
 * answer, after which qmgr at once sends the next request): else master
 * may start another process for a client this one is about to take
 */
void	svc_serve_free(void);
/*
 * svc_serve_stale - set by the tables once one is open: the name of one
 * whose file changed since, or NULL.  svc_serve() ends the process
 * before it takes a client then, so that the next one reads the file.
 */
extern const char *(*svc_serve_stale)(void);

#endif
