/*
 * mime - RFC 2047 encoded-words, and quoted-printable for body parts
 * whose lines are too long for SES.
 *
 * Long lines are found and fixed in one walk over the body: a part that
 * needs nothing is not copied, and the first part that does starts a new
 * body into which everything before it, the re-encoded part and, at the
 * end, everything after the last change are copied once. The old body is
 * then swapped out. Every byte is looked at once per level of multipart
 * nesting, and nesting is capped, so the cost stays linear in the size
 * of the message.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <openssl/evp.h>

#include "mime.h"

/*
 * RFC 2047 §2: an encoded-word is at most 75 characters. Ours all open
 * with "=?UTF-8?B?" (or Q) and close with "?=", 12 characters, which
 * leaves 63 for the encoded text; base64 fills them with 45 octets.
 */
#define EW_MAX		75
#define EW_ROOM		(EW_MAX - 12)
#define EW_B_MAX	(EW_ROOM / 4 * 3)

/*
 * RFC 2045 §6.7 (5): an encoded line is at most 76 characters. Leave
 * room for the "=" of a soft line break, so text fills 75 of them.
 */
#define QP_TEXT		75

/* A quoted-printable octet never takes more than "=\r\n=XX". */
#define QP_WORST	6

/*
 * RFC 2046 §5.1.1 allows 70 characters in a boundary. Careless writers
 * exceed that, so take more, within a fixed buffer.
 */
#define BOUNDARY_MAX	200

/*
 * Nesting deeper than this is left alone: no real message goes near it,
 * and the cap bounds both the recursion and the rescanning per level.
 */
#define MAX_DEPTH	32

static const char	hex[] = "0123456789ABCDEF";

/* What a Content-Type field says about a part (RFC 2045 §5.1). */
enum ctkind {
	CT_LEAF,		/* anything but multipart or message */
	CT_MULTIPART,
	CT_MESSAGE		/* message/rfc822 and the like */
};

struct ctype {
	enum ctkind	 kind;
	int		 digest;	/* multipart/digest */
	char		 boundary[BOUNDARY_MAX + 1];
	size_t		 blen;		/* 0: no usable boundary */
};

/* A body part as it sits in the body: offsets into the walk's source. */
struct part {
	size_t		 start;		/* its header */
	size_t		 hdr_end;	/* after its last field */
	size_t		 body;		/* its body */
	size_t		 end;		/* the next delimiter line */
	int		 identity;	/* an identity encoding */
	struct ctype	 ct;
};

/* One header field of a body part: offsets into the source. */
struct field {
	size_t		 start;
	size_t		 namelen;
	size_t		 value;		/* after the colon */
	size_t		 vend;		/* before the last line end */
	size_t		 end;		/* after it */
};

/* What a walk over a multipart body carries. */
struct walk {
	const char	*src;		/* the body as it was */
	size_t		 len;
	struct buf	 out;		/* the new body, once needed */
	size_t		 copied;	/* src octets already in out */
	size_t		 changed;	/* parts re-encoded */
};

/* mime_is_ascii - true when s[0..len) holds no byte above 0x7f. */
int
mime_is_ascii(const char *s, size_t len)
{
	size_t	 i;

	for (i = 0; i < len; i++)
		if ((unsigned char)s[i] > 0x7f)
			return 0;
	return 1;
}

/*
 * utf8_unit - length of the UTF-8 sequence at p[0..n): a lead byte and
 * the continuation bytes that follow it, up to the number it announces.
 * Anything else (ASCII, a stray continuation byte, a bad lead byte) is a
 * unit of one, so invalid input still moves forward a byte at a time.
 */
static size_t
utf8_unit(const unsigned char *p, size_t n)
{
	size_t	 want, i;

	if (p[0] >= 0xf0 && p[0] <= 0xf7)
		want = 4;
	else if (p[0] >= 0xe0 && p[0] <= 0xef)
		want = 3;
	else if (p[0] >= 0xc0 && p[0] <= 0xdf)
		want = 2;
	else
		return 1;

	for (i = 1; i < want && i < n && (p[i] & 0xc0) == 0x80; i++)
		continue;
	return i;
}

