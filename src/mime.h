/*
 * mime - the MIME encodings sesmail applies so that SES takes a message
 * the caller wrote carelessly: RFC 2047 encoded-words for 8-bit text in
 * header fields, and quoted-printable for body parts with lines longer
 * than SMTP allows (RFC 5321 §4.5.3.1.6: 998 octets before CRLF).
 */
#ifndef SESMAIL_MIME_H
#define SESMAIL_MIME_H

#include <stddef.h>

#include "buf.h"
#include "message.h"

/* Longest line SES accepts, not counting CRLF. */
#define MIME_MAX_LINE	998

/*
 * mime_encode_words - append text[0..len) (UTF-8) to out as one or more
 * RFC 2047 encoded-words "=?UTF-8?B?...?=" or "=?UTF-8?Q?...?=", each at
 * most 75 characters (§2), never splitting a UTF-8 sequence between
 * words, separated by CRLF SP; a line of the output is at most 76
 * characters, so the caller can start the first word on a fresh folded
 * line to keep every line within 78. For each word the encoding that
 * carries more of the text is used, or, when both carry the rest, the
 * shorter one. Q leaves only letters and digits as they are and writes
 * space as "_", which is safe in a phrase as well as in unstructured
 * text (§5 (3)). Invalid UTF-8 is encoded byte for byte as it is (it
 * still decodes to the same bytes). Empty text appends nothing.
 * Returns 0 or -1 (ENOMEM).
 */
int	mime_encode_words(const char *text, size_t len, struct buf *out);

/* mime_is_ascii - true when s[0..len) holds no byte above 0x7f. */
int	mime_is_ascii(const char *s, size_t len);

/*
 * mime_fix_long_lines - find every body part (the whole body of a
 * single-part message, or each leaf of a multipart tree, RFC 2046 §5.1)
 * that has a line longer than MIME_MAX_LINE octets and whose
 * Content-Transfer-Encoding is an identity one (absent, 7bit, 8bit,
 * binary), and re-encode that part as quoted-printable (RFC 2045 §6.7),
 * replacing its Content-Transfer-Encoding field (or adding one). A
 * single-part message without MIME-Version also gets "MIME-Version:
 * 1.0", without which a reader need not undo the encoding (RFC 2045
 * §4); a headerless body part gets the empty line that ends its header.
 * Nothing else in the message changes by a byte. Left alone: a long
 * line inside a base64 or quoted-printable part (it was encoded by
 * someone who meant it, and cannot be fixed without decoding), parts of
 * type message (RFC 2046 §5.2 allows message/rfc822 no other encoding),
 * preamble and epilogue, a multipart whose boundary is missing or never
 * occurs, and multiparts nested more than 32 deep. *changed gets the
 * number of parts re-encoded. A body left in its file (message.h) is
 * read into memory only when it has such a line. Returns 0, or -1
 * (ENOMEM, or the errno of that read) with msg unchanged.
 */
int	mime_fix_long_lines(struct message *msg, size_t *changed);

/*
 * mime_fold_long_fields - a header field with a line longer than
 * MIME_MAX_LINE is folded (RFC 5322 §2.2.3): CRLF is put before the
 * last run of white space that starts within the limit and has text on
 * both sides, again and again until every line fits. A field that
 * cannot be made to fit that way is left exactly as it is and counted
 * in *unfoldable. Returns 0, or -1 (ENOMEM); each field is changed
 * whole or not at all.
 */
int	mime_fold_long_fields(struct message *msg, size_t *unfoldable);

#endif
