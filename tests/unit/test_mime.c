/*
 * test_mime - encoded-words, quoted-printable for long body lines, and
 * folding of long header fields. What the module writes is decoded here
 * by decoders of the test's own and compared byte for byte.
 */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <cmocka.h>
#include <openssl/evp.h>

#include "buf.h"
#include "message.h"
#include "mime.h"

/* A string literal and its length. */
#define S(x)	x, sizeof(x) - 1

/* ------------------------------------------------------------------ */
/* Helpers: building text, measuring lines, decoding.                 */

/* fill - append n copies of the string s to b. */
static void
fill(struct buf *b, const char *s, size_t n)
{
	size_t	 i;

	for (i = 0; i < n; i++)
		assert_int_equal(buf_appends(b, s), 0);
}

/* max_line - longest line of s[0..n), not counting CR LF. */
static size_t
max_line(const char *s, size_t n)
{
	size_t	 i, start = 0, len, max = 0;

	for (i = 0; i < n; i++) {
		if (s[i] != '\n')
			continue;
		len = i - start;
		if (len > 0 && s[i - 1] == '\r')
			len--;
		if (len > max)
			max = len;
		start = i + 1;
	}
	if (n - start > max)
		max = n - start;
	return max;
}

/* hexval - value of an upper-case hex digit, or -1. */
static int
hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/* b64_decode - append the base64 text s[0..n) decoded to out. */
static void
b64_decode(const char *s, size_t n, struct buf *out)
{
	unsigned char	*tmp;
	int		 len;
	size_t		 pad = 0;

	assert_int_equal(n % 4, 0);
	tmp = malloc(n + 1);
	assert_non_null(tmp);
	len = EVP_DecodeBlock(tmp, (const unsigned char *)s, (int)n);
	assert_true(len >= 0);
	/* EVP_DecodeBlock counts the padding as zero octets. */
	while (pad < n && pad < 2 && s[n - 1 - pad] == '=')
		pad++;
	assert_int_equal(buf_append(out, tmp, (size_t)len - pad), 0);
	free(tmp);
}

/*
 * q_decode - append the Q text s[0..n) decoded to out, checking that
 * only letters, digits, "_" and "=XX" occur (the conservative set).
 */
