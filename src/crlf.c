/*
 * crlf - the body of a message kept in a file, read with every line end
 * made CRLF (see crlf.h).
 *
 * The rules are those of message.c's next_line, kept one byte at a time
 * so that a run of CRs may straddle two reads. The first CR of a run
 * ends the line at once; what follows the run decides the rest: an LF
 * takes the whole run as one line end, anything else makes each further
 * CR end an empty line. NULs inside a run are dropped with it, but NULs
 * after its last CR at the very end start one more (empty) line, as
 * they do in message_parse.
 */
#include "config.h"

#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "crlf.h"

void
crlf_init(struct crlf *c, int fd, off_t off, size_t rawlen)
{
	memset(c, 0, sizeof(*c));
	c->fd = fd;
	c->off = off;
	c->rawlen = rawlen;
}

void
crlf_free(struct crlf *c)
{
	free(c->in);
	c->in = NULL;
}

void
crlf_rewind(struct crlf *c)
{
	char	*in = c->in;

	crlf_init(c, c->fd, c->off, c->rawlen);
	c->in = in;
}

/* end_line - the current line is over: one CRLF is due. */
static void
end_line(struct crlf *c)
{
	if (c->cur > c->st.longest)
		c->st.longest = c->cur;
	c->cur = 0;
	c->open = 0;
	c->owe++;
}

/* refill - the next chunk of raw bytes; 0, or -1 at the end or error. */
static int
refill(struct crlf *c)
{
	size_t	 want;
	ssize_t	 n;

	if (c->done == c->rawlen)
		return -1;
	if (c->in == NULL && (c->in = malloc(CRLF_CHUNK + 1)) == NULL) {
		c->error = ENOMEM;
		return -1;
	}
	want = c->rawlen - c->done;
	if (want > CRLF_CHUNK)
		want = CRLF_CHUNK;
	do
		n = pread(c->fd, c->in, want, c->off + (off_t)c->done);
	while (n == -1 && errno == EINTR);
	if (n <= 0) {
		c->error = n == 0 ? EIO : errno;
		return -1;
	}
	c->done += (size_t)n;
	c->inlen = (size_t)n;
	c->inpos = 0;
	/* So that strcspn stops at the end of the chunk too. */
	c->in[n] = '\0';
	return 0;
}

/* finish - the raw bytes are all read: end what is still open. */
static void
finish(struct crlf *c)
{
	if (c->crs > 0)
		c->owe += c->crs - 1 + (c->nul_after_cr ? 1 : 0);
	else if (c->open)
		end_line(c);
	c->crs = 0;
	c->ended = 1;
}

/* put - byte ch at dst[n], unless the bytes are only counted. */
static void
put(char *dst, size_t n, char ch)
{
	if (dst != NULL)
		dst[n] = ch;
}

/* give_owed - the CRLFs due, as far as room goes; how many bytes. */
static size_t
give_owed(struct crlf *c, char *dst, size_t room)
{
	size_t	 n;

	/* Counted whole at once; a count of fewer goes as a read does. */
	n = 2 * c->owe - (c->half ? 1 : 0);
	if (dst == NULL && n <= room) {
		c->owe = 0;
		c->half = 0;
		return n;
	}
	n = 0;
	while (n < room && c->owe > 0) {
		if (c->half) {
			put(dst, n++, '\n');
			c->half = 0;
			c->owe--;
		} else if (room - n >= 2) {
			put(dst, n++, '\r');
			put(dst, n++, '\n');
			c->owe--;
		} else {
			put(dst, n++, '\r');
			c->half = 1;
		}
	}
	return n;
}

/*
 * in_run - one byte after a CR. Returns 1 when it was taken, 0 when it
 * ends the run and is to be taken as an ordinary byte.
 */
