/* MIT licence: see LICENSE. */
/*
 * b64.h - base64 (RFC 4648) for SMTP AUTH and PEM: the server's decoding
 * of the client's answers (applets/smtpd/sasl_mta.c), the client's
 * encoding of its own and decoding of the server's challenges
 * (lib/smtp/client_auth.c), and the PEM files of lib/tls_conf.c.
 */
#ifndef MTA_B64_H
#define MTA_B64_H

#include <stddef.h>

#include "str.h"

void	b64_encode(const void *, size_t, struct str *);
int	b64_decode(const char *, size_t, struct str *);

#endif
