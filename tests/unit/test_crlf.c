/*
 * test_crlf - a body read from its file (crlf.c) against the same bytes
 * parsed in memory (message_parse). crlf.c keeps message.c's line-end
 * rules one byte at a time so that a CR run may straddle two reads;
 * nothing but a comparison over many inputs shows the two agree. So
 * each test here makes seeded random inputs, heavy in CR, LF, NUL and
 * dots, and checks every way of reading them: whole, a few bytes at a
 * time (a CRLF given in halves), counting only, measured, and pushed
 * in chunks. A failure names the seed that made the input.
 */
#include "config.h"

#include <sys/types.h>

#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "buf.h"
#include "crlf.h"
#include "message.h"
#include "util.h"

/* --- inputs ---------------------------------------------------------- */

static uint32_t	rng;
static uint32_t	seed;		/* that made the input, for messages */

/* rnd - the next number of a xorshift generator: reproducible. */
static uint32_t
rnd(void)
{
	rng ^= rng << 13;
	rng ^= rng >> 17;
	rng ^= rng << 5;
	return rng;
}

/* The bytes the rules are about, weighted so that runs of them occur. */
static const char	alphabet[] = {
	'\r', '\r', '\r', '\r', '\r', '\n', '\n', '\n', '\n', '\0', '\0',
	'\0', '.', '.', ':', ' ', 'a', 'a', 'a', 'a', 'a', 'a', 'b'
};

/* Byte sequences worth seeing cut by the end of a read. */
static const char *const	tricky[] = {
	"\r\r\n", "\r\0\n", "\r\0\0\r\n", "\r\0", "\r\r\0a", "\r\n",
	".\r\n", "\0\0\r\r\r", "a\r\0\r\0", "\n\0\0", "\r\0\r\0\n"
};

/* The lengths of tricky[], which holds NULs. */
static const size_t		tricky_len[] = {
	3, 3, 5, 2, 4, 2, 3, 5, 5, 3, 5
};

#define NTRICKY	(sizeof(tricky) / sizeof(tricky[0]))

/*
 * gen - len random bytes into p: the weighted alphabet, now and then a
 * long line (to move "longest"), and a tricky sequence across every
 * CRLF_CHUNK boundary, as the reader sees them.
 */
static void
gen(char *p, size_t len)
{
	size_t	 i, run, at, k;

	for (i = 0; i < len; i++) {
		if (rnd() % 64 == 0) {
			run = rnd() % 2500;
			for (; run > 0 && i < len; run--)
				p[i++] = 'x';
			if (i == len)
				break;
		}
		p[i] = alphabet[rnd() % sizeof(alphabet)];
	}
	for (at = CRLF_CHUNK; at < len; at += CRLF_CHUNK) {
		k = rnd() % NTRICKY;
		i = at - 1 - rnd() % tricky_len[k];
		if (i + tricky_len[k] <= len)
			memcpy(p + i, tricky[k], tricky_len[k]);
	}
}

/* file_of - a temporary file holding pre[0..prelen) then p[0..n). */
static int
file_of(const char *pre, size_t prelen, const char *p, size_t n)
{
	int	 fd;

	fd = tmp_open();
	assert_true(fd >= 0);
	assert_int_equal(write(fd, pre, prelen), (ssize_t)prelen);
	if (n > 0)
		assert_int_equal(write(fd, p, n), (ssize_t)n);
	return fd;
}

/* What message_parse makes of bytes that are all body. */
struct want {
	struct buf	 body;
	size_t		 nuls;
	size_t		 longest;
};

/* longest_line - the longest line of CRLF-ended text, without CRLF. */
static size_t
longest_line(const char *p, size_t n)
{
	size_t	 i, start = 0, most = 0;

	for (i = 0; i + 1 < n; i++) {
		if (p[i] != '\r' || p[i + 1] != '\n')
			continue;
		if (i - start > most)
			most = i - start;
		start = i + 2;
		i++;
	}
	return most;
}

/*
 * expect - the body message_parse gives for p[0..n): behind an empty
 * first line, every byte is body.
 */
static void
expect(const char *p, size_t n, struct want *w)
{
	struct message	 msg;
	char		*in;

	in = malloc(n + 1);
	assert_non_null(in);
	in[0] = '\n';
	memcpy(in + 1, p, n);
	assert_int_equal(message_parse(in, n + 1, 0, &msg), 0);
	assert_int_equal(msg.nhdr, 0);
	assert_int_equal(msg.had_separator, 1);
	buf_init(&w->body);
	assert_int_equal(buf_append(&w->body, msg.body.data, msg.body.len),
	    0);
	w->nuls = msg.nul_dropped;
	w->longest = longest_line(msg.body.data, msg.body.len);
	message_free(&msg);
	free(in);
}

