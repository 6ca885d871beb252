/* MIT licence: see LICENSE. */
/*
 * match.h - Postfix's match lists: mydestination, relay_domains,
 * mynetworks, debug_peer_list and every other parameter that holds a
 * list of names, domains or networks.  Man page: mta.conf(5).
 */
#ifndef MTA_MATCH_H
#define MTA_MATCH_H

#include <sys/types.h>

#include "../conf.h"
#include "../str.h"

/* what a list matches (one of) */
#define MATCH_STRING	1	/* exact strings (string_list) */
#define MATCH_DOMAIN	2	/* host or domain names (domain_list) */
#define MATCH_ADDR	3	/* IP addresses, net/mask (addr_match_list) */
#define MATCH_NAMADR	4	/* a host name, then its address */
#define MATCH_TYPE	0x0f

/* how */
#define MATCH_PARENT	0x10	/* domain.tld also matches its subdomains */

struct match_pat;

struct match_list {
	char		*pname;		/* parameter name, for messages */
	int		flags;
	struct match_pat *pat;
	size_t		npat;
	struct str	err;		/* why the last match failed (-1) */
	struct str	fold;		/* scratch */
};

struct match_list *match_init(const char *, int, const char *);
int	match_find(struct match_list *, const char *, const char *);
void	match_free(struct match_list *);
char	*match_next(char **);
int	match_parent_style(const char *, const char *);
int	match_user(enum conf_param, uid_t, int, struct str *);

#endif
