/*
 * test_ses - the SendRawEmail body against botocore's bytes, the reply
 * parser, the exit-code table, endpoint and region precedence, URL
 * checks, the credentials parser, and whole calls against a small fake
 * server on 127.0.0.1 forked by the test itself.
 */
#include "config.h"

#include <sys/socket.h>
#include <sys/wait.h>

#include <netinet/in.h>

#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sysexits.h>
#include <unistd.h>

#include <cmocka.h>

#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/sha.h>

#include "buf.h"
#include "conf.h"
#include "credentials.h"
#include "http.h"
#include "ses.h"
#include "util.h"

#define EXAMPLES	TESTDATA "/sigv4-testsuite/ses-examples/"

/* The fake keys of the AWS test suite and the examples. */
#define AKID		"AKIDEXAMPLE"
#define SECRET		"wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY"
#define TOKEN		"6e86291e8372ff2a2260956d9b8aae1d763fbf315fa00fa3" \
			"1553b73ebf194267"

/* Writable, because ses_form_body takes char *const *. */
static char	addr_rcpt[] = "rcpt@example.org";
static char	addr_a[] = "a@example.org";
static char	addr_b[] = "b@example.org";
static char	addr_hidden[] = "hidden@example.net";
static char	addr_tag[] = "x+tag@example.org";
static char	addr_x[] = "x@example.org";

/* --- helpers ------------------------------------------------------- */

/* slurp - a whole test file, or the test fails. */
static char *
slurp(const char *path, size_t *lenp)
{
	char	*s;

	s = read_file(path, 1 << 20, lenp);
	if (s == NULL)
		fail_msg("cannot read %s: %s", path, strerror(errno));
	return s;
}

/* req_body - the body of an example .req: what follows the blank line. */
static char *
req_body(const char *name)
{
	char	 path[512], *req, *p, *body;
	size_t	 len;

	snprintf(path, sizeof(path), EXAMPLES "%s.req", name);
	req = slurp(path, &len);
	p = strstr(req, "\n\n");
	assert_non_null(p);
	body = strdup(p + 2);
	free(req);
	return body;
}

/* form_value - the raw text of name= in a form body, allocated. */
static char *
form_value(const char *body, const char *name)
{
	const char	*p, *end;
	size_t		 n = strlen(name);

	for (p = body; p != NULL; p = strchr(p, '&')) {
		if (*p == '&')
			p++;
		if (strncmp(p, name, n) == 0 && p[n] == '=')
			break;
	}
	assert_non_null(p);
	p += n + 1;
	end = strchr(p, '&');
	return strndup(p, end != NULL ? (size_t)(end - p) : strlen(p));
}

/* unpct - the test's own %-decoder; fails on a malformed escape. */
static size_t
unpct(const char *s, unsigned char *out)
{
	unsigned int	 v;
	size_t		 n = 0;

	while (*s != '\0') {
		if (*s != '%') {
			out[n++] = (unsigned char)*s++;
			continue;
		}
		assert_true(isxdigit((unsigned char)s[1]) &&
		    isxdigit((unsigned char)s[2]));
		assert_int_equal(sscanf(s + 1, "%2x", &v), 1);
		out[n++] = (unsigned char)v;
		s += 3;
	}
	return n;
}

/* unb64 - decode %-encoded base64 from a form value. */
static unsigned char *
unb64(const char *value, size_t *lenp)
{
	unsigned char	*b64, *raw;
	size_t		 n, pad = 0;
	int		 k;

	b64 = malloc(strlen(value) + 1);
	n = unpct(value, b64);
	assert_int_equal(n % 4, 0);
	raw = malloc(n / 4 * 3 + 1);
	k = n > 0 ? EVP_DecodeBlock(raw, b64, (int)n) : 0;
	assert_true(k >= 0);
	while (pad < n && pad < 2 && b64[n - 1 - pad] == '=')
		pad++;
	*lenp = (size_t)k - pad;
	free(b64);
	return raw;
}

/* no_raw_specials - no literal + / = inside any value of the form. */
static void
no_raw_specials(const char *body)
{
	const char	*p, *eq, *end;

	for (p = body; *p != '\0'; p = *end != '\0' ? end + 1 : end) {
		end = strchr(p, '&');
		if (end == NULL)
			end = p + strlen(p);
		eq = memchr(p, '=', (size_t)(end - p));
		assert_non_null(eq);
		for (eq++; eq < end; eq++)
			if (*eq == '+' || *eq == '/' || *eq == '=')
				fail_msg("literal %c at offset %ld", *eq,
				    (long)(eq - body));
	}
}

/* --- ses_form_body ------------------------------------------------- */

static void
test_form_basic(void **state)
{
	struct buf	 b = BUF_INIT;
	char		*want, *eml;
	char		*rcpts[] = { addr_rcpt };
	size_t		 len;

	(void)state;
	want = req_body("ses-v1-sendrawemail-basic");
	eml = slurp(EXAMPLES "ses-v1-sendrawemail-basic.eml", &len);
	assert_int_equal(ses_form_body("sender@example.com", rcpts, 1, eml,
	    len, &b), 0);
	assert_int_equal(b.len, strlen(want));
	assert_string_equal(b.data, want);
	/* Sized exactly once: no slack left by doubling. */
	assert_int_equal(b.cap, b.len + 1);
	buf_free(&b);
	free(want);
	free(eml);
}

static void
test_form_token_loopback(void **state)
{
	struct buf	 b = BUF_INIT;
	char		*want, *eml, *tags;
	char		*rcpts[] = { addr_a, addr_b, addr_hidden };
	size_t		 len;

	(void)state;
	want = req_body("ses-v1-sendrawemail-token-loopback");
	/* ses_form_body sends no Tags or ConfigurationSetName (yet). */
	tags = strstr(want, "&Tags.member.1.Name=");
	assert_non_null(tags);
	*tags = '\0';
	eml = slurp(EXAMPLES "ses-v1-sendrawemail-token-loopback.eml", &len);
	assert_int_equal(ses_form_body("sender@example.com", rcpts, 3, eml,
	    len, &b), 0);
	assert_string_equal(b.data, want);
	/* This message was chosen so its base64 holds + and /. */
	assert_non_null(strstr(b.data, "%2B"));
	assert_non_null(strstr(b.data, "%2F"));
	no_raw_specials(b.data);
	buf_free(&b);
	free(want);
	free(eml);
}

