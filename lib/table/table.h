/* MIT licence: see LICENSE. */
/*
 * table.h - the text form of a lookup table ("key whitespace value"), as
 * postmap(1) reads it and as texthash: tables are loaded.
 */
#ifndef MTA_TABLE_H
#define MTA_TABLE_H

#include <stdio.h>

/* table_read() flags */
#define TABLE_FOLD	1	/* fold keys to lower case */
#define TABLE_TEXTHASH	2	/* texthash: wording of the warnings */

/* one entry: return -1 to stop reading */
typedef int (*table_fn)(void *, const char *, const char *, int);

/* table_split() results */
#define TABLE_OK	0
#define TABLE_NOVALUE	1	/* "expected format: key whitespace value" */
#define TABLE_UNBALANCED 2	/* a '"' without its partner */

int	table_split(char *, char **, char **);
int	table_read(FILE *, const char *, int, table_fn, void *);

#endif