/*
 * q_plain - whether Q encoding may leave c as it is. RFC 2047 §5 (3)
 * allows a few specials in a phrase as well; letters and digits alone
 * are safe wherever the word lands. Space becomes "_" (§4.2 (2)).
 */
static int
q_plain(unsigned char c)
{
	return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
	    (c >= '0' && c <= '9');
}

/* q_width - characters the octet c takes in Q encoding. */
static size_t
q_width(unsigned char c)
{
	return (q_plain(c) || c == ' ') ? 1 : 3;
}

/* b_width - characters n octets take in base64 (RFC 2047 §4.1). */
static size_t
b_width(size_t n)
{
	return (n + 2) / 3 * 4;
}

/*
 * chunk_b - octets of p[0..n), in whole UTF-8 units, that fit one
 * B-encoded word.
 */
static size_t
chunk_b(const unsigned char *p, size_t n)
{
	size_t	 used = 0, u;

	while (used < n) {
		u = utf8_unit(p + used, n - used);
		if (used + u > EW_B_MAX)
			break;
		used += u;
	}
	return used;
}

/*
 * chunk_q - octets of p[0..n), in whole UTF-8 units, that fit one
 * Q-encoded word; *width gets the characters they take.
 */
static size_t
chunk_q(const unsigned char *p, size_t n, size_t *width)
{
	size_t	 used = 0, w = 0, u, uw, i;

	while (used < n) {
		u = utf8_unit(p + used, n - used);
		for (i = 0, uw = 0; i < u; i++)
			uw += q_width(p[used + i]);
		if (w + uw > EW_ROOM)
			break;
		used += u;
		w += uw;
	}
	*width = w;
	return used;
}

/* put_b - append p[0..n) as one B-encoded word. */
static int
put_b(struct buf *out, const unsigned char *p, size_t n)
{
	unsigned char	 enc[EW_ROOM + 1];
	int		 len;

	len = EVP_EncodeBlock(enc, p, (int)n);
	if (buf_appends(out, "=?UTF-8?B?") == -1 ||
	    buf_append(out, enc, (size_t)len) == -1)
		return -1;
	return buf_appends(out, "?=");
}

/* put_q - append p[0..n) as one Q-encoded word. */
static int
put_q(struct buf *out, const unsigned char *p, size_t n)
{
	char	 enc[EW_ROOM];
	size_t	 i, w = 0;

	for (i = 0; i < n; i++) {
		if (q_plain(p[i])) {
			enc[w++] = (char)p[i];
		} else if (p[i] == ' ') {
			enc[w++] = '_';
		} else {
			enc[w++] = '=';
			enc[w++] = hex[p[i] >> 4];
			enc[w++] = hex[p[i] & 0x0f];
		}
	}
	if (buf_appends(out, "=?UTF-8?Q?") == -1 ||
	    buf_append(out, enc, w) == -1)
		return -1;
	return buf_appends(out, "?=");
}

/*
 * mime_encode_words - text as encoded-words, each as full as it can be.
 * For each word, the encoding that carries more of the text wins; when
 * both carry the rest, the one that writes it shorter. Q is chosen for
 * mostly-ASCII text, B for most other scripts. White space between
 * adjacent encoded-words is dropped by decoders (RFC 2047 §6.2), so the
 * words join back into exactly the text.
 */
int
mime_encode_words(const char *text, size_t len, struct buf *out)
{
	const unsigned char	*p = (const unsigned char *)text;
	size_t			 pos = 0, nb, nq, qw;
	int			 rc;

	while (pos < len) {
		nb = chunk_b(p + pos, len - pos);
		nq = chunk_q(p + pos, len - pos, &qw);
		if (pos > 0 && buf_append(out, "\r\n ", 3) == -1)
			return -1;

		if (nq > nb || (nq == nb && qw <= b_width(nb))) {
			rc = put_q(out, p + pos, nq);
			pos += nq;
		} else {
			rc = put_b(out, p + pos, nb);
			pos += nb;
		}
		if (rc == -1)
			return -1;
	}
	return 0;
}

/*
 * line_end - offset just past the line that starts at pos in s[0..end):
 * after its LF, or end. *textlen gets its length without CR LF or LF.
 */
