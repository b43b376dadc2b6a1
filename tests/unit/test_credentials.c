/*
 * test_credentials - the pure parts of the credential chain: ISO 8601
 * times, the credentials JSON of metadata and credential_process, STS
 * replies and requests, session names and policies, credential_process
 * command lines, the URL rules of the metadata services, the choice of
 * a pinned source, and refresh timing. Nothing here leaves the process
 * but a credential_process started from a temporary directory.
 */
#include "config.h"

#include <sys/stat.h>

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include <json-c/json.h>

#include "buf.h"
#include "conf.h"
#include "container.h"
#include "credentials.h"
#include "credproc.h"
#include "http.h"
#include "imds.h"
#include "sts.h"
#include "util.h"

/* 2026-12-03T18:00:00Z */
#define T_DEC3		((time_t)1796320800)
#define SECRET		"wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY"
#define TOKEN		"IQoJb3JpZ2luX2VjEXAMPLETOKEN+/="

static char	tmpdir[] = "/tmp/sesmail-test-cred.XXXXXX";

/* clear_env - nothing of the caller's AWS set-up, no metadata. */
static void
clear_env(void)
{
	static const char *const vars[] = {
		"AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY",
		"AWS_SESSION_TOKEN", "AWS_PROFILE", "AWS_ENDPOINT_URL",
		"AWS_ENDPOINT_URL_STS", "AWS_IGNORE_CONFIGURED_ENDPOINT_URLS",
		"AWS_WEB_IDENTITY_TOKEN_FILE", "AWS_ROLE_ARN",
		"AWS_ROLE_SESSION_NAME",
		"AWS_CONTAINER_CREDENTIALS_RELATIVE_URI",
		"AWS_CONTAINER_CREDENTIALS_FULL_URI",
		"AWS_CONTAINER_AUTHORIZATION_TOKEN",
		"AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE",
		"AWS_EC2_METADATA_SERVICE_ENDPOINT",
		"AWS_EC2_METADATA_SERVICE_ENDPOINT_MODE", NULL
	};
	size_t	 i;

	for (i = 0; vars[i] != NULL; i++)
		unsetenv(vars[i]);
	setenv("AWS_EC2_METADATA_DISABLED", "true", 1);
}

static int
test_setup(void **state)
{
	(void)state;
	clear_env();
	return 0;
}

/* write_file - tmpdir/name with content and mode; its path in out. */
static void
write_file(const char *name, const char *content, mode_t mode, char *out,
    size_t outlen)
{
	FILE	*fp;

	snprintf(out, outlen, "%s/%s", tmpdir, name);
	fp = fopen(out, "w");
	assert_non_null(fp);
	assert_int_equal(fputs(content, fp) >= 0, 1);
	assert_int_equal(fclose(fp), 0);
	assert_int_equal(chmod(out, mode), 0);
}

/* --- ISO 8601 ------------------------------------------------------- */

static void
test_time(void **state)
{
	static const struct {
		const char	*s;
		time_t		 t;
	} good[] = {
		{ "2026-12-03T18:00:00Z", T_DEC3 },
		{ "2026-12-03t18:00:00z", T_DEC3 },
		{ "2026-12-03T18:00:00.729676Z", T_DEC3 },
		{ "2026-12-03T19:30:00+01:30", T_DEC3 },
		{ "2026-12-03T13:00:00-0500", T_DEC3 },
		{ "1970-01-01T00:00:00Z", 0 },
		{ "2024-02-29T23:59:59Z", 1709251199 },
	};
	static const char *const bad[] = {
		"", "2026-12-03", "2026-12-03T18:00:00", "2026-12-03T18:00Z",
		"2026-12-03T18:00:00Zjunk", "2025-02-29T00:00:00Z",
		"2026-13-01T00:00:00Z", "2026-12-32T00:00:00Z",
		"2026-12-03T24:00:00Z", "2026-12-03T18:00:00.Z",
		"2026-12-03T18:00:00+25:00", "1969-12-31T23:59:59Z",
		"26-12-03T18:00:00Z", "2026-12-03T18:00:00 Z",
	};
	time_t	 t;
	size_t	 i;

	(void)state;
	for (i = 0; i < sizeof(good) / sizeof(good[0]); i++) {
		if (credentials_parse_time(good[i].s, &t) != 0)
			fail_msg("refused %s", good[i].s);
		assert_int_equal((long long)t, (long long)good[i].t);
	}
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		if (credentials_parse_time(bad[i], &t) != -1)
			fail_msg("accepted \"%s\"", bad[i]);
}

/* --- credentials JSON ------------------------------------------------ */

/* json - credentials_parse_json of text at T_DEC3. */
static int
json(const char *text, int kind, struct credentials *cr, char *err)
{
	err[0] = '\0';
	return credentials_parse_json(text, strlen(text), kind, T_DEC3, cr,
	    err, ERRLEN);
}

