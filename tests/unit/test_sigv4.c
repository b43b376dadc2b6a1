/*
 * test_sigv4 - the signer against every vector of tests/sigv4-testsuite
 * (the AWS suite and the SES examples), plus a few focused cases.
 *
 * The vectors are found by walking the tree, so a new one is run without
 * touching this file, and a missing directory fails the count check.
 */
#include "config.h"

#include <sys/stat.h>

#include <dirent.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include <cmocka.h>
#include <json-c/json.h>

#include "buf.h"
#include "sigv4.h"
#include "util.h"

#define SUITE		TESTDATA "/sigv4-testsuite"
#define MAX_FILE	(1024 * 1024)
#define MAX_HEADERS	32
#define MIN_AWS		30
#define MIN_SES		4

/* The fixed inputs of the AWS suite (its README, "Fixed inputs"). */
#define AKID		"AKIDEXAMPLE"
#define SECRET		"wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY"
#define REGION		"us-east-1"
#define SERVICE		"service"
#define AMZ_DATE	"20150830T123600Z"

#define EMPTY_SHA256 \
	"e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"

struct vector {
	char	*base;		/* path without the extension */
	char	*name;		/* relative to SUITE, for the report */
	int	 ses;		/* has a .json: an SES example */
};

struct suite {
	struct vector	*v;
	size_t		 n, cap;
	size_t		 aws, ses;
	int		 walk_failed;
};

/* A parsed .req; every string points into text, which is cut in place. */
struct req {
	char			*text;
	const char		*method, *path, *query;
	struct sigv4_header	 h[MAX_HEADERS];
	size_t			 nh;
	const char		*body;
	size_t			 bodylen;
};

/* Everything one vector test allocates, freed by teardown_run. */
struct run {
	const struct vector	*v;
	struct req		 req;
	char			*creq, *sts, *authz;
	char			*token;
	json_object		*json;
	struct sigv4_result	 res;
};

/* load - read base + ext, failing the test if it cannot be read. */
static char *
load(const struct vector *v, const char *ext, size_t *lenp)
{
	char	 path[4096];
	char	*text;
	int	 n;

	n = snprintf(path, sizeof(path), "%s%s", v->base, ext);
	assert_true(n > 0 && (size_t)n < sizeof(path));
	text = read_file(path, MAX_FILE, lenp);
	if (text == NULL)
		fail_msg("%s: cannot read", path);
	return text;
}

/* cut_line - NUL-terminate the line at p; return the next one or NULL. */
static char *
cut_line(char *p)
{
	char	*nl;

	nl = strchr(p, '\n');
	if (nl == NULL)
		return NULL;
	*nl = '\0';
	return nl + 1;
}

/*
 * parse_request_line - "METHOD target HTTP/1.1". The target is everything
 * between the first and the last space, since normalize-path/get-space
 * has a bare space in it.
 */
static int
parse_request_line(struct req *r, char *line)
{
	char	*sp1, *sp2, *q;

	sp1 = strchr(line, ' ');
	sp2 = strrchr(line, ' ');
	if (sp1 == NULL || sp2 == sp1)
		return -1;
	*sp1 = '\0';
	*sp2 = '\0';
	r->method = line;
	r->path = sp1 + 1;
	q = strchr(sp1 + 1, '?');
	if (q != NULL) {
		*q = '\0';
		r->query = q + 1;
	}
	return 0;
}

/*
 * parse_req - a tolerant reader for the suite's .req files: no space
 * needed after the colon, continuation lines (leading blank) folded into
 * the header above with their line break kept, an optional blank line
 * and body, and no final newline needed.
 */