static void
test_form_no_source(void **state)
{
	struct buf	 b = BUF_INIT;

	(void)state;
	assert_int_equal(ses_form_body(NULL, NULL, 0, "x", 1, &b), 0);
	assert_string_equal(b.data, "Action=SendRawEmail&Version=2010-12-01"
	    "&RawMessage.Data=eA%3D%3D");
	buf_free(&b);

	assert_int_equal(ses_form_body(NULL, NULL, 0, "", 0, &b), 0);
	assert_string_equal(b.data, "Action=SendRawEmail&Version=2010-12-01"
	    "&RawMessage.Data=");
	buf_free(&b);
}

/* Odd bytes survive, at every length modulo 3 and across chunks. */
static void
test_form_binary_roundtrip(void **state)
{
	static const size_t	 sizes[] = { 1, 2, 3, 255, 256, 3072, 3073,
				    10000, 100001 };
	struct buf		 b = BUF_INIT;
	unsigned char		*raw, *back;
	char			*val, *rcpts[] = { addr_tag };
	uint32_t		 seed = 12345;
	size_t			 i, j, n;

	(void)state;
	for (i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
		raw = malloc(sizes[i]);
		for (j = 0; j < sizes[i]; j++) {
			seed = seed * 1103515245 + 12345;
			raw[j] = (unsigned char)(seed >> 16);
		}
		raw[0] = 0x00;
		raw[sizes[i] - 1] = 0xff;
		assert_int_equal(ses_form_body("s@example.com", rcpts, 1,
		    (const char *)raw, sizes[i], &b), 0);
		assert_int_equal(b.cap, b.len + 1);
		assert_int_equal(strlen(b.data), b.len);
		no_raw_specials(b.data);
		assert_non_null(strstr(b.data,
		    "&Destinations.member.1=x%2Btag%40example.org&"));

		val = form_value(b.data, "RawMessage.Data");
		back = unb64(val, &n);
		assert_int_equal(n, sizes[i]);
		assert_memory_equal(back, raw, n);
		free(back);
		free(val);
		free(raw);
		buf_free(&b);
	}
}

/* --- ses_parse_reply ----------------------------------------------- */

static const char ok_xml[] =
    "<SendRawEmailResponse xmlns=\"http://ses.amazonaws.com/doc/"
    "2010-12-01/\">\n"
    "  <SendRawEmailResult>\n"
    "    <MessageId>0100018c2a4f5e6b-1a2b3c4d-5e6f-4a1b-9c8d-"
    "7e6f5a4b3c2d-000000</MessageId>\n"
    "  </SendRawEmailResult>\n"
    "  <ResponseMetadata>\n"
    "    <RequestId>e0abcdfa-c866-11e0-b6d0-273d09173b49</RequestId>\n"
    "  </ResponseMetadata>\n"
    "</SendRawEmailResponse>\n";

static const char err_xml[] =
    "<ErrorResponse xmlns=\"http://ses.amazonaws.com/doc/2010-12-01/\">\n"
    "  <Error>\n"
    "    <Type>Sender</Type>\n"
    "    <Code>MessageRejected</Code>\n"
    "    <Message>Email address is not verified. The following "
    "identities failed the check in region US-EAST-2: WordPress "
    "&lt;wordpress@example.com&gt;</Message>\n"
    "  </Error>\n"
    "  <RequestId>da8072bc-3550-4d98-81f5-28169cc53c7b</RequestId>\n"
    "</ErrorResponse>\n";

/* parse - ses_parse_reply of a C string into a fresh r. */
static int
parse(const char *xml, struct ses_reply *r)
{
	ses_reply_init(r);
	return ses_parse_reply(xml, strlen(xml), r);
}

static void
test_reply_success(void **state)
{
	struct ses_reply	 r;
	char			 buf[2048];

	(void)state;
	assert_int_equal(parse(ok_xml, &r), 0);
	assert_string_equal(r.message_id, "0100018c2a4f5e6b-1a2b3c4d-5e6f-"
	    "4a1b-9c8d-7e6f5a4b3c2d-000000");
	assert_string_equal(r.request_id,
	    "e0abcdfa-c866-11e0-b6d0-273d09173b49");
	assert_null(r.error_code);
	assert_null(r.error_message);
	ses_reply_free(&r);

	snprintf(buf, sizeof(buf), "<?xml version=\"1.0\" encoding=\"UTF-8\""
	    "?>\n%s", ok_xml);
	assert_int_equal(parse(buf, &r), 0);
	assert_string_equal(r.request_id,
	    "e0abcdfa-c866-11e0-b6d0-273d09173b49");
	ses_reply_free(&r);
}

/* A MessageId inside an Error is not SES taking the message. */
static void
test_reply_id_in_error(void **state)
{
	struct ses_reply	 r;

	(void)state;
	assert_int_equal(parse("<ErrorResponse><Error><Code>Throttling</Code>"
	    "<MessageId>not-sent</MessageId></Error></ErrorResponse>", &r),
	    0);
	assert_null(r.message_id);
	assert_string_equal(r.error_code, "Throttling");
	ses_reply_free(&r);
}

static void
test_reply_local_shape(void **state)
{
	struct ses_reply	 r;

	(void)state;
	/* aws-ses-v2-local: prologue, one line, no ResponseMetadata. */
	assert_int_equal(parse("<?xml version=\"1.0\" encoding=\"UTF-8\"?>"
	    "<SendRawEmailResponse xmlns=\"http://ses.amazonaws.com/doc/"
	    "2010-12-01/\"><SendRawEmailResult><MessageId>ses-123456789"
	    "</MessageId></SendRawEmailResult></SendRawEmailResponse>", &r),
	    0);
	assert_string_equal(r.message_id, "ses-123456789");
	assert_null(r.request_id);
	ses_reply_free(&r);
}

static void
test_reply_error(void **state)
{
	struct ses_reply	 r;

	(void)state;
	assert_int_equal(parse(err_xml, &r), 0);
	assert_null(r.message_id);
	assert_string_equal(r.error_type, "Sender");
	assert_string_equal(r.error_code, "MessageRejected");
	assert_string_equal(r.error_message, "Email address is not verified. "
	    "The following identities failed the check in region US-EAST-2: "
	    "WordPress <wordpress@example.com>");
	assert_string_equal(r.request_id,
	    "da8072bc-3550-4d98-81f5-28169cc53c7b");
	ses_reply_free(&r);
}

