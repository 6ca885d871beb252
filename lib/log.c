/* MIT licence: see LICENSE. */
/*
 * log.c - messages to stderr, syslog or maillog_file.
 *
 * Used by every applet, whatever its privileges.  Lines have Postfix's
 * shapes: "postmap: warning: text" on stderr, "mta/postmap[PID]: warning:
 * text" in the system log, and the syslog line shape in maillog_file
 * ("/dev/stdout" works for containers).  die() appends strerror(errno)
 * when its format ends in ':', as suckless tools do.  Exit statuses:
 * die() 1 like Postfix's msg_fatal(), die_status() the caller's sysexits
 * code, bug() aborts.  Man page: mta.conf(5) (maillog_file, syslog_name).
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "log.h"

const char *log_applet = "mta";
static int log_where = LOG_TO_STDERR;
static char log_tag[128] = "mta";
static int log_fd = -1;
static int log_nwarn;

/* log_init - name the program; messages go to stderr until log_setup() */
void
log_init(const char *applet)
{
	log_applet = applet;
	snprintf(log_tag, sizeof(log_tag), "mta/%s", applet);
}

/*
 * log_open - open maillog_file to append to it, as root too.  A name in
 * a directory that only root may change (root's, not writable by group
 * or others) is opened as it is, so /dev/stdout and root's links work;
 * in any other directory its owner could put a link to a file of
 * root's there, so a link is not followed and a regular file must have
 * no other name.  Returns the descriptor, or -1 with errno.
 */
int
log_open(const char *path)
{
	struct stat st;
	char *dir, *slash;
	int fd, flags = O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC |
	    O_NOCTTY;

	if ((dir = strdup(strchr(path, '/') ? path : "./")) == NULL)
		return -1;
	slash = strrchr(dir, '/');
	if (slash == dir)
		slash[1] = 0;
	else
		*slash = 0;
	if (lstat(dir, &st) < 0 || !S_ISDIR(st.st_mode) || st.st_uid != 0 ||
	    (st.st_mode & 022))
		flags |= O_NOFOLLOW;
	free(dir);
	if ((fd = open(path, flags, 0644)) < 0)
		return -1;
	if ((flags & O_NOFOLLOW) && (fstat(fd, &st) < 0 ||
	    (S_ISREG(st.st_mode) && st.st_nlink != 1))) {
		close(fd);
		errno = EPERM;
		return -1;
	}
	return fd;
}

/*
 * log_setup - choose where messages go, once the configuration is read.
 * syslog_name becomes the tag prefix ("mta" -> "mta/smtpd"); a non-empty
 * maillog_file replaces syslog.
 */
void
log_setup(int where, const char *syslog_name, const char *maillog_file)
{
	if (syslog_name && *syslog_name)
		snprintf(log_tag, sizeof(log_tag), "%s/%s", syslog_name,
		    log_applet);
	if (log_fd >= 0 && log_fd != 1 && log_fd != 2)
		close(log_fd);
	log_fd = -1;
	if ((where & LOG_TO_SYSLOG) && maillog_file && *maillog_file) {
		if (strcmp(maillog_file, "/dev/stdout") == 0)
			log_fd = 1;
		else if (strcmp(maillog_file, "/dev/stderr") == 0)
			log_fd = 2;
		else
			log_fd = log_open(maillog_file);
	} else if (where & LOG_TO_SYSLOG) {
		openlog(log_tag, LOG_PID | LOG_NDELAY, LOG_MAIL);
	}
	log_where = where;
}

/* log_warnings - how many warnings and errors were logged so far */
int
log_warnings(void)
{
	return log_nwarn;
}

static void
emit(int pri, const char *level, const char *fmt, va_list ap, int err)
{
	static char host[256];
	char msg[2048], line[2300], stamp[64];
	size_t n;
	time_t now;
	struct tm tm;

	vsnprintf(msg, sizeof(msg), fmt, ap);
	/* as Postfix: control characters from input never reach a log */
	for (n = 0; msg[n]; n++)
		if ((unsigned char)msg[n] < 0x20 || msg[n] == 0x7f)
			msg[n] = '?';
	if (err >= 0 && n > 0 && msg[n - 1] == ':')
		snprintf(msg + n, sizeof(msg) - n, " %s", strerror(err));
	if ((log_where & LOG_TO_STDERR) && !(err == -2 &&
	    (log_where & LOG_TO_SYSLOG))) {
		n = (size_t)snprintf(line, sizeof(line), "%s: %s%s\n",
		    log_applet, level, msg);
		if (n >= sizeof(line))
			n = sizeof(line) - 1;
		if (write(2, line, n) < 0)
			(void)0;
	}
	if (!(log_where & LOG_TO_SYSLOG))
		return;
	if (log_fd < 0) {
		syslog(pri, "%s%s", level, msg);
		return;
	}
	now = time(NULL);
	localtime_r(&now, &tm);
	strftime(stamp, sizeof(stamp), "%b %e %H:%M:%S", &tm);
	/* once per process: a long-lived one logs lines by the thousand */
	if (host[0] == 0) {
		if (gethostname(host, sizeof(host)) != 0)
			snprintf(host, sizeof(host), "localhost");
		host[sizeof(host) - 1] = 0;
		if (strchr(host, '.'))
			*strchr(host, '.') = 0;
	}
	n = (size_t)snprintf(line, sizeof(line), "%s %s %s[%ld]: %s%s\n",
	    stamp, host, log_tag, (long)getpid(), level, msg);
	if (n >= sizeof(line))
		n = sizeof(line) - 1;
	if (write(log_fd, line, n) < 0)
		(void)0;
}

/* info - an informational message */
void
info(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	emit(LOG_INFO, "", fmt, ap, -1);
	va_end(ap);
}

/*
 * info_log - an informational line for the mail log only: a command such
 * as sendmail does not print it on stderr (cron mails whatever a job
 * prints), unless stderr is where the mail log goes.
 */
void
info_log(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	emit(LOG_INFO, "", fmt, ap, -2);
	va_end(ap);
}

/* warn - a warning; the program goes on */
void
warn(const char *fmt, ...)
{
	va_list ap;

	log_nwarn++;
	va_start(ap, fmt);
	emit(LOG_WARNING, "warning: ", fmt, ap, -1);
	va_end(ap);
}

/* error - an error; the caller decides whether to go on */
void
error(const char *fmt, ...)
{
	va_list ap;

	log_nwarn++;
	va_start(ap, fmt);
	emit(LOG_ERR, "error: ", fmt, ap, -1);
	va_end(ap);
}

/* die_status - a fatal error with the caller's exit status */
void
die_status(int status, const char *fmt, ...)
{
	va_list ap;
	int err = errno;

	va_start(ap, fmt);
	emit(LOG_CRIT, "fatal: ", fmt, ap, err);
	va_end(ap);
	exit(status);
}

/* die - a fatal error in setup or out of memory; exit status 1 */
void
die(const char *fmt, ...)
{
	va_list ap;
	int err = errno;

	va_start(ap, fmt);
	emit(LOG_CRIT, "fatal: ", fmt, ap, err);
	va_end(ap);
	exit(1);
}

/* bug - an impossible state: log it and abort for a core file */
void
bug(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	emit(LOG_CRIT, "panic: ", fmt, ap, -1);
	va_end(ap);
	abort();
}