static size_t
line_end(const char *s, size_t pos, size_t end, size_t *textlen)
{
	const char	*lf;
	size_t		 n;

	lf = memchr(s + pos, '\n', end - pos);
	if (lf == NULL) {
		*textlen = end - pos;
		return end;
	}
	n = (size_t)(lf - (s + pos));
	*textlen = n > 0 && lf[-1] == '\r' ? n - 1 : n;
	return n + pos + 1;
}

/* has_long_line - whether s[0..n) has a line over MIME_MAX_LINE. */
static int
has_long_line(const char *s, size_t n)
{
	size_t	 pos = 0, len;

	while (pos < n) {
		pos = line_end(s, pos, n, &len);
		if (len > MIME_MAX_LINE)
			return 1;
	}
	return 0;
}

/* is_wsp - white space inside a line (RFC 5322 WSP). */
static int
is_wsp(char c)
{
	return c == ' ' || c == '\t';
}

/*
 * skip_cfws - skip white space, line ends of folded lines and comments
 * (RFC 2045 §5.1 allows RFC 822 comments between the tokens of a
 * structured field). Comments nest and may hold quoted pairs.
 */
static const char *
skip_cfws(const char *p, const char *end)
{
	int	 depth = 0;

	for (; p < end; p++) {
		if (depth > 0 && *p == '\\' && p + 1 < end)
			p++;
		else if (*p == '(')
			depth++;
		else if (depth > 0 && *p == ')')
			depth--;
		else if (depth == 0 && !is_wsp(*p) && *p != '\r' &&
		    *p != '\n')
			break;
	}
	return p;
}

/* is_tchar - a token character: RFC 2045 §5.1, tspecials excluded. */
static int
is_tchar(char c)
{
	return c > 32 && c < 127 && strchr("()<>@,;:\\\"/[]?=", c) == NULL;
}

/* token_end - end of the token at p (p itself when there is none). */
static const char *
token_end(const char *p, const char *end)
{
	while (p < end && is_tchar(*p))
		p++;
	return p;
}

/* token_is - whether p[0..n) is the token word, ignoring ASCII case. */
static int
token_is(const char *p, size_t n, const char *word)
{
	return n == strlen(word) && strncasecmp(p, word, n) == 0;
}

/*
 * param_value - read the parameter value at p into v (at most vmax
 * octets); returns where it ends, *vlen gets its length, or SIZE_MAX
 * when it does not fit. A quoted-string loses its quotes and quoted
 * pairs. A bare value is read up to ";" or white space rather than as
 * a strict token: boundaries such as ----=_Part_1 are common unquoted.
 */
static const char *
param_value(const char *p, const char *end, char *v, size_t vmax,
    size_t *vlen)
{
	size_t	 n = 0;
	int	 quoted;

	quoted = p < end && *p == '"';
	if (quoted)
		p++;
	for (; p < end; p++) {
		if (quoted && *p == '"') {
			p++;
			break;
		}
		if (!quoted && (*p == ';' || *p == '"' ||
		    (unsigned char)*p <= 32 || *p == 127))
			break;
		if (quoted && *p == '\\' && p + 1 < end)
			p++;
		/* Folding inside a quoted-string is not part of it. */
		if (*p == '\r' || *p == '\n')
			continue;
		if (n < vmax)
			v[n] = *p;
		n++;
	}
	*vlen = n <= vmax ? n : SIZE_MAX;
	return p;
}

/* skip_param - move past a parameter that could not be read. */
static const char *
skip_param(const char *p, const char *end)
{
	int	 quoted = 0;

	for (; p < end; p++) {
		if (*p == '"')
			quoted = !quoted;
		else if (quoted && *p == '\\' && p + 1 < end)
			p++;
		else if (!quoted && *p == ';')
			break;
	}
	return p;
}

/*
 * parse_params - find the boundary parameter among those at p (RFC 2045
 * §5.1: *(";" attribute "=" value), names in any case). A parameter that
 * does not parse is skipped, not fatal: the boundary may still follow.
 */
