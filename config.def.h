/* MIT licence: see LICENSE. */
/*
 * config.def.h - every compiled-in default of mta.  Copied to config.h on
 * the first build; edit config.h (or pass make CPPFLAGS=-DNAME=value) to
 * change a default.  Man page: mta.conf(5), generated from section 2.
 */

/*
 * Section 1: compile-time constants.  Each can be overridden from make,
 * e.g. make CPPFLAGS='-DCONFIG_DIR=\"/opt/mta/etc\"'.
 */
#ifndef MTA_CONFIG_CONSTANTS
#define MTA_CONFIG_CONSTANTS

#ifndef MTA_VERSION
#define MTA_VERSION		"0.1"
#endif
#ifndef CONFIG_DIR		/* where main.cf and master.cf live */
#define CONFIG_DIR		"/etc/mta"
#endif
#ifndef QUEUE_DIR		/* the queue and the private sockets */
#define QUEUE_DIR		"/var/spool/mta"
#endif
#ifndef DATA_DIR		/* writable data: pid and lock files */
#define DATA_DIR		"/var/lib/mta"
#endif
#ifndef COMMAND_DIR		/* where the applet links are installed */
#define COMMAND_DIR		"/usr/sbin"
#endif
#ifndef DAEMON_DIR		/* the binary that master re-executes */
#define DAEMON_DIR		"/usr/libexec/mta"
#endif
#ifndef SENDMAIL_PATH
#define SENDMAIL_PATH		"/usr/sbin/sendmail"
#endif
#ifndef NEWALIASES_PATH
#define NEWALIASES_PATH		"/usr/bin/newaliases"
#endif
#ifndef MAILQ_PATH
#define MAILQ_PATH		"/usr/bin/mailq"
#endif
#ifndef MANPAGE_DIR
#define MANPAGE_DIR		"/usr/share/man"
#endif
#ifndef MAIL_OWNER		/* the unprivileged account of the daemons */
#define MAIL_OWNER		"postfix"
#endif
#ifndef SETGID_GROUP		/* kept for configuration compatibility */
#define SETGID_GROUP		"postdrop"
#endif
#ifndef ALIAS_FILE		/* default alias_maps and alias_database */
#define ALIAS_FILE		"/etc/aliases"
#endif
#ifndef DEFAULT_TABLE_TYPE	/* what hash: means in this build */
#define DEFAULT_TABLE_TYPE	"cdb"
#endif
#ifndef CONF_LINE_MAX		/* longest main.cf or table line */
#define CONF_LINE_MAX		(1024 * 1024)
#endif
#ifndef CONF_EXPAND_DEPTH	/* $name recursion limit, as Postfix */
#define CONF_EXPAND_DEPTH	100
#endif

#endif /* MTA_CONFIG_CONSTANTS */

/*
 * Section 2: runtime parameters, one row each, named as in Postfix:
 *
 *	PARAM(name, type, default, min, max, "one-line doc")
 *
 * Types: STR (with $name expansion), RAW (no expansion), INT (whole
 * number in [min, max]), BOOL (yes/no), TIME (a number with an optional
 * s/m/h/d/w unit; a bare number takes the unit of the default; min and
 * max in seconds).  A NULL default is computed at run time (myhostname,
 * mydomain, mynetworks, ...) as Postfix does; conf.c says how.
 * Rows are sorted by name; postconf prints them in this order.
 */
#ifdef PARAM
PARAM(alias_database, STR, "hash:" ALIAS_FILE, 0, 0,
    "The alias databases that newaliases and sendmail -bi rebuild.")
PARAM(alias_maps, STR, "hash:" ALIAS_FILE, 0, 0,
    "The alias tables that local delivery searches.")
PARAM(config_directory, STR, CONFIG_DIR, 0, 0,
    "Where main.cf and master.cf are read from.")
PARAM(default_database_type, STR, DEFAULT_TABLE_TYPE, 0, 0,
    "The table type of a table named without one (postmap FILE).")
PARAM(mail_version, STR, MTA_VERSION, 0, 0,
    "The version of mta (read-only).")
PARAM(maillog_file, STR, "", 0, 0,
    "A file (or /dev/stdout) that replaces syslog for the mail log.")
PARAM(maximal_queue_lifetime, TIME, "5d", 0, 8640000,
    "How long a message may stay queued before it bounces.")
PARAM(message_size_limit, INT, "10240000", 0, 9223372036854775807LL,
    "The largest message accepted, in bytes (0: no limit).")
PARAM(mydomain, STR, NULL, 0, 0,
    "The internet domain of this system (default: $myhostname less its "
    "first label).")
PARAM(myhostname, STR, NULL, 0, 0,
    "The fully qualified host name of this system (default: from "
    "gethostname()).")
PARAM(myorigin, STR, "$myhostname", 0, 0,
    "The domain appended to locally posted unqualified addresses.")
PARAM(parent_domain_matches_subdomains, STR, "debug_peer_list, "
    "fast_flush_domains, mynetworks, permit_mx_backup_networks, "
    "qmqpd_authorized_clients, relay_domains, smtpd_access_maps", 0, 0,
    "The lists where a domain name also matches its subdomains.")
PARAM(queue_directory, STR, QUEUE_DIR, 0, 0,
    "The top of the mail queue.")
PARAM(recipient_delimiter, STR, "", 0, 0,
    "The characters that separate a user name from an extension (user+ext).")
PARAM(smtpd_banner, STR, "$myhostname ESMTP $mail_name", 0, 0,
    "The text after 220 in the SMTP greeting.")
PARAM(syslog_name, STR, "mta", 0, 0,
    "The prefix of the program name in log lines (mta/smtpd[PID]).")
#endif /* PARAM */