static int
parse_req(struct req *r, size_t len)
{
	char	*line, *next, *colon;

	line = r->text;
	next = cut_line(line);
	if (parse_request_line(r, line) == -1)
		return -1;

	for (line = next; line != NULL && *line != '\0'; line = next) {
		if (*line == '\n') {
			r->body = line + 1;
			r->bodylen = len - (size_t)(r->body - r->text);
			return 0;
		}
		next = cut_line(line);
		if (*line == ' ' || *line == '\t') {
			/* Glue it back on to the value above. */
			if (r->nh == 0)
				return -1;
			line[-1] = '\n';
			continue;
		}
		colon = strchr(line, ':');
		if (colon == NULL || r->nh == MAX_HEADERS)
			return -1;
		*colon = '\0';
		r->h[r->nh].name = line;
		r->h[r->nh].value = colon + 1;
		r->nh++;
	}
	r->body = "";
	r->bodylen = 0;
	return 0;
}

/* load_req - read and parse the vector's .req into run->req. */
static void
load_req(struct run *run)
{
	size_t	 len;

	run->req.text = load(run->v, ".req", &len);
	if (parse_req(&run->req, len) == -1)
		fail_msg("%s.req: cannot parse", run->v->name);
}

/* find_header - the value of the .req header called name, or NULL. */
static const char *
find_header(const struct req *r, const char *name)
{
	size_t	 i;

	for (i = 0; i < r->nh; i++)
		if (strcasecmp(r->h[i].name, name) == 0)
			return r->h[i].value;
	return NULL;
}

/*
 * creq_token - the session token the suite assumes: the value on the
 * x-amz-security-token line of the .creq, if any (suite README).
 */
static char *
creq_token(const char *creq)
{
	static const char	 key[] = "\nx-amz-security-token:";
	const char		*p;

	p = strstr(creq, key);
	if (p == NULL)
		return NULL;
	p += sizeof(key) - 1;
	return strndup(p, strcspn(p, "\n"));
}

/* check_outputs - compare the three results with the vector's files. */
static void
check_outputs(struct run *run)
{
	run->sts = load(run->v, ".sts", NULL);
	run->authz = load(run->v, ".authz", NULL);
	assert_string_equal(run->res.canonical_request, run->creq);
	assert_string_equal(run->res.string_to_sign, run->sts);
	assert_string_equal(run->res.authorization, run->authz);
}

/* setup_run - give the test a fresh run for the vector in *state. */
static int
setup_run(void **state)
{
	struct run	*run;

	run = calloc(1, sizeof(*run));
	if (run == NULL)
		return -1;
	run->v = *state;
	*state = run;
	return 0;
}

/* teardown_run - free what the test allocated, even after a failure. */
static int
teardown_run(void **state)
{
	struct run	*run = *state;

	free(run->req.text);
	free(run->creq);
	free(run->sts);
	free(run->authz);
	free(run->token);
	if (run->json != NULL)
		json_object_put(run->json);
	sigv4_result_free(&run->res);
	free(run);
	return 0;
}

/* test_aws_vector - one vector of the AWS suite, with its fixed inputs. */
static void
test_aws_vector(void **state)
{
	struct run		*run = *state;
	struct sigv4_request	 sr;
	char			 body_sha[65];

	load_req(run);
	run->creq = load(run->v, ".creq", NULL);
	run->token = creq_token(run->creq);
	sigv4_sha256_hex(run->req.body, run->req.bodylen, body_sha);

	memset(&sr, 0, sizeof(sr));
	sr.method = run->req.method;
	sr.path = run->req.path;
	sr.query = run->req.query;
	sr.headers = run->req.h;
	sr.nheaders = run->req.nh;
	sr.payload_sha256 = body_sha;
	sr.amz_date = AMZ_DATE;
	sr.region = REGION;
	sr.service = SERVICE;
	sr.access_key_id = AKID;
	sr.secret_access_key = SECRET;
	sr.session_token = run->token;
	assert_int_equal(sigv4_sign(&sr, &run->res), 0);

	check_outputs(run);
}

/* json_str - a string member of the .json; NULL only for a JSON null. */
static const char *
json_str(json_object *obj, const char *key)
{
	json_object	*m;

	if (!json_object_object_get_ex(obj, key, &m))
		fail_msg("json: no member %s", key);
	if (json_object_is_type(m, json_type_null))
		return NULL;
	if (!json_object_is_type(m, json_type_string))
		fail_msg("json: %s is not a string", key);
	return json_object_get_string(m);
}

