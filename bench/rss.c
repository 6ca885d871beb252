/* MIT licence: see LICENSE. */
/*
 * rss.c - rss CMD [ARG...]: run CMD (stdin passed on) and print the
 * largest resident set, in KiB, that it or any descendant it waited for
 * had (wait4's ru_maxrss).  Built static and small by the benchmark, so
 * that the copy of the launcher the child is before exec (counted in its
 * maximum) is a few pages, not a Python interpreter.
 */
#include <stdio.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

int
main(int argc, char **argv)
{
	struct rusage ru;
	pid_t pid;
	int st;

	if (argc < 2)
		return 2;
	if ((pid = fork()) < 0)
		return 1;
	if (pid == 0) {
		execv(argv[1], argv + 1);
		_exit(127);
	}
	if (wait4(pid, &st, 0, &ru) < 0 || !WIFEXITED(st) ||
	    WEXITSTATUS(st) != 0)
		return 1;
	printf("%ld\n", ru.ru_maxrss);
	return 0;
}
