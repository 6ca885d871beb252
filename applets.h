/* MIT licence: see LICENSE. */
/*
 * applets.h - the one list of applets.
 *
 * APPLET(name, entry, summary, synopsis): entry is NAME_main, or NONE for
 * a program of the design that is not built yet (it says so and exits
 * 69).  `NAME --help` prints the synopsis and summary; a NULL synopsis
 * means the program prints its own, fuller usage.
 * Keep the list sorted; mta.c includes it for the prototypes and for the
 * table.
 */
APPLET(cleanup, cleanup_main, "canonicalize and enqueue a message",
    "[-c config_dir] [-o name=value]  (a service run by master)")
APPLET(lmtp, lmtp_main, "LMTP delivery agent",
    "[-c config_dir] [-o name=value]  (a service run by qmgr)")
APPLET(local, local_main, "local mail delivery",
    "[-c config_dir] [-o name=value]  (a service run by qmgr)")
APPLET(mailq, sendmail_main, "list the mail queue",
    NULL)
APPLET(master, master_main, "supervisor of the mail system processes",
    "[-dDistvw] [-c config_dir] [-e exit_time]")
APPLET(newaliases, newaliases_main, "rebuild the alias database",
    NULL)
APPLET(pickup, pickup_main, "pick up mail from the maildrop directory",
    "[-1] [-c config_dir] [-o name=value]  (a service run by master)")
APPLET(postalias, postalias_main, "alias database maintenance",
    NULL)
APPLET(postcat, postcat_main, "show the contents of queue files",
    "[-bdehHoqv] [-c config_dir] [files...]")
APPLET(postconf, postconf_main, "main.cf configuration utility",
    NULL)
APPLET(postdrop, postdrop_main, "write a message into the maildrop directory",
    NULL)
APPLET(postfix, postfix_main, "control the mail system",
    "[-c config_dir] start | start-fg | stop | abort | reload | status | "
    "check | flush | set-permissions")
APPLET(postmap, postmap_main, "lookup table maintenance",
    NULL)
APPLET(postqueue, postqueue_main, "queue control",
    "[-c config_dir] -f | -i queue_id | -j | -p | -s site")
APPLET(postsuper, postsuper_main, "queue maintenance",
    "[-c config_dir] [-d queue_id] [-h queue_id] [-H queue_id] [-r "
    "queue_id] [-s] [queue...]")
APPLET(qmgr, qmgr_main, "queue manager",
    "[-c config_dir] [-o name=value]  (a service run by master)")
APPLET(sendmail, sendmail_main, "sendmail-compatible mail posting interface",
    NULL)
APPLET(showq, showq_main, "list the mail queue (a service)",
    "[-c config_dir] [-o name=value]  (a service run by master)")
APPLET(smtp, smtp_main, "SMTP delivery agent",
    "[-c config_dir] [-o name=value]  (a service run by qmgr)")
APPLET(smtpd, smtpd_main, "SMTP server",
    "[-c config_dir] [-o name=value] [-S]  (a service run by master)")