static void
test_reply_prefix(void **state)
{
	struct ses_reply	 r;

	(void)state;
	assert_int_equal(parse("<ses:SendRawEmailResponse xmlns:ses=\"http://"
	    "ses.amazonaws.com/doc/2010-12-01/\"><ses:SendRawEmailResult>"
	    "<ses:MessageId>pfx-1</ses:MessageId></ses:SendRawEmailResult>"
	    "</ses:SendRawEmailResponse>", &r), 0);
	assert_string_equal(r.message_id, "pfx-1");
	ses_reply_free(&r);

	assert_int_equal(parse("<a:ErrorResponse xmlns:a=\"urn:x\"><a:Error>"
	    "<a:Code>Throttling</a:Code></a:Error></a:ErrorResponse>", &r),
	    0);
	assert_string_equal(r.error_code, "Throttling");
	ses_reply_free(&r);
}

static void
test_reply_garbage(void **state)
{
	static const char *const bad[] = {
		"", "not xml at all", "{\"message\":\"Bad Request\"}",
		"<a><b></a>", "<SendRawEmailResponse><MessageId>x",
		"<x:a><x:b/></x:a>",
		/* A DTD, here an entity bomb, is refused outright. */
		"<?xml version=\"1.0\"?><!DOCTYPE a [<!ENTITY b \"bbbb\">"
		"<!ENTITY c \"&b;&b;&b;&b;\">]><a><MessageId>&c;</MessageId>"
		"</a>",
		NULL
	};
	struct ses_reply	 r;
	size_t			 i;

	(void)state;
	for (i = 0; bad[i] != NULL; i++) {
		if (parse(bad[i], &r) != -1)
			fail_msg("accepted: %s", bad[i]);
		assert_null(r.message_id);
		ses_reply_free(&r);
	}
}

static void
test_reply_details(void **state)
{
	struct ses_reply	 r;
	struct buf		 b = BUF_INIT;
	size_t			 i;

	(void)state;
	/* Code and Message count only inside Error; text is trimmed. */
	assert_int_equal(parse("<R><Code>x</Code><Message>y</Message>"
	    "<MessageId>\n   id-1 \n</MessageId><Error><Message>caf\xc3\xa9"
	    "&#x7f;</Message></Error></R>", &r), 0);
	assert_null(r.error_code);
	assert_string_equal(r.message_id, "id-1");
	/* Non-ASCII and control bytes are made printable. */
	assert_string_equal(r.error_message, "caf???");
	ses_reply_free(&r);

	/* Empty elements stay NULL. */
	assert_int_equal(parse("<R><MessageId>  </MessageId></R>", &r), 0);
	assert_null(r.message_id);
	ses_reply_free(&r);

	/* Long text is cut, not refused. */
	buf_appends(&b, "<ErrorResponse><Error><Message>");
	for (i = 0; i < 10000; i++)
		buf_appendc(&b, 'A');
	buf_appends(&b, "</Message></Error></ErrorResponse>");
	assert_int_equal(ses_parse_reply(b.data, b.len, &r), 0);
	assert_non_null(r.error_message);
	assert_true(strlen(r.error_message) >= 256);
	assert_true(strlen(r.error_message) < 10000);
	ses_reply_free(&r);
	buf_free(&b);
}

/* --- ses_exitcode -------------------------------------------------- */

static const struct {
	long		 status;
	const char	*code;
	int		 want;
} exit_rows[] = {
	{ 400, "Throttling", EX_TEMPFAIL },
	{ 400, "ThrottlingException", EX_TEMPFAIL },
	{ 400, "TooManyRequestsException", EX_TEMPFAIL },
	{ 400, "ServiceUnavailable", EX_TEMPFAIL },
	{ 400, "InternalFailure", EX_TEMPFAIL },
	{ 400, "RequestTimeout", EX_TEMPFAIL },
	{ 400, "RequestTimeoutException", EX_TEMPFAIL },
	{ 400, "PriorRequestNotComplete", EX_TEMPFAIL },
	{ 403, "InvalidClientTokenId", EX_NOPERM },
	{ 403, "SignatureDoesNotMatch", EX_NOPERM },
	{ 400, "IncompleteSignature", EX_NOPERM },
	{ 403, "MissingAuthenticationToken", EX_NOPERM },
	{ 403, "AccessDenied", EX_NOPERM },
	{ 400, "AccessDeniedException", EX_NOPERM },
	{ 400, "NotAuthorized", EX_NOPERM },
	{ 403, "OptInRequired", EX_NOPERM },
	{ 403, "ExpiredToken", EX_TEMPFAIL },
	{ 400, "RequestExpired", EX_NOPERM },
	{ 400, "RequestTimeTooSkewed", EX_NOPERM },
	{ 400, "RequestInTheFuture", EX_NOPERM },
	{ 400, "AccountSendingPausedException", EX_TEMPFAIL },
	{ 400, "ConfigurationSetSendingPausedException", EX_TEMPFAIL },
	{ 400, "MessageRejected", EX_UNAVAILABLE },
	{ 400, "MailFromDomainNotVerifiedException", EX_UNAVAILABLE },
	{ 400, "ConfigurationSetDoesNotExist", EX_CONFIG },
	{ 400, "InvalidParameterValue", EX_DATAERR },
	{ 400, "InvalidParameterCombination", EX_DATAERR },
	{ 400, "MissingParameter", EX_DATAERR },
	{ 400, "ValidationError", EX_DATAERR },
	{ 404, "MalformedQueryString", EX_DATAERR },
	{ 400, "InvalidQueryParameter", EX_DATAERR },
	{ 400, "MissingAction", EX_DATAERR },
	{ 400, "InvalidAction", EX_DATAERR },
	/* Daily quota: Throttling too, so EX_TEMPFAIL (not retried now). */
	{ 400, "Throttling", EX_TEMPFAIL },
	/* Unknown codes go by status. */
	{ 400, "SomethingNew", EX_UNAVAILABLE },
	{ 413, NULL, EX_UNAVAILABLE },
	{ 403, "SomethingNew", EX_NOPERM },
	{ 403, NULL, EX_NOPERM },
	/* 429 is throttling, with or without a code of its own. */
	{ 429, NULL, EX_TEMPFAIL },
	{ 429, "SomethingNew", EX_TEMPFAIL },
	{ 429, "TooManyRequestsException", EX_TEMPFAIL },
	{ 500, "SomethingNew", EX_TEMPFAIL },
	{ 502, NULL, EX_TEMPFAIL },
	/* Any 5xx is transient, whatever the code says. */
	{ 503, "MessageRejected", EX_TEMPFAIL },
	/* No reply at all. */
	{ 0, NULL, EX_TEMPFAIL },
	{ 0, "MessageRejected", EX_TEMPFAIL },
	/* Codes match exactly. */
	{ 400, "messagerejected", EX_UNAVAILABLE },
	{ 400, "Throttling ", EX_UNAVAILABLE },
};

