/*
 * body - the body of an SES request, made on the fly.
 */
#include "config.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/evp.h>

#include "body.h"
#include "buf.h"

/* Where a body is in its making. */
#define STAGE_HEAD	0
#define STAGE_DATA	1
#define STAGE_TAIL	2
#define STAGE_END	3

/* Room for one encoded block: 4 characters per 3 bytes, each of them
   3 long at worst once %-encoded. */
#define OUT_MAX		(BODY_BLOCK / 3 * 4 * 3)

static const char	b64[] =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

/*
 * The two base64 digits of every 12 bits, so that a group of 3 bytes
 * takes two lookups rather than four: the first digit in the low byte,
 * the second in the next, and PAIR_PCT when either is + or /, which a
 * form must %-encode. Filled on first use.
 */
#define PAIR_PCT	0x10000u
static uint32_t		pairs[4096];
static int		pairs_ready;

/* body_init - see body.h. */
int
body_init(struct body *b, const char *head, size_t headlen,
    const struct body_piece *pieces, size_t npieces, int pct,
    const char *tail)
{
	unsigned	 i;

	if (!pairs_ready) {
		for (i = 0; i < 4096; i++)
			pairs[i] = (uint32_t)(unsigned char)b64[i >> 6] |
			    (uint32_t)(unsigned char)b64[i & 63] << 8 |
			    ((i >> 6) >= 62 || (i & 63) >= 62 ? PAIR_PCT : 0);
		pairs_ready = 1;
	}
	memset(b, 0, sizeof(*b));
	buf_init(&b->head);
	b->tail = tail;
	b->taillen = strlen(tail);
	b->pieces = pieces;
	b->npieces = npieces;
	b->pct = pct;
	/* The message bytes of a block, then its encoded form. */
	b->out = malloc(BODY_BLOCK + OUT_MAX);
	if (b->out == NULL || buf_append(&b->head, head, headlen) == -1) {
		body_free(b);
		return -1;
	}
	return 0;
}

/* body_free - release what body_init took; the pieces stay. */
void
body_free(struct body *b)
{
	buf_free(&b->head);
	free(b->out);
	b->out = NULL;
}

/* body_rewind - back to the first byte of the head. */
void
body_rewind(struct body *b)
{
	b->stage = STAGE_HEAD;
	b->pos = 0;
	b->piece = 0;
	b->off = 0;
	b->outlen = 0;
	b->outpos = 0;
}

/* body_b64_len - 4 characters for every 3 bytes begun. */
size_t
body_b64_len(const struct body_piece *pieces, size_t npieces)
{
	size_t	 i, n = 0;

	for (i = 0; i < npieces; i++) {
		if (pieces[i].len > SIZE_MAX / 2 - n)
			return SIZE_MAX;
		n += pieces[i].len;
	}
	return (n + 2) / 3 * 4;
}

/* gather - copy up to BODY_BLOCK next message bytes into in. */
static size_t
gather(struct body *b, unsigned char *in)
{
	const struct body_piece	*p;
	size_t			 n = 0, step;

	while (n < BODY_BLOCK && b->piece < b->npieces) {
		p = &b->pieces[b->piece];
		step = p->len - b->off;
		if (step > BODY_BLOCK - n)
			step = BODY_BLOCK - n;
		if (step > 0)
			memcpy(in + n, p->data + b->off, step);
		n += step;
		b->off += step;
		if (b->off == p->len) {
			b->piece++;
			b->off = 0;
		}
	}
	return n;
}

/* put - one base64 digit, %-encoded for a form when it is + or /. */
static char *
put(char *o, unsigned v, int pct)
{
	if (pct && v >= 62) {
		o[0] = '%';
		o[1] = '2';
		o[2] = v == 62 ? 'B' : 'F';
		return o + 3;
	}
	*o = b64[v];
	return o + 1;
}

/* pad - the '=' that fills the last group. */
static char *
pad(char *o, int pct)
{
	if (!pct) {
		*o = '=';
		return o + 1;
	}
	o[0] = '%';
	o[1] = '3';
	o[2] = 'D';
	return o + 3;
}

/*
 * encode - base64 of in[0..n) into out, padded: only the last block of
 * a message has an n that is not a multiple of 3. Returns the length.
 */
