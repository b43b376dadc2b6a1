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
 * Sender, Reply-To, To, Cc, Bcc, their Resent- forms, Mail-Followup-To,
 * Mail-Reply-To, Errors-To, Disposition-Notification-To,
 * Return-Receipt-To) and every unstructured field with 8-bit text
 * (Subject, Comments, X-..., anything not named below). domain may be
 * NULL: bare names are then left as they are.
 *
 * An address field is rebuilt from its own text: the bytes around what
 * changes stay as written, folding included. Display names, group names
 * and comments that hold 8-bit text become encoded-words of what they say
 * (quotes and quoted pairs undone). A field that does not parse as an
 * address list is left as it is (SES will judge it). An unstructured
 * field becomes encoded-words of its whole unfolded value. Fields that
 * need nothing are not touched; rewritten ones are folded (CRLF SP) to
 * at most 76 characters a line where there is white space to fold at.
 * Received, Date, Message-ID, In-Reply-To, References, MIME-Version,
 * Return-Path, DKIM-Signature, DomainKey-Signature, Authentication-Results,
 * Received-SPF, Resent-Date, Resent-Message-ID, ARC-*, Content-* and
 * List-* are structured and never encoded.
 *
 * Returns 0; EX_DATAERR for a non-ASCII local part or a domain IDNA
 * refuses (err names the field, never the content); EX_CONFIG when domain
 * itself has no ASCII form; EX_OSERR when memory runs out. Fields before
 * the one in error may already have been rewritten.
 */
int	headers_fix(struct message *msg, const char *domain, char *err,
	    size_t errlen);

/*
 * headers_domain_to_ascii - the ASCII (punycode) form of an addr-spec's
 * domain: "jürgen@bücher.example" -> "jürgen@xn--bcher-kva.example" (the
 * local part is left for the caller to judge). IDNA 2008 with UTS #46
 * mapping, non-transitional, then transitional if that fails. A spec
 * with an ASCII domain, or none, comes back as it is. Returns an
 * allocated string, or NULL with err set.
 */
char	*headers_domain_to_ascii(const char *spec, char *err, size_t errlen);

#endif
