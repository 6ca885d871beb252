/* MIT licence: see LICENSE. */
/*
 * io.c - buffered streams with per-call timeouts and line limits.
 *
 * Used by every process that talks to a peer: smtpd, smtp, cleanup's
 * clients, the sendmail command.  Output is collected in one buffer and
 * sent by io_flush() in whole writes (no write per line: Nagle and delayed
 * ACK would turn those into 40 ms stalls).  Lines end at LF; the caller
 * sees the CR, because SMTP must tell CRLF from a bare LF.
 */
#include <sys/ioctl.h>
#include <sys/socket.h>

#include <errno.h>
#include <poll.h>
#include <stdarg.h>
#include <string.h>
#include <unistd.h>

#include "io.h"
#include "str.h"

static ssize_t
fd_read(struct io *io, void *buf, size_t n)
{
	return read(io->fd, buf, n);
}

static ssize_t
fd_write(struct io *io, const void *buf, size_t n)
{
	return write(io->fd, buf, n);
}

static ssize_t
fd_peek(struct io *io, void *buf, size_t n)
{
	return recv(io->fd, buf, n, MSG_PEEK | MSG_DONTWAIT);
}

/* io_init - a stream over fd with a timeout in seconds (0: none) */
void
io_init(struct io *io, int fd, int timeout)
{
	memset(io, 0, sizeof(*io));
	io->fd = fd;
	io->timeout = timeout;
	io->rd = fd_read;
	io->wr = fd_write;
	io->peek = fd_peek;
	str_init(&io->wbuf);
}

/* io_free - release the buffers (the descriptor is the caller's) */
void
io_free(struct io *io)
{
	str_free(&io->wbuf);
}

/*
 * io_wait - wait until fd is readable (events POLLIN) or writable
 * (POLLOUT) within the timeout; 0 ready, -1 with io->err set
 */
int
io_wait(struct io *io, int events)
{
	struct pollfd p;
	int r;

	if (io->timeout <= 0)
		return 0;
	p.fd = io->fd;
	p.events = (short)events;
	do
		r = poll(&p, 1, io->timeout * 1000);
	while (r < 0 && errno == EINTR);
	if (r == 0) {
		io->err = ETIMEDOUT;
		return -1;
	}
	if (r < 0) {
		io->err = errno;
		return -1;
	}
	return 0;
}

static int
fill(struct io *io)
{
	ssize_t n;

	if (io->eof || io->err)
		return -1;
	if (io->rpos == io->rlen)
		io->rpos = io->rlen = 0;
	if (io->ctx == NULL && io_wait(io, POLLIN) < 0)
		return -1;
	do
		n = io->rd(io, io->rbuf + io->rlen,
		    sizeof(io->rbuf) - io->rlen);
	while (n < 0 && errno == EINTR);
	if (n < 0) {
		io->err = errno ? errno : EIO;
		return -1;
	}
	if (n == 0) {
		io->eof = 1;
		return -1;
	}
	io->rlen += (size_t)n;
	return 0;
}

/*
 * io_getline - the next line, LF included, into line (replacing it).
 * At most max bytes are kept; a longer line is read to its end and
 * IO_TOOLONG returned (line holds the first max bytes).  At end of input
 * a last line without LF is returned as it is.
 */
ssize_t
io_getline(struct io *io, struct str *line, size_t max)
{
	int toolong = 0;
	char *nl;
	size_t n;

	str_reset(line);
	for (;;) {
		if (io->rpos == io->rlen && fill(io) < 0) {
			if (io->err)
				return IO_ERR;
			if (line->len == 0 && !toolong)
				return IO_EOF;
			return toolong ? IO_TOOLONG : (ssize_t)line->len;
		}
		nl = memchr(io->rbuf + io->rpos, '\n', io->rlen - io->rpos);
		n = nl ? (size_t)(nl - (io->rbuf + io->rpos)) + 1 :
		    io->rlen - io->rpos;
		if (line->len + n > max) {
			toolong = 1;
			if (line->len < max)
				str_addmem(line, io->rbuf + io->rpos,
				    max - line->len);
		} else
			str_addmem(line, io->rbuf + io->rpos, n);
		io->rpos += n;
		if (nl)
			return toolong ? IO_TOOLONG : (ssize_t)line->len;
	}
}

/* io_read - up to n bytes (buffered first); 0 at end, -1 on error */
ssize_t
io_read(struct io *io, void *buf, size_t n)
{
	size_t k;

	if (io->rpos == io->rlen && fill(io) < 0)
		return io->err ? -1 : 0;
	k = io->rlen - io->rpos;
	if (k > n)
		k = n;
	memcpy(buf, io->rbuf + io->rpos, k);
	io->rpos += k;
	return (ssize_t)k;
}

/* io_pending - bytes received and not yet read (pipelining checks) */
size_t
io_pending(const struct io *io)
{
	return io->rlen - io->rpos;
}

/*
 * io_ready - 1 when input arrived that no read returned yet: buffered
 * here, held by the transport (TLS: a decrypted record) or waiting in
 * the descriptor (for pipelining checks; never waits)
 */
int
io_ready(struct io *io)
{
	char c;
	int n = 0;

	if (io->rlen > io->rpos)
		return 1;
	if (io->peek && io->peek(io, &c, 1) > 0)
		return 1;
	return ioctl(io->fd, FIONREAD, &n) == 0 && n > 0;
}

/*
 * io_peek - up to n bytes of that input, left unread; 0 when none can be
 * seen (e.g. part of a TLS record)
 */
size_t
io_peek(struct io *io, void *buf, size_t n)
{
	ssize_t k;

	if (io->rlen > io->rpos) {
		k = (ssize_t)(io->rlen - io->rpos);
		if ((size_t)k > n)
			k = (ssize_t)n;
		memcpy(buf, io->rbuf + io->rpos, (size_t)k);
		return (size_t)k;
	}
	if (io->peek == NULL || (k = io->peek(io, buf, n)) <= 0)
		return 0;
	return (size_t)k;
}

/* io_discard - drop unread input (plaintext sent before TLS starts) */
void
io_discard(struct io *io)
{
	io->rpos = io->rlen = 0;
}

/* io_write - queue bytes for the next io_flush() */
void
io_write(struct io *io, const void *buf, size_t n)
{
	str_addmem(&io->wbuf, buf, n);
}

/* io_puts - queue a string */
void
io_puts(struct io *io, const char *s)
{
	str_adds(&io->wbuf, s);
}

/* io_printf - queue formatted text */
void
io_printf(struct io *io, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	str_vaddf(&io->wbuf, fmt, ap);
	va_end(ap);
}

/* io_flush - send everything queued; 0, or -1 with io->err */
int
io_flush(struct io *io)
{
	size_t off = 0;
	ssize_t n;

	if (io->err) {
		str_reset(&io->wbuf);
		return -1;
	}
	while (off < io->wbuf.len) {
		if (io->ctx == NULL && io_wait(io, POLLOUT) < 0)
			break;
		n = io->wr(io, io->wbuf.s + off, io->wbuf.len - off);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			io->err = n < 0 ? errno : EPIPE;
			break;
		}
		off += (size_t)n;
	}
	str_reset(&io->wbuf);
	return io->err ? -1 : 0;
}
