/*
 * headers - make the address and text fields of a header section
 * acceptable to SES without changing what they say.
 *
 * SES has no SMTPUTF8 and refuses an address without a domain. Callers
 * of sendmail write "From: root (Cron Daemon)", "To: root" and raw UTF-8
 * display names and subjects all the time. Here:
 * - a bare local name in an address field gets "@domain", in place,
 *   with display names and comments kept;
 * - a non-ASCII domain becomes its IDNA (punycode) form (libidn2);
 * - a non-ASCII local part is refused: it has no ASCII form;
 * - a display name or an unstructured field (Subject, ...) holding 8-bit
 *   text becomes RFC 2047 encoded-words.
 * Aliases never apply here: they change the envelope only.
 */
#ifndef SESMAIL_HEADERS_H
#define SESMAIL_HEADERS_H

#include <stddef.h>

#include "message.h"

/*
 * headers_fix - apply the rules above to every address field (From,
 * Sender, Reply-To, To, Cc, Resent-From, Resent-Sender, Resent-To,
 * Resent-Cc, Disposition-Notification-To, Return-Receipt-To) and every
 * unstructured field with 8-bit text. domain may be NULL: bare names are
 * then left as they are. A field that does not parse as an address list
 * is left as it is (SES will judge it). Returns 0, EX_DATAERR for a
 * non-ASCII local part or a domain IDNA refuses (err names the field,
 * never the content), or EX_OSERR when memory runs out.
 */
int	headers_fix(struct message *msg, const char *domain, char *err,
	    size_t errlen);

/*
 * headers_domain_to_ascii - the ASCII (punycode) form of an addr-spec's
 * domain: "jürgen@bücher.example" -> "jürgen@xn--bcher-kva.example" (the
 * local part is left for the caller to judge). Returns an allocated
 * string, or NULL with err set.
 */
char	*headers_domain_to_ascii(const char *spec, char *err, size_t errlen);

#endif
