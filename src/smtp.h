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
 * May be NULL: every syntactically valid address is accepted.
 */
typedef int	(*smtp_check_fn)(void *ctx, const char *rcpt, char *reply,
		    size_t replylen);

struct smtp_server {
	const char	*hostname;	/* for the greeting and EHLO reply */
	size_t		 max_size;	/* SIZE advertised and enforced */
	smtp_deliver_fn	 deliver;
	smtp_check_fn	 check_rcpt;
	void		*ctx;
};

/*
 * smtp_serve - run one session on in/out until QUIT or end of input.
 * Speaks RFC 5321 with PIPELINING, 8BITMIME, SIZE and ENHANCEDSTATUSCODES:
 * HELO, EHLO, MAIL FROM (BODY= and SIZE= accepted), RCPT TO, DATA, RSET,
 * NOOP, QUIT, VRFY (252), HELP; anything else 502. Returns 0 after QUIT,
 * EX_PROTOCOL when the client vanished in the middle of a transaction
 * whose message was not delivered, EX_IOERR on a write error.
 */
int	smtp_serve(const struct smtp_server *srv, FILE *in, FILE *out);

/*
 * smtp_reply_code - the SMTP reply for a sysexits code from
 * smtp_deliver_fn: 250 for 0, 451 for EX_TEMPFAIL (and anything that may
 * pass), 554 for permanent failures, 550 for an unknown user.
 * *enhanced gets the RFC 3463 code ("2.0.0", "4.3.0", "5.7.1"...).
 */
int	smtp_reply_code(int exitcode, const char **enhanced);

#endif
