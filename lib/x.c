/* MIT licence: see LICENSE. */
/*
 * x.c - allocators that die on failure (busybox's xmalloc family).
 *
 * Every process; out of memory is one of the two places where die() is
 * right (the other is setup).
 */
#include <errno.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "log.h"
#include "x.h"

static void *
check(void *p)
{
	if (p == NULL)
		die("out of memory");
	return p;
}

/* xmalloc - malloc or die */
void *
xmalloc(size_t n)
{
	return check(malloc(n ? n : 1));
}

/* xcalloc - calloc or die */
void *
xcalloc(size_t n, size_t size)
{
	return check(calloc(n ? n : 1, size ? size : 1));
}

/* xrealloc - realloc or die */
void *
xrealloc(void *p, size_t n)
{
	return check(realloc(p, n ? n : 1));
}

/* xreallocarray - realloc of n elements, with an overflow check */
void *
xreallocarray(void *p, size_t n, size_t size)
{
	if (size && n > SIZE_MAX / size)
		die("out of memory: %zu elements of %zu bytes", n, size);
	return xrealloc(p, n * size);
}

/* xstrdup - strdup or die */
char *
xstrdup(const char *s)
{
	return check(strdup(s));
}

/* xstrndup - strndup or die */
char *
xstrndup(const char *s, size_t n)
{
	return check(strndup(s, n));
}

/* xasprintf - a newly allocated formatted string */
char *
xasprintf(const char *fmt, ...)
{
	va_list ap;
	int n;
	char *p;

	va_start(ap, fmt);
	n = vsnprintf(NULL, 0, fmt, ap);
	va_end(ap);
	if (n < 0)
		die("xasprintf: bad format");
	p = xmalloc((size_t)n + 1);
	va_start(ap, fmt);
	vsnprintf(p, (size_t)n + 1, fmt, ap);
	va_end(ap);
	return p;
}
