/* MIT licence: see LICENSE. */
/*
 * sasl.h - the SASL server back ends of smtpd(8): given a user name and
 * a password (PLAIN and LOGIN carry both in the clear), say whether they
 * match.  smtpd_sasl_type selects one: "mta" (built in, lib/sasl_mta.c:
 * smtpd_sasl_password_maps holds crypt(3) hashes, lib/sasl_crypt.c
 * computes them).  Man page: smtpd(8).
 */
#ifndef MTA_SASL_H
#define MTA_SASL_H

#include "str.h"

/* sasl_mta_check() results */
#define SASL_OK		0	/* the password is right */
#define SASL_FAIL	1	/* wrong user or password: 535 */
#define SASL_TEMP	2	/* cannot tell now (table error): 454 */

int	sasl_mta_open(void);
int	sasl_mta_check(const char *, const char *, struct str *);
int	sasl_crypt(const char *, const char *, struct str *);
int	sasl_yescrypt(const char *, const char *, struct str *);

#endif
