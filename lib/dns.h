/* MIT licence: see LICENSE. */
/*
 * dns.h - the few DNS questions of smtpd's restrictions and the smtp
 * client (A, AAAA, MX, TXT, PTR) through the C library resolver
 * (res_query), with Postfix's outcomes and Postfix's checks of the host
 * names in the answers.  Runs inside smtpd and smtp, unprivileged.  Man
 * pages: access(5), smtp(8).
 */
#ifndef MTA_DNS_H
#define MTA_DNS_H

#include "str.h"

#define DNS_OK		0	/* records found */
#define DNS_NOTFOUND	1	/* NXDOMAIN, or the name has no such records */
#define DNS_RETRY	2	/* no definite answer now (SERVFAIL, timeout) */
#define DNS_INVAL	3	/* only malformed names in the answer */

/* RR types (<arpa/nameser.h> values) */
#define DNS_T_A		1
#define DNS_T_MX	15
#define DNS_T_TXT	16
#define DNS_T_AAAA	28
#define DNS_T_PTR	12

/* dns_lookup() flags */
#define DNS_F_MXPREF	1	/* MX records as "PREF HOST" */

int	dns_query(const char *, int, struct str *);
int	dns_lookup(const char *, int, int, struct str *, int *);
int	dns_mailhost(const char *);
int	dns_valid_hostname(const char *, struct str *);
int	dns_valid_hostaddr(const char *);
const char *dns_strstatus(int);

/* tests: answer instead of the resolver (NULL: the resolver) */
extern int (*dns_query_hook)(const char *, int, struct str *);

#endif