static void
parse_params(const char *p, const char *end, struct ctype *ct)
{
	const char	*name, *nend;
	char		 v[BOUNDARY_MAX];
	size_t		 vlen;

	for (;;) {
		p = skip_cfws(p, end);
		if (p < end && *p != ';')
			p = skip_param(p, end);
		if (p == end)
			return;
		name = skip_cfws(p + 1, end);
		nend = token_end(name, end);
		p = skip_cfws(nend, end);
		if (p == end || *p != '=')
			continue;
		p = param_value(skip_cfws(p + 1, end), end, v, sizeof(v),
		    &vlen);
		if (!token_is(name, (size_t)(nend - name), "boundary"))
			continue;
		ct->blen = 0;
		if (vlen != SIZE_MAX) {
			memcpy(ct->boundary, v, vlen);
			ct->blen = vlen;
		}
	}
}

/*
 * parse_ctype - read a Content-Type value p[0..end), which may be NULL
 * when there is no such field. Without the field, or when it does not
 * parse, the type is text/plain, or message/rfc822 inside a
 * multipart/digest (RFC 2045 §5.2, RFC 2046 §5.1.5).
 */
static void
parse_ctype(const char *p, const char *end, int in_digest,
    struct ctype *ct)
{
	const char	*type, *tend, *sub, *send;

	ct->kind = in_digest ? CT_MESSAGE : CT_LEAF;
	ct->digest = 0;
	ct->blen = 0;
	if (p == NULL)
		return;

	type = skip_cfws(p, end);
	tend = token_end(type, end);
	p = skip_cfws(tend, end);
	if (tend == type || p == end || *p != '/')
		return;
	sub = skip_cfws(p + 1, end);
	send = token_end(sub, end);
	if (send == sub)
		return;

	if (token_is(type, (size_t)(tend - type), "multipart"))
		ct->kind = CT_MULTIPART;
	else if (token_is(type, (size_t)(tend - type), "message"))
		ct->kind = CT_MESSAGE;
	else
		ct->kind = CT_LEAF;
	ct->digest = token_is(sub, (size_t)(send - sub), "digest");
	if (ct->kind == CT_MULTIPART)
		parse_params(send, end, ct);
}

/*
 * cte_identity - whether a Content-Transfer-Encoding value p[0..end)
 * (p NULL: no field) leaves the octets as they are: 7bit, 8bit or
 * binary (RFC 2045 §6.2); absent means 7bit (§6.1). Anything else, even
 * a value we do not know, is left to whoever wrote it.
 */
static int
cte_identity(const char *p, const char *end)
{
	const char	*t, *tend;
	size_t		 n;

	if (p == NULL)
		return 1;
	t = skip_cfws(p, end);
	tend = token_end(t, end);
	if (skip_cfws(tend, end) != end)
		return 0;
	n = (size_t)(tend - t);
	return token_is(t, n, "7bit") || token_is(t, n, "8bit") ||
	    token_is(t, n, "binary");
}

/*
 * next_field - the header field of a body part that starts at pos in
 * s[0..end), with its continuation lines. Returns 0, leaving f alone,
 * when the line at pos is not a field: the empty line that ends the
 * header, or the first line of a body written without one. This is the
 * rule message_parse applies to the message's own header.
 */
static int
next_field(const char *s, size_t pos, size_t end, struct field *f)
{
	size_t	 i, len, next;

	if (pos == end)
		return 0;
	next = line_end(s, pos, end, &len);
	for (i = 0; i < len; i++)
		if (s[pos + i] == ':' || s[pos + i] <= 32 || s[pos + i] > 126)
			break;
	if (i == 0 || i == len || s[pos + i] != ':')
		return 0;

	f->start = pos;
	f->namelen = i;
	f->value = pos + i + 1;
	f->vend = pos + len;
	while (next < end && is_wsp(s[next])) {
		f->vend = next;
		next = line_end(s, next, end, &len);
		f->vend += len;
	}
	f->end = next;
	return 1;
}

/* field_is - whether field f of s is called name. */
static int
field_is(const char *s, const struct field *f, const char *name)
{
	return token_is(s + f->start, f->namelen, name);
}

/*
 * scan_part - split the body part s[start..end) into header and body,
 * and read its Content-Type and Content-Transfer-Encoding (the first of
 * each, as most readers do).
 */