static int
in_run(struct crlf *c, char ch)
{
	switch (ch) {
	case '\r':
		c->crs++;
		c->nul_after_cr = 0;
		return 1;
	case '\0':
		c->nul_after_cr = 1;
		c->st.nuls++;
		return 1;
	case '\n':
		c->crs = 0;
		c->nul_after_cr = 0;
		return 1;
	default:
		/* Each CR after the first ended an empty line. */
		c->owe += c->crs - 1;
		c->crs = 0;
		c->nul_after_cr = 0;
		return 0;
	}
}

/* take_byte - a CR, LF or NUL outside a run. */
static void
take_byte(struct crlf *c, char ch)
{
	if (ch == '\0') {
		c->st.nuls++;
		c->open = 1;
		return;
	}
	end_line(c);
	if (ch == '\r') {
		c->crs = 1;
		c->nul_after_cr = 0;
	}
}

/*
 * plain_lines - the common case in one loop: whole lines that a lone LF
 * ends, each given with CRLF, while they fit in room. A body has one
 * such line every 80 bytes or so, and the byte-at-a-time rules of
 * step() would cost three calls each. Anything else (a CR, a NUL, the
 * end of the chunk, a line that does not fit) is left to step().
 */
static size_t
plain_lines(struct crlf *c, char *dst, size_t room)
{
	const char	*p;
	size_t		 n = 0, span;

	for (;;) {
		p = c->in + c->inpos;
		span = strcspn(p, "\r\n");
		if (p[span] != '\n' || room - n < span + 2)
			return n;
		if (c->cur + span > c->st.longest)
			c->st.longest = c->cur + span;
		if (dst != NULL) {
			memcpy(dst + n, p, span);
			dst[n + span] = '\r';
			dst[n + span + 1] = '\n';
		}
		n += span + 2;
		c->inpos += span + 1;
		c->cur = 0;
		c->open = 0;
	}
}

/* step - give what the bytes in hand make, at most room of it. */
static size_t
step(struct crlf *c, char *dst, size_t room)
{
	const char	*p;
	size_t		 n, span;

	if (c->owe > 0)
		return give_owed(c, dst, room);
	p = c->in + c->inpos;
	if (c->crs > 0) {
		if (in_run(c, *p))
			c->inpos++;
		return 0;
	}
	if ((n = plain_lines(c, dst, room)) > 0)
		return n;
	span = strcspn(p, "\r\n");
	if (span == 0) {
		take_byte(c, *p);
		c->inpos++;
		return 0;
	}
	n = span < room ? span : room;
	if (dst != NULL)
		memcpy(dst, p, n);
	c->inpos += n;
	c->cur += n;
	c->open = 1;
	return n;
}

size_t
crlf_read(struct crlf *c, char *dst, size_t n)
{
	size_t	 got = 0, k;

	while (got < n) {
		if (c->owe == 0 && c->inpos == c->inlen) {
			if (c->ended)
				break;
			if (refill(c) == -1) {
				if (c->error != 0)
					break;
				finish(c);
				continue;
			}
		}
		k = step(c, dst != NULL ? dst + got : NULL, n - got);
		got += k;
	}
	c->st.len += got;
	return got;
}

void
crlf_count(struct crlf *c, const char *p, size_t n)
{
	char	*own = c->in;

	/* Only read here: step() never writes to the input. */
	c->in = (char *)(uintptr_t)p;
	c->inlen = n;
	c->inpos = 0;
	while (c->inpos < c->inlen || c->owe > 0)
		c->st.len += step(c, NULL, SIZE_MAX);
	c->in = own;
	c->inlen = 0;
	c->inpos = 0;
}

void
crlf_count_end(struct crlf *c, struct crlf_stats *st)
{
	finish(c);
	c->st.len += give_owed(c, NULL, SIZE_MAX);
	*st = c->st;
}

int
crlf_measure(struct crlf *c, struct crlf_stats *st)
{
	crlf_rewind(c);
	while (crlf_read(c, NULL, SIZE_MAX) > 0)
		;
	if (c->error != 0) {
		errno = c->error;
		crlf_rewind(c);
		return -1;
	}
	*st = c->st;
	crlf_rewind(c);
	return 0;
}
