/* MIT licence: see LICENSE. */
/*
 * smtp/relay.h - sendmail without a queue: the message goes straight to
 * the relay (sendmail_relay, else relayhost) with the SMTP client, and
 * sendmail succeeds only when the relay took it (DESIGN.md, law 6).
 * sendmail and `sendmail -bs` (smtpd -S), run as their user, choose it:
 * submit_open_sink(smtp_relay_id, smtp_relay_send) (lib/queue/submit.h).
 * Man pages: sendmail(1), smtp(8).
 */
#ifndef MTA_SMTP_RELAY_H
#define MTA_SMTP_RELAY_H

#include <stddef.h>
#include <sys/time.h>

#include "../str.h"

const char *smtp_relay_host(void);
int	smtp_relay_wanted(void);
void	smtp_relay_id(char *, size_t, struct timeval *);
int	smtp_relay_send(const char *, const struct timeval *, const char *,
	    size_t, struct str *);

#endif
