/*
 * body - the body of an SES request, made on the fly.
 */
#include "config.h"

#include <endian.h>
#include <errno.h>
#include <pthread.h>
#include <signal.h>
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
   3 long at worst once %-encoded, and the 8 bytes that the last store
   of encode() may write past what it keeps. */
#define OUT_MAX		(BODY_BLOCK / 3 * 4 * 3 + 8)

static const char	b64[] =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

/*
 * The two base64 digits of every 12 bits as they are written: in a form
 * (form[]) a + or / is %-encoded, so two digits take 2 to 6 bytes; the
 * last byte of each entry says how many. A group of 3 message bytes then
 * takes two lookups and two 8-byte stores, with no branch: + and / are
 * too common (one digit in 32) for a branch on them to be predicted.
 * Each table is filled on first use.
 */
#define PAIR_SIZE	8
static unsigned char	plain[4096][PAIR_SIZE], form[4096][PAIR_SIZE];
static int		plain_ready, form_ready;

/* digit - base64 digit v at o, %-encoded when pct; returns its length. */
static size_t
digit(unsigned char *o, unsigned v, int pct)
{
	if (pct && v >= 62) {
		o[0] = '%';
		o[1] = '2';
		o[2] = v == 62 ? 'B' : 'F';
		return 3;
	}
	o[0] = (unsigned char)b64[v];
	return 1;
}

/* fill_pairs - the table for pct, once. */
static unsigned char
    (*fill_pairs(int pct))[PAIR_SIZE]
{
	unsigned char	(*t)[PAIR_SIZE] = pct ? form : plain;
	int		*ready = pct ? &form_ready : &plain_ready;
	unsigned	 i;
	size_t		 n;

	if (*ready)
		return t;
	for (i = 0; i < 4096; i++) {
		n = digit(t[i], i >> 6, pct);
		n += digit(t[i] + n, i & 63, pct);
		t[i][PAIR_SIZE - 1] = (unsigned char)n;
	}
	*ready = 1;
	return t;
}

