/*
 * ses - one call that sends a raw message: SES v1 SendRawEmail or SES v2
 * SendEmail with raw content; request body, signing, reply.
 */
#ifndef SESMAIL_SES_H
#define SESMAIL_SES_H

#include <stddef.h>

#include "body.h"
#include "buf.h"
#include "conf.h"
#include "credentials.h"
#include "http.h"

/* SES takes at most this many destinations in one call. */
#define SES_MAX_RECIPIENTS	50

/*
 * The largest message each API takes, as base64: 10 MB for v1, 40 MB for
 * v2, read as 10^6 bytes so that a message is never sent only to bounce.
 */
#define SES_V1_MAX_B64		10000000
#define SES_V2_MAX_B64		40000000

/* The APIs (sesmail.conf "api"). */
#define SES_API_V1		1	/* SendRawEmail, Query API */
#define SES_API_V2		2	/* SendEmail, REST-JSON */

/* What SES said, success or not. */
struct ses_reply {
	long	 http_status;	/* 0 when no reply came */
	char	*message_id;	/* on success */
	char	*request_id;
	char	*error_type;	/* "Sender" or "Receiver" */
	char	*error_code;	/* wire code, e.g. "MessageRejected" */
	char	*error_message;	/* unescaped, sanitised */
	char	*date;		/* the reply's Date header, sanitised */
};

/* Where and as whom one call goes. */
struct ses_target {
	struct http_client		*http;
	const char			*endpoint;
	const char			*region;
	const struct credentials	*cred;
	long				 clock_offset;	/* seconds added to
							   our clock to sign */
	int				 api;		/* SES_API_V*; 0
							   is v1 */
};

/*
 * ses_pick_api - the API for a message of b64len base64 bytes, as the
 * configured api ("auto", "v1", "v2"; NULL is "auto") allows: auto takes
 * v1 up to its limit and v2 above it. Returns SES_API_V1 or SES_API_V2,
 * or 0 when the message is too large for what is allowed.
 */
int	ses_pick_api(const char *api, size_t b64len);

/* ses_max_raw - the largest message (bytes before base64) api allows. */
size_t	ses_max_raw(const char *api);

/*
 * ses_endpoint - the SES endpoint URL: c->endpoint, else
 * AWS_ENDPOINT_URL_SES, else AWS_ENDPOINT_URL, else
 * https://email.REGION.amazonaws.com. Returns an allocated string or
 * NULL (ENOMEM).
 */
char	*ses_endpoint(const struct conf *c, const char *region);

/*
 * ses_region - c->region, else AWS_REGION, else AWS_DEFAULT_REGION, else
 * NULL. Not allocated.
 */
const char *ses_region(const struct conf *c);

/*
 * ses_form_body - append the SendRawEmail form to out: Action, Version,
 * Source (when source is not NULL), Destinations.member.1..n, then
 * RawMessage.Data as base64 without line breaks. Every byte outside
 * A-Z a-z 0-9 - _ . ~ is %-encoded, so base64's + / = become %2B %2F %3D
 * (a literal + would be read as a space). Returns 0 or -1 (ENOMEM).
 */
int	ses_form_body(const char *source, char *const *rcpts, size_t nrcpt,
	    const char *raw, size_t rawlen, struct buf *out);

/*
 * ses_json_head - append the start of the SES v2 SendEmail request to
 * out, up to where the base64 of the message goes:
 *   {"FromEmailAddress":"source","Destination":{"ToAddresses":[...]},
 *   "Content":{"Raw":{"Data":"
 * (FromEmailAddress only when source is not NULL); SES_JSON_TAIL closes
 * it. Every recipient is an envelope destination, as v1's Destinations:
 * Bcc recipients are reached although no header names them. Returns 0
 * or -1 (ENOMEM).
 */
int	ses_json_head(const char *source, char *const *rcpts, size_t nrcpt,
	    struct buf *out);
#define SES_JSON_TAIL	"\"}}}"

/*
 * ses_parse_json_reply - read an SES v2 (REST-JSON) reply with json-c:
 * MessageId on success; on failure the code from the x-amzn-ErrorType
 * header (error_type, may be NULL; what follows a ':' is dropped), else
 * the body's "__type", "code" or "Code" (a "namespace#" prefix dropped),
 * and the text of "message" or "Message". Fills r (fields not found stay
 * NULL). Returns 0, or -1 when the body is not a JSON object (an error
 * code from the header is still kept).
 */
int	ses_parse_json_reply(const char *json, size_t len,
	    const char *error_type, struct ses_reply *r);

/*
 * ses_parse_reply - read an SES (or STS) Query XML reply with expat: the
 * MessageId of a SendRawEmailResponse, or Type, Code and Message of an
 * ErrorResponse, and the RequestId of either. Fills r (fields not found
 * stay NULL). Returns 0, or -1 when the body is not well-formed XML.
 */
int	ses_parse_reply(const char *xml, size_t len, struct ses_reply *r);

/*
 * ses_exitcode - the one place where an SES outcome becomes a sysexits
 * code. http_status 0 means no reply came (network, TLS, timeout).
 *   throttling, daily quota, sending
 *   paused, 5xx, no reply                 EX_TEMPFAIL (75)
 *   credentials refused, access denied,
 *   our clock off                         EX_NOPERM (77)
 *   MessageRejected and other rejections  EX_UNAVAILABLE (69)
 *   configuration set missing             EX_CONFIG (78)
 *   malformed request parameters          EX_DATAERR (65)
 */
int	ses_exitcode(long http_status, const char *code);

/*
 * ses_send - one SendRawEmail call for at most SES_MAX_RECIPIENTS
 * recipients: build the body, sign it (with a fresh X-Amz-Date, our
 * clock plus t->clock_offset), POST it, parse the reply into r. No
 * retries: submit.c decides those. Returns the exit code (0 when SES
 * gave a MessageId); err holds a one-line reason otherwise.
 */
int	ses_send(const struct ses_target *t, const char *source,
	    char *const *rcpts, size_t nrcpt, const char *raw, size_t rawlen,
	    struct ses_reply *r, char *err, size_t errlen);

/*
 * ses_send_pieces - ses_send for a message in pieces (its header fields,
 * line ends and body where they lie), through the API t->api. The
 * request body is made twice on the fly (body.h), once to hash it for
 * the signature and once as libcurl sends it: neither the message in one
 * block nor its encoded form is ever held whole.
 */
int	ses_send_pieces(const struct ses_target *t, const char *source,
	    char *const *rcpts, size_t nrcpt, const struct body_piece *pieces,
	    size_t npieces, struct ses_reply *r, char *err, size_t errlen);

/* ses_send_raw - ses_send to endpoint for region as cr, no offset. */
int	ses_send_raw(struct http_client *http, const char *endpoint,
	    const char *region, const struct credentials *cr,
	    const char *source, char *const *rcpts, size_t nrcpt,
	    const char *raw, size_t rawlen, struct ses_reply *r,
	    char *err, size_t errlen);

void	ses_reply_init(struct ses_reply *r);
void	ses_reply_free(struct ses_reply *r);

#endif
