/* MIT licence: see LICENSE. */
/*
 * num.c - ranged integer and Postfix time-value parsers.
 *
 * Every process.  Time values are a number with an optional unit: s, m,
 * h, d or w (Postfix's units); a bare number takes the parameter's default
 * unit.
 */
#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <stdlib.h>

#include "num.h"

/*
 * num_parse - a whole decimal number in [min, max]; 0 on success, -1 on a
 * malformed or out-of-range value (errno ERANGE for the latter).
 */
int
num_parse(const char *s, long long min, long long max, long long *out)
{
	char *end;
	long long v;

	if (s == NULL || *s == 0 || isspace((unsigned char)*s))
		return errno = EINVAL, -1;
	errno = 0;
	v = strtoll(s, &end, 10);
	if (*end != 0 || end == s)
		return errno = EINVAL, -1;
	if (errno == ERANGE || v < min || v > max)
		return errno = ERANGE, -1;
	*out = v;
	return 0;
}

/*
 * num_time - a time value in seconds: "30", "30s", "5m", "1h", "5d", "1w";
 * defunit applies to a bare number.  -1 with errno EINVAL on a bad unit.
 */
int
num_time(const char *s, int defunit, long long *out)
{
	char *end;
	long long v, mult;
	int unit;

	if (s == NULL || !isdigit((unsigned char)*s))
		return errno = EINVAL, -1;
	errno = 0;
	v = strtoll(s, &end, 10);
	if (errno == ERANGE)
		return -1;
	unit = *end ? *end++ : defunit;
	if (*end != 0)
		return errno = EINVAL, -1;
	switch (unit) {
	case 's': mult = 1; break;
	case 'm': mult = 60; break;
	case 'h': mult = 3600; break;
	case 'd': mult = 86400; break;
	case 'w': mult = 7 * 86400; break;
	default:
		return errno = EINVAL, -1;
	}
	if (v > LLONG_MAX / mult)
		return errno = ERANGE, -1;
	*out = v * mult;
	return 0;
}