/* body_init - see body.h. */
int
body_init(struct body *b, const char *head, size_t headlen,
    const struct body_piece *pieces, size_t npieces, int pct,
    const char *tail)
{
	fill_pairs(pct);
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
	body_rewind(b);
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
	size_t	 i;

	for (i = 0; i < b->npieces; i++)
		if (b->pieces[i].src != NULL)
			crlf_rewind(b->pieces[i].src);
	b->error = 0;
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

/*
 * take - step bytes of piece p from b->off into dst. A piece in a file
 * that gives fewer than its length has failed: the body ends there.
 */
static int
take(struct body *b, const struct body_piece *p, unsigned char *dst,
    size_t step)
{
	if (p->src == NULL) {
		memcpy(dst, p->data + b->off, step);
		return 0;
	}
	if (crlf_read(p->src, (char *)dst, step) == step)
		return 0;
	b->error = p->src->error != 0 ? p->src->error : EIO;
	return -1;
}

/* gather - copy up to BODY_BLOCK next message bytes into in. */
static size_t
gather(struct body *b, unsigned char *in)
{
	const struct body_piece	*p;
	size_t			 n = 0, step;

	while (n < BODY_BLOCK && b->piece < b->npieces && b->error == 0) {
		p = &b->pieces[b->piece];
		step = p->len - b->off;
		if (step > BODY_BLOCK - n)
			step = BODY_BLOCK - n;
		if (step > 0 && take(b, p, in + n, step) == -1)
			return 0;
		n += step;
		b->off += step;
		if (b->off == p->len) {
			b->piece++;
			b->off = 0;
		}
	}
	return n;
}

/* pad - the '=' that fills the last group; returns its length. */
static size_t
pad(unsigned char *o, int pct)
{
	if (!pct) {
		*o = '=';
		return 1;
	}
	o[0] = '%';
	o[1] = '3';
	o[2] = 'D';
	return 3;
}

/*
 * put_pair - the digits of 12 bits at *o. One 8-byte load gives both the
 * digits and their length (the entry's last byte), and the store needs
 * no branch; only the pointer carries from one pair to the next.
 */
static inline void
put_pair(unsigned char **o, const unsigned char (*t)[PAIR_SIZE],
    unsigned v)
{
	uint64_t	 w;

	memcpy(&w, t[v], sizeof(w));
	memcpy(*o, &w, sizeof(w));
	*o += le64toh(w) >> 56;
}

/* be48 - the first 6 of the 8 bytes at p, most significant first, from
   one load: byte by byte, the compiler makes six. */
static inline uint64_t
be48(const unsigned char *p)
{
	uint64_t	 w;

	memcpy(&w, p, sizeof(w));
	return be64toh(w) >> 16;
}

/*
 * encode - base64 of in[0..n) into out, padded: only the last block of
 * a message has an n that is not a multiple of 3. Returns the length;
 * up to PAIR_SIZE bytes past it may have been written.
 */
static size_t
encode(const unsigned char *in, size_t n, int pct, char *out)
{
	const unsigned char	(*t)[PAIR_SIZE] = pct ? form : plain;
	unsigned char		*o = (unsigned char *)out;
	size_t			 i = 0;
	uint64_t		 w;
	uint32_t		 v;

	/* Six bytes, four pairs, a turn: a third faster than three. */
	for (; i + 8 <= n; i += 6) {
		w = be48(in + i);
		put_pair(&o, t, (unsigned)(w >> 36) & 0xfff);
		put_pair(&o, t, (unsigned)(w >> 24) & 0xfff);
		put_pair(&o, t, (unsigned)(w >> 12) & 0xfff);
		put_pair(&o, t, (unsigned)w & 0xfff);
	}
	for (; i + 3 <= n; i += 3) {
		v = (uint32_t)in[i] << 16 | (uint32_t)in[i + 1] << 8 |
		    in[i + 2];
		put_pair(&o, t, v >> 12);
		put_pair(&o, t, v & 0xfff);
	}
	if (n - i == 1) {
		v = (uint32_t)in[i] << 16;
		o += digit(o, v >> 18, pct);
		o += digit(o, (v >> 12) & 63, pct);
		o += pad(o, pct);
		o += pad(o, pct);
	} else if (n - i == 2) {
		v = (uint32_t)in[i] << 16 | (uint32_t)in[i + 1] << 8;
		o += digit(o, v >> 18, pct);
		o += digit(o, (v >> 12) & 63, pct);
		o += digit(o, (v >> 6) & 63, pct);
		o += pad(o, pct);
	}
	return (size_t)(o - (unsigned char *)out);
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

/* hash_alone - the body into ctx on this thread alone. */
static int
hash_alone(struct body *b, EVP_MD_CTX *ctx, size_t *total)
{
	const char	*p;
	size_t		 n;

	for (;;) {
		n = peek(b, &p);
		if (n == 0)
			return 0;
		if (EVP_DigestUpdate(ctx, p, n) != 1)
			return -1;
		advance(b, n);
		*total += n;
	}
}

/*
 * Past BODY_SPLIT_AT message bytes the hash pass is split in two, as
 * SHA-256 and the rest (reading, line ends, encoding) cost about the
 * same: this thread encodes block after block, into HASH_BUFS buffers
 * in turn, and a second one hashes them in order. A buffer is filled
 * again only once its block is hashed.
 */
#define HASH_BUFS	4

struct chunk {
	const char	*p;
	size_t		 n;
};

struct hasher {
	pthread_mutex_t	 lock;
	pthread_cond_t	 more;		/* a chunk was added, or the end */
	pthread_cond_t	 fewer;		/* a chunk was hashed */
	struct chunk	 ring[HASH_BUFS + 2];
	size_t		 added, hashed;
	int		 end;
	int		 failed;
	EVP_MD_CTX	*ctx;
};

#define RING_SIZE	(HASH_BUFS + 2)

/* hash_worker - the second thread: hash chunks until the end. */
static void *
hash_worker(void *arg)
{
	struct hasher	*h = arg;
	struct chunk	 c;

	pthread_mutex_lock(&h->lock);
	for (;;) {
		while (h->hashed == h->added && !h->end)
			pthread_cond_wait(&h->more, &h->lock);
		if (h->hashed == h->added)
			break;
		c = h->ring[h->hashed % RING_SIZE];
		pthread_mutex_unlock(&h->lock);
		if (!h->failed && EVP_DigestUpdate(h->ctx, c.p, c.n) != 1)
			h->failed = 1;
		pthread_mutex_lock(&h->lock);
		h->hashed++;
		pthread_cond_signal(&h->fewer);
	}
	pthread_mutex_unlock(&h->lock);
	return NULL;
}

/*
 * hand_over - p[0..n) to the worker, once fewer than most chunks wait:
 * with most = HASH_BUFS - 1 before a buffer is filled again, the block
 * it held last has been hashed.
 */
static void
hand_over(struct hasher *h, const char *p, size_t n)
{
	pthread_mutex_lock(&h->lock);
	h->ring[h->added % RING_SIZE].p = p;
	h->ring[h->added % RING_SIZE].n = n;
	h->added++;
	pthread_cond_signal(&h->more);
	pthread_mutex_unlock(&h->lock);
}

static void
wait_below(struct hasher *h, size_t most)
{
	pthread_mutex_lock(&h->lock);
	while (h->added - h->hashed > most)
		pthread_cond_wait(&h->fewer, &h->lock);
	pthread_mutex_unlock(&h->lock);
}

/* produce - head, encoded blocks and tail, handed over in order. */
static void
produce(struct body *b, struct hasher *h, char *bufs[HASH_BUFS],
    size_t *total)
{
	char	*in, *out;
	size_t	 i, n, len;

	hand_over(h, b->head.data, b->head.len);
	*total += b->head.len;
	for (i = 0;; i++) {
		wait_below(h, HASH_BUFS - 1);
		in = bufs[i % HASH_BUFS];
		out = in + BODY_BLOCK;
		n = gather(b, (unsigned char *)in);
		if (n == 0)
			break;
		len = encode((unsigned char *)in, n, b->pct, out);
		hand_over(h, out, len);
		*total += len;
	}
	hand_over(h, b->tail, b->taillen);
	*total += b->taillen;
}

/*
 * hash_split - hash_alone on two threads. Returns 0, -1 on a hash
 * error, or 1 when no second thread could be had (nothing done yet).
 * The worker blocks every signal: handlers run on this thread, as in a
 * process with one.
 */
static int
hash_split(struct body *b, EVP_MD_CTX *ctx, size_t *total)
{
	struct hasher	 h;
	pthread_t	 worker;
	sigset_t	 all, old;
	char		*bufs[HASH_BUFS] = { NULL };
	size_t		 i;
	int		 rc = 1, started;

	memset(&h, 0, sizeof(h));
	h.ctx = ctx;
	for (i = 0; i < HASH_BUFS; i++)
		if ((bufs[i] = malloc(BODY_BLOCK + OUT_MAX)) == NULL)
			goto out;
	if (pthread_mutex_init(&h.lock, NULL) != 0)
		goto out;
	pthread_cond_init(&h.more, NULL);
	pthread_cond_init(&h.fewer, NULL);
	sigfillset(&all);
	pthread_sigmask(SIG_SETMASK, &all, &old);
	started = pthread_create(&worker, NULL, hash_worker, &h) == 0;
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	if (started) {
		produce(b, &h, bufs, total);
		pthread_mutex_lock(&h.lock);
		h.end = 1;
		pthread_cond_signal(&h.more);
		pthread_mutex_unlock(&h.lock);
		pthread_join(worker, NULL);
		rc = h.failed ? -1 : 0;
	}
	pthread_cond_destroy(&h.more);
	pthread_cond_destroy(&h.fewer);
	pthread_mutex_destroy(&h.lock);
out:
	for (i = 0; i < HASH_BUFS; i++)
		free(bufs[i]);
	return rc;
}

/* message_bytes - how many message bytes the body encodes. */
static size_t
message_bytes(const struct body *b)
{
	size_t	 i, n = 0;

	for (i = 0; i < b->npieces; i++)
		n += b->pieces[i].len;
	return n;
}

/* body_sha256_hex - one pass over the body, straight into the hash. */
int
body_sha256_hex(struct body *b, char hex[65])
{
	static const char	 digits[] = "0123456789abcdef";
	EVP_MD_CTX		*ctx;
	unsigned char		 md[EVP_MAX_MD_SIZE];
	unsigned int		 mdlen = 0, i;
	size_t			 total = 0;
	int			 rc = -1, error, split = 1;

	body_rewind(b);
	ctx = EVP_MD_CTX_new();
	if (ctx == NULL || EVP_DigestInit_ex(ctx, EVP_sha256(), NULL) != 1)
		goto out;
	if (message_bytes(b) > BODY_SPLIT_AT)
		split = hash_split(b, ctx, &total);
	if (split == -1 || (split == 1 && hash_alone(b, ctx, &total) == -1))
		goto out;
	if (b->error != 0 ||
	    EVP_DigestFinal_ex(ctx, md, &mdlen) != 1 || mdlen != 32)
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
	error = b->error;
	body_rewind(b);
	b->error = error;
	return rc;
}