static void
test_json_metadata(void **state)
{
	struct credentials	 cr;
	char			 err[ERRLEN];

	(void)state;
	assert_int_equal(json("{\"Code\":\"Success\",\"LastUpdated\":"
	    "\"2026-12-03T17:00:00Z\",\"Type\":\"AWS-HMAC\",\"AccessKeyId\":"
	    "\"ASIAEXAMPLE\",\"SecretAccessKey\":\"" SECRET "\",\"Token\":\""
	    TOKEN "\",\"Expiration\":\"2026-12-03T19:00:00Z\"}\n",
	    CRED_JSON_METADATA, &cr, err), 0);
	assert_string_equal(cr.access_key_id, "ASIAEXAMPLE");
	assert_string_equal(cr.secret_access_key, SECRET);
	assert_string_equal(cr.session_token, TOKEN);
	assert_int_equal((long long)cr.expiration, (long long)T_DEC3 + 3600);
	credentials_free(&cr);

	/* The container agents send no Code. */
	assert_int_equal(json("{\"AccessKeyId\":\"A\",\"SecretAccessKey\":"
	    "\"S\",\"Token\":\"T\",\"Expiration\":\"2026-12-03T19:00:00Z\","
	    "\"RoleArn\":\"arn:aws:iam::1:role/r\"}", CRED_JSON_METADATA,
	    &cr, err), 0);
	credentials_free(&cr);
}

static void
test_json_metadata_bad(void **state)
{
	static const char *const bad[] = {
		"", "{", "[]", "null", "\"x\"",
		"{\"AccessKeyId\":\"A\",\"SecretAccessKey\":\"S\","
		    "\"Expiration\":\"2026-12-03T19:00:00Z\"}",
		"{\"AccessKeyId\":\"A\",\"SecretAccessKey\":\"S\","
		    "\"Token\":\"T\"}",
		"{\"AccessKeyId\":\"A\",\"SecretAccessKey\":\"S\","
		    "\"Token\":\"T\",\"Expiration\":\"tomorrow\"}",
		"{\"AccessKeyId\":\"A\",\"SecretAccessKey\":7,"
		    "\"Token\":\"T\",\"Expiration\":\"2026-12-03T19:00:00Z\"}",
		"{\"AccessKeyId\":\"A\",\"SecretAccessKey\":\"S\\n\","
		    "\"Token\":\"T\",\"Expiration\":\"2026-12-03T19:00:00Z\"}",
		"{\"AccessKeyId\":\"A\",\"SecretAccessKey\":\"S\","
		    "\"Token\":\"T\",\"Expiration\":\"2026-12-03T19:00:00Z\"}x",
	};
	struct credentials	 cr;
	char			 err[ERRLEN];
	size_t			 i;

	(void)state;
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		if (json(bad[i], CRED_JSON_METADATA, &cr, err) != -1)
			fail_msg("accepted %s", bad[i]);
		assert_null(cr.secret_access_key);
		assert_true(err[0] != '\0');
	}

	/* Code other than Success; the message names it, not a secret. */
	assert_int_equal(json("{\"Code\":\"AssumeRoleUnauthorizedAccess\","
	    "\"Message\":\"no\",\"AccessKeyId\":\"A\",\"SecretAccessKey\":\""
	    SECRET "\",\"Token\":\"T\",\"Expiration\":"
	    "\"2026-12-03T19:00:00Z\"}", CRED_JSON_METADATA, &cr, err), -1);
	assert_non_null(strstr(err, "AssumeRoleUnauthorizedAccess"));
	assert_null(strstr(err, SECRET));

	/* Expired, or expiring this very second. */
	assert_int_equal(json("{\"AccessKeyId\":\"A\",\"SecretAccessKey\":\""
	    SECRET "\",\"Token\":\"T\",\"Expiration\":"
	    "\"2026-12-03T18:00:00Z\"}", CRED_JSON_METADATA, &cr, err),
	    CRED_JSON_EXPIRED);
	assert_non_null(strstr(err, "expired"));
	assert_null(cr.access_key_id);
}

static void
test_json_process(void **state)
{
	struct credentials	 cr;
	char			 err[ERRLEN];

	(void)state;
	/* Long-term keys: no token, no expiration. */
	assert_int_equal(json("{\"Version\": 1, \"AccessKeyId\": \"AKIA1\", "
	    "\"SecretAccessKey\": \"" SECRET "\"}", CRED_JSON_PROCESS, &cr,
	    err), 0);
	assert_null(cr.session_token);
	assert_int_equal((long long)cr.expiration, 0);
	credentials_free(&cr);

	assert_int_equal(json("{\"Version\": 1, \"AccessKeyId\": \"ASIA1\", "
	    "\"SecretAccessKey\": \"S\", \"SessionToken\": \"" TOKEN "\", "
	    "\"Expiration\": \"2026-12-03T18:15:00Z\"}", CRED_JSON_PROCESS,
	    &cr, err), 0);
	assert_string_equal(cr.session_token, TOKEN);
	assert_int_equal((long long)cr.expiration, (long long)T_DEC3 + 900);
	credentials_free(&cr);

	assert_int_equal(json("{\"Version\": 2, \"AccessKeyId\": \"A\", "
	    "\"SecretAccessKey\": \"S\"}", CRED_JSON_PROCESS, &cr, err), -1);
	assert_non_null(strstr(err, "Version"));
	assert_int_equal(json("{\"Version\": \"1\", \"AccessKeyId\": \"A\", "
	    "\"SecretAccessKey\": \"S\"}", CRED_JSON_PROCESS, &cr, err), -1);
	assert_int_equal(json("{\"AccessKeyId\": \"A\", "
	    "\"SecretAccessKey\": \"S\"}", CRED_JSON_PROCESS, &cr, err), -1);
	assert_int_equal(json("{\"Version\": 1, \"AccessKeyId\": \"A\"}",
	    CRED_JSON_PROCESS, &cr, err), -1);
	assert_non_null(strstr(err, "SecretAccessKey"));
	assert_int_equal(json("{\"Version\": 1, \"AccessKeyId\": \"A\", "
	    "\"SecretAccessKey\": \"S\", \"Expiration\": "
	    "\"2026-12-03T17:00:00Z\"}", CRED_JSON_PROCESS, &cr, err),
	    CRED_JSON_EXPIRED);
}