static void
scan_part(const char *s, size_t start, size_t end, int in_digest,
    struct part *pt)
{
	struct field	 f;
	const char	*ct = NULL, *ctend = NULL;
	const char	*cte = NULL, *cteend = NULL;
	size_t		 pos = start, next, len;

	while (next_field(s, pos, end, &f)) {
		if (ct == NULL && field_is(s, &f, "Content-Type")) {
			ct = s + f.value;
			ctend = s + f.vend;
		}
		if (cte == NULL &&
		    field_is(s, &f, "Content-Transfer-Encoding")) {
			cte = s + f.value;
			cteend = s + f.vend;
		}
		pos = f.end;
	}

	pt->start = start;
	pt->hdr_end = pos;
	pt->body = pos;
	pt->end = end;
	if (pos < end) {
		next = line_end(s, pos, end, &len);
		if (len == 0)
			pt->body = next;
	}
	parse_ctype(ct, ctend, in_digest, &pt->ct);
	pt->identity = cte_identity(cte, cteend);
}

/* qp_room - make sure out can take QP_WORST more octets and a NUL. */
static int
qp_room(struct buf *out)
{
	if (out->cap - out->len > QP_WORST)
		return 0;
	return buf_reserve(out, 4096);
}

/*
 * qp_plain - whether the octet at p[i] of a line of n octets may stay
 * as it is (RFC 2045 §6.7 rules 2 and 3): printable ASCII but "=", and
 * space or tab unless they end the line. A line that a soft break
 * starts (col 0, i > 0) gets its "-" encoded, so that no piece of a
 * long line can look like a boundary delimiter (RFC 2046 §5.1.1).
 */
static int
qp_plain(const unsigned char *p, size_t i, size_t n, size_t col)
{
	if (p[i] == ' ' || p[i] == '\t')
		return i + 1 < n;
	if (p[i] == '-' && col == 0 && i > 0)
		return 0;
	return p[i] >= 33 && p[i] <= 126 && p[i] != '=';
}

/*
 * qp_line - append the line p[0..n) as quoted-printable, broken with
 * soft line breaks so that no encoded line passes 76 characters (RFC
 * 2045 §6.7 rule 5), and end it with CRLF when hard is set.
 */
static int
qp_line(struct buf *out, const unsigned char *p, size_t n, int hard)
{
	char	*o;
	size_t	 i, col = 0, width;
	int	 plain;

	for (i = 0; i < n; i++) {
		if (qp_room(out) == -1)
			return -1;
		o = out->data + out->len;
		plain = qp_plain(p, i, n, col);
		width = plain ? 1 : 3;
		if (col + width > QP_TEXT) {
			memcpy(o, "=\r\n", 3);
			o += 3;
			col = 0;
			plain = qp_plain(p, i, n, col);
			width = plain ? 1 : 3;
		}
		if (plain) {
			*o = (char)p[i];
		} else {
			o[0] = '=';
			o[1] = hex[p[i] >> 4];
			o[2] = hex[p[i] & 0x0f];
		}
		col += width;
		out->len = (size_t)(o + width - out->data);
	}
	if (hard)
		return buf_append(out, "\r\n", 2);
	if (out->data != NULL)
		out->data[out->len] = '\0';
	return 0;
}

/*
 * qp_encode - append s[0..n) as quoted-printable. Each CRLF (or LF) of
 * the text stays a hard line break (RFC 2045 §6.7 rule 4); a CR that
 * does not end a line is an octet like any other and is encoded.
 */
static int
qp_encode(struct buf *out, const char *s, size_t n)
{
	size_t	 pos = 0, next, len;

	while (pos < n) {
		next = line_end(s, pos, n, &len);
		if (qp_line(out, (const unsigned char *)s + pos, len,
		    s[next - 1] == '\n') == -1)
			return -1;
		pos = next;
	}
	return 0;
}

/*
 * delimiter - whether the line p[0..n) is a delimiter of the multipart
 * ct: 1 for "--boundary", 2 for the close "--boundary--", 0 for neither.
 * Transport padding (white space) may follow either (RFC 2046 §5.1.1).
 */
