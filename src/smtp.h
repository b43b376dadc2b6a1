/*
 * smtp - sendmail -bs: an SMTP server on standard input and output.
 *
 * Symfony Mailer and Laravel start "sendmail -bs" and speak SMTP to it,
 * several messages per process. Each message is handed to SES before the
 * reply to its DATA is written, so a 250 means SES has it.
 */
#ifndef SESMAIL_SMTP_H
#define SESMAIL_SMTP_H

#include <stddef.h>
#include <stdio.h>

/*
 * smtp_deliver_fn - hand one message over. sender is NULL for the null
 * sender "<>"; rcpts are the RCPT TO addresses as given (angle brackets
 * removed, not yet qualified); data is the message with dots un-stuffed
 * and CRLF line ends, without the final "." line. Returns a sysexits
 * code (0: accepted) and writes a one-line text into reply (the SES
 * MessageId on success, the reason otherwise).
 */
typedef int	(*smtp_deliver_fn)(void *ctx, const char *sender,
		    char *const *rcpts, size_t nrcpt, const char *data,
		    size_t len, char *reply, size_t replylen);

/*
 * smtp_check_fn - may this address be a recipient? Returns 0, or a
 * sysexits code with a reason in reply (bad syntax, no domain...).
 * RCPT then gets 553 for EX_DATAERR and EX_USAGE, 550 for the other
 * permanent codes of smtp_reply_code, 451 for the rest. May be NULL:
 * every syntactically valid address is accepted.
 */
typedef int	(*smtp_check_fn)(void *ctx, const char *rcpt, char *reply,
		    size_t replylen);

struct smtp_server {
	const char	*hostname;	/* for the greeting and EHLO reply */
	size_t		 max_size;	/* SIZE offered and enforced; 0: none */
	smtp_deliver_fn	 deliver;
	smtp_check_fn	 check_rcpt;
	void		*ctx;
};

/*
 * smtp_serve - run one session on in/out until QUIT or end of input.
 * Speaks RFC 5321 with PIPELINING, 8BITMIME, SIZE and ENHANCEDSTATUSCODES:
 * HELO, EHLO, MAIL FROM (BODY= and SIZE= accepted), RCPT TO (at most
 * 1000), DATA, RSET, NOOP, QUIT, VRFY (252), HELP; EXPN, AUTH, STARTTLS
 * and the like 502; anything else 500. Every reply is flushed at once.
 * Returns 0 after QUIT, or at end of input outside a transaction;
 * EX_PROTOCOL when input ended after MAIL but before the end of DATA
 * (deliver is then not called); EX_IOERR on a read or write error.
 * A write to a closed pipe raises SIGPIPE, which the caller may ignore.
 */
int	smtp_serve(const struct smtp_server *srv, FILE *in, FILE *out);

/*
 * smtp_reply_code - the SMTP reply for a sysexits code from
 * smtp_deliver_fn: 250 for 0; 550 for EX_NOUSER and EX_NOHOST; 554 for
 * EX_USAGE, EX_DATAERR, EX_UNAVAILABLE and EX_NOPERM; 451 for
 * EX_TEMPFAIL, EX_CONFIG and anything else, since it may pass.
 * *enhanced gets the RFC 3463 code ("2.0.0", "4.3.0", "5.7.1"...).
 */
int	smtp_reply_code(int exitcode, const char **enhanced);

#endif