static void
test_exitcode(void **state)
{
	size_t	 i;
	int	 got;

	(void)state;
	for (i = 0; i < sizeof(exit_rows) / sizeof(exit_rows[0]); i++) {
		got = ses_exitcode(exit_rows[i].status, exit_rows[i].code);
		if (got != exit_rows[i].want)
			fail_msg("%ld %s: got %d, want %d",
			    exit_rows[i].status, exit_rows[i].code ?
			    exit_rows[i].code : "(none)", got,
			    exit_rows[i].want);
	}
}

/* --- ses_region, ses_endpoint -------------------------------------- */

/* clear_env - no AWS or proxy variable from the shell leaks in. */
static void
clear_env(void)
{
	static const char *const vars[] = {
		"AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY",
		"AWS_SESSION_TOKEN", "AWS_PROFILE", "AWS_REGION",
		"AWS_DEFAULT_REGION", "AWS_ENDPOINT_URL",
		"AWS_ENDPOINT_URL_SES", "AWS_IGNORE_CONFIGURED_ENDPOINT_URLS",
		/* The fake server must be reached directly. */
		"http_proxy", "HTTP_PROXY", "https_proxy", "HTTPS_PROXY",
		"all_proxy", "ALL_PROXY", NULL
	};
	size_t	 i;

	for (i = 0; vars[i] != NULL; i++)
		unsetenv(vars[i]);
}

static int
env_setup(void **state)
{
	(void)state;
	clear_env();
	return 0;
}

static void
test_region(void **state)
{
	struct conf	 c;

	(void)state;
	conf_init(&c);
	assert_null(ses_region(&c));
	setenv("AWS_DEFAULT_REGION", "us-west-2", 1);
	assert_string_equal(ses_region(&c), "us-west-2");
	setenv("AWS_REGION", "", 1);
	assert_string_equal(ses_region(&c), "us-west-2");
	setenv("AWS_REGION", "eu-central-1", 1);
	assert_string_equal(ses_region(&c), "eu-central-1");
	c.region = strdup("ap-south-1");
	assert_string_equal(ses_region(&c), "ap-south-1");
	conf_free(&c);
}

/* endpoint_is - ses_endpoint equals want (NULL for none). */
static void
endpoint_is(const struct conf *c, const char *region, const char *want)
{
	char	*got;

	got = ses_endpoint(c, region);
	if (want == NULL)
		assert_null(got);
	else
		assert_string_equal(got, want);
	free(got);
}

static void
test_endpoint(void **state)
{
	struct conf	 c;

	(void)state;
	conf_init(&c);
	endpoint_is(&c, NULL, NULL);
	endpoint_is(&c, "eu-west-1", "https://email.eu-west-1.amazonaws.com");
	setenv("AWS_ENDPOINT_URL", "http://127.0.0.1:1/all", 1);
	endpoint_is(&c, "eu-west-1", "http://127.0.0.1:1/all");
	setenv("AWS_ENDPOINT_URL_SES", "http://127.0.0.1:2/ses/", 1);
	endpoint_is(&c, "eu-west-1", "http://127.0.0.1:2/ses/");
	endpoint_is(&c, NULL, "http://127.0.0.1:2/ses/");

	setenv("AWS_IGNORE_CONFIGURED_ENDPOINT_URLS", "true", 1);
	endpoint_is(&c, "eu-west-1", "https://email.eu-west-1.amazonaws.com");
	unsetenv("AWS_IGNORE_CONFIGURED_ENDPOINT_URLS");

	c.endpoint = strdup("https://conf.example.test/p/");
	endpoint_is(&c, "eu-west-1", "https://conf.example.test/p/");
	conf_free(&c);
}

/* --- http_url_check, http_url_host --------------------------------- */

static void
test_url_check(void **state)
{
	static const char *const good[] = {
		"https://x", "https://email.eu-west-1.amazonaws.com/",
		"HTTPS://Email.Example.COM/", "http://127.0.0.1:8",
		"http://127.9.9.9/", "http://[::1]:9/", "http://localhost/",
		"http://LOCALHOST:8005/prefix/", NULL
	};
	static const char *const bad[] = {
		"http://example.com/", "ftp://127.0.0.1/",
		"file:///etc/passwd", "http://127.0.0.1.evil.example/",
		"http://localhost.evil.example/", "http://[::2]/",
		"http://128.0.0.1/", "https://user:pw@example.com/",
		"http://127.0.0.1@evil.example/", "gopher://localhost/",
		"not a url", "", "//127.0.0.1/", NULL
	};
	char	 err[ERRLEN];
	size_t	 i;

	(void)state;
	for (i = 0; good[i] != NULL; i++)
		if (http_url_check(good[i], err, sizeof(err)) != 0)
			fail_msg("refused %s: %s", good[i], err);
	for (i = 0; bad[i] != NULL; i++) {
		err[0] = '\0';
		if (http_url_check(bad[i], err, sizeof(err)) != -1)
			fail_msg("accepted %s", bad[i]);
		assert_true(err[0] != '\0');
	}
	http_url_check("http://example.com/", err, sizeof(err));
	assert_non_null(strstr(err, "loopback"));
}

static void
test_url_host(void **state)
{
	static const char *const cases[][2] = {
		{ "https://email.us-east-1.amazonaws.com",
		  "email.us-east-1.amazonaws.com" },
		{ "https://Email.Example.COM:443/", "email.example.com" },
		{ "https://x.example:8443/p?q", "x.example:8443" },
		{ "https://x.example:80/", "x.example:80" },
		{ "http://127.0.0.1:8005/", "127.0.0.1:8005" },
		{ "http://127.0.0.1:80/", "127.0.0.1" },
		{ "http://[::1]:9/", "[::1]:9" },
		{ "http://[::1]/", "[::1]" },
		{ "http://[::1]:443/", "[::1]:443" },
		{ "http://LocalHost/prefix/", "localhost" },
	};
	char	*got;
	size_t	 i;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		got = http_url_host(cases[i][0]);
		if (got == NULL || strcmp(got, cases[i][1]) != 0)
			fail_msg("%s: got %s, want %s", cases[i][0],
			    got ? got : "NULL", cases[i][1]);
		free(got);
	}
	assert_null(http_url_host("not a url"));
}

/* --- credentials_parse_ini ----------------------------------------- */

/* ini - parse text (copied to an exact-size, unterminated buffer). */
static int
ini(const char *text, const char *profile, struct credentials *cr,
    char *err)
{
	char	*copy;
	size_t	 n = strlen(text);
	int	 rc;

	copy = malloc(n > 0 ? n : 1);
	memcpy(copy, text, n);
	credentials_init(cr);
	err[0] = '\0';
	rc = credentials_parse_ini(copy, n, profile, cr, err, ERRLEN);
	free(copy);
	return rc;
}

