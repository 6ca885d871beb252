/* MIT licence: see LICENSE. */
/*
 * smtp/tlspol.h - the smtp client's TLS policy for one next hop:
 * smtp_tls_security_level, smtp_tls_policy_maps (with parent domains),
 * the certificate match lists.  See tlspol.c.
 */
#ifndef MTA_SMTP_TLSPOL_H
#define MTA_SMTP_TLSPOL_H

#define TLS_NONE	0
#define TLS_MAY		1
#define TLS_ENCRYPT	2
#define TLS_VERIFY	3
#define TLS_SECURE	4

struct smtp_tls_pol {
	int	level;		/* TLS_* */
	char	**match;	/* verify, secure: the match list, NULL ends */
	char	*protocols;	/* protocols=, ciphers=, exclude=, */
	char	*ciphers;	/* servername= of the policy entry, */
	char	*exclude;	/* or NULL */
	char	*servername;
};

int	smtp_tls_pol_find(struct smtp_tls_pol *, const char *, int);
char	**smtp_tls_pol_names(const struct smtp_tls_pol *, const char *,
	    const char *);
void	smtp_tls_pol_free(struct smtp_tls_pol *);
void	smtp_tls_names_free(char **);
char	*smtp_tls_nexthop_name(const char *);

#endif
