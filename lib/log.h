/* MIT licence: see LICENSE. */
/*
 * log.h - the one message layer: stderr, syslog (facility mail) or
 * maillog_file, in Postfix's line shapes.
 */
#ifndef MTA_LOG_H
#define MTA_LOG_H

#include <stdarg.h>

#define LOG_TO_STDERR	1	/* "postmap: warning: ..." on stderr */
#define LOG_TO_SYSLOG	2	/* "mta/postmap[PID]: warning: ..." */

extern const char *log_applet;	/* "postmap", set by log_init() */

void	log_init(const char *);
void	log_setup(int, const char *, const char *);
int	log_warnings(void);
void	info(const char *, ...) __attribute__((format(printf, 1, 2)));
void	info_log(const char *, ...) __attribute__((format(printf, 1, 2)));
void	warn(const char *, ...) __attribute__((format(printf, 1, 2)));
void	error(const char *, ...) __attribute__((format(printf, 1, 2)));
void	die(const char *, ...) __attribute__((format(printf, 1, 2),
	    noreturn));
void	die_status(int, const char *, ...)
	    __attribute__((format(printf, 2, 3), noreturn));
void	bug(const char *, ...) __attribute__((format(printf, 1, 2),
	    noreturn));

#endif