static const char ini_text[] =
    "# shared credentials\r\n"
    "; another comment\r\n"
    "\r\n"
    "[default]\r\n"
    "aws_access_key_id = AKIDDEFAULT\r\n"
    "aws_secret_access_key = secret/de+fault\r\n"
    "\r\n"
    "[mail]\n"
    "aws_access_key_id=AKIDMAIL\n"
    "aws_secret_access_key\t=\tsecret mail  \n"
    "aws_session_token = tok==\n"
    "region = eu-west-1\n"
    "services = mine\n"
    "  ses =\n"
    "    aws_access_key_id = NOTME\n"
    "[Mail]\n"
    "aws_access_key_id: AKIDCOLON\n"
    "aws_secret_access_key: s:c\n"
    "[ spaced ]\n"
    "  aws_access_key_id = AKIDSPACED\n"
    "  aws_secret_access_key = s";

static void
test_ini_profiles(void **state)
{
	struct credentials	 cr;
	char			 err[ERRLEN];

	(void)state;
	assert_int_equal(ini(ini_text, "default", &cr, err), 0);
	assert_string_equal(cr.access_key_id, "AKIDDEFAULT");
	assert_string_equal(cr.secret_access_key, "secret/de+fault");
	assert_null(cr.session_token);
	credentials_free(&cr);

	assert_int_equal(ini(ini_text, "mail", &cr, err), 0);
	assert_string_equal(cr.access_key_id, "AKIDMAIL");
	assert_string_equal(cr.secret_access_key, "secret mail");
	assert_string_equal(cr.session_token, "tok==");
	credentials_free(&cr);

	/* Section names are case-sensitive; ':' separates too. */
	assert_int_equal(ini(ini_text, "Mail", &cr, err), 0);
	assert_string_equal(cr.access_key_id, "AKIDCOLON");
	assert_string_equal(cr.secret_access_key, "s:c");
	credentials_free(&cr);

	/*
	 * Keys indented alike are keys; one indented deeper than the key
	 * before it continues that key (as in configparser). The last line
	 * has no newline.
	 */
	assert_int_equal(ini(ini_text, "spaced", &cr, err), 0);
	assert_string_equal(cr.access_key_id, "AKIDSPACED");
	assert_string_equal(cr.secret_access_key, "s");
	credentials_free(&cr);
}

static void
test_ini_errors(void **state)
{
	static const struct {
		const char	*text;
		const char	*err;
	} bad[] = {
		{ "[other]\naws_access_key_id = A\naws_secret_access_key = "
		  "S\n", "not found" },
		{ "[default]\naws_access_key_id = A\n",
		  "aws_secret_access_key" },
		{ "[default]\naws_secret_access_key = S\n",
		  "aws_access_key_id" },
		{ "[default]\naws_access_key_id =\naws_secret_access_key = "
		  "S\n", "aws_access_key_id" },
		/* Keys are case-sensitive, as in the AWS files. */
		{ "[default]\nAWS_ACCESS_KEY_ID = A\naws_secret_access_key = "
		  "S\n", "aws_access_key_id" },
		{ "[default]\naws_access_key_id = A\naws_access_key_id = B\n"
		  "aws_secret_access_key = S\n", "twice" },
		{ "aws_access_key_id = A\n[default]\n", "line 1" },
		{ "[default\naws_access_key_id = A\n", "line 1" },
		{ "[default]\njunk\n", "line 2" },
		/* Indented deeper: a continuation of the key above. */
		{ "[default]\naws_access_key_id = A\n  aws_secret_access_key "
		  "= S\n", "aws_secret_access_key" },
		{ "", "not found" },
	};
	struct credentials	 cr;
	char			 err[ERRLEN];
	size_t			 i;

	(void)state;
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		if (ini(bad[i].text, "default", &cr, err) != -1)
			fail_msg("accepted case %zu", i);
		if (strstr(err, bad[i].err) == NULL)
			fail_msg("case %zu: \"%s\" lacks \"%s\"", i, err,
			    bad[i].err);
		assert_null(cr.access_key_id);
	}
}

static void
test_ini_control(void **state)
{
	static const char	 text[] = "[default]\naws_access_key_id = A\0B"
				    "\naws_secret_access_key = S\n";
	struct credentials	 cr;
	char			 err[ERRLEN];

	(void)state;
	credentials_init(&cr);
	assert_int_equal(credentials_parse_ini(text, sizeof(text) - 1,
	    "default", &cr, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "control"));
	/* The secret itself never appears in a message. */
	assert_int_equal(ini("[default]\naws_access_key_id = A\n"
	    "aws_secret_access_key = S\x01" "ECRET\n", "default", &cr, err),
	    -1);
	assert_null(strstr(err, "ECRET"));
}

/* --- whole calls against a fake server ----------------------------- */

struct fake {
	pid_t	 pid;
	int	 port;
	char	 reqfile[64];
};

/* recv_request - headers, then Content-Length bytes of body. */
static void
recv_request(int fd, struct buf *req)
{
	char		 chunk[65536];
	const char	*hend, *cl;
	size_t		 want = 0;
	ssize_t		 n;

	for (;;) {
		hend = req->data != NULL ? strstr(req->data, "\r\n\r\n") :
		    NULL;
		if (hend != NULL && want == 0) {
			cl = strcasestr(req->data, "\r\nContent-Length:");
			want = (size_t)(hend + 4 - req->data) +
			    (cl != NULL && cl < hend ?
			    strtoul(cl + 17, NULL, 10) : 0);
		}
		if (want != 0 && req->len >= want)
			return;
		n = read(fd, chunk, sizeof(chunk));
		if (n <= 0)
			return;
		buf_append(req, chunk, (size_t)n);
	}
}

/* fake_child - serve one request: record it, answer reply (or not). */
static void
fake_child(int lfd, const char *reqfile, const char *reply, size_t len)
{
	struct buf	 req = BUF_INIT;
	FILE		*fp;
	int		 fd;

	fd = accept(lfd, NULL, NULL);
	if (fd == -1)
		_exit(1);
	recv_request(fd, &req);
	fp = fopen(reqfile, "w");
	if (fp != NULL) {
		fwrite(req.data, 1, req.len, fp);
		fclose(fp);
	}
	if (reply == NULL)
		pause();
	while (len > 0) {
		ssize_t n = send(fd, reply, len, MSG_NOSIGNAL);
		if (n <= 0)
			break;
		reply += n;
		len -= (size_t)n;
	}
	shutdown(fd, SHUT_RDWR);
	close(fd);
	_exit(0);
}