/* --- STS replies ------------------------------------------------------ */

static const char assume_ok[] =
    "<AssumeRoleResponse xmlns=\"https://sts.amazonaws.com/doc/"
    "2011-06-15/\">\n"
    "  <AssumeRoleResult>\n"
    "    <SourceIdentity>x</SourceIdentity>\n"
    "    <AssumedRoleUser>\n"
    "      <Arn>arn:aws:sts::123456789012:assumed-role/sender/s</Arn>\n"
    "      <AssumedRoleId>AROA3XFRBF535PLBIFPI4:s</AssumedRoleId>\n"
    "    </AssumedRoleUser>\n"
    "    <Credentials>\n"
    "      <AccessKeyId>ASIAJEXAMPLEXEG2JICEA</AccessKeyId>\n"
    "      <SecretAccessKey>" SECRET "</SecretAccessKey>\n"
    "      <SessionToken>" TOKEN "</SessionToken>\n"
    "      <Expiration>2026-12-03T19:00:00.123Z</Expiration>\n"
    "    </Credentials>\n"
    "    <PackedPolicySize>6</PackedPolicySize>\n"
    "  </AssumeRoleResult>\n"
    "  <ResponseMetadata>\n"
    "    <RequestId>c6104cbe-af31-11e0-8154-cbc7ccf896c7</RequestId>\n"
    "  </ResponseMetadata>\n"
    "</AssumeRoleResponse>\n";

static const char sts_error[] =
    "<ErrorResponse xmlns=\"https://sts.amazonaws.com/doc/2011-06-15/\">\n"
    "  <Error>\n"
    "    <Type>Sender</Type>\n"
    "    <Code>AccessDenied</Code>\n"
    "    <Message>User: arn:aws:iam::1:user/x is not authoriz\xc3\xa9" "d"
    "</Message>\n"
    "  </Error>\n"
    "  <RequestId>4a8f6ea4-0000</RequestId>\n"
    "</ErrorResponse>\n";

static void
test_sts_reply(void **state)
{
	struct sts_reply	 r;

	(void)state;
	sts_reply_init(&r);
	assert_int_equal(sts_parse_reply(assume_ok, strlen(assume_ok), &r),
	    0);
	assert_string_equal(r.cr.access_key_id, "ASIAJEXAMPLEXEG2JICEA");
	assert_string_equal(r.cr.secret_access_key, SECRET);
	assert_string_equal(r.cr.session_token, TOKEN);
	assert_string_equal(r.expiration, "2026-12-03T19:00:00.123Z");
	assert_string_equal(r.assumed_arn,
	    "arn:aws:sts::123456789012:assumed-role/sender/s");
	assert_string_equal(r.request_id,
	    "c6104cbe-af31-11e0-8154-cbc7ccf896c7");
	assert_null(r.error_code);
	sts_reply_free(&r);

	assert_int_equal(sts_parse_reply(sts_error, strlen(sts_error), &r),
	    0);
	assert_string_equal(r.error_code, "AccessDenied");
	assert_string_equal(r.error_message,
	    "User: arn:aws:iam::1:user/x is not authoriz??d");
	assert_null(r.cr.access_key_id);
	sts_reply_free(&r);
}

static void
test_sts_reply_odd(void **state)
{
	static const char outside[] =
	    "<R><AccessKeyId>A</AccessKeyId><Credentials><X>"
	    "<SecretAccessKey>S</SecretAccessKey></X></Credentials>"
	    "<Arn>arn:no</Arn></R>";
	static const char dtd[] =
	    "<!DOCTYPE r [<!ENTITY e \"x\">]><r>&e;</r>";
	struct sts_reply	 r;
	struct buf		 b = BUF_INIT;
	size_t			 i;

	(void)state;
	sts_reply_init(&r);
	/* Fields count only in their place. */
	assert_int_equal(sts_parse_reply(outside, strlen(outside), &r), 0);
	assert_null(r.cr.access_key_id);
	assert_null(r.cr.secret_access_key);
	assert_null(r.assumed_arn);
	sts_reply_free(&r);

	assert_int_equal(sts_parse_reply(dtd, strlen(dtd), &r), -1);
	assert_int_equal(sts_parse_reply("<a><b></a>", 10, &r), -1);

	/* A 6000-byte token comes through whole. */
	buf_appends(&b, "<R><Credentials><SessionToken>");
	for (i = 0; i < 6000; i++)
		buf_appendc(&b, (char)('A' + i % 26));
	buf_appends(&b, "</SessionToken></Credentials></R>");
	assert_int_equal(sts_parse_reply(b.data, b.len, &r), 0);
	assert_int_equal(strlen(r.cr.session_token), 6000);
	sts_reply_free(&r);

	/* A long error message is cut, and the error still read. */
	buf_reset(&b);
	buf_appends(&b, "<ErrorResponse><Error><Code>AccessDenied</Code>"
	    "<Message>");
	for (i = 0; i < 20000; i++)
		buf_appendc(&b, 'm');
	buf_appends(&b, "</Message></Error></ErrorResponse>");
	assert_int_equal(sts_parse_reply(b.data, b.len, &r), 0);
	assert_string_equal(r.error_code, "AccessDenied");
	assert_int_equal(strlen(r.error_message), 16 * 1024);
	sts_reply_free(&r);

	/* A control byte inside a secret is refused, not cleaned up. */
	assert_int_equal(sts_parse_reply("<R><Credentials><SecretAccessKey>"
	    "a&#1;b</SecretAccessKey></Credentials></R>", 69, &r), -1);
	buf_free(&b);
}

