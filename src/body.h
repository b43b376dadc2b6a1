/*
 * body - the body of an SES request, made on the fly.
 *
 * A body is a head (form fields, or JSON up to the opening quote of the
 * data), the message in base64, then a tail. The message is given as
 * pieces (its header fields, line ends and body, where they already
 * are), and its base64 is made a block at a time, as libcurl asks for
 * it: neither the message in one block nor its encoded form is ever
 * held whole. Signing needs the SHA-256 of the body before it is sent,
 * so the body is made twice: once for body_sha256_hex, once for libcurl.
 * (Keeping the encoded body in a file to read it back costs more system
 * time than encoding it again costs user time.)
 */
#ifndef SESMAIL_BODY_H
#define SESMAIL_BODY_H

#include <stddef.h>

#include "buf.h"
#include "crlf.h"

/* Message bytes encoded per block: a multiple of 3, so no '=' inside. */
#define BODY_BLOCK	(48 * 1024)

/* Past this many message bytes, body_sha256_hex hashes on a second
   thread while the first one encodes: the request can start sooner. */
#define BODY_SPLIT_AT	(1024 * 1024)

/* One run of message bytes: in memory, or read from a file (src). */
struct body_piece {
	const char	*data;
	size_t		 len;
	struct crlf	*src;		/* when not NULL, len bytes of it */
};

struct body {
	/* What it is made of. */
	struct buf		 head;
	const char		*tail;
	size_t			 taillen;
	const struct body_piece	*pieces;
	size_t			 npieces;
	int			 pct;		/* %-encode + / = (a form) */
	size_t			 length;	/* of the whole body */
	int			 error;		/* errno of a failed read of a
						   piece in a file, or 0 */

	/* Where the next byte comes from. */
	int			 stage;		/* head, data, tail, end */
	size_t			 pos;		/* in head or tail */
	size_t			 piece;		/* in the message */
	size_t			 off;
	char			*out;		/* one encoded block */
	size_t			 outlen;
	size_t			 outpos;
};

/*
 * body_init - a body of head[0..headlen), the base64 of the pieces
 * (%-encoded when pct is set, as a form value: + / = become %2B %2F
 * %3D), then tail, which must outlive b (a string constant). The pieces
 * are not copied: they must stay as they are until body_free; a piece
 * in a file is read afresh in each pass, and must keep its length (else
 * the body ends early and error is set). Returns
 * 0, or -1 when memory runs out.
 */
int	body_init(struct body *b, const char *head, size_t headlen,
	    const struct body_piece *pieces, size_t npieces, int pct,
	    const char *tail);

/*
 * body_read - copy up to len next bytes of the body to dst. Returns how
 * many; 0 only at the end.
 */
size_t	body_read(struct body *b, char *dst, size_t len);

/* body_rewind - start again from the first byte. */
void	body_rewind(struct body *b);

/*
 * body_sha256_hex - make the whole body once, hashing it as it comes:
 * hex gets its SHA-256 in lower-case hex, b->length its size. b is
 * rewound for the pass that sends it. Returns 0, or -1 (with b->error
 * set when a piece could not be read).
 */
int	body_sha256_hex(struct body *b, char hex[65]);

/* body_b64_len - the base64 length of the pieces, without padding lost. */
size_t	body_b64_len(const struct body_piece *pieces, size_t npieces);

void	body_free(struct body *b);

#endif
