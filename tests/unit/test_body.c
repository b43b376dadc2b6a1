/*
 * test_body - the request body made on the fly (body.c) against the body
 * made whole (ses_form_body): the same bytes and the same SHA-256 for
 * many sizes, including 0, 1, 2, 3 and the edges of a block, however
 * the message is cut into pieces and however libcurl reads it. Also the
 * SES v2 JSON body and reply, the choice of API, and message_pieces.
 */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>

#include <cmocka.h>

#include <json-c/json.h>
#include <openssl/evp.h>

#include "body.h"
#include "buf.h"
#include "message.h"
#include "ses.h"
#include "sigv4.h"

/* Writable, because ses_form_body takes char *const *. */
static char	addr_a[] = "a@example.org";
static char	addr_b[] = "b+tag@example.net";
static char	addr_q[] = "\"odd \\\"one\\\"\"@example.com";

/* Message sizes around every edge of the encoder. */
static const size_t sizes[] = {
	0, 1, 2, 3, 4, 5, 6, 7, 57, 58, 59,
	BODY_BLOCK - 2, BODY_BLOCK - 1, BODY_BLOCK, BODY_BLOCK + 1,
	BODY_BLOCK + 2, BODY_BLOCK + 3, 2 * BODY_BLOCK - 1, 2 * BODY_BLOCK,
	2 * BODY_BLOCK + 1, 3 * BODY_BLOCK + 2, 200003
};

/* How libcurl might ask: odd, small and large reads. */
static const size_t reads[] = { 1, 2, 3, 7, 1000, 16384, 65536, 1 << 20 };

/* fill - size deterministic bytes of every value (+ and / appear). */
static char *
fill(size_t size, unsigned seed)
{
	char	*p;
	size_t	 i;

	p = malloc(size + 1);
	assert_non_null(p);
	for (i = 0; i < size; i++) {
		seed = seed * 1103515245u + 12345u;
		p[i] = (char)(seed >> 16);
	}
	return p;
}

/*
 * cut - pieces of raw[0..size): kind 0 one piece, 1 pieces of one byte
 * (small sizes), 2 uneven pieces with empty ones among them, 3 cut one
 * byte before and after each block edge.
 */
static struct body_piece *
cut(const char *raw, size_t size, int kind, size_t *np)
{
	static const size_t	 steps[] = { 0, 1, 2, 5, 0, 4099, 3, 70001 };
	struct body_piece	*p;
	size_t			 n = 0, off = 0, step, k = 0;

	p = calloc(size + 16, sizeof(*p));
	assert_non_null(p);
	while (off < size || n == 0) {
		if (kind == 0)
			step = size;
		else if (kind == 1)
			step = 1;
		else if (kind == 2)
			step = steps[k++ % (sizeof(steps) / sizeof(steps[0]))];
		else if (off % BODY_BLOCK == BODY_BLOCK - 1)
			step = 2;
		else
			step = BODY_BLOCK - 1 - off % BODY_BLOCK;
		if (step > size - off)
			step = size - off;
		p[n].data = raw + off;
		p[n++].len = step;
		off += step;
		if (size == 0)
			break;
	}
	*np = n;
	return p;
}

/* drain - read the whole body with reads of at most step bytes. */
static void
drain(struct body *b, size_t step, struct buf *out)
{
	char	*chunk;
	size_t	 n;

	chunk = malloc(step);
	assert_non_null(chunk);
	buf_reset(out);
	for (;;) {
		n = body_read(b, chunk, step);
		assert_true(n <= step);
		if (n == 0)
			break;
		assert_int_equal(buf_append(out, chunk, n), 0);
	}
	free(chunk);
}

/* check_form - one size, one way of cutting, every way of reading. */
static void
check_form(size_t size, int kind)
{
	char			*rcpts[] = { addr_a, addr_b };
	struct buf		 whole = BUF_INIT, head = BUF_INIT;
	struct buf		 got = BUF_INIT;
	struct body_piece	*pieces;
	struct body		 b;
	char			*raw, want_sha[65], sha[65];
	size_t			 np, i;

	if (kind == 1 && size > 4 * 1024)
		return;
	raw = fill(size, (unsigned)size);
	assert_int_equal(ses_form_body("from@example.com", rcpts, 2, raw, size,
	    &whole), 0);
	assert_int_equal(ses_form_body("from@example.com", rcpts, 2, "", 0,
	    &head), 0);
	sigv4_sha256_hex(whole.data, whole.len, want_sha);

	pieces = cut(raw, size, kind, &np);
	assert_int_equal(body_init(&b, head.data, head.len, pieces, np, 1,
	    ""), 0);
	assert_int_equal(body_sha256_hex(&b, sha), 0);
	assert_string_equal(sha, want_sha);
	assert_int_equal(b.length, whole.len);
	assert_int_equal(body_b64_len(pieces, np), (size + 2) / 3 * 4);

	for (i = 0; i < sizeof(reads) / sizeof(reads[0]); i++) {
		if (reads[i] < 7 && whole.len > 50000)
			continue;
		drain(&b, reads[i], &got);
		if (got.len != whole.len || memcmp(got.data, whole.data,
		    whole.len) != 0)
			fail_msg("size %zu, pieces kind %d, reads of %zu: "
			    "bodies differ", size, kind, reads[i]);
		/* libcurl rewinds to send the body again on a new
		   connection; from the middle, too. */
		body_rewind(&b);
		assert_true(body_read(&b, got.data, got.len < 5 ? got.len :
		    5) <= 5);
		body_rewind(&b);
	}

	body_free(&b);
	free(pieces);
	free(raw);
	buf_free(&whole);
	buf_free(&head);
	buf_free(&got);
}