static void
test_sts_exitcode(void **state)
{
	(void)state;
	assert_int_equal(sts_exitcode(0, NULL), EX_TEMPFAIL);
	assert_int_equal(sts_exitcode(503, "AccessDenied"), EX_TEMPFAIL);
	assert_int_equal(sts_exitcode(400, "Throttling"), EX_TEMPFAIL);
	assert_int_equal(sts_exitcode(400, "IDPCommunicationError"),
	    EX_TEMPFAIL);
	assert_int_equal(sts_exitcode(429, NULL), EX_TEMPFAIL);
	assert_int_equal(sts_exitcode(403, "AccessDenied"), EX_NOPERM);
	assert_int_equal(sts_exitcode(400, "ExpiredTokenException"),
	    EX_NOPERM);
	assert_int_equal(sts_exitcode(403, "InvalidClientTokenId"), EX_NOPERM);
	assert_int_equal(sts_exitcode(400, "InvalidIdentityToken"), EX_NOPERM);
	assert_int_equal(sts_exitcode(400, "MalformedPolicyDocument"),
	    EX_CONFIG);
	assert_int_equal(sts_exitcode(403, "RegionDisabledException"),
	    EX_CONFIG);
	assert_int_equal(sts_exitcode(403, NULL), EX_NOPERM);
	assert_int_equal(sts_exitcode(404, NULL), EX_CONFIG);
}

/* --- STS requests ------------------------------------------------------ */

static void
test_sts_form(void **state)
{
	struct sts_call	 call;
	struct buf	 b = BUF_INIT;

	(void)state;
	memset(&call, 0, sizeof(call));
	call.role_arn = "arn:aws:iam::123456789012:role/sender";
	call.session_name = "sesmail-root@host";
	call.external_id = "x+y/z";
	call.policy = "{\"a\": \"b c\"}";
	assert_int_equal(sts_form_body(&call, &b), 0);
	assert_string_equal(b.data, "Action=AssumeRole&Version=2011-06-15"
	    "&RoleArn=arn%3Aaws%3Aiam%3A%3A123456789012%3Arole%2Fsender"
	    "&RoleSessionName=sesmail-root%40host"
	    "&Policy=%7B%22a%22%3A%20%22b%20c%22%7D"
	    "&ExternalId=x%2By%2Fz");
	buf_free(&b);

	/* Web identity: the token, and never an ExternalId. */
	call.policy = NULL;
	call.web_identity_token = "eyJ.a-b_c.";
	assert_int_equal(sts_form_body(&call, &b), 0);
	assert_string_equal(b.data, "Action=AssumeRoleWithWebIdentity"
	    "&Version=2011-06-15"
	    "&RoleArn=arn%3Aaws%3Aiam%3A%3A123456789012%3Arole%2Fsender"
	    "&RoleSessionName=sesmail-root%40host"
	    "&WebIdentityToken=eyJ.a-b_c.");
	buf_free(&b);
}

static void
test_sts_endpoint(void **state)
{
	struct conf	 c;
	char		*e;

	(void)state;
	conf_init(&c);
	e = sts_endpoint(&c, "eu-west-1");
	assert_string_equal(e, "https://sts.eu-west-1.amazonaws.com");
	free(e);
	assert_null(sts_endpoint(&c, NULL));

	c.sts_endpoint = strdup("https://sts.example.net/");
	e = sts_endpoint(&c, "eu-west-1");
	assert_string_equal(e, "https://sts.example.net/");
	free(e);
	setenv("AWS_ENDPOINT_URL", "http://127.0.0.1:2/", 1);
	e = sts_endpoint(&c, "eu-west-1");
	assert_string_equal(e, "http://127.0.0.1:2/");
	free(e);
	setenv("AWS_ENDPOINT_URL_STS", "http://127.0.0.1:1/", 1);
	e = sts_endpoint(&c, "eu-west-1");
	assert_string_equal(e, "http://127.0.0.1:1/");
	free(e);
	setenv("AWS_IGNORE_CONFIGURED_ENDPOINT_URLS", "true", 1);
	e = sts_endpoint(&c, "eu-west-1");
	assert_string_equal(e, "https://sts.example.net/");
	free(e);
	conf_free(&c);
}