static size_t
encode(const unsigned char *in, size_t n, int pct, char *out)
{
	char		*o = out;
	size_t		 i;
	uint32_t	 v, hi, lo;

	for (i = 0; i + 3 <= n; i += 3) {
		v = (uint32_t)in[i] << 16 | (uint32_t)in[i + 1] << 8 |
		    in[i + 2];
		hi = pairs[v >> 12];
		lo = pairs[v & 0xfff];
		/* Most groups hold neither + nor /. */
		if (!pct || !((hi | lo) & PAIR_PCT)) {
			o[0] = (char)(hi & 0xff);
			o[1] = (char)(hi >> 8 & 0xff);
			o[2] = (char)(lo & 0xff);
			o[3] = (char)(lo >> 8 & 0xff);
			o += 4;
			continue;
		}
		o = put(o, v >> 18, pct);
		o = put(o, (v >> 12) & 63, pct);
		o = put(o, (v >> 6) & 63, pct);
		o = put(o, v & 63, pct);
	}
	if (n - i == 1) {
		v = (uint32_t)in[i] << 16;
		o = put(o, v >> 18, pct);
		o = put(o, (v >> 12) & 63, pct);
		o = pad(o, pct);
		o = pad(o, pct);
	} else if (n - i == 2) {
		v = (uint32_t)in[i] << 16 | (uint32_t)in[i + 1] << 8;
		o = put(o, v >> 18, pct);
		o = put(o, (v >> 12) & 63, pct);
		o = put(o, (v >> 6) & 63, pct);
		o = pad(o, pct);
	}
	return (size_t)(o - out);
}

/*
 * peek - the next bytes of the body as they lie (head, an encoded
 * block, tail), making the next block when the last one is used up.
 * Returns how many; 0 at the end. advance() consumes them.
 */
static size_t
peek(struct body *b, const char **p)
{
	unsigned char	*in;
	size_t		 n;

	for (;;) {
		switch (b->stage) {
		case STAGE_HEAD:
			if (b->pos < b->head.len) {
				*p = b->head.data + b->pos;
				return b->head.len - b->pos;
			}
			b->stage = STAGE_DATA;
			b->pos = 0;
			break;
		case STAGE_DATA:
			if (b->outpos < b->outlen) {
				*p = b->out + BODY_BLOCK + b->outpos;
				return b->outlen - b->outpos;
			}
			in = (unsigned char *)b->out;
			n = gather(b, in);
			if (n == 0) {
				b->stage = STAGE_TAIL;
				break;
			}
			b->outlen = encode(in, n, b->pct, b->out + BODY_BLOCK);
			b->outpos = 0;
			break;
		case STAGE_TAIL:
			if (b->pos < b->taillen) {
				*p = b->tail + b->pos;
				return b->taillen - b->pos;
			}
			b->stage = STAGE_END;
			break;
		default:
			return 0;
		}
	}
}

/* advance - n bytes of what peek showed are taken. */
static void
advance(struct body *b, size_t n)
{
	if (b->stage == STAGE_DATA)
		b->outpos += n;
	else
		b->pos += n;
}

/* body_read - the next bytes, for libcurl's read callback. */
size_t
body_read(struct body *b, char *dst, size_t len)
{
	const char	*p;
	size_t		 n, done = 0;

	while (done < len) {
		n = peek(b, &p);
		if (n == 0)
			break;
		if (n > len - done)
			n = len - done;
		memcpy(dst + done, p, n);
		advance(b, n);
		done += n;
	}
	return done;
}

/* body_sha256_hex - one pass over the body, straight into the hash. */
int
body_sha256_hex(struct body *b, char hex[65])
{
	static const char	 digits[] = "0123456789abcdef";
	EVP_MD_CTX		*ctx;
	unsigned char		 md[EVP_MAX_MD_SIZE];
	unsigned int		 mdlen = 0, i;
	const char		*p;
	size_t			 n, total = 0;
	int			 rc = -1;

	body_rewind(b);
	ctx = EVP_MD_CTX_new();
	if (ctx == NULL || EVP_DigestInit_ex(ctx, EVP_sha256(), NULL) != 1)
		goto out;
	for (;;) {
		n = peek(b, &p);
		if (n == 0)
			break;
		if (EVP_DigestUpdate(ctx, p, n) != 1)
			goto out;
		advance(b, n);
		total += n;
	}
	if (EVP_DigestFinal_ex(ctx, md, &mdlen) != 1 || mdlen != 32)
		goto out;
	for (i = 0; i < mdlen; i++) {
		hex[2 * i] = digits[md[i] >> 4];
		hex[2 * i + 1] = digits[md[i] & 0x0f];
	}
	hex[64] = '\0';
	b->length = total;
	rc = 0;

out:
	EVP_MD_CTX_free(ctx);
	body_rewind(b);
	return rc;
}
