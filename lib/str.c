/* MIT licence: see LICENSE. */
/*
 * str.c - binary-safe growable strings (Postfix's VSTRING, smaller).
 *
 * Every process.  A struct str owns its buffer; str_free() releases it.
 * Lengths are checked against overflow; memory comes from x.c.
 */
#include <ctype.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "log.h"
#include "str.h"
#include "x.h"

/* str_init - an empty string with a buffer */
void
str_init(struct str *sp)
{
	sp->cap = 32;
	sp->s = xmalloc(sp->cap);
	sp->s[0] = 0;
	sp->len = 0;
}

/* str_free - release the buffer; the string may be str_init()ed again */
void
str_free(struct str *sp)
{
	free(sp->s);
	sp->s = NULL;
	sp->len = sp->cap = 0;
}

/* str_reset - make the string empty, keeping the buffer */
void
str_reset(struct str *sp)
{
	if (sp->s == NULL)
		str_init(sp);
	sp->len = 0;
	sp->s[0] = 0;
}

/* str_grow - make room for n more bytes plus the NUL */
void
str_grow(struct str *sp, size_t n)
{
	size_t need;

	if (sp->s == NULL)
		str_init(sp);
	if (n > SIZE_MAX / 2 - sp->len)
		die("string too long");
	need = sp->len + n + 1;
	if (need <= sp->cap)
		return;
	while (sp->cap < need)
		sp->cap *= 2;
	sp->s = xrealloc(sp->s, sp->cap);
}

/* str_trunc - cut the string to n bytes (no-op when shorter) */
void
str_trunc(struct str *sp, size_t n)
{
	if (sp->s == NULL)
		str_init(sp);
	if (n < sp->len) {
		sp->len = n;
		sp->s[n] = 0;
	}
}

/* str_addc - append one byte */
void
str_addc(struct str *sp, int c)
{
	str_grow(sp, 1);
	sp->s[sp->len++] = (char)c;
	sp->s[sp->len] = 0;
}

/* str_addmem - append n bytes, which may hold NULs */
void
str_addmem(struct str *sp, const void *p, size_t n)
{
	str_grow(sp, n);
	if (n)
		memcpy(sp->s + sp->len, p, n);
	sp->len += n;
	sp->s[sp->len] = 0;
}

/* str_adds - append a C string */
void
str_adds(struct str *sp, const char *s)
{
	str_addmem(sp, s, strlen(s));
}

/* str_vaddf - append formatted text */
void
str_vaddf(struct str *sp, const char *fmt, va_list ap)
{
	va_list aq;
	int n;

	va_copy(aq, ap);
	n = vsnprintf(NULL, 0, fmt, aq);
	va_end(aq);
	if (n < 0)
		bug("str_vaddf: bad format \"%s\"", fmt);
	str_grow(sp, (size_t)n);
	vsnprintf(sp->s + sp->len, (size_t)n + 1, fmt, ap);
	sp->len += (size_t)n;
}

/* str_addf - append formatted text */
void
str_addf(struct str *sp, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	str_vaddf(sp, fmt, ap);
	va_end(ap);
}

/* str_set - replace the contents with a C string */
void
str_set(struct str *sp, const char *s)
{
	str_reset(sp);
	str_adds(sp, s);
}

/* str_setmem - replace the contents with n bytes */
void
str_setmem(struct str *sp, const void *p, size_t n)
{
	str_reset(sp);
	str_addmem(sp, p, n);
}

/* str_lower - fold ASCII letters to lower case */
void
str_lower(struct str *sp)
{
	size_t i;

	for (i = 0; i < sp->len; i++)
		sp->s[i] = (char)tolower((unsigned char)sp->s[i]);
}

/* str_trim - strip leading and trailing white space */
void
str_trim(struct str *sp)
{
	size_t a = 0, b = sp->len;

	while (a < b && isspace((unsigned char)sp->s[a]))
		a++;
	while (b > a && isspace((unsigned char)sp->s[b - 1]))
		b--;
	memmove(sp->s, sp->s + a, b - a);
	sp->len = b - a;
	sp->s[sp->len] = 0;
}

/* str_steal - take the buffer; the string is left freed */
char *
str_steal(struct str *sp)
{
	char *p;

	if (sp->s == NULL)
		str_init(sp);
	p = sp->s;
	sp->s = NULL;
	sp->len = sp->cap = 0;
	return p;
}

/* str_lcase - fold a C string to lower case in place */
void
str_lcase(char *s)
{
	for (; *s; s++)
		*s = (char)tolower((unsigned char)*s);
}

/* str_skipws - the first byte that is not white space */
char *
str_skipws(const char *s)
{
	while (*s && isspace((unsigned char)*s))
		s++;
	return (char *)s;
}

/* str_casesuffix - does s end in suffix, ignoring case? */
int
str_casesuffix(const char *s, const char *suffix)
{
	size_t n = strlen(s), m = strlen(suffix);

	return n >= m && strcasecmp(s + n - m, suffix) == 0;
}

/*
 * str_token - the next token of *sp delimited by any of sep (strsep that
 * skips empty tokens, as Postfix's mystrtok does); NULL at the end.
 */
char *
str_token(char **sp, const char *sep)
{
	char *s = *sp, *tok;

	if (s == NULL)
		return NULL;
	s += strspn(s, sep);
	if (*s == 0) {
		*sp = s;
		return NULL;
	}
	tok = s;
	s += strcspn(s, sep);
	if (*s)
		*s++ = 0;
	*sp = s;
	return tok;
}

/* str_copy - bounded copy; returns strlen(src), >= size on truncation */
size_t
str_copy(char *dst, const char *src, size_t size)
{
	size_t n = strlen(src);

	if (size) {
		size_t m = n < size - 1 ? n : size - 1;

		memcpy(dst, src, m);
		dst[m] = 0;
	}
	return n;
}