/*
 * check_url - the .req must be the request the .json describes: Host is
 * the URL's authority and the request target its path.
 */
static void
check_url(const struct run *run)
{
	const char	*url, *auth, *path, *host;

	url = json_str(run->json, "url");
	assert_non_null(url);
	auth = strstr(url, "://");
	assert_non_null(auth);
	auth += 3;
	path = strchr(auth, '/');
	assert_non_null(path);

	host = find_header(&run->req, "host");
	assert_non_null(host);
	assert_int_equal(strlen(host), (size_t)(path - auth));
	assert_memory_equal(host, auth, (size_t)(path - auth));
	assert_string_equal(run->req.path, path);
}

/* check_body - the .req body is the one whose hash the .json records. */
static void
check_body(const struct run *run, char body_sha[65])
{
	json_object	*len;

	sigv4_sha256_hex(run->req.body, run->req.bodylen, body_sha);
	assert_string_equal(body_sha, json_str(run->json, "body_sha256"));
	assert_true(json_object_object_get_ex(run->json, "body_length",
	    &len));
	assert_int_equal(run->req.bodylen, json_object_get_int64(len));
}

/* test_ses_vector - one SES example, with the inputs of its .json. */
static void
test_ses_vector(void **state)
{
	struct run		*run = *state;
	struct sigv4_request	 sr;
	char			 path[4096], body_sha[65];

	load_req(run);
	run->creq = load(run->v, ".creq", NULL);
	assert_true(snprintf(path, sizeof(path), "%s.json", run->v->base) <
	    (int)sizeof(path));
	run->json = json_object_from_file(path);
	if (run->json == NULL)
		fail_msg("%s: %s", path, json_util_get_last_err());
	check_url(run);
	check_body(run, body_sha);

	memset(&sr, 0, sizeof(sr));
	sr.method = run->req.method;
	sr.path = run->req.path;
	sr.query = run->req.query;
	sr.headers = run->req.h;
	sr.nheaders = run->req.nh;
	sr.payload_sha256 = body_sha;
	sr.amz_date = json_str(run->json, "x_amz_date");
	sr.region = json_str(run->json, "region");
	sr.service = json_str(run->json, "service");
	sr.access_key_id = json_str(run->json, "access_key_id");
	sr.secret_access_key = json_str(run->json, "secret_access_key");
	sr.session_token = json_str(run->json, "session_token");
	assert_int_equal(sigv4_sign(&sr, &run->res), 0);

	check_outputs(run);
}

/* add_vector - record the vector whose .req is dir/file. */
static int
add_vector(struct suite *s, const char *path, const char *rel)
{
	struct vector	*v;
	char		 json[4096];
	size_t		 cap;

	if (s->n == s->cap) {
		cap = s->cap ? 2 * s->cap : 64;
		v = realloc(s->v, cap * sizeof(*v));
		if (v == NULL)
			return -1;
		s->v = v;
		s->cap = cap;
	}
	v = &s->v[s->n];
	v->base = strndup(path, strlen(path) - 4);
	v->name = strndup(rel, strlen(rel) - 4);
	if (v->base == NULL || v->name == NULL) {
		free(v->base);
		free(v->name);
		return -1;
	}
	snprintf(json, sizeof(json), "%s.json", v->base);
	v->ses = access(json, R_OK) == 0;
	if (v->ses)
		s->ses++;
	else
		s->aws++;
	s->n++;
	return 0;
}

/* has_suffix - true when s ends with suffix. */
static int
has_suffix(const char *s, const char *suffix)
{
	size_t	 n = strlen(s), m = strlen(suffix);

	return n > m && strcmp(s + n - m, suffix) == 0;
}