static void
test_session_name(void **state)
{
	char	 n[STS_SESSION_NAME_MAX + 1], small[10];

	(void)state;
	assert_int_equal(sts_session_name("www-data", "web1.example.com", n,
	    sizeof(n)), 0);
	assert_string_equal(n, "sesmail-www-data@web1.example.com");
	assert_int_equal(sts_session_name("J\xc3\xbcrgen Doe", "h/x", n,
	    sizeof(n)), 0);
	assert_string_equal(n, "sesmail-J__rgen_Doe@h_x");
	assert_int_equal(sts_session_name(NULL, "", n, sizeof(n)), 0);
	assert_string_equal(n, "sesmail-unknown");
	assert_int_equal(sts_session_name("u", "ip-10-0-1-23.eu-west-1."
	    "compute.internal.very.long.example.com", n, sizeof(n)), 0);
	assert_int_equal(strlen(n), STS_SESSION_NAME_MAX);
	assert_int_equal(strncmp(n, "sesmail-u@ip-10-0-1-23.", 23), 0);
	assert_int_equal(sts_session_name("u", "h", small, sizeof(small)),
	    -1);
}

/* policy_senders - the ses:FromAddress list of a policy, as JSON. */
static char *
policy_senders(const char *policy)
{
	json_object	*doc, *v;
	char		*out;

	doc = json_tokener_parse(policy);
	assert_non_null(doc);
	assert_true(json_object_object_get_ex(doc, "Statement", &v));
	v = json_object_array_get_idx(v, 0);
	assert_true(json_object_object_get_ex(v, "Effect", NULL));
	assert_true(json_object_object_get_ex(v, "Condition", &v));
	assert_true(json_object_object_get_ex(v, "StringEquals", &v));
	assert_true(json_object_object_get_ex(v, "ses:FromAddress", &v));
	out = strdup(json_object_to_json_string_ext(v,
	    JSON_C_TO_STRING_PLAIN));
	json_object_put(doc);
	return out;
}

static void
test_session_policy(void **state)
{
	struct conf_user	 users[3], many[40];
	struct conf		 c;
	char			 err[ERRLEN], *p, *s;
	char			 addr[40][64];
	char			 web[] = "web\"shop@example.com";
	char			 noreply[] = "noreply@example.com";
	size_t			 i;

	(void)state;
	conf_init(&c);
	assert_int_equal(sts_session_policy(&c, &p, err, sizeof(err)),
	    EX_CONFIG);
	assert_null(p);

	c.sender = strdup("noreply@example.com");
	memset(users, 0, sizeof(users));
	users[0].sender = web;
	users[1].sender = noreply;	/* once only */
	users[2].sender = NULL;
	c.users = users;
	c.nusers = 3;
	assert_int_equal(sts_session_policy(&c, &p, err, sizeof(err)), 0);
	assert_string_equal(p, "{\"Version\":\"2012-10-17\",\"Statement\":"
	    "[{\"Effect\":\"Allow\",\"Action\":[\"ses:SendRawEmail\","
	    "\"ses:SendEmail\"],\"Resource\":\"*\",\"Condition\":"
	    "{\"StringEquals\":{\"ses:FromAddress\":[\"noreply@example.com\","
	    "\"web\\\"shop@example.com\"]}}}]}");
	s = policy_senders(p);
	assert_string_equal(s,
	    "[\"noreply@example.com\",\"web\\\"shop@example.com\"]");
	free(s);
	free(p);

	/* STS takes 2048 characters of policy at most. */
	for (i = 0; i < 40; i++) {
		snprintf(addr[i], sizeof(addr[i]), "a-rather-long-local-part-"
		    "for-a-sender-%02zu@mail.example.com", i);
		many[i].name = NULL;
		many[i].fullname = NULL;
		many[i].sender = addr[i];
	}
	c.users = many;
	c.nusers = 40;
	assert_int_equal(sts_session_policy(&c, &p, err, sizeof(err)),
	    EX_CONFIG);
	assert_non_null(strstr(err, "2048"));
	c.users = NULL;
	c.nusers = 0;
	conf_free(&c);
}

/* --- credential_process ----------------------------------------------- */

/* split_ok - cmd splits into want (a NULL-terminated list). */
static void
split_ok(const char *cmd, const char *const *want)
{
	char	 err[ERRLEN], **argv;
	size_t	 i;

	if (credproc_split(cmd, &argv, err, sizeof(err)) != 0)
		fail_msg("%s: %s", cmd, err);
	for (i = 0; want[i] != NULL; i++) {
		assert_non_null(argv[i]);
		assert_string_equal(argv[i], want[i]);
	}
	assert_null(argv[i]);
	credproc_argv_free(argv);
}

static void
test_split(void **state)
{
	static const char *const w1[] = { "/usr/bin/vault", "read", NULL };
	static const char *const w2[] = { "/opt/get creds", "--a=b c",
	    "d\"e", "$HOME", "x\\y", "", NULL };
	static const char *const w3[] = { "/bin/x", "a b", "*", NULL };
	static const char *const bad[] = {
		"", "   ", "vault read", "./x", "/bin/x | jq", "/bin/x > f",
		"/bin/x; rm", "/bin/x $HOME", "/bin/x `id`", "/bin/x 'open",
		"/bin/x \"open", "/bin/x \\", "/bin/x\nrm", "/bin/x && y",
	};
	char	 err[ERRLEN], **argv;
	size_t	 i;

	(void)state;
	split_ok("  /usr/bin/vault\tread  ", w1);
	split_ok("'/opt/get creds' \"--a=b c\" d\\\"e '$HOME' "
	    "\"x\\y\" ''", w2);
	split_ok("/bin/x a\\ b *", w3);
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		if (credproc_split(bad[i], &argv, err, sizeof(err)) != -1)
			fail_msg("accepted \"%s\"", bad[i]);
		assert_null(argv);
	}
}

