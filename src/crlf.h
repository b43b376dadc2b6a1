/*
 * crlf - the body of a message kept in a file, read with every line end
 * made CRLF.
 *
 * A message read from standard input is kept in a file as it came, so
 * its body need never be held in memory: it is read from the file each
 * time it is needed (once to measure it, once to hash the request, once
 * to send it), a block at a time, through the rules message_parse
 * applies (message.h). LF, CRLF, a run of CRs before LF and a lone CR
 * each end one line, written CRLF; NUL bytes are dropped; a last line
 * without an end gets one.
 */
#ifndef SESMAIL_CRLF_H
#define SESMAIL_CRLF_H

#include <sys/types.h>

#include <stddef.h>

/* Raw bytes read from the file at a time. */
#define CRLF_CHUNK	(64 * 1024)

/* What the bytes come to. */
struct crlf_stats {
	size_t	 len;		/* bytes, line ends made CRLF */
	size_t	 longest;	/* the longest line, without its CRLF */
	size_t	 nuls;		/* NUL bytes dropped */
};

struct crlf {
	/* Where the raw bytes are: rawlen of them from off in fd. */
	int			 fd;
	off_t			 off;
	size_t			 rawlen;

	/* Reading. */
	size_t			 done;		/* raw bytes read */
	char			*in;		/* a chunk, NUL after it */
	size_t			 inlen;
	size_t			 inpos;
	int			 error;		/* errno of a failed read */
	int			 ended;		/* all read, end handled */

	/* Where the rules are between two bytes. */
	size_t			 crs;		/* CRs of the run read */
	int			 nul_after_cr;	/* NUL after its last CR */
	int			 open;		/* the line has bytes */
	size_t			 cur;		/* its length so far */
	size_t			 owe;		/* CRLFs due, not given */
	int			 half;		/* the CR of one given */
	struct crlf_stats	 st;		/* of what was given */
};

/*
 * crlf_init - a reader of rawlen bytes from off in fd, which must stay
 * open (it is not closed here). Nothing is read yet.
 */
void	crlf_init(struct crlf *c, int fd, off_t off, size_t rawlen);

/*
 * crlf_read - the next up to n bytes into dst; with dst NULL they are
 * only counted. Returns how many; 0 at the end, or when a read failed
 * (c->error then holds its errno: a file cut short is EIO).
 */
size_t	crlf_read(struct crlf *c, char *dst, size_t n);

/* crlf_rewind - back to the first byte. */
void	crlf_rewind(struct crlf *c);

/*
 * crlf_measure - read c once to its end and rewind it: st gets what
 * the bytes come to. Returns 0, or -1 with errno.
 */
int	crlf_measure(struct crlf *c, struct crlf_stats *st);

/*
 * crlf_count - count what p[0..n) comes to, as the next raw bytes of c
 * (whose own file is not read): for bytes that pass through the caller
 * anyway. p[n] must be a NUL byte. crlf_count_end then ends the bytes
 * and gives what they all came to.
 */
void	crlf_count(struct crlf *c, const char *p, size_t n);
void	crlf_count_end(struct crlf *c, struct crlf_stats *st);

void	crlf_free(struct crlf *c);

#endif