/* find_vectors - walk dir for *.req files; rel is dir below SUITE. */
static int
find_vectors(struct suite *s, const char *dir, const char *rel)
{
	DIR		*d;
	struct dirent	*e;
	struct stat	 st;
	char		 path[4096], sub[4096];
	int		 rc = 0;

	d = opendir(dir);
	if (d == NULL)
		return -1;
	for (;;) {
		e = readdir(d);
		if (e == NULL || rc == -1)
			break;
		if (e->d_name[0] == '.')
			continue;
		snprintf(path, sizeof(path), "%s/%s", dir, e->d_name);
		snprintf(sub, sizeof(sub), "%s%s%s", rel, *rel ? "/" : "",
		    e->d_name);
		if (stat(path, &st) == -1)
			rc = -1;
		else if (S_ISDIR(st.st_mode))
			rc = find_vectors(s, path, sub);
		else if (has_suffix(e->d_name, ".req"))
			rc = add_vector(s, path, sub);
	}
	closedir(d);
	return rc;
}

/* vector_cmp - run the vectors in name order. */
static int
vector_cmp(const void *a, const void *b)
{
	const struct vector	*x = a, *y = b;

	return strcmp(x->name, y->name);
}

/* test_vector_count - the walk found the whole suite. */
static void
test_vector_count(void **state)
{
	const struct suite	*s = *state;

	assert_int_equal(s->walk_failed, 0);
	assert_true(s->aws >= MIN_AWS);
	assert_true(s->ses >= MIN_SES);
}

/* test_sha256 - known digests (FIPS 180-2 B.1 for "abc"). */
static void
test_sha256(void **state)
{
	char	 out[65];

	(void)state;
	sigv4_sha256_hex("", 0, out);
	assert_string_equal(out, EMPTY_SHA256);
	sigv4_sha256_hex("abc", 3, out);
	assert_string_equal(out, "ba7816bf8f01cfea414140de5dae2223"
	    "b00361a396177a9cb410ff61f20015ad");
}

static const struct sigv4_header base_headers[] = {
	{ "Host", "example.amazonaws.com" },
	{ "X-Amz-Date", AMZ_DATE },
};

/* base_request - a valid GET of "/", as in get-vanilla. */
static struct sigv4_request
base_request(void)
{
	struct sigv4_request	 sr;

	memset(&sr, 0, sizeof(sr));
	sr.method = "GET";
	sr.path = "/";
	sr.headers = base_headers;
	sr.nheaders = 2;
	sr.payload_sha256 = EMPTY_SHA256;
	sr.amz_date = AMZ_DATE;
	sr.region = REGION;
	sr.service = SERVICE;
	sr.access_key_id = AKID;
	sr.secret_access_key = SECRET;
	return sr;
}

/* expect_failure - sigv4_sign refuses sr and leaves res all NULL. */
static void
expect_failure(const struct sigv4_request *sr)
{
	struct sigv4_result	 res;

	memset(&res, 0xa5, sizeof(res));
	assert_int_equal(sigv4_sign(sr, &res), -1);
	assert_null(res.canonical_request);
	assert_null(res.string_to_sign);
	assert_null(res.signed_headers);
	assert_null(res.authorization);
	sigv4_result_free(&res);
}

/*
 * test_missing_inputs - each broken input makes sigv4_sign fail, and the
 * request it breaks signs fine, so the failure is that input's doing.
 * Leaks on these paths show in the sanitizer build.
 */