static void
test_process_run(void **state)
{
	struct credentials	 cr;
	char			 path[300], cmd[400], err[ERRLEN];

	(void)state;
	write_file("ok.sh", "#!/bin/sh\n"
	    "printf '{\"Version\": 1, \"AccessKeyId\": \"AKIAPROC\", "
	    "\"SecretAccessKey\": \"%s\"}' \"$1\"\n", 0700, path,
	    sizeof(path));
	snprintf(cmd, sizeof(cmd), "%s 'proc secret'", path);
	assert_int_equal(cred_from_process(cmd, &cr, err, sizeof(err)), 0);
	assert_string_equal(cr.access_key_id, "AKIAPROC");
	assert_string_equal(cr.secret_access_key, "proc secret");
	credentials_free(&cr);

	write_file("fail.sh", "#!/bin/sh\necho '{}'\nexit 3\n", 0700, path,
	    sizeof(path));
	assert_int_equal(cred_from_process(path, &cr, err, sizeof(err)),
	    EX_TEMPFAIL);
	assert_non_null(strstr(err, "exit status 3"));

	write_file("bad.sh", "#!/bin/sh\necho '{\"Version\": 2}'\n", 0700,
	    path, sizeof(path));
	assert_int_equal(cred_from_process(path, &cr, err, sizeof(err)),
	    EX_CONFIG);
	assert_non_null(strstr(err, "Version"));

	snprintf(cmd, sizeof(cmd), "%s/no-such-helper", tmpdir);
	assert_int_equal(cred_from_process(cmd, &cr, err, sizeof(err)),
	    EX_CONFIG);
	assert_null(cr.access_key_id);
}

/* --- shared-credentials profiles ---------------------------------------- */

static void
test_profile_process(void **state)
{
	static const char text[] =
	    "[a]\ncredential_process = /bin/helper --x \"y z\"\n"
	    "[b]\naws_access_key_id = AKIAB\naws_secret_access_key = s\n"
	    "credential_process = /bin/ignored\n"
	    "[c]\nregion = eu-west-1\n";
	struct credentials	 cr;
	char			 err[ERRLEN], *proc;

	(void)state;
	assert_int_equal(credentials_parse_profile(text, strlen(text), "a",
	    &cr, &proc, err, sizeof(err)), 0);
	assert_string_equal(proc, "/bin/helper --x \"y z\"");
	assert_null(cr.access_key_id);
	free(proc);
	assert_int_equal(credentials_parse_profile(text, strlen(text), "b",
	    &cr, &proc, err, sizeof(err)), 0);
	assert_null(proc);
	assert_string_equal(cr.access_key_id, "AKIAB");
	credentials_free(&cr);
	assert_int_equal(credentials_parse_profile(text, strlen(text), "c",
	    &cr, &proc, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "aws_access_key_id"));
	/* credentials_parse_ini wants keys. */
	assert_int_equal(credentials_parse_ini(text, strlen(text), "a", &cr,
	    err, sizeof(err)), -1);
}

static void
test_read_token(void **state)
{
	char	 path[300], err[ERRLEN], *tok;

	(void)state;
	write_file("tok", "eyJhbGciOiJSUzI1NiJ9.e30.sig\r\n", 0644, path,
	    sizeof(path));
	assert_int_equal(credentials_read_token(path, 100, &tok, err,
	    sizeof(err)), 0);
	assert_string_equal(tok, "eyJhbGciOiJSUzI1NiJ9.e30.sig");
	free(tok);
	assert_int_equal(credentials_read_token(path, 10, &tok, err,
	    sizeof(err)), EX_CONFIG);
	write_file("tok2", "a\nb\n", 0644, path, sizeof(path));
	assert_int_equal(credentials_read_token(path, 100, &tok, err,
	    sizeof(err)), EX_CONFIG);
	write_file("tok3", "\n", 0644, path, sizeof(path));
	assert_int_equal(credentials_read_token(path, 100, &tok, err,
	    sizeof(err)), EX_CONFIG);
	snprintf(path, sizeof(path), "%s/missing", tmpdir);
	assert_int_equal(credentials_read_token(path, 100, &tok, err,
	    sizeof(err)), EX_CONFIG);
	assert_non_null(strstr(err, path));
	assert_null(tok);
}

/* --- metadata URLs -------------------------------------------------------- */

static void
test_cred_urls(void **state)
{
	static const char *const meta_ok[] = {
		"http://169.254.169.254", "http://169.254.170.2/v2/x",
		"http://169.254.170.23/v1/credentials",
		"http://[fd00:ec2::254]/", "http://[fd00:ec2:0::23]:80/x",
		"http://127.0.0.1:1338", "https://example.com/x",
	};
	static const char *const meta_bad[] = {
		"http://169.254.169.253/", "http://10.0.0.1/",
		"http://metadata.internal/", "http://[fd00:ec2::255]/",
		"ftp://169.254.169.254/", "http://u:p@169.254.169.254/",
	};
	char	 err[ERRLEN];
	size_t	 i;

	(void)state;
	for (i = 0; i < sizeof(meta_ok) / sizeof(meta_ok[0]); i++)
		if (http_cred_url_check(meta_ok[i], err, sizeof(err)) != 0)
			fail_msg("%s: %s", meta_ok[i], err);
	for (i = 0; i < sizeof(meta_bad) / sizeof(meta_bad[0]); i++)
		if (http_cred_url_check(meta_bad[i], err, sizeof(err)) != -1)
			fail_msg("accepted %s", meta_bad[i]);
	/* The ordinary check keeps refusing them. */
	assert_int_equal(http_url_check("http://169.254.169.254/", err,
	    sizeof(err)), -1);
	assert_int_equal(http_url_check("http://[fd00:ec2::23]/", err,
	    sizeof(err)), -1);
}

