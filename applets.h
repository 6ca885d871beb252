/* MIT licence: see LICENSE. */
/*
 * applets.h - the one list of applets.
 *
 * APPLET(name, entry, summary): entry is NAME_main, or NONE for a program
 * of the design that is not built yet (it says so and exits 69).  Keep the
 * list sorted; mta.c includes it for the prototypes and for the table.
 */
APPLET(cleanup, cleanup_main, "canonicalize and enqueue a message")
APPLET(lmtp, NONE, "LMTP delivery agent")
APPLET(local, NONE, "local mail delivery")
APPLET(mailq, sendmail_main, "list the mail queue")
APPLET(master, master_main, "supervisor of the mail system processes")
APPLET(newaliases, newaliases_main, "rebuild the alias database")
APPLET(pickup, pickup_main, "pick up mail from the maildrop directory")
APPLET(postalias, postalias_main, "alias database maintenance")
APPLET(postcat, NONE, "show the contents of queue files")
APPLET(postconf, postconf_main, "main.cf configuration utility")
APPLET(postdrop, postdrop_main, "write a message into the maildrop directory")
APPLET(postfix, postfix_main, "control the mail system")
APPLET(postmap, postmap_main, "lookup table maintenance")
APPLET(postqueue, NONE, "queue control")
APPLET(postsuper, NONE, "queue maintenance")
APPLET(qmgr, NONE, "queue manager")
APPLET(sendmail, sendmail_main, "sendmail-compatible mail posting interface")
APPLET(smtp, NONE, "SMTP delivery agent")
APPLET(smtpd, smtpd_main, "SMTP server")
