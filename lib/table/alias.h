/* MIT licence: see LICENSE. */
/*
 * alias.h - aliases(5) text: the parser postalias and newaliases build
 * tables from, and the splitter the local delivery agent expands a stored
 * value with.  Man page: aliases(5).
 */
#ifndef MTA_ALIAS_H
#define MTA_ALIAS_H

#include <stdio.h>

#include "../str.h"

/* one name: value pair; name folded to lower case, value re-quoted */
typedef int (*alias_fn)(void *, const char *, const char *, int);

int	alias_parse(FILE *, const char *, int, alias_fn, void *);
int	alias_line(const char *, struct str *, struct str *);
int	alias_build(const char *, int, int);
char	**alias_split(const char *, size_t *);
void	alias_list_free(char **);
int	alias_kind(const char *);

/* alias_parse() and alias_build() flags */
#define ALIAS_NOFOLD	1	/* keep the case of names (postalias -f) */
#define ALIAS_NOPERM	2	/* new table mode 0644 (postalias -p) */
#define ALIAS_KEEPPRIV	4	/* root stays root (postalias -o) */

/* alias_line() results */
#define ALIAS_OK	0
#define ALIAS_NOPAIR	1	/* "need name:value pair" */
#define ALIAS_NOTLOCAL	2	/* "name must be local" */

/* alias_kind() results: what a destination from alias_split() is */
#define ALIAS_K_ADDR	0	/* a mail address */
#define ALIAS_K_PIPE	1	/* |command */
#define ALIAS_K_FILE	2	/* /file/name */
#define ALIAS_K_INCLUDE	3	/* :include:/file/name */

#endif