/* same - got[0..n) is the wanted body, or the test fails. */
static void
same(const struct want *w, const char *got, size_t n, const char *how)
{
	size_t	 i;

	if (n != w->body.len)
		fail_msg("seed %u, %s: %zu bytes, not %zu", seed, how, n,
		    w->body.len);
	for (i = 0; i < n; i++)
		if (got[i] != w->body.data[i])
			fail_msg("seed %u, %s: differs at byte %zu of %zu",
			    seed, how, i, n);
}

/* --- the ways of reading --------------------------------------------- */

/* read_whole - everything in one call, then nothing more. */
static void
read_whole(struct crlf *c, const struct want *w)
{
	char	*out;
	size_t	 n;

	out = malloc(w->body.len + 16);
	assert_non_null(out);
	crlf_rewind(c);
	n = crlf_read(c, out, w->body.len + 16);
	same(w, out, n, "one read");
	assert_int_equal(crlf_read(c, out, 16), 0);
	assert_int_equal(c->error, 0);
	free(out);
}

/*
 * read_small - a few bytes at a time: 1 and 3 cut a CRLF in two, which
 * the reader must give in halves. Now and then a stretch is only
 * counted (dst NULL), which must skip exactly what a read would give.
 */
static void
read_small(struct crlf *c, const struct want *w, int skip)
{
	static const size_t	 steps[] = { 1, 2, 3, 1, 5, 1, 7, 64 };
	char			*out;
	size_t			 got = 0, n, step;

	out = malloc(w->body.len + 64);
	assert_non_null(out);
	memcpy(out, w->body.data, w->body.len);
	crlf_rewind(c);
	for (;;) {
		step = steps[rnd() % (sizeof(steps) / sizeof(steps[0]))];
		if (skip && rnd() % 4 == 0)
			n = crlf_read(c, NULL, step);
		else
			n = crlf_read(c, out + got, step);
		assert_true(n <= step);
		if (n == 0)
			break;
		got += n;
		assert_true(got <= w->body.len);
	}
	same(w, out, got, skip ? "small reads and skips" : "small reads");
	assert_int_equal(c->error, 0);
	free(out);
}

/* measure - crlf_measure's figures are those of the output. */
static void
measure(struct crlf *c, const struct want *w, struct crlf_stats *st)
{
	assert_int_equal(crlf_measure(c, st), 0);
	if (st->len != w->body.len || st->nuls != w->nuls ||
	    st->longest != w->longest)
		fail_msg("seed %u: measured %zu/%zu/%zu, want %zu/%zu/%zu",
		    seed, st->len, st->nuls, st->longest, w->body.len, w->nuls,
		    w->longest);
}

/*
 * push - crlf_count over p[0..n) cut into random chunks, each with the
 * NUL after it that crlf_count wants, comes to what crlf_measure said.
 */
static void
push(const char *p, size_t n, size_t most, const struct crlf_stats *want)
{
	struct crlf		 c;
	struct crlf_stats	 st;
	char			*chunk;
	size_t			 off = 0, k;

	chunk = malloc(most + 1);
	assert_non_null(chunk);
	crlf_init(&c, -1, 0, 0);
	while (off < n) {
		k = 1 + rnd() % most;
		if (k > n - off)
			k = n - off;
		memcpy(chunk, p + off, k);
		chunk[k] = '\0';
		crlf_count(&c, chunk, k);
		off += k;
	}
	crlf_count_end(&c, &st);
	if (st.len != want->len || st.nuls != want->nuls ||
	    st.longest != want->longest)
		fail_msg("seed %u: pushed %zu/%zu/%zu, measured %zu/%zu/%zu",
		    seed, st.len, st.nuls, st.longest, want->len, want->nuls,
		    want->longest);
	crlf_free(&c);
	free(chunk);
}

/*
 * check - every way of reading p[0..n), which lies in a file behind a
 * few bytes that are not the body's (so that off counts).
 */
static void
check(const char *p, size_t n)
{
	static const char	 pre[] = "not\r\rthe body\r";
	struct crlf		 c;
	struct crlf_stats	 st;
	struct want		 w;
	size_t			 prelen = rnd() % sizeof(pre);
	int			 fd;

	expect(p, n, &w);
	fd = file_of(pre, prelen, p, n);
	crlf_init(&c, fd, (off_t)prelen, n);
	read_whole(&c, &w);
	measure(&c, &w, &st);
	/* Measuring rewound it. */
	read_whole(&c, &w);
	read_small(&c, &w, 0);
	read_small(&c, &w, 1);
	push(p, n, 1 + rnd() % 9, &st);
	push(p, n, 1 + rnd() % (2 * CRLF_CHUNK), &st);
	crlf_free(&c);
	close(fd);
	buf_free(&w.body);
}

/* fuzz - count inputs of up to most bytes (and at least least). */
static void
fuzz(uint32_t base, size_t count, size_t least, size_t most)
{
	char	*p;
	size_t	 i, n;

	p = malloc(most + 1);
	assert_non_null(p);
	for (i = 0; i < count; i++) {
		seed = base + (uint32_t)i * 2654435761u;
		rng = seed != 0 ? seed : 1;
		n = least + rnd() % (most - least + 1);
		gen(p, n);
		check(p, n);
	}
	free(p);
}

