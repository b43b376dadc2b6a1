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
 * RFC 2047 encoded-words "=?UTF-8?B?...?=" (or Q where shorter), each at
 * most 75 characters, never splitting a UTF-8 sequence between words,
 * separated by CRLF SP so that no header line grows past 78 characters.
 * Invalid UTF-8 is encoded byte for byte as it is (it still decodes to
 * the same bytes). Returns 0 or -1 (ENOMEM).
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
 * replacing its Content-Transfer-Encoding field. Nothing else in the
 * message changes by a byte. A long line inside a base64 or
 * quoted-printable part is left alone (it was encoded by someone who
 * meant it, and cannot be fixed without decoding). *changed gets the
 * number of parts re-encoded. Returns 0, or -1 (ENOMEM).
 */
int	mime_fix_long_lines(struct message *msg, size_t *changed);

/*
 * mime_fold_long_fields - a header field longer than MIME_MAX_LINE on
 * one line is folded at white space (RFC 5322 §2.2.3). A field with no
 * white space to fold at is left as it is and counted in *unfoldable.
 * Returns 0 or -1 (ENOMEM).
 */
int	mime_fold_long_fields(struct message *msg, size_t *unfoldable);

#endif