static int
delimiter(const char *p, size_t n, const struct ctype *ct)
{
	size_t	 i;
	int	 kind = 1;

	if (n < ct->blen + 2 || p[0] != '-' || p[1] != '-' ||
	    memcmp(p + 2, ct->boundary, ct->blen) != 0)
		return 0;
	i = ct->blen + 2;
	if (n - i >= 2 && p[i] == '-' && p[i + 1] == '-') {
		kind = 2;
		i += 2;
	}
	for (; i < n; i++)
		if (!is_wsp(p[i]))
			return 0;
	return kind;
}

/* copy_through - append the source up to pos to the new body. */
static int
copy_through(struct walk *w, size_t pos)
{
	if (buf_append(&w->out, w->src + w->copied, pos - w->copied) == -1)
		return -1;
	w->copied = pos;
	return 0;
}

/*
 * put_part_header - the header of pt with Content-Transfer-Encoding
 * set to quoted-printable: the first such field rewritten in place
 * under its own name, any other dropped (they would contradict it), or
 * a new one added last. The empty line always follows, even where the
 * part had none, since the part now has a field of its own.
 */
static int
put_part_header(struct walk *w, const struct part *pt)
{
	struct field	 f;
	size_t		 pos = pt->start;
	int		 done = 0, rc;

	while (pos < pt->hdr_end && next_field(w->src, pos, pt->hdr_end, &f)) {
		pos = f.end;
		if (!field_is(w->src, &f, "Content-Transfer-Encoding")) {
			rc = buf_append(&w->out, w->src + f.start,
			    f.end - f.start);
		} else if (!done) {
			rc = buf_append(&w->out, w->src + f.start, f.namelen);
			if (rc == 0)
				rc = buf_appends(&w->out,
				    ": quoted-printable\r\n");
			done = 1;
		} else {
			rc = 0;
		}
		if (rc == -1)
			return -1;
	}
	if (!done && buf_appends(&w->out,
	    "Content-Transfer-Encoding: quoted-printable\r\n") == -1)
		return -1;
	return buf_append(&w->out, "\r\n", 2);
}

/* recode_part - copy up to the part pt, then write it re-encoded. */
static int
recode_part(struct walk *w, const struct part *pt)
{
	if (copy_through(w, pt->start) == -1)
		return -1;

	if (put_part_header(w, pt) == -1)
		return -1;

	if (qp_encode(&w->out, w->src + pt->body, pt->end - pt->body) == -1)
		return -1;
	w->copied = pt->end;
	w->changed++;
	return 0;
}

static int	walk_multipart(struct walk *, size_t, size_t,
		    const struct ctype *, int);

/*
 * walk_part - deal with the body part s[start..end): descend into a
 * multipart, leave a message/rfc822 alone (RFC 2046 §5.2.1 allows it no
 * encoding but the identity ones), and re-encode a leaf that has a long
 * line and an identity encoding.
 */
static int
walk_part(struct walk *w, size_t start, size_t end, int in_digest,
    int depth)
{
	struct part	 pt;

	scan_part(w->src, start, end, in_digest, &pt);
	if (pt.ct.kind == CT_MULTIPART) {
		if (pt.ct.blen == 0 || depth >= MAX_DEPTH)
			return 0;
		return walk_multipart(w, pt.body, end, &pt.ct, depth + 1);
	}
	if (pt.ct.kind == CT_MESSAGE || !pt.identity)
		return 0;

	if (!has_long_line(w->src + pt.body, end - pt.body))
		return 0;
	return recode_part(w, &pt);
}

/*
 * walk_multipart - walk the parts of the multipart body s[start..end)
 * (RFC 2046 §5.1.1). Preamble and epilogue are not parts and are left
 * as they are; a part runs from after one delimiter line to the start of
 * the next, the CRLF before a delimiter belonging to the delimiter. A
 * missing close delimiter ends the last part at end; no delimiter at all
 * means no parts.
 */