static void
test_form_sizes(void **state)
{
	size_t	 i;
	int	 kind;

	(void)state;
	for (i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++)
		for (kind = 0; kind < 4; kind++)
			check_form(sizes[i], kind);
}

/* The v2 body: the head, plain base64, the tail; valid JSON. */
static void
test_json_body(void **state)
{
	char			*rcpts[] = { addr_a, addr_q };
	struct buf		 head = BUF_INIT, got = BUF_INIT;
	struct body_piece	*pieces;
	struct body		 b;
	json_object		*doc, *v;
	unsigned char		*b64;
	char			*raw, sha[65], want[65];
	size_t			 i, np, size;
	int			 k;

	(void)state;
	for (i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
		size = sizes[i];
		raw = fill(size, 7u + (unsigned)size);
		buf_reset(&head);
		assert_int_equal(ses_json_head("s\"x\\@example.com", rcpts, 2,
		    &head), 0);
		pieces = cut(raw, size, 2, &np);
		assert_int_equal(body_init(&b, head.data, head.len, pieces, np,
		    0, SES_JSON_TAIL), 0);
		assert_int_equal(body_sha256_hex(&b, sha), 0);
		drain(&b, 4096, &got);
		assert_int_equal(got.len, b.length);
		sigv4_sha256_hex(got.data, got.len, want);
		assert_string_equal(sha, want);

		/* What sits between the quotes is the message's base64. */
		b64 = malloc((size + 2) / 3 * 4 + 1);
		assert_non_null(b64);
		k = EVP_EncodeBlock(b64, (const unsigned char *)raw, (int)size);
		assert_int_equal(got.len, head.len + (size_t)k +
		    strlen(SES_JSON_TAIL));
		assert_memory_equal(got.data, head.data, head.len);
		assert_memory_equal(got.data + head.len, b64, (size_t)k);

		doc = json_tokener_parse(got.data);
		assert_non_null(doc);
		assert_true(json_object_object_get_ex(doc,
		    "FromEmailAddress", &v));
		assert_string_equal(json_object_get_string(v),
		    "s\"x\\@example.com");
		assert_true(json_object_object_get_ex(doc, "Destination", &v));
		assert_true(json_object_object_get_ex(v, "ToAddresses", &v));
		assert_int_equal(json_object_array_length(v), 2);
		assert_string_equal(json_object_get_string(
		    json_object_array_get_idx(v, 1)), addr_q);
		json_object_put(doc);

		body_free(&b);
		free(b64);
		free(pieces);
		free(raw);
	}

	/* No sender: no FromEmailAddress. */
	buf_reset(&head);
	assert_int_equal(ses_json_head(NULL, rcpts, 1, &head), 0);
	assert_string_equal(head.data, "{\"Destination\":{\"ToAddresses\":"
	    "[\"a@example.org\"]},\"Content\":{\"Raw\":{\"Data\":\"");
	buf_free(&head);
	buf_free(&got);
}