static void
test_missing_inputs(void **state)
{
	static const struct sigv4_header no_host[] = {
		{ "X-Amz-Date", AMZ_DATE },
	};
	static const struct sigv4_header other_date[] = {
		{ "Host", "example.amazonaws.com" },
		{ "X-Amz-Date", "20150830T123601Z" },
	};
	struct sigv4_request	 sr;
	struct sigv4_result	 res;

	(void)state;
	sr = base_request();
	assert_int_equal(sigv4_sign(&sr, &res), 0);
	sigv4_result_free(&res);

	sr.amz_date = NULL;
	expect_failure(&sr);
	sr = base_request();
	sr.region = NULL;
	expect_failure(&sr);
	sr = base_request();
	sr.secret_access_key = "";
	expect_failure(&sr);
	sr = base_request();
	sr.payload_sha256 = NULL;
	expect_failure(&sr);
	sr = base_request();
	sr.headers = no_host;
	sr.nheaders = 1;
	expect_failure(&sr);
	sr = base_request();
	sr.headers = other_date;
	expect_failure(&sr);
	sr = base_request();
	sr.session_token = "abc\r\nX-Evil: 1";
	expect_failure(&sr);
	assert_int_equal(sigv4_sign(NULL, &res), -1);
}

/* test_unsigned_headers - User-Agent, Content-Length & co. stay out. */
static void
test_unsigned_headers(void **state)
{
	static const struct sigv4_header h[] = {
		{ "Host", "example.amazonaws.com" },
		{ "User-Agent", "sesmail/0.1" },
		{ "Content-Length", "13" },
		{ "Content-Type", "text/plain" },
		{ "Expect", "100-continue" },
		{ "Authorization", "AWS4-HMAC-SHA256 stale" },
		{ "X-Amz-Date", AMZ_DATE },
	};
	struct sigv4_request	 sr;
	struct sigv4_result	 res;

	(void)state;
	sr = base_request();
	sr.headers = h;
	sr.nheaders = sizeof(h) / sizeof(h[0]);
	assert_int_equal(sigv4_sign(&sr, &res), 0);
	assert_string_equal(res.signed_headers, "content-type;host;x-amz-date");
	assert_null(strstr(res.canonical_request, "user-agent"));
	assert_null(strstr(res.canonical_request, "content-length"));
	assert_non_null(strstr(res.authorization,
	    "SignedHeaders=content-type;host;x-amz-date,"));
	sigv4_result_free(&res);
}

/* count - occurrences of needle in s. */
static size_t
count(const char *s, const char *needle)
{
	size_t	 n = 0;

	for (s = strstr(s, needle); s != NULL; s = strstr(s + 1, needle))
		n++;
	return n;
}

/*
 * test_session_token - the token is signed as a header when the caller
 * has not put one there, and never twice.
 */
static void
test_session_token(void **state)
{
	static const struct sigv4_header h[] = {
		{ "Host", "example.amazonaws.com" },
		{ "X-Amz-Date", AMZ_DATE },
		{ "X-Amz-Security-Token", "TOKEN" },
	};
	struct sigv4_request	 sr;
	struct sigv4_result	 res;

	(void)state;
	sr = base_request();
	sr.session_token = "TOKEN";
	assert_int_equal(sigv4_sign(&sr, &res), 0);
	assert_string_equal(res.signed_headers,
	    "host;x-amz-date;x-amz-security-token");
	assert_non_null(strstr(res.canonical_request,
	    "\nx-amz-security-token:TOKEN\n"));
	sigv4_result_free(&res);

	sr.headers = h;
	sr.nheaders = 3;
	assert_int_equal(sigv4_sign(&sr, &res), 0);
	assert_int_equal(count(res.canonical_request, "x-amz-security-token:"),
	    1);
	sigv4_result_free(&res);

	sr = base_request();
	sr.session_token = "";
	assert_int_equal(sigv4_sign(&sr, &res), 0);
	assert_string_equal(res.signed_headers, "host;x-amz-date");
	sigv4_result_free(&res);
}

/* creq_line - line n (from 0) of a canonical request, into out. */
static void
creq_line(const char *creq, int n, char *out, size_t outlen)
{
	size_t	 len;

	for (; n > 0; n--) {
		creq = strchr(creq, '\n');
		assert_non_null(creq);
		creq++;
	}
	len = strcspn(creq, "\n");
	assert_true(len < outlen);
	memcpy(out, creq, len);
	out[len] = '\0';
}

