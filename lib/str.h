/* MIT licence: see LICENSE. */
/*
 * str.h - the one binary-safe growable string; always NUL-terminated.
 */
#ifndef MTA_STR_H
#define MTA_STR_H

#include <stdarg.h>
#include <stddef.h>

struct str {
	char	*s;		/* never NULL after str_init() */
	size_t	len;		/* bytes before the terminating NUL */
	size_t	cap;		/* bytes allocated */
};

#define STR_INIT { NULL, 0, 0 }

void	str_init(struct str *);
void	str_free(struct str *);
void	str_reset(struct str *);
void	str_grow(struct str *, size_t);
void	str_trunc(struct str *, size_t);
void	str_addc(struct str *, int);
void	str_addmem(struct str *, const void *, size_t);
void	str_adds(struct str *, const char *);
void	str_addf(struct str *, const char *, ...)
	    __attribute__((format(printf, 2, 3)));
void	str_vaddf(struct str *, const char *, va_list);
void	str_set(struct str *, const char *);
void	str_setmem(struct str *, const void *, size_t);
void	str_lower(struct str *);
void	str_trim(struct str *);
char	*str_steal(struct str *);

/* helpers on plain C strings */
void	str_lcase(char *);
char	*str_skipws(const char *);
int	str_casesuffix(const char *, const char *);
char	*str_token(char **, const char *);
size_t	str_copy(char *, const char *, size_t);

#endif
