/*
 * message - reading a message the way sendmail does, and editing its
 * header section.
 *
 * Reading normalises every line ending to CRLF, drops NUL bytes and a
 * leading mbox "From " line, and, unless told otherwise, stops at a line
 * holding a single dot. The header section is split into fields; the body
 * is kept as bytes and never rewritten.
 */
#ifndef SESMAIL_MESSAGE_H
#define SESMAIL_MESSAGE_H

#include <stddef.h>

#include <sys/types.h>

#include "body.h"
#include "buf.h"
#include "crlf.h"

struct header {
	char	*name;		/* field name as written, NUL-terminated */
	char	*raw;		/* whole field: "Name: value", folded lines
				   joined by CRLF, without the final CRLF */
	size_t	 rawlen;
};

struct message {
	struct header	*hdr;
	size_t		 nhdr;
	size_t		 cap;
	struct buf	 body;		/* after the separator, CRLF lines */
	struct crlf	*src;		/* or, when not NULL, the body is
					   in a file (message_parse_fd) */
	struct crlf_stats src_st;	/* what that body comes to */
	int		 had_separator;	/* input had the empty line */
	size_t		 nul_dropped;	/* NUL bytes removed while reading */
	size_t		 input_size;	/* bytes read from the input */
	size_t		 input_end;	/* of those, the message's: all,
					   or those before a lone dot */
};

/* A header section (its empty line aside) of more than this is refused:
   real ones are a few KB, and each field costs memory of its own. */
#define MSG_HEAD_MAX	(1024 * 1024)
#define MSG_HEAD_TOO_BIG	"header section over 1 MiB (1048576 bytes)"

/* Reading flags. */
#define MSG_DOT_ENDS	0x01	/* a lone "." line ends the input (no -i) */
#define MSG_DRAIN	0x02	/* message_spill: read past max, keep none */

/*
 * message_parse - build msg from the bytes data[0..len) as read from
 * stdin. A line is ended by LF, CRLF, a run of CRs before LF (PHP's
 * "CR CR LF") or a lone CR; each becomes one CRLF. A missing final line
 * end is added. The header section ends at the first empty line, or at
 * the first line that is neither a field ("name:" with a name of
 * printable ASCII other than colon) nor a continuation of one; in the
 * latter case that line starts the body and had_separator is 0.
 * Returns 0, or -1 with errno: ENOMEM, or E2BIG when a field ends past
 * the first MSG_HEAD_MAX bytes.
 */
int	message_parse(const char *data, size_t len, int flags,
	    struct message *msg);

/*
 * message_read_raw - read fd to its end (or, with MSG_DOT_ENDS, to the
 * lone dot) into in, as the bytes came, for the spool to keep; parse
 * them with message_parse. Reading stops once more than max bytes came
 * (errno EFBIG). Returns 0, or -1 with errno.
 */
int	message_read_raw(int fd, int flags, size_t max, struct buf *in);

/* Input up to this size stays in memory; beyond it, in a file. */
#define MSG_SPILL_AT	(256 * 1024)

/* Standard input as message_spill keeps it. */
struct spill {
	struct buf		 mem;	/* the bytes as they came, while
					   they are few */
	int			 fd;	/* or a temporary file of them */
	off_t			 off;	/* from here on in fd */
	size_t			 size;	/* bytes read */
	size_t			 end;	/* of those, the message's: all, or
					   those before the lone dot */
	struct crlf_stats	 st;	/* what those come to once their
					   line ends are CRLF (crlf.h);
					   longest is SIZE_MAX when that
					   is not known */
	int			 file_errno;	/* why no file took them,
					   or 0 */
};

#define SPILL_INIT	{ BUF_INIT, -1, 0, 0, 0, { 0, 0, 0 }, 0 }