/* sign_line - sign base_request with path and query; return line n. */
static void
sign_line(const char *path, const char *query, int n, char *out,
    size_t outlen)
{
	struct sigv4_request	 sr;
	struct sigv4_result	 res;

	sr = base_request();
	sr.path = path;
	sr.query = query;
	assert_int_equal(sigv4_sign(&sr, &res), 0);
	creq_line(res.canonical_request, n, out, outlen);
	sigv4_result_free(&res);
}

/* test_canonical_uri - normalisation and the second encoding. */
static void
test_canonical_uri(void **state)
{
	static const char *const cases[][2] = {
		{ "", "/" },
		{ "/..", "/" },
		{ "/a/b/..", "/a" },
		{ "/a/./b/../c//d/", "/a/c/d/" },
		{ "/a%2Fb", "/a%252Fb" },
		{ "/a b/x+y", "/a%20b/x%2By" },
		{ "/~user/-_.", "/~user/-_." },
		{ "/v2/email/identities/a%40b.c",
		    "/v2/email/identities/a%2540b.c" },
	};
	char	 got[256];
	size_t	 i;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		sign_line(cases[i][0], NULL, 1, got, sizeof(got));
		assert_string_equal(got, cases[i][1]);
	}
}

/* test_canonical_query - decoding, re-encoding, sorting, bare keys. */
static void
test_canonical_query(void **state)
{
	static const char *const cases[][2] = {
		{ "", "" },
		{ "b=2&a=1", "a=1&b=2" },
		{ "a=1&a=0", "a=0&a=1" },
		{ "a&&b=", "a=&b=" },
		{ "=v", "=v" },
		{ "x=%zz&y=%4", "x=%25zz&y=%254" },
		{ "x=a+b c", "x=a%2Bb%20c" },
		{ "x=%7e%2f%41", "x=~%2FA" },
		{ "k=a=b", "k=a%3Db" },
	};
	char	 got[256];
	size_t	 i;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		sign_line("/", cases[i][0], 2, got, sizeof(got));
		assert_string_equal(got, cases[i][1]);
	}
}

/* free_suite - free the vector list. */
static void
free_suite(struct suite *s)
{
	size_t	 i;

	for (i = 0; i < s->n; i++) {
		free(s->v[i].base);
		free(s->v[i].name);
	}
	free(s->v);
}

int
main(void)
{
	static const struct CMUnitTest fixed[] = {
		cmocka_unit_test(test_vector_count),
		cmocka_unit_test(test_sha256),
		cmocka_unit_test(test_missing_inputs),
		cmocka_unit_test(test_unsigned_headers),
		cmocka_unit_test(test_session_token),
		cmocka_unit_test(test_canonical_uri),
		cmocka_unit_test(test_canonical_query),
	};
	struct suite		 s;
	struct CMUnitTest	*tests;
	size_t			 nfixed, i;
	int			 rc;

	memset(&s, 0, sizeof(s));
	s.walk_failed = find_vectors(&s, SUITE, "") == -1;
	qsort(s.v, s.n, sizeof(*s.v), vector_cmp);

	nfixed = sizeof(fixed) / sizeof(fixed[0]);
	tests = calloc(nfixed + s.n, sizeof(*tests));
	if (tests == NULL)
		return 1;
	memcpy(tests, fixed, sizeof(fixed));
	tests[0].initial_state = &s;
	for (i = 0; i < s.n; i++) {
		tests[nfixed + i].name = s.v[i].name;
		tests[nfixed + i].test_func = s.v[i].ses ? test_ses_vector :
		    test_aws_vector;
		tests[nfixed + i].setup_func = setup_run;
		tests[nfixed + i].teardown_func = teardown_run;
		tests[nfixed + i].initial_state = &s.v[i];
	}

	/*
	 * The list is built at run time, so the cmocka_run_group_tests
	 * macro (which takes sizeof of an array) cannot be used.
	 */
	rc = _cmocka_run_group_tests("sigv4", tests, nfixed + s.n, NULL,
	    NULL);
	free(tests);
	free_suite(&s);
	return rc;
}