/* fake_start - listen on 127.0.0.1, fork a server for one request. */
static void
fake_start(struct fake *f, const char *reply, size_t len)
{
	struct sockaddr_in	 sa;
	socklen_t		 salen = sizeof(sa);
	int			 lfd;

	lfd = socket(AF_INET, SOCK_STREAM, 0);
	assert_true(lfd != -1);
	memset(&sa, 0, sizeof(sa));
	sa.sin_family = AF_INET;
	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	assert_int_equal(bind(lfd, (struct sockaddr *)&sa, sizeof(sa)), 0);
	assert_int_equal(listen(lfd, 1), 0);
	assert_int_equal(getsockname(lfd, (struct sockaddr *)&sa, &salen),
	    0);
	f->port = ntohs(sa.sin_port);
	snprintf(f->reqfile, sizeof(f->reqfile), "/tmp/sesmail-fake.%ld.%d",
	    (long)getpid(), f->port);

	f->pid = fork();
	assert_true(f->pid != -1);
	if (f->pid == 0)
		fake_child(lfd, f->reqfile, reply, len);
	close(lfd);
}

/* fake_stop - end the server; return what it received (or NULL). */
static char *
fake_stop(struct fake *f, size_t *lenp)
{
	char	*req;

	kill(f->pid, SIGKILL);
	waitpid(f->pid, NULL, 0);
	req = read_file(f->reqfile, 64 << 20, lenp);
	unlink(f->reqfile);
	return req;
}

/* http_reply - a whole HTTP/1.1 response with a Content-Length. */
static char *
http_reply(int status, const char *ctype, const char *body, size_t *lenp)
{
	struct buf	 b = BUF_INIT;

	buf_printf(&b, "HTTP/1.1 %d X\r\nContent-Type: %s\r\n"
	    "Date: Sun, 30 Aug 2015 12:36:00 GMT\r\n"
	    "x-amzn-RequestId: 1\r\nContent-Length: %zu\r\n"
	    "Connection: close\r\n\r\n%s", status, ctype, strlen(body), body);
	*lenp = b.len;
	return buf_steal(&b);
}

/* header - value of a header in a recorded request, or NULL. */
static char *
header(const char *req, const char *name)
{
	const char	*p, *end;
	size_t		 n = strlen(name);

	for (p = strstr(req, "\r\n"); p != NULL; p = strstr(p + 2, "\r\n")) {
		if (p[2] == '\r')
			return NULL;
		if (strncasecmp(p + 2, name, n) == 0 && p[2 + n] == ':') {
			p += 3 + n;
			while (*p == ' ')
				p++;
			end = strstr(p, "\r\n");
			return strndup(p, (size_t)(end - p));
		}
	}
	return NULL;
}

/* hex - lowercase hex of n bytes. */
static void
hex(const unsigned char *p, size_t n, char *out)
{
	size_t	 i;

	for (i = 0; i < n; i++)
		snprintf(out + 2 * i, 3, "%02x", p[i]);
}

/* hmac - HMAC-SHA256 of a C string. */
static void
hmac(const unsigned char *key, size_t keylen, const char *msg,
    unsigned char out[32])
{
	unsigned int	 n = 32;

	assert_non_null(HMAC(EVP_sha256(), key, (int)keylen,
	    (const unsigned char *)msg, strlen(msg), out, &n));
}

/*
 * want_authz - the Authorization value, by the test's own SigV4 for
 * exactly the headers ses_send_raw signs (with a token).
 */
static char *
want_authz(const char *date, const char *host, const char *path,
    const char *region, const char *body, size_t bodylen)
{
	struct buf	 creq = BUF_INIT, sts = BUF_INIT, out = BUF_INIT;
	unsigned char	 md[32], k[32];
	char		 h[65], day[9], key[64];

	snprintf(day, sizeof(day), "%.8s", date);
	SHA256((const unsigned char *)body, bodylen, md);
	hex(md, 32, h);
	buf_printf(&creq, "POST\n%s\n\ncontent-type:application/"
	    "x-www-form-urlencoded; charset=utf-8\nhost:%s\nx-amz-date:%s\n"
	    "x-amz-security-token:%s\n\ncontent-type;host;x-amz-date;"
	    "x-amz-security-token\n%s", path, host, date, TOKEN, h);
	SHA256((const unsigned char *)creq.data, creq.len, md);
	hex(md, 32, h);
	buf_printf(&sts, "AWS4-HMAC-SHA256\n%s\n%s/%s/ses/aws4_request\n%s",
	    date, day, region, h);

	snprintf(key, sizeof(key), "AWS4%s", SECRET);
	hmac((unsigned char *)key, strlen(key), day, k);
	hmac(k, 32, region, k);
	hmac(k, 32, "ses", k);
	hmac(k, 32, "aws4_request", k);
	hmac(k, 32, sts.data, md);
	hex(md, 32, h);
	buf_printf(&out, "AWS4-HMAC-SHA256 Credential=" AKID "/%s/%s/ses/"
	    "aws4_request, SignedHeaders=content-type;host;x-amz-date;"
	    "x-amz-security-token, Signature=%s", day, region, h);
	buf_free(&creq);
	buf_free(&sts);
	return buf_steal(&out);
}

/* The test's signer agrees with botocore on the loopback example. */
static void
test_want_authz(void **state)
{
	char	*body, *got, *want;
	size_t	 len;

	(void)state;
	body = req_body("ses-v1-sendrawemail-token-loopback");
	got = want_authz("20150830T123600Z", "127.0.0.1:8005", "/",
	    "eu-west-1", body, strlen(body));
	want = slurp(EXAMPLES "ses-v1-sendrawemail-token-loopback.authz",
	    &len);
	assert_string_equal(got, want);
	free(got);
	free(want);
	free(body);
}

/* Everything one call needs, and what came back. */
struct call {
	struct credentials	 cr;
	struct ses_reply	 r;
	struct http_client	*http;
	struct fake		 fake;
	char			 endpoint[128];
	char			 err[ERRLEN];
	char			*req;
	size_t			 reqlen;
	int			 rc;
};