/*
 * message_spill - read in to its end (or, with MSG_DOT_ENDS, to the lone
 * dot), a chunk at a time. Up to MSG_SPILL_AT bytes stay in s->mem; more
 * go, as they came, to an unnamed file (tmp_open) s->fd, so that memory
 * does not grow with the message. Should no such file be made or
 * written, the bytes stay in memory after all. Reading stops once more
 * than max bytes came (errno EFBIG); with MSG_DRAIN the rest of in is
 * read first, to its end (or the lone dot), and thrown away, so that a
 * writer through a pipe is not cut off by SIGPIPE. s->size then counts
 * only the bytes kept. s is initialised here; free it with
 * message_spill_free. Returns 0, or -1 with errno.
 */
int	message_spill(int in, int flags, size_t max, struct spill *s);
void	message_spill_free(struct spill *s);

/*
 * message_spill_to - the same, but a message too large for memory goes
 * to the file to->open_file gives (when it gives one), at the offset it
 * says (s->off), rather than to $TMPDIR.
 */
struct spill_to {
	int	(*open_file)(void *arg, off_t *off);
	void	*arg;
};

int	message_spill_to(int in, int flags, size_t max,
	    const struct spill_to *to, struct spill *s);

/*
 * message_parse_fd - message_parse for the len bytes at off in fd, as
 * message_spill or the spool keep them, without the MSG_DOT_ENDS flag:
 * the header section is read into msg, the body is left in the file
 * (msg->src) and only measured, unless all (when not NULL) tells what
 * the whole len bytes come to. fd must stay open as long as msg is
 * used. Returns 0, or -1 with errno (E2BIG as message_parse).
 */
int	message_parse_fd(int fd, off_t off, size_t len,
	    const struct crlf_stats *all, struct message *msg);

/*
 * message_body_load - bring a body left in a file into msg->body, for
 * the rare edit of the body itself (mime.h). Returns 0, or -1 with
 * errno.
 */
int	message_body_load(struct message *msg);

/* message_body_len - the body's length, wherever it is. */
size_t	message_body_len(const struct message *msg);

/*
 * message_read_fd - read fd to its end (or to the lone dot) and parse it.
 * Reading stops once more than max bytes came: a message SES cannot take
 * is not worth the memory (errno EFBIG). Returns 0, or -1 with errno.
 */
int	message_read_fd(int fd, int flags, size_t max, struct message *msg);

void	message_init(struct message *);
void	message_free(struct message *);

/* Number of fields called name (compared ignoring ASCII case). */
size_t	message_count(const struct message *, const char *name);

/*
 * message_find - index of the n-th (from 0) field called name, or -1.
 */
long	message_find(const struct message *, const char *name, size_t n);

/*
 * message_value - the value of field i, unfolded (CRLF removed, so folded
 * lines are joined by their leading white space) and with leading white
 * space removed. The caller frees it. NULL when memory runs out.
 */
char	*message_value(const struct message *, size_t i);

/* message_remove_at - delete field i. */
void	message_remove_at(struct message *, size_t i);

/* message_remove - delete every field called name; returns how many. */
size_t	message_remove(struct message *, const char *name);

/*
 * message_add - append a field "name: value" at the end of the header
 * section. value must not contain CR or LF. Returns 0 or -1 (ENOMEM).
 */
int	message_add(struct message *, const char *name, const char *value);

/*
 * message_dedupe_singletons - SES refuses a message in which any of the
 * fields it allows once (Date, From, Subject, Message-ID, ...) occurs
 * more than once. Keep the first of each and drop the rest. Returns the
 * number of fields dropped.
 */
size_t	message_dedupe_singletons(struct message *);

/*
 * message_serialize - append the whole message to out: every field with
 * CRLF, the empty separator line, then the body. Returns 0 or -1.
 */
int	message_serialize(const struct message *, struct buf *out);

/*
 * message_pieces - the bytes message_serialize would write, as pieces
 * that point into msg (each field, its CRLF, the empty line, the body)
 * rather than a copy. *pieces is allocated (the caller frees it) and
 * holds *npieces; *size gets the total. Valid until msg changes.
 * Returns 0 or -1 (ENOMEM).
 */
int	message_pieces(const struct message *msg, struct body_piece **pieces,
	    size_t *npieces, size_t *size);

#endif