static void
test_container_urls(void **state)
{
	static const char *const ok[] = {
		"http://127.0.0.1:8080/creds", "http://localhost/x",
		"http://[::1]:9/x", "http://169.254.170.2/v2/credentials/id",
		"http://169.254.170.23/v1/credentials",
		"http://[fd00:ec2::23]/v1/credentials",
		"https://creds.example.com/x",
	};
	static const char *const bad[] = {
		"http://169.254.169.254/latest/meta-data/",
		"http://[fd00:ec2::254]/", "http://192.0.2.1/creds",
		"http://creds.example.com/x", "file:///etc/passwd",
	};
	char	 err[ERRLEN], *url;
	size_t	 i;

	(void)state;
	for (i = 0; i < sizeof(ok) / sizeof(ok[0]); i++)
		if (container_url_allowed(ok[i], err, sizeof(err)) != 0)
			fail_msg("%s: %s", ok[i], err);
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		if (container_url_allowed(bad[i], err, sizeof(err)) != -1)
			fail_msg("accepted %s", bad[i]);

	assert_false(container_configured());
	setenv("AWS_CONTAINER_CREDENTIALS_FULL_URI", "http://192.0.2.1/", 1);
	assert_true(container_configured());
	assert_null(container_url(err, sizeof(err)));
	/* The relative URI wins, on the ECS agent's address. */
	setenv("AWS_CONTAINER_CREDENTIALS_RELATIVE_URI", "/v2/credentials/a",
	    1);
	url = container_url(err, sizeof(err));
	assert_string_equal(url, "http://169.254.170.2/v2/credentials/a");
	free(url);
	setenv("AWS_CONTAINER_CREDENTIALS_RELATIVE_URI", "@evil.example/x",
	    1);
	assert_null(container_url(err, sizeof(err)));
}

static void
test_imds_urls(void **state)
{
	char	 err[ERRLEN], *url, role[65];

	(void)state;
	url = imds_base_url(err, sizeof(err));
	assert_string_equal(url, "http://169.254.169.254");
	free(url);
	setenv("AWS_EC2_METADATA_SERVICE_ENDPOINT_MODE", "IPv6", 1);
	url = imds_base_url(err, sizeof(err));
	assert_string_equal(url, "http://[fd00:ec2::254]");
	free(url);
	setenv("AWS_EC2_METADATA_SERVICE_ENDPOINT_MODE", "IPv5", 1);
	assert_null(imds_base_url(err, sizeof(err)));
	setenv("AWS_EC2_METADATA_SERVICE_ENDPOINT", "http://127.0.0.1:1338//",
	    1);
	url = imds_base_url(err, sizeof(err));
	assert_string_equal(url, "http://127.0.0.1:1338");
	free(url);
	setenv("AWS_EC2_METADATA_SERVICE_ENDPOINT", "http://10.1.2.3/", 1);
	assert_null(imds_base_url(err, sizeof(err)));

	assert_true(imds_disabled());
	setenv("AWS_EC2_METADATA_DISABLED", "TRUE", 1);
	assert_true(imds_disabled());
	setenv("AWS_EC2_METADATA_DISABLED", "false", 1);
	assert_false(imds_disabled());

	assert_int_equal(imds_role_name("sesmail-role\n", 13, role,
	    sizeof(role)), 0);
	assert_string_equal(role, "sesmail-role");
	assert_int_equal(imds_role_name("a\r\nb\n", 5, role, sizeof(role)),
	    0);
	assert_string_equal(role, "a");
	assert_int_equal(imds_role_name("../etc", 6, role, sizeof(role)),
	    -1);
	assert_int_equal(imds_role_name("", 0, role, sizeof(role)), -1);
	assert_int_equal(imds_role_name("a b", 3, role, sizeof(role)), -1);
}

/* --- the chain: pinned sources, refresh ----------------------------------- */

/* resolve - the chain with c, as root. */
static int
resolve(const struct conf *c, struct credentials *cr, char *err)
{
	struct cred_query	 q;

	memset(&q, 0, sizeof(q));
	q.conf = c;
	q.uid = 0;
	q.user = "tester";
	q.region = "us-east-1";
	return credentials_resolve(&q, cr, err, ERRLEN);
}