/* call_ses - one ses_send_raw against a fake answering reply. */
static void
call_ses(struct call *c, const char *path, const char *reply, size_t len,
    long timeout)
{
	char	*rcpts[] = { addr_a, addr_b };

	memset(c, 0, sizeof(*c));
	credentials_init(&c->cr);
	c->cr.access_key_id = strdup(AKID);
	c->cr.secret_access_key = strdup(SECRET);
	c->cr.session_token = strdup(TOKEN);
	ses_reply_init(&c->r);
	c->http = http_client_new(NULL, 2, timeout);
	assert_non_null(c->http);

	fake_start(&c->fake, reply, len);
	snprintf(c->endpoint, sizeof(c->endpoint), "http://127.0.0.1:%d%s",
	    c->fake.port, path);
	c->rc = ses_send_raw(c->http, c->endpoint, "eu-west-1", &c->cr,
	    "sender@example.com", rcpts, 2, "Subject: t\r\n\r\nhi\r\n", 19,
	    &c->r, c->err, sizeof(c->err));
	c->req = fake_stop(&c->fake, &c->reqlen);
}

static void
call_done(struct call *c)
{
	free(c->req);
	ses_reply_free(&c->r);
	credentials_free(&c->cr);
	http_client_free(c->http);
}

/* call_xml - call_ses with an XML reply of status. */
static void
call_xml(struct call *c, int status, const char *ctype, const char *xml)
{
	char	*reply;
	size_t	 len;

	reply = http_reply(status, ctype, xml, &len);
	call_ses(c, "/", reply, len, 10);
	free(reply);
}

static void
test_send_ok(void **state)
{
	struct call	 c;
	struct buf	 body = BUF_INIT;
	char		*rcpts[] = { addr_a, addr_b };
	char		*date, *authz, *want, *host, *cl, *p;

	(void)state;
	call_xml(&c, 200, "text/xml", ok_xml);
	assert_int_equal(c.rc, 0);
	assert_int_equal(c.r.http_status, 200);
	assert_string_equal(c.r.message_id, "0100018c2a4f5e6b-1a2b3c4d-5e6f-"
	    "4a1b-9c8d-7e6f5a4b3c2d-000000");
	assert_non_null(c.req);

	/* The body went out as built, with an exact Content-Length. */
	assert_int_equal(strncmp(c.req, "POST / HTTP/1.1\r\n", 17), 0);
	ses_form_body("sender@example.com", rcpts, 2,
	    "Subject: t\r\n\r\nhi\r\n", 19, &body);
	p = strstr(c.req, "\r\n\r\n");
	assert_non_null(p);
	assert_string_equal(p + 4, body.data);
	cl = header(c.req, "Content-Length");
	assert_non_null(cl);
	assert_int_equal(strtoul(cl, NULL, 10), body.len);

	/* No libcurl extras; the headers that were signed are there. */
	assert_null(header(c.req, "Expect"));
	assert_null(header(c.req, "Accept"));
	host = header(c.req, "Host");
	assert_non_null(host);
	assert_int_equal(strncmp(host, "127.0.0.1:", 10), 0);
	p = header(c.req, "Content-Type");
	assert_string_equal(p, "application/x-www-form-urlencoded; "
	    "charset=utf-8");
	free(p);
	p = header(c.req, "X-Amz-Security-Token");
	assert_string_equal(p, TOKEN);
	free(p);

	/* And the signature is the one an independent signer computes. */
	date = header(c.req, "X-Amz-Date");
	assert_non_null(date);
	assert_int_equal(strlen(date), 16);
	authz = header(c.req, "Authorization");
	want = want_authz(date, host, "/", "eu-west-1", body.data, body.len);
	assert_string_equal(authz, want);

	free(want);
	free(authz);
	free(date);
	free(host);
	free(cl);
	buf_free(&body);
	call_done(&c);
}

static void
test_send_path_prefix(void **state)
{
	struct call	 c;
	char		*reply;
	size_t		 len;

	(void)state;
	reply = http_reply(200, "text/xml", ok_xml, &len);
	call_ses(&c, "/prefix/", reply, len, 10);
	assert_int_equal(c.rc, 0);
	assert_int_equal(strncmp(c.req, "POST /prefix/ HTTP/1.1\r\n", 24), 0);
	free(reply);
	call_done(&c);
}

static void
test_send_rejected(void **state)
{
	struct call	 c;

	(void)state;
	call_xml(&c, 400, "text/xml", err_xml);
	assert_int_equal(c.rc, EX_UNAVAILABLE);
	assert_int_equal(c.r.http_status, 400);
	assert_string_equal(c.err, "SES refused the message: "
	    "MessageRejected: Email address is not verified. The following "
	    "identities failed the check in region US-EAST-2: WordPress "
	    "<wordpress@example.com>");
	call_done(&c);

	call_xml(&c, 400, "text/xml", "<ErrorResponse><Error><Code>"
	    "Throttling</Code><Message>Maximum sending rate exceeded."
	    "</Message></Error></ErrorResponse>");
	assert_int_equal(c.rc, EX_TEMPFAIL);
	assert_non_null(strstr(c.err, "Throttling: Maximum sending rate"));
	call_done(&c);

	call_xml(&c, 403, "text/xml", "<ErrorResponse><Error><Code>"
	    "SignatureDoesNotMatch</Code></Error></ErrorResponse>");
	assert_int_equal(c.rc, EX_NOPERM);
	assert_string_equal(c.err,
	    "SES refused the message: SignatureDoesNotMatch");
	call_done(&c);
}

static void
test_send_unreadable(void **state)
{
	struct call	 c;

	(void)state;
	call_xml(&c, 200, "text/html", "<html><body>hello</body></html>");
	assert_int_equal(c.rc, EX_TEMPFAIL);
	assert_string_equal(c.err, "unreadable reply from SES (HTTP 200)");
	call_done(&c);

	call_xml(&c, 200, "text/plain", "not xml");
	assert_int_equal(c.rc, EX_TEMPFAIL);
	call_done(&c);

	call_xml(&c, 503, "text/html", "<html><body>down</body>");
	assert_int_equal(c.rc, EX_TEMPFAIL);
	assert_string_equal(c.err, "unreadable reply from SES (HTTP 503)");
	call_done(&c);

	/* aws-ses-v2-local answers errors in JSON. */
	call_xml(&c, 403, "application/json",
	    "{\"message\":\"Missing Authentication Token\"}");
	assert_int_equal(c.rc, EX_NOPERM);
	call_done(&c);
}

static void
test_send_too_large(void **state)
{
	struct call	 c;
	struct buf	 b = BUF_INIT;
	size_t		 i;

	(void)state;
	/* Announced by Content-Length. */
	buf_appends(&b, "HTTP/1.1 200 OK\r\nContent-Length: 2000000\r\n"
	    "Connection: close\r\n\r\n");
	for (i = 0; i < 2000000; i++)
		buf_appendc(&b, 'x');
	call_ses(&c, "/", b.data, b.len, 10);
	assert_int_equal(c.rc, EX_TEMPFAIL);
	assert_non_null(strstr(c.err, "reply too large"));
	call_done(&c);
	buf_free(&b);

	/* Not announced: only counting the bytes catches it. */
	buf_appends(&b, "HTTP/1.1 200 OK\r\nConnection: close\r\n\r\n");
	for (i = 0; i < 2000000; i++)
		buf_appendc(&b, 'x');
	call_ses(&c, "/", b.data, b.len, 10);
	assert_int_equal(c.rc, EX_TEMPFAIL);
	assert_non_null(strstr(c.err, "reply too large"));
	call_done(&c);
	buf_free(&b);
}