static int
walk_multipart(struct walk *w, size_t start, size_t end,
    const struct ctype *ct, int depth)
{
	size_t	 pos = start, next, len, part = 0;
	int	 kind, inpart = 0;

	while (pos < end) {
		next = line_end(w->src, pos, end, &len);
		kind = delimiter(w->src + pos, len, ct);
		if (kind != 0 && inpart &&
		    walk_part(w, part, pos, ct->digest, depth) == -1)
			return -1;
		if (kind == 2)
			return 0;
		if (kind == 1) {
			inpart = 1;
			part = next;
		}
		pos = next;
	}
	if (inpart)
		return walk_part(w, part, end, ct->digest, depth);
	return 0;
}

/*
 * top_field - the value of the first field called name in msg's own
 * header, as *p and *end; *p is NULL when there is none.
 */
static void
top_field(const struct message *msg, const char *name, const char **p,
    const char **end)
{
	const struct header	*h;
	long			 i;

	*p = *end = NULL;
	i = message_find(msg, name, 0);
	if (i == -1)
		return;
	h = &msg->hdr[i];
	*p = h->raw + strlen(h->name) + 1;
	*end = h->raw + h->rawlen;
}

/* drop_later - remove every field called name but the first. */
static void
drop_later(struct message *msg, const char *name)
{
	long	 j;

	for (;;) {
		j = message_find(msg, name, 1);
		if (j == -1)
			break;
		message_remove_at(msg, (size_t)j);
	}
}

/*
 * set_top_cte - Content-Transfer-Encoding: quoted-printable in msg's
 * own header: the first such field rewritten under its own name, any
 * other dropped, or a new one added. A message without MIME-Version
 * gets one, since without it a reader need not undo the encoding (RFC
 * 2045 §4). On failure msg is left as it was.
 */
static int
set_top_cte(struct message *msg)
{
	struct header	*h = NULL;
	struct buf	 b;
	long		 i;
	int		 rc = -1, need_version;

	buf_init(&b);
	need_version = message_count(msg, "MIME-Version") == 0;
	i = message_find(msg, "Content-Transfer-Encoding", 0);
	if (i != -1) {
		h = &msg->hdr[i];
		if (buf_printf(&b, "%s: quoted-printable", h->name) == -1)
			goto out;
	}

	if (need_version && message_add(msg, "MIME-Version", "1.0") == -1)
		goto out;
	if (h == NULL && message_add(msg, "Content-Transfer-Encoding",
	    "quoted-printable") == -1) {
		if (need_version)
			message_remove_at(msg, msg->nhdr - 1);
		goto out;
	}

	if (h != NULL) {
		/* message_add may have moved the array. */
		h = &msg->hdr[i];
		free(h->raw);
		h->rawlen = b.len;
		h->raw = buf_steal(&b);
		drop_later(msg, "Content-Transfer-Encoding");
	}
	rc = 0;

out:
	buf_free(&b);
	return rc;
}

/* swap_body - make b the body of msg, and b the old body. */
static void
swap_body(struct message *msg, struct buf *b)
{
	struct buf	 old;

	old = msg->body;
	msg->body = *b;
	*b = old;
}

/*
 * fix_single - re-encode the body of a message that is not multipart,
 * when it has a long line and an identity encoding.
 */
static int
fix_single(struct message *msg, size_t *changed)
{
	struct buf	 out;
	const char	*p, *end;
	int		 rc = -1;

	top_field(msg, "Content-Transfer-Encoding", &p, &end);
	if (!cte_identity(p, end) ||
	    !has_long_line(msg->body.data, msg->body.len))
		return 0;

	buf_init(&out);
	if (buf_reserve(&out, msg->body.len + msg->body.len / 8) == -1)
		goto out;
	if (qp_encode(&out, msg->body.data, msg->body.len) == -1)
		goto out;

	if (set_top_cte(msg) == -1)
		goto out;
	swap_body(msg, &out);
	*changed = 1;
	rc = 0;

out:
	buf_free(&out);
	return rc;
}

/*
 * fix_multipart - walk a multipart body, and when a part was re-encoded
 * finish the new body with what follows the last change and swap it in.
 * Without a boundary there are no parts to find, and nothing changes.
 */
