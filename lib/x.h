/* MIT licence: see LICENSE. */
/*
 * x.h - allocators that die on failure.  Only these call malloc.
 */
#ifndef MTA_X_H
#define MTA_X_H

#include <stddef.h>

void	*xmalloc(size_t);
void	*xcalloc(size_t, size_t);
void	*xrealloc(void *, size_t);
void	*xreallocarray(void *, size_t, size_t);
char	*xstrdup(const char *);
char	*xstrndup(const char *, size_t);
char	*xasprintf(const char *, ...) __attribute__((format(printf, 1, 2)));

#endif