/* auto: v1 to its limit, v2 to its own, then nothing. */
static void
test_pick_api(void **state)
{
	(void)state;
	assert_int_equal(ses_pick_api("auto", 0), SES_API_V1);
	assert_int_equal(ses_pick_api(NULL, SES_V1_MAX_B64), SES_API_V1);
	assert_int_equal(ses_pick_api("auto", SES_V1_MAX_B64), SES_API_V1);
	assert_int_equal(ses_pick_api("auto", SES_V1_MAX_B64 + 1),
	    SES_API_V2);
	assert_int_equal(ses_pick_api("auto", SES_V2_MAX_B64), SES_API_V2);
	assert_int_equal(ses_pick_api("auto", SES_V2_MAX_B64 + 1), 0);
	assert_int_equal(ses_pick_api("v1", SES_V1_MAX_B64), SES_API_V1);
	assert_int_equal(ses_pick_api("v1", SES_V1_MAX_B64 + 1), 0);
	assert_int_equal(ses_pick_api("v2", 4), SES_API_V2);
	assert_int_equal(ses_pick_api("v2", SES_V2_MAX_B64 + 1), 0);
	assert_int_equal(ses_max_raw("v1"), 7500000);
	assert_int_equal(ses_max_raw("auto"), 30000000);
	assert_int_equal(ses_max_raw("v2"), 30000000);
	/* 30,000,000 bytes are exactly 40,000,000 in base64. */
	assert_int_equal(ses_pick_api("auto", (ses_max_raw("auto") + 2) / 3 *
	    4), SES_API_V2);
}

/* One v2 reply: MessageId, or the code and message of an error. */
static void
json_reply(const char *json, const char *header, int want_rc,
    const char *id, const char *code, const char *text)
{
	struct ses_reply	 r;

	ses_reply_init(&r);
	assert_int_equal(ses_parse_json_reply(json, strlen(json), header, &r),
	    want_rc);
	if (id == NULL)
		assert_null(r.message_id);
	else
		assert_string_equal(r.message_id, id);
	if (code == NULL)
		assert_null(r.error_code);
	else
		assert_string_equal(r.error_code, code);
	if (text == NULL)
		assert_null(r.error_message);
	else
		assert_string_equal(r.error_message, text);
	ses_reply_free(&r);
}

static void
test_json_reply(void **state)
{
	(void)state;
	json_reply("{\"MessageId\":\"0100-abc-000000\"}", NULL, 0,
	    "0100-abc-000000", NULL, NULL);
	/* The header wins, without what follows its colon. */
	json_reply("{\"message\":\"Email address is not verified.\"}",
	    "MessageRejected:http://internal.amazon.com/coral/", 0, NULL,
	    "MessageRejected", "Email address is not verified.");
	/* Else the body: __type with a namespace, code, Code. */
	json_reply("{\"__type\":\"com.amazonaws.sesv2#BadRequestException\","
	    "\"Message\":\"bad\"}", NULL, 0, NULL, "BadRequestException",
	    "bad");
	json_reply("{\"code\":\"NotFoundException\"}", NULL, 0, NULL,
	    "NotFoundException", NULL);
	json_reply("{\"Code\":\"TooManyRequestsException\",\"message\":"
	    "\"slow\\u0007down\"}", NULL, 0, NULL, "TooManyRequestsException",
	    "slow?down");
	/* Not JSON: an error, but a code from the header still counts. */
	json_reply("<html>busy</html>", "ThrottlingException", -1, NULL,
	    "ThrottlingException", NULL);
	json_reply("[1,2]", NULL, -1, NULL, NULL, NULL);
	json_reply("", NULL, -1, NULL, NULL, NULL);
	assert_int_equal(ses_exitcode(400, "BadRequestException"), EX_DATAERR);
	assert_int_equal(ses_exitcode(400, "SendingPausedException"),
	    EX_TEMPFAIL);
	assert_int_equal(ses_exitcode(400, "AccountSuspendedException"),
	    EX_UNAVAILABLE);
	assert_int_equal(ses_exitcode(404, "NotFoundException"), EX_CONFIG);
}

/* message_pieces: the bytes of message_serialize, none copied. */
static void
test_message_pieces(void **state)
{
	static const char	 text[] = "From: a@example.org\n"
	    "Subject: folded\n\tline\nTo: b@example.net\n\nbody\nline 2\n";
	struct message		 msg;
	struct body_piece	*p;
	struct buf		 want = BUF_INIT, got = BUF_INIT;
	size_t			 n, size, i;

	(void)state;
	assert_int_equal(message_parse(text, strlen(text), 0, &msg), 0);
	assert_int_equal(message_serialize(&msg, &want), 0);
	assert_int_equal(message_pieces(&msg, &p, &n, &size), 0);
	for (i = 0; i < n; i++)
		assert_int_equal(buf_append(&got, p[i].data, p[i].len), 0);
	assert_int_equal(size, want.len);
	assert_int_equal(got.len, want.len);
	assert_memory_equal(got.data, want.data, want.len);
	assert_ptr_equal(p[n - 1].data, msg.body.data);
	free(p);
	message_free(&msg);
	buf_free(&want);
	buf_free(&got);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_form_sizes),
		cmocka_unit_test(test_json_body),
		cmocka_unit_test(test_pick_api),
		cmocka_unit_test(test_json_reply),
		cmocka_unit_test(test_message_pieces),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