static void
q_decode(const char *s, size_t n, struct buf *out)
{
	size_t	 i;
	char	 c;

	for (i = 0; i < n; i++) {
		c = s[i];
		if (c == '_') {
			c = ' ';
		} else if (c == '=') {
			assert_true(i + 2 < n);
			assert_true(hexval(s[i + 1]) >= 0);
			assert_true(hexval(s[i + 2]) >= 0);
			c = (char)(hexval(s[i + 1]) * 16 + hexval(s[i + 2]));
			i += 2;
		} else {
			assert_true((c >= 'a' && c <= 'z') ||
			    (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9'));
		}
		assert_int_equal(buf_appendc(out, c), 0);
	}
}

/* whole_utf8 - whether s[0..n) starts and ends on UTF-8 unit bounds. */
static int
whole_utf8(const unsigned char *s, size_t n)
{
	size_t	 i = 0, want, k;

	while (i < n) {
		if (s[i] < 0x80)
			want = 1;
		else if (s[i] >= 0xf0)
			want = 4;
		else if (s[i] >= 0xe0)
			want = 3;
		else if (s[i] >= 0xc0)
			want = 2;
		else
			return 0;
		for (k = 1; k < want; k++)
			if (i + k >= n || (s[i + k] & 0xc0) != 0x80)
				return 0;
		i += want;
	}
	return 1;
}

/*
 * ew_decode - decode a run of encoded-words separated by CRLF SP, as
 * mime_encode_words writes them, into out. Each word must be at most 75
 * characters, each line at most 78; with utf8 set, each word must hold
 * whole UTF-8 sequences. Returns the number of words.
 */
static size_t
ew_decode(const char *s, size_t n, int utf8, struct buf *out)
{
	const char	*p = s, *end = s + n, *w, *q;
	struct buf	 one;
	size_t		 words = 0;

	assert_true(max_line(s, n) <= 78);
	buf_init(&one);
	while (p < end) {
		if (words > 0) {
			assert_true(end - p >= 3);
			assert_memory_equal(p, "\r\n ", 3);
			p += 3;
		}
		w = p;
		assert_true(end - w >= 12);
		assert_memory_equal(w, "=?UTF-8?", 8);
		q = w + 10;
		while (q + 1 < end && !(q[0] == '?' && q[1] == '='))
			q++;
		assert_true(q + 1 < end);
		assert_true(q + 2 - w <= 75);

		buf_reset(&one);
		if (w[8] == 'B')
			b64_decode(w + 10, (size_t)(q - (w + 10)), &one);
		else if (w[8] == 'Q')
			q_decode(w + 10, (size_t)(q - (w + 10)), &one);
		else
			fail_msg("bad encoding %c", w[8]);
		assert_int_equal(w[9], '?');
		if (utf8)
			assert_true(whole_utf8((unsigned char *)one.data,
			    one.len));
		assert_int_equal(buf_append(out, one.data, one.len), 0);
		words++;
		p = q + 2;
	}
	buf_free(&one);
	return words;
}

/* encode_roundtrip - encode text, decode it back, compare; word count. */
static size_t
encode_roundtrip(const char *text, size_t len, int utf8)
{
	struct buf	 enc, dec;
	size_t		 words;

	buf_init(&enc);
	buf_init(&dec);
	assert_int_equal(mime_encode_words(text, len, &enc), 0);
	assert_true(mime_is_ascii(enc.data, enc.len));
	words = ew_decode(enc.data, enc.len, utf8, &dec);
	assert_int_equal(dec.len, len);
	assert_memory_equal(dec.data, text, len);
	buf_free(&enc);
	buf_free(&dec);
	return words;
}

/*
 * qp_decode - decode quoted-printable s[0..n) into out, checking it as
 * RFC 2045 §6.7 wants it: lines of at most 76 characters, no 8-bit or
 * control octets, no bare "=", no white space before a line end.
 */
static void
qp_decode(const char *s, size_t n, struct buf *out)
{
	size_t		 i;
	unsigned char	 c;

	assert_true(max_line(s, n) <= 76);
	for (i = 0; i < n; i++) {
		c = (unsigned char)s[i];
		if (c == '\r') {
			assert_true(i + 1 < n && s[i + 1] == '\n');
			assert_true(i == 0 || (s[i - 1] != ' ' &&
			    s[i - 1] != '\t'));
			assert_int_equal(buf_append(out, "\r\n", 2), 0);
			i++;
			continue;
		}
		if (c == '=' && i + 2 < n && s[i + 1] == '\r' &&
		    s[i + 2] == '\n') {
			i += 2;
			continue;
		}
		if (c == '=') {
			assert_true(i + 2 < n);
			assert_true(hexval(s[i + 1]) >= 0);
			assert_true(hexval(s[i + 2]) >= 0);
			c = (unsigned char)(hexval(s[i + 1]) * 16 +
			    hexval(s[i + 2]));
			i += 2;
		} else {
			assert_true(c == ' ' || c == '\t' ||
			    (c >= 33 && c <= 126));
		}
		assert_int_equal(buf_appendc(out, (char)c), 0);
	}
}

/* parse - a message from text, as sesmail reads it. */
static void
parse(const char *text, size_t len, struct message *msg)
{
	assert_int_equal(message_parse(text, len, 0, msg), 0);
}

/* serialize - msg as bytes, into a fresh b. */
static void
serialize(const struct message *msg, struct buf *b)
{
	buf_init(b);
	assert_int_equal(message_serialize(msg, b), 0);
}

/* value_is - the unfolded value of the only field name is want. */
static void
value_is(const struct message *msg, const char *name, const char *want)
{
	long	 i;
	char	*v;

	assert_int_equal(message_count(msg, name), 1);
	i = message_find(msg, name, 0);
	assert_true(i >= 0);
	v = message_value(msg, (size_t)i);
	assert_non_null(v);
	assert_string_equal(v, want);
	free(v);
}

/* memfind - first occurrence of needle in hay[0..n), or NULL. */
static const char *
memfind(const char *hay, size_t n, const char *needle)
{
	size_t	 k = strlen(needle), i;

	for (i = 0; k <= n && i <= n - k; i++)
		if (memcmp(hay + i, needle, k) == 0)
			return hay + i;
	return NULL;
}

/*
 * part_at - the part that follows the delimiter line "--b" found from
 * *from on in body: its header (up to the empty line) and its body (up
 * to the CRLF before the next delimiter). *from moves past the part.
 */
static void
part_at(const struct buf *body, const char *b, const char **from,
    struct buf *hdr, struct buf *pbody)
{
	const char	*end = body->data + body->len, *p, *h, *e;
	char		 delim[128];

	snprintf(delim, sizeof(delim), "--%s", b);
	p = memfind(*from, (size_t)(end - *from), delim);
	assert_non_null(p);
	p = memfind(p, (size_t)(end - p), "\r\n") + 2;
	h = memfind(p, (size_t)(end - p), "\r\n\r\n");
	assert_non_null(h);
	snprintf(delim, sizeof(delim), "\r\n--%s", b);
	e = memfind(h + 2, (size_t)(end - (h + 2)), delim);
	assert_non_null(e);

	buf_reset(hdr);
	buf_reset(pbody);
	assert_int_equal(buf_append(hdr, p, (size_t)(h + 2 - p)), 0);
	assert_int_equal(buf_append(pbody, h + 4,
	    (size_t)(e + 2 - (h + 4))), 0);
	*from = e + 2;
}

/* long_text - a line of about n octets: words, "=", 8-bit UTF-8. */
static void
long_text(struct buf *b, size_t n)
{
	static const char *const words[] = {
		"alpha ", "x=y ", "Gr\xc3\xbc\xc3\x9f""e ", "\xe2\x82\xac"
		"100 ", "a==b ", "\xf0\x9f\x98\x80", "tab\there ", ". ",
		"--dash ", "end."
	};
	size_t	 i = 0, start = b->len;

	while (b->len - start < n) {
		assert_int_equal(buf_appends(b, words[i]), 0);
		i = (i + 1) % (sizeof(words) / sizeof(words[0]));
	}
}

/* ------------------------------------------------------------------ */
/* mime_encode_words                                                   */

static void
test_words_b20(void **state)
{
	struct buf	 enc;

	(void)state;
	encode_roundtrip(S("\xc3\x89quipe Caf\xc3\xa9"), 1);
	encode_roundtrip(S("J\xc3\xbcrgen Beispiel"), 1);
	encode_roundtrip(S("\xc3\x9c""berpr\xc3\xbc""fung abgeschlossen "
	    "\xe2\x9c\x93"), 1);

	/* Mostly ASCII: Q, the readable and shorter one. */
	buf_init(&enc);
	assert_int_equal(mime_encode_words(S("J\xc3\xbcrgen Beispiel"),
	    &enc), 0);
	assert_string_equal(enc.data, "=?UTF-8?Q?J=C3=BCrgen_Beispiel?=");
	buf_free(&enc);
}

static void
test_words_long(void **state)
{
	struct buf	 t;
	size_t		 words;

	(void)state;
	buf_init(&t);
	/* 300 octets of German with umlauts, then Greek (B wins there). */
	while (t.len < 200)
		assert_int_equal(buf_appends(&t, "Pr\xc3\xbc""fung "), 0);
	while (t.len < 300)
		assert_int_equal(buf_appends(&t, "\xce\xb1\xce\xb2"), 0);
	words = encode_roundtrip(t.data, t.len, 1);
	assert_true(words >= 4);
	buf_free(&t);
}

static void
test_words_no_split(void **state)
{
	struct buf	 t;
	size_t		 k;

	(void)state;
	/* Move a 4-octet emoji across every chunk boundary, B and Q. */
	for (k = 0; k < 70; k++) {
		buf_init(&t);
		fill(&t, "\xc3\xa9", k);
		fill(&t, "\xf0\x9f\x98\x80", 3);
		fill(&t, "\xc3\xa9", 40);
		encode_roundtrip(t.data, t.len, 1);
		buf_free(&t);

		buf_init(&t);
		fill(&t, "a", k);
		fill(&t, "\xf0\x9f\x98\x80", 3);
		fill(&t, "b", 60);
		encode_roundtrip(t.data, t.len, 1);
		buf_free(&t);
	}
}

static void
test_words_ascii_empty(void **state)
{
	struct buf	 enc;

	(void)state;
	encode_roundtrip(S("Hello, World! (50% off) =?x?= a_b"), 0);

	buf_init(&enc);
	assert_int_equal(mime_encode_words(S("Hello World"), &enc), 0);
	assert_string_equal(enc.data, "=?UTF-8?Q?Hello_World?=");
	buf_free(&enc);

	buf_init(&enc);
	assert_int_equal(mime_encode_words("", 0, &enc), 0);
	assert_int_equal(enc.len, 0);
	buf_free(&enc);
}

static void
test_words_invalid_utf8(void **state)
{
	struct buf	 t;

	(void)state;
	encode_roundtrip(S("\xff\xfe\xc3 abc \x80\x80\x80\x80\x80 \xe2\x82"),
	    0);
	buf_init(&t);
	fill(&t, "\xf0\x80\x80\x80\x80\xc0", 30);
	encode_roundtrip(t.data, t.len, 0);
	buf_free(&t);
}

static void
test_is_ascii(void **state)
{
	(void)state;
	assert_true(mime_is_ascii(S("plain text\r\n")));
	assert_true(mime_is_ascii("", 0));
	assert_false(mime_is_ascii(S("caf\xc3\xa9")));
	assert_false(mime_is_ascii(S("\x80")));
}

/* ------------------------------------------------------------------ */
/* mime_fix_long_lines: single part                                    */

/*
 * single_part - a message with header hdr and a body holding a short
 * line, a long line of n octets plus tail, and a short line; fix it and
 * check that the body decodes to what it was.
 */
static void
single_part(const char *hdr, size_t n, const char *tail,
    struct message *msg)
{
	struct buf	 in, body, out, dec;
	size_t		 changed;

	buf_init(&in);
	buf_init(&body);
	buf_init(&dec);
	assert_int_equal(buf_appends(&body, "first line\r\n"), 0);
	long_text(&body, n);
	assert_int_equal(buf_appends(&body, tail), 0);
	assert_int_equal(buf_appends(&body, "\r\nlast line\r\n"), 0);
	assert_true(max_line(body.data, body.len) > MIME_MAX_LINE);
	assert_int_equal(buf_printf(&in, "%s\r\n%s", hdr, body.data), 0);

	parse(in.data, in.len, msg);
	assert_int_equal(mime_fix_long_lines(msg, &changed), 0);
	assert_int_equal(changed, 1);
	value_is(msg, "Content-Transfer-Encoding", "quoted-printable");

	qp_decode(msg->body.data, msg->body.len, &dec);
	assert_int_equal(dec.len, body.len);
	assert_memory_equal(dec.data, body.data, body.len);

	serialize(msg, &out);
	assert_true(max_line(out.data, out.len) <= 76);
	buf_free(&out);
	buf_free(&in);
	buf_free(&body);
	buf_free(&dec);
}

static void
test_single_8bit_replaced(void **state)
{
	struct message	 msg;

	(void)state;
	single_part("From: a@example.com\r\nMIME-Version: 1.0\r\n"
	    "Content-Type: text/plain; charset=UTF-8\r\n"
	    "content-transfer-encoding: 8bit\r\nSubject: s\r\n", 5000, "",
	    &msg);
	/* Replaced where it was, under the name as written. */
	assert_int_equal(message_find(&msg, "Content-Transfer-Encoding", 0),
	    3);
	assert_string_equal(msg.hdr[3].raw,
	    "content-transfer-encoding: quoted-printable");
	assert_int_equal(msg.nhdr, 5);
	message_free(&msg);
}

static void
test_single_cte_added(void **state)
{
	struct message	 msg;

	(void)state;
	/* A cron-like message: no MIME fields at all. */
	single_part("From: root@example.com\r\nSubject: Cron\r\n", 5000, "",
	    &msg);
	value_is(&msg, "MIME-Version", "1.0");
	assert_int_equal(msg.nhdr, 4);
	message_free(&msg);

	/* MIME-Version present: only the encoding is added. */
	single_part("From: root@example.com\r\nMIME-Version: 1.0\r\n", 1500,
	    "", &msg);
	assert_int_equal(msg.nhdr, 3);
	message_free(&msg);
}

static void
test_single_duplicate_cte(void **state)
{
	struct message	 msg;

	(void)state;
	single_part("MIME-Version: 1.0\r\nContent-Transfer-Encoding: 7bit\r\n"
	    "Content-Transfer-Encoding: 8bit\r\n", 2000, "", &msg);
	message_free(&msg);
}

static void
test_single_trailing_space(void **state)
{
	struct message	 msg;

	(void)state;
	single_part("MIME-Version: 1.0\r\n", 1200, "   \t ", &msg);
	message_free(&msg);
	single_part("MIME-Version: 1.0\r\n", 3000, "=", &msg);
	message_free(&msg);
}

static void
test_single_untouched(void **state)
{
	static const char *const hdrs[] = {
		"Content-Transfer-Encoding: base64\r\n",
		"Content-Transfer-Encoding: quoted-printable\r\n",
		"Content-Transfer-Encoding: x-unknown\r\n",
		"Content-Type: message/rfc822\r\n",
	};
	struct message	 msg;
	struct buf	 in, out;
	size_t		 i, changed;

	(void)state;
	for (i = 0; i < sizeof(hdrs) / sizeof(hdrs[0]); i++) {
		buf_init(&in);
		assert_int_equal(buf_printf(&in, "From: a@example.com\r\n"
		    "MIME-Version: 1.0\r\n%s\r\n", hdrs[i]), 0);
		fill(&in, "QUJD", 600);
		assert_int_equal(buf_appends(&in, "\r\n"), 0);
		parse(in.data, in.len, &msg);

		assert_int_equal(mime_fix_long_lines(&msg, &changed), 0);
		assert_int_equal(changed, 0);
		serialize(&msg, &out);
		assert_int_equal(out.len, in.len);
		assert_memory_equal(out.data, in.data, in.len);
		buf_free(&out);
		buf_free(&in);
		message_free(&msg);
	}
}

static void
test_single_limit(void **state)
{
	struct message	 msg;
	struct buf	 in, out;
	size_t		 changed;

	(void)state;
	/* 998 octets is allowed; the message stays byte for byte. */
	buf_init(&in);
	assert_int_equal(buf_appends(&in, "Subject: s\r\n\r\nshort\r\n"), 0);
	fill(&in, "x", MIME_MAX_LINE);
	assert_int_equal(buf_appends(&in, "\r\nend\r\n"), 0);
	parse(in.data, in.len, &msg);
	assert_int_equal(mime_fix_long_lines(&msg, &changed), 0);
	assert_int_equal(changed, 0);
	serialize(&msg, &out);
	assert_int_equal(out.len, in.len);
	assert_memory_equal(out.data, in.data, in.len);
	buf_free(&out);
	message_free(&msg);

	/* One more and it is re-encoded. */
	buf_reset(&in);
	assert_int_equal(buf_appends(&in, "Subject: s\r\n\r\n"), 0);
	fill(&in, "x", MIME_MAX_LINE + 1);
	assert_int_equal(buf_appends(&in, "\r\n"), 0);
	parse(in.data, in.len, &msg);
	assert_int_equal(mime_fix_long_lines(&msg, &changed), 0);
	assert_int_equal(changed, 1);
	message_free(&msg);
	buf_free(&in);
}

/* ------------------------------------------------------------------ */
/* mime_fix_long_lines: multipart                                      */

/*
 * fix_and_compare - parse in, fix it, expect want parts changed, and
 * return the new body in out (bytes outside changed parts are checked by
 * the caller).
 */
static void
fix(const struct buf *in, size_t want, struct message *msg)
{
	size_t	 changed;

	parse(in->data, in->len, msg);
	assert_int_equal(mime_fix_long_lines(msg, &changed), 0);
	assert_int_equal(changed, want);
}

/* part_decodes - the QP part body decodes to the octets of want. */
static void
part_decodes(const struct buf *pbody, const struct buf *want)
{
	struct buf	 dec;

	buf_init(&dec);
	qp_decode(pbody->data, pbody->len, &dec);
	assert_int_equal(dec.len, want->len);
	assert_memory_equal(dec.data, want->data, want->len);
	buf_free(&dec);
}

static void
test_multi_mixed(void **state)
{
	static const char head[] =
	    "From: a@example.com\r\nMIME-Version: 1.0\r\n"
	    "Content-Type: multipart/mixed; boundary=\"b1\"\r\n\r\n"
	    "This is a preamble.\r\n"
	    "--b1\r\nContent-Type: text/plain\r\n\r\nshort text\r\n"
	    "--b1\r\nContent-Type: text/plain; charset=utf-8\r\n"
	    "Content-Transfer-Encoding: 8bit\r\n"
	    "Content-Disposition: inline\r\n\r\n";
	static const char tail[] =
	    "\r\n--b1\r\nContent-Type: application/octet-stream\r\n"
	    "Content-Transfer-Encoding: base64\r\n\r\n";
	struct message	 msg;
	struct buf	 in, text, after, hdr, pb;
	const char	*from;
	size_t		 headlen;

	(void)state;
	buf_init(&in);
	buf_init(&text);
	buf_init(&after);
	buf_init(&hdr);
	buf_init(&pb);
	long_text(&text, 4000);
	assert_int_equal(buf_appends(&text, "\r\nsecond line\r\n"), 0);
	assert_int_equal(buf_appends(&after, tail), 0);
	fill(&after, "QUJDRA==", 200);	/* a long line, but base64 */
	assert_int_equal(buf_appends(&after,
	    "\r\n--b1--\r\nepilogue\r\n"), 0);
	assert_int_equal(buf_append(&in, head, sizeof(head) - 1), 0);
	assert_int_equal(buf_append(&in, text.data, text.len - 2), 0);
	assert_int_equal(buf_append(&in, after.data, after.len), 0);

	fix(&in, 1, &msg);
	/* Everything before the second part's header, byte for byte. */
	headlen = (size_t)(strstr(head, "\r\n\r\n") + 4 - head);
	assert_memory_equal(msg.body.data, head + headlen,
	    (size_t)(strstr(head, "Content-Type: text/plain; charset") -
	    head) - headlen);
	/* And everything after its body. */
	assert_true(msg.body.len > after.len);
	assert_memory_equal(msg.body.data + msg.body.len - after.len,
	    after.data, after.len);

	from = msg.body.data;
	part_at(&msg.body, "b1", &from, &hdr, &pb);
	assert_string_equal(hdr.data, "Content-Type: text/plain\r\n");
	part_at(&msg.body, "b1", &from, &hdr, &pb);
	assert_string_equal(hdr.data,
	    "Content-Type: text/plain; charset=utf-8\r\n"
	    "Content-Transfer-Encoding: quoted-printable\r\n"
	    "Content-Disposition: inline\r\n");
	part_decodes(&pb, &text);
	/* The top level's own fields are not the part's. */
	assert_int_equal(message_count(&msg, "Content-Transfer-Encoding"),
	    0);

	message_free(&msg);
	buf_free(&in);
	buf_free(&text);
	buf_free(&after);
	buf_free(&hdr);
	buf_free(&pb);
}

static void
test_multi_nested(void **state)
{
	struct message	 msg;
	struct buf	 in, text, html, hdr, pb;
	const char	*from;

	(void)state;
	buf_init(&in);
	buf_init(&text);
	buf_init(&html);
	buf_init(&hdr);
	buf_init(&pb);
	long_text(&text, 1500);
	assert_int_equal(buf_appends(&text, "\r\n"), 0);
	assert_int_equal(buf_appends(&html, "<p>"), 0);
	long_text(&html, 2500);
	assert_int_equal(buf_appends(&html, "</p>\r\n"), 0);

	assert_int_equal(buf_printf(&in,
	    "MIME-Version: 1.0\r\n"
	    "Content-Type: multipart/mixed;\r\n\tboundary=outer\r\n\r\n"
	    "--outer\r\n"
	    "Content-Type: multipart/alternative; boundary=\"inner\"\r\n\r\n"
	    "--inner\r\nContent-Type: text/plain\r\n\r\n%s"
	    "--inner\r\nContent-Type: text/html\r\n\r\n%s"
	    "--inner--\r\n"
	    "--outer\r\nContent-Type: text/plain\r\n\r\nsigned\r\n"
	    "--outer--\r\n", text.data, html.data), 0);

	fix(&in, 2, &msg);
	from = msg.body.data;
	part_at(&msg.body, "inner", &from, &hdr, &pb);
	assert_string_equal(hdr.data, "Content-Type: text/plain\r\n"
	    "Content-Transfer-Encoding: quoted-printable\r\n");
	part_decodes(&pb, &text);
	part_at(&msg.body, "inner", &from, &hdr, &pb);
	part_decodes(&pb, &html);
	assert_non_null(strstr(msg.body.data, "--inner--\r\n--outer\r\n"
	    "Content-Type: text/plain\r\n\r\nsigned\r\n--outer--\r\n"));

	message_free(&msg);
	buf_free(&in);
	buf_free(&text);
	buf_free(&html);
	buf_free(&hdr);
	buf_free(&pb);
}

/* One Content-Type field, its boundary, and how the delimiters look. */
struct boundary_case {
	const char	*ctype;
	const char	*boundary;
	const char	*open;		/* after the delimiter lines */
	const char	*close;
};

static const struct boundary_case boundary_cases[] = {
	{ "multipart/mixed; boundary=\"=_a b:c\"", "=_a b:c", "", "--" },
	{ "Multipart (a \\) (nested) comment)/Mixed; charset=\"x;y\";\r\n"
	  " BOUNDARY = \"q\\\"b\" (another)", "q\"b", "", "--" },
	{ "multipart/mixed; boundary=----=_Part_1_2.3", "----=_Part_1_2.3",
	  "", "--" },
	{ "multipart/mixed; bad; boundary=zz", "zz", "  ", "--\t" },
	{ "multipart/related; type=\"text/html\"; boundary=\"x\"", "x", "",
	  "" },
};

static void
test_multi_boundaries(void **state)
{
	const struct boundary_case	*c;
	struct message			 msg;
	struct buf			 in, text, hdr, pb;
	const char			*from;
	size_t				 i;

	(void)state;
	for (i = 0; i < sizeof(boundary_cases) / sizeof(boundary_cases[0]);
	    i++) {
		c = &boundary_cases[i];
		buf_init(&in);
		buf_init(&text);
		buf_init(&hdr);
		buf_init(&pb);
		long_text(&text, 2000);
		assert_int_equal(buf_appends(&text, "\r\n"), 0);
		/* The last case has no close delimiter at all. */
		assert_int_equal(buf_printf(&in, "Content-Type: %s\r\n\r\n"
		    "--%s%s\r\nContent-Type: text/plain\r\n\r\n%s"
		    "--%s%s\r\n", c->ctype, c->boundary, c->open, text.data,
		    c->close[0] != '\0' ? c->boundary : "x-not",
		    c->close), 0);

		fix(&in, 1, &msg);
		assert_int_equal(message_count(&msg,
		    "Content-Transfer-Encoding"), 0);
		from = msg.body.data;
		part_at(&msg.body, c->boundary, &from, &hdr, &pb);
		part_decodes(&pb, &text);

		message_free(&msg);
		buf_free(&in);
		buf_free(&text);
		buf_free(&hdr);
		buf_free(&pb);
	}
}

/* multi_unchanged - a multipart message that must stay as it is. */
static void
multi_unchanged(const char *ctype, const char *parts)
{
	struct message	 msg;
	struct buf	 in, out;

	buf_init(&in);
	assert_int_equal(buf_printf(&in, "MIME-Version: 1.0\r\n"
	    "Content-Type: %s\r\n\r\n", ctype), 0);
	assert_int_equal(buf_appends(&in, parts), 0);
	long_text(&in, 1500);
	assert_int_equal(buf_appends(&in, "\r\n--b--\r\n"), 0);

	fix(&in, 0, &msg);
	serialize(&msg, &out);
	assert_int_equal(out.len, in.len);
	assert_memory_equal(out.data, in.data, in.len);
	buf_free(&out);
	buf_free(&in);
	message_free(&msg);
}

static void
test_multi_left_alone(void **state)
{
	(void)state;
	/* The boundary is not in the body. */
	multi_unchanged("multipart/mixed; boundary=\"zz\"",
	    "--b\r\nContent-Type: text/plain\r\n\r\n");
	/* No boundary parameter. */
	multi_unchanged("multipart/mixed",
	    "--b\r\nContent-Type: text/plain\r\n\r\n");
	/* A long line in a base64 or quoted-printable part. */
	multi_unchanged("multipart/mixed; boundary=b",
	    "--b\r\nContent-Transfer-Encoding: base64\r\n\r\n");
	multi_unchanged("multipart/mixed; boundary=b",
	    "--b\r\nContent-Transfer-Encoding: Quoted-Printable\r\n\r\n");
	/* A message/rfc822 part is left alone, even with a long line. */
	multi_unchanged("multipart/mixed; boundary=b",
	    "--b\r\nContent-Type: message/rfc822\r\n\r\n"
	    "Subject: inner\r\n\r\n");
	/* In a digest, a part without Content-Type is message/rfc822. */
	multi_unchanged("multipart/digest; boundary=b",
	    "--b\r\n\r\nSubject: inner\r\n\r\n");
	/* In the preamble, before any delimiter, or in the epilogue. */
	multi_unchanged("multipart/mixed; boundary=b", "");
	multi_unchanged("multipart/mixed; boundary=b",
	    "--b\r\n\r\nshort\r\n--b--\r\n");
}

static void
test_multi_no_long_line(void **state)
{
	static const char in[] =
	    "From: a@example.com\r\nMIME-Version: 1.0\r\n"
	    "Content-Type: multipart/mixed; boundary=\"b\"\r\n\r\n"
	    "--b\r\nContent-Type: text/plain\r\n\r\nhello  \r\n"
	    "--b\r\n\r\nno header at all\r\n--b--\r\n";
	struct message	 msg;
	struct buf	 b, out;

	(void)state;
	b.data = (char *)(uintptr_t)in;
	b.len = sizeof(in) - 1;
	b.cap = 0;
	fix(&b, 0, &msg);
	serialize(&msg, &out);
	assert_int_equal(out.len, sizeof(in) - 1);
	assert_memory_equal(out.data, in, sizeof(in) - 1);
	buf_free(&out);
	message_free(&msg);
}

static void
test_multi_headerless_part(void **state)
{
	struct message	 msg;
	struct buf	 in, text, hdr, pb;
	const char	*from;

	(void)state;
	buf_init(&in);
	buf_init(&text);
	buf_init(&hdr);
	buf_init(&pb);
	/* A part written without header or empty line (RFC 2046 says
	 * otherwise, PHP scripts do it anyway): its body starts at once. */
	long_text(&text, 1200);
	assert_int_equal(buf_appends(&text, "\r\n"), 0);
	assert_int_equal(buf_printf(&in, "Content-Type: multipart/mixed; "
	    "boundary=b\r\n\r\n--b\r\n%s--b--\r\n", text.data), 0);

	fix(&in, 1, &msg);
	from = msg.body.data;
	part_at(&msg.body, "b", &from, &hdr, &pb);
	assert_string_equal(hdr.data,
	    "Content-Transfer-Encoding: quoted-printable\r\n");
	part_decodes(&pb, &text);

	message_free(&msg);
	buf_free(&in);
	buf_free(&text);
	buf_free(&hdr);
	buf_free(&pb);
}

static void
test_multi_boundary_in_line(void **state)
{
	struct message	 msg;
	struct buf	 in, text, hdr, pb;
	const char	*from, *p, *end;
	size_t		 delims = 0;

	(void)state;
	buf_init(&in);
	buf_init(&text);
	buf_init(&hdr);
	buf_init(&pb);
	/* Soft line breaks must not turn a piece into a delimiter. */
	assert_int_equal(buf_appends(&text, "x"), 0);
	fill(&text, "-", 2000);
	fill(&text, " --b ", 300);
	assert_int_equal(buf_appends(&text, "\r\n"), 0);
	assert_int_equal(buf_printf(&in, "Content-Type: multipart/mixed; "
	    "boundary=b\r\n\r\n--b\r\n\r\n%s--b--\r\n", text.data), 0);

	fix(&in, 1, &msg);
	end = msg.body.data + msg.body.len;
	for (p = msg.body.data; p < end; p = strchr(p, '\n') + 1)
		if (p[0] == '-' && p[1] == '-')
			delims++;
	assert_int_equal(delims, 2);
	from = msg.body.data;
	part_at(&msg.body, "b", &from, &hdr, &pb);
	part_decodes(&pb, &text);

	message_free(&msg);
	buf_free(&in);
	buf_free(&text);
	buf_free(&hdr);
	buf_free(&pb);
}

static void
test_large(void **state)
{
	struct message	 msg;
	struct buf	 in, dec;
	size_t		 changed;

	(void)state;
	/* 16 MB on one line: done in one pass, not line by line. */
	buf_init(&in);
	buf_init(&dec);
	assert_int_equal(buf_appends(&in, "Subject: big\r\n\r\n"), 0);
	assert_int_equal(buf_reserve(&in, 16 << 20), 0);
	memset(in.data + in.len, 'x', 16 << 20);
	in.len += 16 << 20;
	assert_int_equal(buf_appends(&in, "\r\n"), 0);
	parse(in.data, in.len, &msg);
	assert_int_equal(mime_fix_long_lines(&msg, &changed), 0);
	assert_int_equal(changed, 1);
	qp_decode(msg.body.data, msg.body.len, &dec);
	assert_int_equal(dec.len, (16 << 20) + 2);
	message_free(&msg);
	buf_free(&in);
	buf_free(&dec);
}

/* ------------------------------------------------------------------ */
/* mime_fold_long_fields                                               */

/* unfold - raw without its CRLFs (RFC 5322 §2.2.3). */
static void
unfold(const char *raw, size_t n, struct buf *out)
{
	size_t	 i;

	buf_reset(out);
	for (i = 0; i < n; i++)
		if (raw[i] != '\r' && raw[i] != '\n')
			assert_int_equal(buf_appendc(out, raw[i]), 0);
}

static void
test_fold(void **state)
{
	struct message	 msg;
	struct buf	 in, before, after;
	size_t		 unfoldable, i;

	(void)state;
	buf_init(&in);
	buf_init(&before);
	buf_init(&after);
	assert_int_equal(buf_appends(&in, "Subject: short\r\nReferences:"),
	    0);
	fill(&in, " <0123456789.abcdef@mail.example.com>", 80);
	assert_int_equal(buf_appends(&in, "\r\nX-Folded: a\r\n\t"), 0);
	fill(&in, "word\t ", 400);
	assert_int_equal(buf_appends(&in, "end\r\n\r\nbody\r\n"), 0);
	parse(in.data, in.len, &msg);
	unfold(msg.hdr[1].raw, msg.hdr[1].rawlen, &before);

	assert_int_equal(mime_fold_long_fields(&msg, &unfoldable), 0);
	assert_int_equal(unfoldable, 0);
	assert_string_equal(msg.hdr[0].raw, "Subject: short");
	for (i = 0; i < msg.nhdr; i++) {
		assert_true(max_line(msg.hdr[i].raw, msg.hdr[i].rawlen) <=
		    MIME_MAX_LINE);
		assert_null(strstr(msg.hdr[i].raw, "\r\n\r\n"));
		assert_null(strstr(msg.hdr[i].raw, " \r\n"));
		assert_null(strstr(msg.hdr[i].raw, "\t\r\n"));
	}
	/* Folding adds CRLF before white space, nothing else. */
	unfold(msg.hdr[1].raw, msg.hdr[1].rawlen, &after);
	assert_string_equal(after.data, before.data);
	assert_non_null(strstr(msg.hdr[1].raw, ">\r\n <"));

	message_free(&msg);
	buf_free(&in);
	buf_free(&before);
	buf_free(&after);
}

static void
test_fold_unfoldable(void **state)
{
	struct message	 msg;
	struct buf	 in, out;
	size_t		 unfoldable;

	(void)state;
	buf_init(&in);
	/* No white space at all; and white space only after the colon and
	 * at the end, which would leave the line too long all the same. */
	assert_int_equal(buf_appends(&in, "X-Token:"), 0);
	fill(&in, "A", 1200);
	assert_int_equal(buf_appends(&in, "\r\nX-Url: "), 0);
	fill(&in, "b", 1200);
	assert_int_equal(buf_appends(&in, "    \r\nSubject: ok\r\n\r\nb\r\n"),
	    0);
	parse(in.data, in.len, &msg);

	assert_int_equal(mime_fold_long_fields(&msg, &unfoldable), 0);
	assert_int_equal(unfoldable, 2);
	serialize(&msg, &out);
	assert_int_equal(out.len, in.len);
	assert_memory_equal(out.data, in.data, in.len);

	buf_free(&out);
	message_free(&msg);
	buf_free(&in);
}

int
main(void)
{
	static const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_words_b20),
		cmocka_unit_test(test_words_long),
		cmocka_unit_test(test_words_no_split),
		cmocka_unit_test(test_words_ascii_empty),
		cmocka_unit_test(test_words_invalid_utf8),
		cmocka_unit_test(test_is_ascii),
		cmocka_unit_test(test_single_8bit_replaced),
		cmocka_unit_test(test_single_cte_added),
		cmocka_unit_test(test_single_duplicate_cte),
		cmocka_unit_test(test_single_trailing_space),
		cmocka_unit_test(test_single_untouched),
		cmocka_unit_test(test_single_limit),
		cmocka_unit_test(test_multi_mixed),
		cmocka_unit_test(test_multi_nested),
		cmocka_unit_test(test_multi_boundaries),
		cmocka_unit_test(test_multi_left_alone),
		cmocka_unit_test(test_multi_no_long_line),
		cmocka_unit_test(test_multi_headerless_part),
		cmocka_unit_test(test_multi_boundary_in_line),
		cmocka_unit_test(test_large),
		cmocka_unit_test(test_fold),
		cmocka_unit_test(test_fold_unfoldable),
	};

	return cmocka_run_group_tests_name("mime", tests, NULL, NULL);
}
