/* MIT licence: see LICENSE. */
/*
 * priv.c - unit tests of lib/priv.c's rules for files root opens by name:
 * priv_root_dir (only root can change the names that lead to a path)
 * and priv_open (no link, one name, where another account could).  The
 * ownership cases need root (and uid 65534 to give directories away).
 */
#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../../lib/priv.h"
#include "t.h"

static char top[64];

static char *
at(const char *rel)
{
	static char buf[4][256];
	static int i;

	i = (i + 1) % 4;
	snprintf(buf[i], sizeof(buf[i]), "%s/%s", top, rel);
	return buf[i];
}

int
main(void)
{
	int fd;

	T_OK("/etc/passwd: root's way", priv_root_dir("/etc/passwd") == 1);
	T_OK("a name in /tmp (anyone may make it): not root's",
	    priv_root_dir("/tmp/x") == 0);
	if (geteuid() != 0) {
		printf("ok - priv: the ownership cases need root\n");
		T_DONE();
	}
	snprintf(top, sizeof(top), "/tmp/mta-priv.XXXXXX");
	if (mkdtemp(top) == NULL || chmod(top, 0755) < 0)
		return 2;
	mkdir(at("r"), 0755);
	mkdir(at("u"), 0755);
	mkdir(at("u/r"), 0755);
	(void)chown(at("u"), 65534, 65534);
	T_OK("root's directory in root's (sticky /tmp)",
	    priv_root_dir(at("r/file")) == 1);
	T_OK("trailing slash: the directory's own name",
	    priv_root_dir(at("r/")) == 1);
	T_OK("another's directory", priv_root_dir(at("u/file")) == 0);
	T_OK("root's directory below another's",
	    priv_root_dir(at("u/r/file")) == 0);
	chmod(at("r"), 0775);
	T_OK("group writable", priv_root_dir(at("r/file")) == 0);
	chmod(at("r"), 0755);
	T_OK("missing directory", priv_root_dir(at("nope/file")) == 0);

	/* priv_open where another account may change the names */
	fd = open(at("r/secret"), O_WRONLY | O_CREAT, 0600);
	close(fd);
	symlink(at("r/secret"), at("u/link"));
	fd = priv_open(at("u/link"), O_RDONLY, 0);
	T_OK("priv_open: no link in another's directory", fd < 0 &&
	    errno == ELOOP);
	if (link(at("r/secret"), at("u/hard")) == 0) {
		fd = priv_open(at("u/hard"), O_RDONLY, 0);
		T_OK("priv_open: no second name", fd < 0 && errno == EPERM);
	}
	mkfifo(at("u/fifo"), 0644);
	fd = priv_open(at("u/fifo"), O_RDONLY, 0);
	T_OK("priv_open: no fifo (and no wait for a writer)", fd < 0 &&
	    errno == EPERM);
	unlink(at("u/hard"));
	/* a link on the way, in another's directory, to root's directory */
	symlink(at("r"), at("u/dir"));
	fd = priv_open(at("u/dir/secret"), O_RDONLY, 0);
	T_OK("priv_open: no link on the way in another's directory",
	    fd < 0 && (errno == ELOOP || errno == ENOTDIR));
	if (fd >= 0)
		close(fd);
	fd = priv_open(at("u/r/../../r/secret"), O_RDONLY, 0);
	T_OK("priv_open: the way through real directories", fd >= 0);
	if (fd >= 0)
		close(fd);
	fd = priv_open(at("r/secret"), O_RDONLY, 0);
	T_OK("priv_open: a file in root's directory", fd >= 0 &&
	    (fcntl(fd, F_GETFL) & O_NONBLOCK) == 0);
	close(fd);
	symlink(at("r/secret"), at("r/link"));
	fd = priv_open(at("r/link"), O_RDONLY, 0);
	T_OK("priv_open: root's link in root's directory", fd >= 0);
	close(fd);
	unlink(at("r/link"));
	unlink(at("r/secret"));
	unlink(at("u/link"));
	unlink(at("u/hard"));
	unlink(at("u/fifo"));
	unlink(at("u/dir"));
	rmdir(at("u/r"));
	rmdir(at("u"));
	rmdir(at("r"));
	rmdir(top);
	T_DONE();
}
