/* MIT licence: see LICENSE. */
/*
 * num.h - ranged number and time parsers (no atoi anywhere).
 */
#ifndef MTA_NUM_H
#define MTA_NUM_H

int	num_parse(const char *, long long, long long, long long *);
int	num_time(const char *, int, long long *);

#endif