static void
test_send_no_reply(void **state)
{
	struct call	 c;

	(void)state;
	/* The server reads the request and never answers. */
	call_ses(&c, "/", NULL, 0, 1);
	assert_int_equal(c.rc, EX_TEMPFAIL);
	assert_int_equal(c.r.http_status, 0);
	assert_non_null(strstr(c.err, "no reply from SES"));
	call_done(&c);
}

static void
test_send_refused(void **state)
{
	struct credentials	 cr;
	struct ses_reply	 r;
	struct http_client	*http;
	struct fake		 f;
	char			 url[64], err[ERRLEN], *req;
	char			*many[SES_MAX_RECIPIENTS + 1];
	size_t			 i, len;

	(void)state;
	credentials_init(&cr);
	cr.access_key_id = strdup(AKID);
	cr.secret_access_key = strdup(SECRET);
	ses_reply_init(&r);
	http = http_client_new(NULL, 2, 5);
	assert_non_null(http);

	/* Nothing listens on a port that was just closed. */
	fake_start(&f, NULL, 0);
	req = fake_stop(&f, &len);
	free(req);
	snprintf(url, sizeof(url), "http://127.0.0.1:%d/", f.port);
	assert_int_equal(ses_send_raw(http, url, "eu-west-1", &cr, NULL,
	    NULL, 0, "x", 1, &r, err, sizeof(err)), EX_TEMPFAIL);
	assert_non_null(strstr(err, "no reply from SES"));

	/* Configuration mistakes are not retried. */
	assert_int_equal(ses_send_raw(http, "http://example.com/",
	    "eu-west-1", &cr, NULL, NULL, 0, "x", 1, &r, err, sizeof(err)),
	    EX_CONFIG);
	assert_int_equal(ses_send_raw(http, "http://127.0.0.1:1/?a=b",
	    "eu-west-1", &cr, NULL, NULL, 0, "x", 1, &r, err, sizeof(err)),
	    EX_CONFIG);
	assert_int_equal(ses_send_raw(http, url, NULL, &cr, NULL, NULL, 0,
	    "x", 1, &r, err, sizeof(err)), EX_CONFIG);
	assert_int_equal(ses_send_raw(http, NULL, "eu-west-1", &cr, NULL,
	    NULL, 0, "x", 1, &r, err, sizeof(err)), EX_CONFIG);

	for (i = 0; i < SES_MAX_RECIPIENTS + 1; i++)
		many[i] = addr_x;
	assert_int_equal(ses_send_raw(http, url, "eu-west-1", &cr, NULL,
	    many, SES_MAX_RECIPIENTS + 1, "x", 1, &r, err, sizeof(err)),
	    EX_SOFTWARE);

	ses_reply_free(&r);
	credentials_free(&cr);
	http_client_free(http);
}

static void
test_http_get_date(void **state)
{
	struct http_response	 resp;
	struct http_client	*http;
	struct fake		 f;
	const char		*hdrs[] = { "X-Test: 1", NULL };
	char			 url[64], err[ERRLEN], *reply, *req;
	size_t			 len;

	(void)state;
	http = http_client_new(NULL, 0, 0);
	assert_non_null(http);
	reply = http_reply(404, "text/plain", "nope", &len);
	fake_start(&f, reply, len);
	snprintf(url, sizeof(url), "http://127.0.0.1:%d/x", f.port);
	assert_int_equal(http_request(http, "GET", url, hdrs, NULL, 0, &resp,
	    err, sizeof(err)), 0);
	req = fake_stop(&f, &len);
	assert_int_equal(resp.status, 404);
	assert_int_equal(resp.body.len, 4);
	assert_memory_equal(resp.body.data, "nope", 4);
	assert_string_equal(resp.date, "Sun, 30 Aug 2015 12:36:00 GMT");
	assert_int_equal(strncmp(req, "GET /x HTTP/1.1\r\n", 17), 0);
	assert_non_null(strstr(req, "\r\nX-Test: 1\r\n"));
	http_response_free(&resp);
	free(req);
	free(reply);

	/* A header line must not smuggle in another one. */
	hdrs[0] = "X-Test: 1\r\nX-Evil: 2";
	assert_int_equal(http_request(http, "GET", url, hdrs, NULL, 0, &resp,
	    err, sizeof(err)), -1);
	http_response_free(&resp);
	assert_int_equal(http_request(http, "GET", "http://example.com/",
	    NULL, NULL, 0, &resp, err, sizeof(err)), -1);
	http_response_free(&resp);
	http_client_free(http);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_form_basic),
		cmocka_unit_test(test_form_token_loopback),
		cmocka_unit_test(test_form_no_source),
		cmocka_unit_test(test_form_binary_roundtrip),
		cmocka_unit_test(test_reply_success),
		cmocka_unit_test(test_reply_local_shape),
		cmocka_unit_test(test_reply_id_in_error),
		cmocka_unit_test(test_reply_error),
		cmocka_unit_test(test_reply_prefix),
		cmocka_unit_test(test_reply_garbage),
		cmocka_unit_test(test_reply_details),
		cmocka_unit_test(test_exitcode),
		cmocka_unit_test_setup(test_region, env_setup),
		cmocka_unit_test_setup(test_endpoint, env_setup),
		cmocka_unit_test(test_url_check),
		cmocka_unit_test(test_url_host),
		cmocka_unit_test(test_ini_profiles),
		cmocka_unit_test(test_ini_errors),
		cmocka_unit_test(test_ini_control),
		cmocka_unit_test(test_want_authz),
		cmocka_unit_test_setup(test_send_ok, env_setup),
		cmocka_unit_test_setup(test_send_path_prefix, env_setup),
		cmocka_unit_test_setup(test_send_rejected, env_setup),
		cmocka_unit_test_setup(test_send_unreadable, env_setup),
		cmocka_unit_test_setup(test_send_too_large, env_setup),
		cmocka_unit_test_setup(test_send_no_reply, env_setup),
		cmocka_unit_test_setup(test_send_refused, env_setup),
		cmocka_unit_test_setup(test_http_get_date, env_setup),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
