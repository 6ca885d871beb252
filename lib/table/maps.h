/* MIT licence: see LICENSE. */
/*
 * maps.h - a list of tables searched in order (Postfix's maps), and the
 * search orders built on it: access(5) for smtpd's check_*_access, and
 * virtual(5)/canonical(5) for address rewriting.  Man page: access(5).
 */
#ifndef MTA_MAPS_H
#define MTA_MAPS_H

#include "../str.h"
#include "dict.h"

struct maps_tab {
	char		*spec;		/* "type:name" as configured */
	struct dict	*dict;		/* NULL when it could not be opened */
	char		*why;		/* ... and why */
};

struct maps {
	char		*title;		/* parameter name, for messages */
	struct maps_tab	*tab;
	size_t		n;
	int		error;		/* the last search failed */
	struct str	err;		/* ... and why: for logs, not replies */
	struct str	val;		/* the value found (until the next) */
	struct maps_tab	*hit;		/* ... and the table that had it */
	struct str	key;		/* scratch */
};

/* maps_find() and search flags */
#define MAPS_FULL	0		/* a whole key: every table */
#define MAPS_PARTIAL	DICT_FIXED	/* a partial key: no regexp/cidr */
#define MAPS_PARENT	0x10000		/* domain.tld matches subdomains */

/* "is this domain one of mine?": 1 yes, 0 no, -1 cannot tell now */
typedef int (*maps_local_fn)(const char *, void *);

struct maps *maps_open(const char *, const char *, int);
int	maps_find(struct maps *, const char *, int, const char **);
void	maps_close(struct maps *);

int	maps_access_mail(struct maps *, const char *, const char *,
	    const char *, int, const char **);
int	maps_access_domain(struct maps *, const char *, int, const char **);
int	maps_access_ip(struct maps *, const char *, int, const char **);
int	maps_access_host(struct maps *, const char *, const char *, int,
	    const char **);

int	maps_addr_find(struct maps *, const char *, const char *,
	    maps_local_fn, void *, const char **, struct str *);
char	**maps_addr_map(struct maps *, const char *, const char *,
	    maps_local_fn, void *, int, int *);

int	maps_strip_addr(const char *, const char *, struct str *,
	    struct str *);

#endif
