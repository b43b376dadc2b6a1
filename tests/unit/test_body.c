/*
 * test_body - the request body made on the fly (body.c) against the body
 * made whole (ses_form_body): the same bytes and the same SHA-256 for
 * many sizes, including 0, 1, 2, 3 and the edges of a block, however
 * the message is cut into pieces and however libcurl reads it. Also the
 * SES v2 JSON body and reply, the choice of API, message_pieces, and a
 * body piece read from its file.
 */
#include "config.h"

#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>
#include <unistd.h>

#include <cmocka.h>

#include <json-c/json.h>
#include <openssl/evp.h>

#include "body.h"
#include "buf.h"
#include "crlf.h"
#include "message.h"
#include "ses.h"
#include "sigv4.h"
#include "util.h"

/* Writable, because ses_form_body takes char *const *. */
static char	addr_a[] = "a@example.org";
static char	addr_b[] = "b+tag@example.net";
static char	addr_q[] = "\"odd \\\"one\\\"\"@example.com";

/* Message sizes around every edge of the encoder. */
static const size_t sizes[] = {
	0, 1, 2, 3, 4, 5, 6, 7, 57, 58, 59,
	BODY_BLOCK - 2, BODY_BLOCK - 1, BODY_BLOCK, BODY_BLOCK + 1,
	BODY_BLOCK + 2, BODY_BLOCK + 3, 2 * BODY_BLOCK - 1, 2 * BODY_BLOCK,
	2 * BODY_BLOCK + 1, 3 * BODY_BLOCK + 2, 200003,
	BODY_SPLIT_AT, BODY_SPLIT_AT + 1, 3 * BODY_SPLIT_AT + 5
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

/* --- a body piece read from its file (crlf.c) ------------------------ */

/*
 * A large message's body is no piece of memory but a file read through
 * crlf.c, afresh for the hash pass and for each send. The request made
 * from it must be the very bytes, and so the very SHA-256, of the one
 * made from the same bytes in memory, for a form and for JSON, however
 * the reads fall against BODY_BLOCK and CRLF_CHUNK; and a file that
 * changes under it must fail the body, not shorten it.
 */

/* A body kept in a file, and the same bytes in memory. */
struct kept {
	int			 fd;
	struct crlf		 src;
	struct crlf_stats	 st;
	struct buf		 mem;
};

/*
 * keep - raw[0..n) into a file behind a few bytes that are not its,
 * measured, and read once into k->mem.
 */
static void
keep(const char *raw, size_t n, struct kept *k)
{
	static const char	 pre[] = "head\r\r\n";
	size_t			 got;

	k->fd = tmp_open();
	assert_true(k->fd >= 0);
	assert_int_equal(write(k->fd, pre, sizeof(pre) - 1),
	    (ssize_t)(sizeof(pre) - 1));
	if (n > 0)
		assert_int_equal(write(k->fd, raw, n), (ssize_t)n);
	crlf_init(&k->src, k->fd, (off_t)(sizeof(pre) - 1), n);
	assert_int_equal(crlf_measure(&k->src, &k->st), 0);
	buf_init(&k->mem);
	assert_int_equal(buf_reserve(&k->mem, k->st.len), 0);
	got = crlf_read(&k->src, k->mem.data, k->st.len);
	assert_int_equal(got, k->st.len);
	k->mem.len = got;
	crlf_rewind(&k->src);
}

static void
kept_free(struct kept *k)
{
	crlf_free(&k->src);
	close(k->fd);
	buf_free(&k->mem);
}

/*
 * src_pieces - a message as message_pieces gives it: a field, its
 * CRLF, the empty line, then the body: in memory (from_file 0) or the
 * file of k; now and then a piece after it, as no caller has yet.
 */
static size_t
src_pieces(struct kept *k, int from_file, int after, struct body_piece *p)
{
	size_t	 n = 0;

	memset(p, 0, 5 * sizeof(*p));
	p[n].data = "Subject: from a file";
	p[n++].len = 20;
	p[n].data = "\r\n";
	p[n++].len = 2;
	p[n].data = "\r\n";
	p[n++].len = 2;
	p[n].len = k->st.len;
	if (from_file)
		p[n++].src = &k->src;
	else
		p[n++].data = k->mem.data;
	if (after) {
		p[n].data = "?";
		p[n++].len = 1;
	}
	return n;
}

/* whole_of - the bytes of pieces in memory, as one string. */
static void
whole_of(const struct body_piece *p, size_t n, struct buf *out)
{
	size_t	 i;

	buf_reset(out);
	for (i = 0; i < n; i++) {
		assert_null(p[i].src);
		assert_int_equal(buf_append(out, p[i].data, p[i].len), 0);
	}
}

/*
 * same_bodies - the body of the file's pieces against that of the
 * memory's: hash, length and bytes, read in several ways; for a form,
 * also against ses_form_body of the message whole.
 */
static void
same_bodies(struct kept *k, int pct, int after)
{
	char			*rcpts[] = { addr_a, addr_b };
	struct body_piece	 pf[5], pm[5];
	struct buf		 head = BUF_INIT, a = BUF_INIT, b = BUF_INIT;
	struct body		 bf, bm;
	char			 shaf[65], sham[65];
	size_t			 nf, nm, i;

	nf = src_pieces(k, 1, after, pf);
	nm = src_pieces(k, 0, after, pm);
	if (pct)
		assert_int_equal(ses_form_body("from@example.com", rcpts, 2,
		    "", 0, &head), 0);
	else
		assert_int_equal(ses_json_head("from@example.com", rcpts, 2,
		    &head), 0);
	assert_int_equal(body_init(&bf, head.data, head.len, pf, nf, pct,
	    pct ? "" : SES_JSON_TAIL), 0);
	assert_int_equal(body_init(&bm, head.data, head.len, pm, nm, pct,
	    pct ? "" : SES_JSON_TAIL), 0);
	assert_int_equal(body_b64_len(pf, nf), body_b64_len(pm, nm));
	assert_int_equal(body_sha256_hex(&bf, shaf), 0);
	assert_int_equal(body_sha256_hex(&bm, sham), 0);
	assert_int_equal(bf.error, 0);
	assert_string_equal(shaf, sham);
	assert_int_equal(bf.length, bm.length);

	drain(&bm, 65536, &a);
	for (i = 0; i < sizeof(reads) / sizeof(reads[0]); i++) {
		if (reads[i] < 1000 && a.len > 300000)
			continue;
		body_rewind(&bf);
		drain(&bf, reads[i], &b);
		if (b.len != a.len || memcmp(a.data, b.data, a.len) != 0)
			fail_msg("body of %zu, reads of %zu: bodies differ",
			    k->st.len, reads[i]);
	}
	if (pct) {
		whole_of(pm, nm, &b);
		buf_reset(&head);
		assert_int_equal(ses_form_body("from@example.com", rcpts, 2,
		    b.data, b.len, &head), 0);
		assert_int_equal(head.len, a.len);
		assert_memory_equal(head.data, a.data, a.len);
	}
	body_free(&bf);
	body_free(&bm);
	buf_free(&head);
	buf_free(&a);
	buf_free(&b);
}

/*
 * Bodies of exact lengths (CRLF lines, nothing to convert), so that
 * the message comes to each size of sizes[], block edges included;
 * then bodies of every byte value, which crlf.c converts.
 */
static void
test_src_pieces(void **state)
{
	struct kept	 k;
	char		*raw;
	size_t		 i, n, head = 24;
	int		 pct;

	(void)state;
	for (i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
		if (sizes[i] < head + 2)
			continue;
		n = sizes[i] - head;
		raw = malloc(n);
		assert_non_null(raw);
		memset(raw, 'm', n);
		raw[n - 2] = '\r';
		raw[n - 1] = '\n';
		keep(raw, n, &k);
		assert_int_equal(k.st.len, n);
		for (pct = 0; pct < 2; pct++) {
			same_bodies(&k, pct, 0);
			same_bodies(&k, pct, 1);
		}
		kept_free(&k);
		free(raw);
	}
	for (i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
		raw = fill(sizes[i], 3u * (unsigned)sizes[i] + 1);
		keep(raw, sizes[i], &k);
		for (pct = 0; pct < 2; pct++)
			same_bodies(&k, pct, i % 2);
		kept_free(&k);
		free(raw);
	}
}

/*
 * The pieces of a message read by message_parse_fd, whose body stays
 * in the file, make the body that those of message_parse make.
 */
static void
test_src_message_pieces(void **state)
{
	char			*rcpts[] = { addr_a };
	struct message		 mm, mf;
	struct body_piece	*pm, *pf;
	struct body		 bm, bf;
	struct buf		 head = BUF_INIT;
	char			*raw, sham[65], shaf[65];
	size_t			 n = 3 * CRLF_CHUNK + 11, nm, nf, sm, sf;
	int			 fd;

	(void)state;
	raw = fill(n, 99);
	memcpy(raw, "Subject: s\r\nTo: b\n\n", 19);
	assert_int_equal(message_parse(raw, n, 0, &mm), 0);
	fd = tmp_open();
	assert_true(fd >= 0);
	assert_int_equal(write(fd, raw, n), (ssize_t)n);
	assert_int_equal(message_parse_fd(fd, 0, n, NULL, &mf), 0);
	assert_non_null(mf.src);
	assert_int_equal(message_pieces(&mm, &pm, &nm, &sm), 0);
	assert_int_equal(message_pieces(&mf, &pf, &nf, &sf), 0);
	assert_int_equal(sf, sm);
	assert_int_equal(nf, nm);
	assert_ptr_equal(pf[nf - 1].src, mf.src);
	assert_int_equal(ses_form_body("f@example.com", rcpts, 1, "", 0,
	    &head), 0);
	assert_int_equal(body_init(&bm, head.data, head.len, pm, nm, 1, ""),
	    0);
	assert_int_equal(body_init(&bf, head.data, head.len, pf, nf, 1, ""),
	    0);
	assert_int_equal(body_sha256_hex(&bm, sham), 0);
	assert_int_equal(body_sha256_hex(&bf, shaf), 0);
	assert_string_equal(shaf, sham);
	body_free(&bm);
	body_free(&bf);
	free(pm);
	free(pf);
	message_free(&mm);
	message_free(&mf);
	close(fd);
	buf_free(&head);
	free(raw);
}

/*
 * The file cut short after it was measured (within the first read of
 * it, and after), or changed: the hash fails with the error recorded,
 * so that no request is signed for a body shorter than it says.
 */
static void
test_src_truncated(void **state)
{
	static const off_t	 cuts[] = { 7, 20, 200000, 2000000 };
	struct body_piece	 p[5];
	struct kept		 k;
	struct body		 b;
	struct buf		 got = BUF_INIT;
	char			*raw, sha[65];
	size_t			 i, n, np;

	(void)state;
	for (i = 0; i < sizeof(cuts) / sizeof(cuts[0]); i++) {
		/* Hashed on one thread, and on two. */
		n = i < 3 ? 300000 : 2 * BODY_SPLIT_AT;
		raw = fill(n, 5);
		keep(raw, n, &k);
		np = src_pieces(&k, 1, 0, p);
		assert_int_equal(body_init(&b, "h=", 2, p, np, 1, ""), 0);
		assert_int_equal(body_sha256_hex(&b, sha), 0);
		assert_int_equal(ftruncate(k.fd, cuts[i]), 0);
		assert_int_equal(body_sha256_hex(&b, sha), -1);
		assert_int_equal(b.error, EIO);

		/* Read as libcurl would: it ends early, error still set. */
		body_rewind(&b);
		drain(&b, 65536, &got);
		n = got.len;
		assert_true(n < b.length);
		assert_int_equal(b.error, EIO);
		body_free(&b);
		kept_free(&k);
		free(raw);
	}

	/* Changed, not cut: NULs (dropped) where text was, so the body
	   comes out short with no read failing. */
	raw = fill(300000, 6);
	keep(raw, 300000, &k);
	np = src_pieces(&k, 1, 0, p);
	assert_int_equal(body_init(&b, "h=", 2, p, np, 0, ""), 0);
	memset(raw, '\0', 4096);
	assert_int_equal(pwrite(k.fd, raw, 4096, 100000), 4096);
	assert_int_equal(body_sha256_hex(&b, sha), -1);
	assert_int_equal(b.error, EIO);
	body_free(&b);
	kept_free(&k);
	free(raw);
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
		cmocka_unit_test(test_src_pieces),
		cmocka_unit_test(test_src_message_pieces),
		cmocka_unit_test(test_src_truncated),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