/* --- the tests ------------------------------------------------------- */

/* Short inputs: every corner of the rules, thousands of times. */
static void
test_fuzz_small(void **state)
{
	(void)state;
	fuzz(1, 4000, 0, 40);
	fuzz(2, 1000, 40, 600);
}

/* Inputs over several reads of the file, with their boundaries loaded. */
static void
test_fuzz_large(void **state)
{
	(void)state;
	fuzz(3, 60, 2000, 20000);
	fuzz(4, 12, CRLF_CHUNK - 8, 3 * CRLF_CHUNK + 9);
}

/*
 * Sequences placed by hand right at the end of the first read: a CR
 * run, NULs after its last CR, and the half of a CRLF, each at every
 * offset from the boundary.
 */
static void
test_chunk_edges(void **state)
{
	static const char *const	 ends[] = {
		"\r", "\r\r", "\r\0", "\r\0\0", "\r\r\0\0", "\0", "\0\r"
	};
	static const size_t		 endlen[] = { 1, 2, 2, 3, 4, 1, 2 };
	char				*p;
	size_t				 n, i, at, k;

	(void)state;
	n = CRLF_CHUNK + 16;
	p = malloc(n);
	assert_non_null(p);
	seed = rng = 5;
	for (k = 0; k < sizeof(ends) / sizeof(ends[0]); k++) {
		for (at = CRLF_CHUNK - 4; at <= CRLF_CHUNK + 1; at++) {
			for (i = 0; i < n; i++)
				p[i] = i % 70 == 69 ? '\n' : 'a';
			memcpy(p + at - endlen[k], ends[k], endlen[k]);
			/* The input ends there, or a byte that ends the
			   run (LF, CR, a letter) follows. */
			check(p, at);
			p[at] = '\n';
			check(p, at + 1);
			p[at] = 'z';
			check(p, at + 1);
			p[at] = '\r';
			p[at + 1] = '\n';
			check(p, at + 2);
		}
	}
	free(p);
}

/* Named cases, for a failure that is easier to read than a seed. */
static void
test_rules(void **state)
{
	static const struct {
		const char	*in;
		size_t		 len;
		const char	*out;
	} cases[] = {
		{ "", 0, "" },
		{ "a", 1, "a\r\n" },
		{ "\n", 1, "\r\n" },
		{ "\r", 1, "\r\n" },
		{ "\r\r\n", 3, "\r\n" },
		{ "a\r\rb", 4, "a\r\n\r\nb\r\n" },
		{ "a\r\0\rb", 5, "a\r\n\r\nb\r\n" },
		{ "a\r\0b", 4, "a\r\nb\r\n" },
		{ "a\r\0", 3, "a\r\n\r\n" },
		{ "a\r\0\0", 4, "a\r\n\r\n" },
		{ "a\r\0\n", 4, "a\r\n" },
		{ "\0", 1, "\r\n" },
		{ "a\0b\r\n", 5, "ab\r\n" },
	};
	struct want	 w;
	size_t		 i;

	(void)state;
	seed = rng = 6;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		expect(cases[i].in, cases[i].len, &w);
		assert_string_equal(w.body.data != NULL ? w.body.data : "",
		    cases[i].out);
		buf_free(&w.body);
		check(cases[i].in, cases[i].len);
	}
}

/* A file cut short under the reader: EIO, never a short body. */
static void
test_short_file(void **state)
{
	struct crlf		 c;
	struct crlf_stats	 st;
	char			*p, *out;
	size_t			 n = 3 * CRLF_CHUNK, got = 0, k;
	int			 fd;

	(void)state;
	seed = rng = 7;
	p = malloc(n);
	out = malloc(2 * n + 2);
	assert_non_null(p);
	assert_non_null(out);
	gen(p, n);
	fd = file_of("", 0, p, n);
	crlf_init(&c, fd, 0, n);
	assert_int_equal(crlf_measure(&c, &st), 0);
	assert_int_equal(ftruncate(fd, (off_t)(n - 10)), 0);
	errno = 0;
	assert_int_equal(crlf_measure(&c, &st), -1);
	assert_int_equal(errno, EIO);

	/* Read on after the failure: still nothing more. */
	do {
		k = crlf_read(&c, out + got, 1000);
		got += k;
	} while (k > 0);
	assert_int_equal(c.error, EIO);
	assert_true(got < st.len);
	assert_int_equal(crlf_read(&c, out, 10), 0);
	crlf_free(&c);
	close(fd);
	free(p);
	free(out);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_rules),
		cmocka_unit_test(test_fuzz_small),
		cmocka_unit_test(test_fuzz_large),
		cmocka_unit_test(test_chunk_edges),
		cmocka_unit_test(test_short_file),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
