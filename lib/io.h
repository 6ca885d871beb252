/* MIT licence: see LICENSE. */
/*
 * io.h - the one stream type: buffered I/O over a file descriptor, with a
 * deadline per call and a limit per line.  TLS plugs in underneath
 * through the read/write hooks (issue 5); nothing above this layer knows.
 */
#ifndef MTA_IO_H
#define MTA_IO_H

#include <stddef.h>
#include <sys/types.h>

#include "str.h"

#define IO_BUFSIZE	8192

struct io {
	int	fd;
	int	timeout;	/* seconds per read or write call; 0: none */
	int	eof;		/* the peer closed */
	int	err;		/* errno of the first failure; ETIMEDOUT */
	/* the transport: plain fd by default, TLS later */
	ssize_t	(*rd)(struct io *, void *, size_t);
	ssize_t	(*wr)(struct io *, const void *, size_t);
	/* unread input the transport holds, copied, never waiting */
	ssize_t	(*peek)(struct io *, void *, size_t);
	void	*ctx;
	char	rbuf[IO_BUFSIZE];
	size_t	rpos, rlen;	/* unread bytes are rbuf[rpos..rlen) */
	struct str wbuf;	/* pending output, sent by io_flush() */
};

/* io_getline() results, besides the length of the line (>= 0) */
#define IO_EOF		-1	/* end of input before any byte */
#define IO_ERR		-2	/* read error or timeout (io->err) */
#define IO_TOOLONG	-3	/* line over the limit: the rest was skipped */

void	io_init(struct io *, int, int);
void	io_free(struct io *);
ssize_t	io_getline(struct io *, struct str *, size_t);
ssize_t	io_read(struct io *, void *, size_t);
size_t	io_pending(const struct io *);
int	io_ready(struct io *);
size_t	io_peek(struct io *, void *, size_t);
void	io_discard(struct io *);
void	io_write(struct io *, const void *, size_t);
void	io_puts(struct io *, const char *);
void	io_printf(struct io *, const char *, ...)
	    __attribute__((format(printf, 2, 3)));
int	io_flush(struct io *);
int	io_wait(struct io *, int);

#endif