static void
test_pinned(void **state)
{
	struct credentials	 cr;
	struct conf		 c;
	char			 err[ERRLEN], path[300];

	(void)state;
	conf_init(&c);
	c.cred_source = strdup("imds");
	setenv("AWS_ACCESS_KEY_ID", "AKIAENV", 1);
	setenv("AWS_SECRET_ACCESS_KEY", "secretenv", 1);
	/* Pinned to metadata, the environment is not looked at. */
	assert_int_equal(resolve(&c, &cr, err), EX_CONFIG);
	assert_non_null(strstr(err, "\"imds\""));
	assert_non_null(strstr(err, "AWS_EC2_METADATA_DISABLED"));
	assert_null(cr.access_key_id);

	free(c.cred_source);
	c.cred_source = strdup("env");
	assert_int_equal(resolve(&c, &cr, err), 0);
	assert_string_equal(cr.source, "environment");
	credentials_free(&cr);
	unsetenv("AWS_ACCESS_KEY_ID");
	unsetenv("AWS_SECRET_ACCESS_KEY");
	assert_int_equal(resolve(&c, &cr, err), EX_CONFIG);
	assert_non_null(strstr(err, "\"env\""));

	free(c.cred_source);
	c.cred_source = strdup("container");
	assert_int_equal(resolve(&c, &cr, err), EX_CONFIG);
	assert_non_null(strstr(err, "AWS_CONTAINER_CREDENTIALS"));

	/* "file" takes keys only; "process" only the command. */
	write_file("keys", "[default]\ncredential_process = /bin/false\n",
	    0600, path, sizeof(path));
	c.cred_file = strdup(path);
	free(c.cred_source);
	c.cred_source = strdup("file");
	assert_int_equal(resolve(&c, &cr, err), EX_CONFIG);
	assert_non_null(strstr(err, "credential_process"));
	free(c.cred_source);
	c.cred_source = strdup("process");
	assert_int_equal(resolve(&c, &cr, err), EX_TEMPFAIL);
	assert_non_null(strstr(err, "/bin/false"));
	conf_free(&c);
}

static void
test_web_identity_missing(void **state)
{
	struct credentials	 cr;
	struct conf		 c;
	char			 err[ERRLEN], path[300];

	(void)state;
	conf_init(&c);
	snprintf(path, sizeof(path), "%s/no-token", tmpdir);
	setenv("AWS_WEB_IDENTITY_TOKEN_FILE", path, 1);
	/* A configured source that fails is reported, not skipped. */
	setenv("AWS_ACCESS_KEY_ID", "AKIAENV", 1);
	setenv("AWS_SECRET_ACCESS_KEY", "secretenv", 1);
	assert_int_equal(resolve(&c, &cr, err), 0);
	credentials_free(&cr);
	unsetenv("AWS_ACCESS_KEY_ID");
	unsetenv("AWS_SECRET_ACCESS_KEY");
	assert_int_equal(resolve(&c, &cr, err), EX_CONFIG);
	assert_non_null(strstr(err, "AWS_ROLE_ARN"));
	setenv("AWS_ROLE_ARN", "arn:aws:iam::1:role/r", 1);
	setenv("AWS_ENDPOINT_URL_STS", "http://127.0.0.1:9/", 1);
	assert_int_equal(resolve(&c, &cr, err), EX_CONFIG);
	assert_non_null(strstr(err, path));
	setenv("AWS_ROLE_SESSION_NAME", "x", 1);
	assert_int_equal(resolve(&c, &cr, err), EX_CONFIG);
	assert_non_null(strstr(err, "AWS_ROLE_SESSION_NAME"));
	conf_free(&c);
}

static void
test_stale(void **state)
{
	struct credentials	 cr;

	(void)state;
	credentials_init(&cr);
	assert_false(credentials_stale(&cr, T_DEC3));
	cr.expiration = T_DEC3 + CRED_REFRESH_BEFORE + 1;
	assert_false(credentials_stale(&cr, T_DEC3));
	cr.expiration = T_DEC3 + CRED_REFRESH_BEFORE - 1;
	assert_true(credentials_stale(&cr, T_DEC3));
	cr.expiration = T_DEC3 + 120;
	assert_true(credentials_stale(&cr, T_DEC3));
	cr.expiration = T_DEC3 - 1;
	assert_true(credentials_stale(&cr, T_DEC3));
}

static int
group_setup(void **state)
{
	(void)state;
	return mkdtemp(tmpdir) == NULL ? -1 : 0;
}

static int
group_teardown(void **state)
{
	char	 cmd[sizeof(tmpdir) + 16];

	(void)state;
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", tmpdir);
	return system(cmd) == 0 ? 0 : -1;
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup(test_time, test_setup),
		cmocka_unit_test_setup(test_json_metadata, test_setup),
		cmocka_unit_test_setup(test_json_metadata_bad, test_setup),
		cmocka_unit_test_setup(test_json_process, test_setup),
		cmocka_unit_test_setup(test_sts_reply, test_setup),
		cmocka_unit_test_setup(test_sts_reply_odd, test_setup),
		cmocka_unit_test_setup(test_sts_exitcode, test_setup),
		cmocka_unit_test_setup(test_sts_form, test_setup),
		cmocka_unit_test_setup(test_sts_endpoint, test_setup),
		cmocka_unit_test_setup(test_session_name, test_setup),
		cmocka_unit_test_setup(test_session_policy, test_setup),
		cmocka_unit_test_setup(test_split, test_setup),
		cmocka_unit_test_setup(test_process_run, test_setup),
		cmocka_unit_test_setup(test_profile_process, test_setup),
		cmocka_unit_test_setup(test_read_token, test_setup),
		cmocka_unit_test_setup(test_cred_urls, test_setup),
		cmocka_unit_test_setup(test_container_urls, test_setup),
		cmocka_unit_test_setup(test_imds_urls, test_setup),
		cmocka_unit_test_setup(test_pinned, test_setup),
		cmocka_unit_test_setup(test_web_identity_missing, test_setup),
		cmocka_unit_test_setup(test_stale, test_setup),
	};

	return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