static int
fix_multipart(struct message *msg, const struct ctype *ct, size_t *changed)
{
	struct walk	 w;
	int		 rc = -1;

	if (ct->blen == 0)
		return 0;
	w.src = msg->body.data;
	w.len = msg->body.len;
	buf_init(&w.out);
	w.copied = 0;
	w.changed = 0;

	if (walk_multipart(&w, 0, w.len, ct, 0) == -1)
		goto out;

	if (w.changed > 0) {
		if (copy_through(&w, w.len) == -1)
			goto out;
		swap_body(msg, &w.out);
		*changed = w.changed;
	}
	rc = 0;

out:
	buf_free(&w.out);
	return rc;
}

/* mime_fix_long_lines - see mime.h. */
int
mime_fix_long_lines(struct message *msg, size_t *changed)
{
	struct ctype	 ct;
	const char	*p, *end;

	*changed = 0;
	/* A body left in its file is read in only when it must change. */
	if (msg->src != NULL) {
		if (msg->src_st.longest <= MIME_MAX_LINE)
			return 0;
		if (message_body_load(msg) == -1)
			return -1;
	}
	top_field(msg, "Content-Type", &p, &end);
	parse_ctype(p, end, 0, &ct);
	if (ct.kind == CT_MULTIPART)
		return fix_multipart(msg, &ct, changed);
	if (ct.kind == CT_MESSAGE)
		return 0;
	return fix_single(msg, changed);
}

/*
 * fold_point - where to fold p[0..text), text ending at the last octet
 * that is not white space: at the start of the last run of white space
 * that begins within MIME_MAX_LINE octets, after some text and before
 * more. The run moves to the new line, so neither line is made of white
 * space alone (RFC 5322 §3.2.2). Returns 0 when there is no such run.
 */
static size_t
fold_point(const char *p, size_t text)
{
	size_t	 i;

	if (text < 2)
		return 0;
	i = text - 1 < MIME_MAX_LINE ? text - 1 : MIME_MAX_LINE;
	for (; i > 0; i--)
		if (is_wsp(p[i]) && !is_wsp(p[i - 1]))
			return i;
	return 0;
}

/*
 * fold_line - append the line p[0..n) of a field to out, folded with
 * CRLF before white space (RFC 5322 §2.2.3) until what is left fits.
 * *toolong is set when it could not be made to fit.
 */
static int
fold_line(struct buf *out, const char *p, size_t n, int *toolong)
{
	size_t	 text, cut;

	text = n;
	while (text > 0 && is_wsp(p[text - 1]))
		text--;

	while (n > MIME_MAX_LINE) {
		cut = fold_point(p, text);
		if (cut == 0) {
			*toolong = 1;
			break;
		}
		if (buf_append(out, p, cut) == -1 ||
		    buf_append(out, "\r\n", 2) == -1)
			return -1;
		p += cut;
		n -= cut;
		text -= cut;
	}
	return buf_append(out, p, n);
}

/*
 * fold_field - fold every long line of the field h; a field that cannot
 * be made to fit is left exactly as it was, with *toolong set.
 */
static int
fold_field(struct header *h, int *toolong)
{
	struct buf	 b;
	size_t		 pos = 0, next, len;
	int		 rc = -1;

	buf_init(&b);
	*toolong = 0;
	while (pos < h->rawlen) {
		next = line_end(h->raw, pos, h->rawlen, &len);
		if (fold_line(&b, h->raw + pos, len, toolong) == -1 ||
		    buf_append(&b, h->raw + pos + len, next - pos - len) == -1)
			goto out;
		pos = next;
	}

	if (!*toolong) {
		free(h->raw);
		h->rawlen = b.len;
		h->raw = buf_steal(&b);
	}
	rc = 0;

out:
	buf_free(&b);
	return rc;
}

/* mime_fold_long_fields - see mime.h. */
int
mime_fold_long_fields(struct message *msg, size_t *unfoldable)
{
	struct header	*h;
	size_t		 i;
	int		 toolong;

	*unfoldable = 0;
	for (i = 0; i < msg->nhdr; i++) {
		h = &msg->hdr[i];
		if (!has_long_line(h->raw, h->rawlen))
			continue;
		if (fold_field(h, &toolong) == -1)
			return -1;
		if (toolong)
			(*unfoldable)++;
	}
	return 0;
}
