/*
 * headers - make the address and text fields of a header section
 * acceptable to SES without changing what they say.
 *
 * An address field is parsed as it stands, folding included, and rebuilt
 * from its own bytes: only the spans that must change are replaced, so
 * the caller's comments, spacing and line breaks survive everywhere else.
 * A field that needs no change is not touched at all.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sysexits.h>

#include <idn2.h>

#include "address.h"
#include "buf.h"
#include "headers.h"
#include "mime.h"
#include "util.h"

/*
 * RFC 2047 §2: a line that holds an encoded-word is at most 76 characters;
 * rewritten fields are folded to that, which also keeps them well within
 * the 998 octets of RFC 5322 §2.1.1.
 */
#define FOLD_AT		76

/* One replacement: value[off..off+len) becomes text. */
struct edit {
	size_t		 off;
	size_t		 len;
	struct buf	 text;
};

struct edits {
	struct edit	*v;
	size_t		 n;
	size_t		 cap;
};

/* What one headers_fix call carries from field to field. */
struct fixer {
	const char	*domain;	/* configured domain, as given */
	char		*adomain;	/* its ASCII form, made when needed */
	const char	*field;		/* the field at hand, name as written */
	char		*err;
	size_t		 errlen;
};

/* Where a quoted string or comment stands while a field is scanned. */
struct quoting {
	int	 quoted;
	int	 escaped;
	size_t	 depth;
};

/* Fields that hold an address-list or a mailbox (RFC 5322 §3.6.2-3, 6). */
static const char *const address_fields[] = {
	"Bcc", "Cc", "Disposition-Notification-To", "Errors-To", "From",
	"Mail-Followup-To", "Mail-Reply-To", "Reply-To", "Resent-Bcc",
	"Resent-Cc", "Resent-From", "Resent-Reply-To", "Resent-Sender",
	"Resent-To", "Return-Receipt-To", "Sender", "To",
};

/*
 * Structured fields that are not address lists. RFC 2047 §5 allows
 * encoded-words only in unstructured text, comments and phrases: encoding
 * a Message-ID, a date or a signature would change what it says, so these
 * are left for SES to judge even when they hold 8-bit bytes.
 */
static const char *const structured_fields[] = {
	"Authentication-Results", "DKIM-Signature", "Date",
	"DomainKey-Signature", "In-Reply-To", "MIME-Version", "Message-ID",
	"Received", "Received-SPF", "References", "Resent-Date",
	"Resent-Message-ID", "Return-Path",
};

static const char *const structured_prefixes[] = {
	"ARC-", "Content-", "List-",
};

#define NELEM(a)	(sizeof(a) / sizeof((a)[0]))

static const char E_NOMEM[] = "out of memory";

/* is_wsp - white space between tokens, including a fold's CR and LF. */
static int
is_wsp(char c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

/* is_address_field - whether the field holds addresses. */
static int
is_address_field(const char *name)
{
	size_t	 i;

	for (i = 0; i < NELEM(address_fields); i++)
		if (strcasecmp(name, address_fields[i]) == 0)
			return 1;
	return 0;
}

/* is_structured_field - whether the field must not become encoded-words. */
static int
is_structured_field(const char *name)
{
	size_t	 i;

	for (i = 0; i < NELEM(structured_fields); i++)
		if (strcasecmp(name, structured_fields[i]) == 0)
			return 1;
	for (i = 0; i < NELEM(structured_prefixes); i++)
		if (strncasecmp(name, structured_prefixes[i],
		    strlen(structured_prefixes[i])) == 0)
			return 1;
	return 0;
}

/*
 * spec_at - the "@" between local part and domain: the first one outside
 * a quoted local part (RFC 5322 §3.4.1), or NULL when there is no domain.
 */
static const char *
spec_at(const char *spec)
{
	const char	*p;
	int		 quoted = 0;

	for (p = spec; *p != '\0'; p++) {
		if (quoted && *p == '\\' && p[1] != '\0')
			p++;
		else if (*p == '"')
			quoted = !quoted;
		else if (*p == '@' && !quoted)
			return p;
	}
	return NULL;
}

/*
 * domain_to_ascii - the ASCII form of a domain (IDNA, RFC 5890-5891,
 * mapped as UTS #46 says); an ASCII domain is kept as written, since
 * IDNA would refuse literals and names with "_" that mail accepts.
 * Non-transitional first, as browsers and curl do, then transitional for
 * the names only it accepts. Returns an idn2 code; on IDN2_OK, *out is
 * allocated.
 */
static int
domain_to_ascii(const char *domain, char **out)
{
	char	*a = NULL;
	int	 rc;

	*out = NULL;
	if (mime_is_ascii(domain, strlen(domain))) {
		*out = strdup(domain);
		return *out == NULL ? IDN2_MALLOC : IDN2_OK;
	}

	rc = idn2_to_ascii_8z(domain, &a,
	    IDN2_NFC_INPUT | IDN2_NONTRANSITIONAL);
	if (rc != IDN2_OK && rc != IDN2_MALLOC)
		rc = idn2_to_ascii_8z(domain, &a,
		    IDN2_NFC_INPUT | IDN2_TRANSITIONAL);
	if (rc == IDN2_OK) {
		*out = strdup(a);
		if (*out == NULL)
			rc = IDN2_MALLOC;
	}
	idn2_free(a);
	return rc;
}

/*
 * spec_to_ascii - spec with its domain in ASCII form. Returns an idn2
 * code; on IDN2_OK, *out is allocated.
 */
static int
spec_to_ascii(const char *spec, char **out)
{
	const char	*at;
	char		*dom = NULL;
	struct buf	 b;
	int		 rc;

	*out = NULL;
	at = spec_at(spec);
	if (at == NULL) {
		*out = strdup(spec);
		return *out == NULL ? IDN2_MALLOC : IDN2_OK;
	}

	buf_init(&b);
	rc = domain_to_ascii(at + 1, &dom);
	if (rc != IDN2_OK)
		goto out;
	rc = IDN2_MALLOC;
	if (buf_append(&b, spec, (size_t)(at + 1 - spec)) == -1 ||
	    buf_appends(&b, dom) == -1)
		goto out;
	*out = buf_steal(&b);
	rc = IDN2_OK;

out:
	free(dom);
	buf_free(&b);
	return rc;
}

/* headers_domain_to_ascii - see headers.h. */
char *
headers_domain_to_ascii(const char *spec, char *err, size_t errlen)
{
	char	*out;
	int	 rc;

	rc = spec_to_ascii(spec, &out);
	if (rc == IDN2_MALLOC)
		seterr(err, errlen, "%s", E_NOMEM);
	else if (rc != IDN2_OK)
		seterr(err, errlen, "domain cannot be converted to ASCII "
		    "(IDNA): %s", idn2_strerror(rc));
	return out;
}

/* configured_domain - the ASCII form of the configured domain, made once. */
static int
configured_domain(struct fixer *f)
{
	int	 rc;

	if (f->adomain != NULL)
		return 0;
	rc = domain_to_ascii(f->domain, &f->adomain);
	if (rc == IDN2_OK)
		return 0;

	if (rc == IDN2_MALLOC) {
		seterr(f->err, f->errlen, "%s", E_NOMEM);
		return EX_OSERR;
	}
	seterr(f->err, f->errlen, "the configured domain cannot be converted "
	    "to ASCII (IDNA): %s", idn2_strerror(rc));
	return EX_CONFIG;
}

/* edits_add - a new, empty replacement of s[off..off+len). */
static struct edit *
edits_add(struct edits *ed, size_t off, size_t len)
{
	struct edit	*v;
	size_t		 cap;

	if (ed->n == ed->cap) {
		cap = ed->cap ? ed->cap * 2 : 8;
		v = realloc(ed->v, cap * sizeof(*v));
		if (v == NULL)
			return NULL;
		ed->v = v;
		ed->cap = cap;
	}

	v = &ed->v[ed->n++];
	v->off = off;
	v->len = len;
	buf_init(&v->text);
	return v;
}

/* edits_free - release every replacement text and the vector. */
static void
edits_free(struct edits *ed)
{
	size_t	 i;

	for (i = 0; i < ed->n; i++)
		buf_free(&ed->v[i].text);
	free(ed->v);
	ed->v = NULL;
	ed->n = 0;
	ed->cap = 0;
}

/* edit_cmp - order by offset; an insertion goes before what starts there. */
static int
edit_cmp(const void *a, const void *b)
{
	const struct edit	*x = a, *y = b;

	if (x->off != y->off)
		return x->off < y->off ? -1 : 1;
	if (x->len != y->len)
		return x->len < y->len ? -1 : 1;
	return 0;
}

/*
 * apply_edits - copy s[0..len) to out with the replacements made. An edit
 * that starts inside one already made (a comment within a display name
 * that was encoded whole) went with it and is skipped.
 */
static int
apply_edits(const char *s, size_t len, struct edits *ed, struct buf *out)
{
	const struct edit	*e;
	size_t			 pos = 0, i;

	qsort(ed->v, ed->n, sizeof(ed->v[0]), edit_cmp);
	for (i = 0; i < ed->n; i++) {
		e = &ed->v[i];
		if (e->off < pos)
			continue;
		if (buf_append(out, s + pos, e->off - pos) == -1 ||
		    buf_append(out, e->text.data, e->text.len) == -1)
			return -1;
		pos = e->off + e->len;
	}
	return buf_append(out, s + pos, len - pos);
}

/*
 * phrase_text - the text a display name stands for (RFC 5322 §3.2.5):
 * quotes removed, quoted pairs unescaped, folding CRLFs and comments
 * dropped, white space between the words kept as written.
 */
static int
phrase_text(const char *s, size_t len, struct buf *out)
{
	struct quoting	 q = { 0, 0, 0 };
	size_t		 i;
	char		 c;

	for (i = 0; i < len; i++) {
		c = s[i];
		if (c == '\r' || c == '\n')
			continue;
		if (q.depth > 0) {
			if (c == '\\')
				i++;
			else if (c == '(')
				q.depth++;
			else if (c == ')')
				q.depth--;
			continue;
		}

		if (q.quoted && c == '\\' && i + 1 < len) {
			c = s[++i];
			if (c == '\r' || c == '\n')
				continue;
		} else if (c == '"') {
			q.quoted = !q.quoted;
			continue;
		} else if (c == '(' && !q.quoted) {
			q.depth = 1;
			continue;
		}
		if (buf_appendc(out, c) == -1)
			return -1;
	}
	return 0;
}

/*
 * comment_text - what the comment s[0..len), parentheses included, says:
 * quoted pairs unescaped, folding CRLFs dropped, nested comments kept.
 */
static int
comment_text(const char *s, size_t len, struct buf *out)
{
	size_t	 i;
	char	 c;

	for (i = 1; i + 1 < len; i++) {
		c = s[i];
		if (c == '\\' && i + 2 < len)
			c = s[++i];
		if (c == '\r' || c == '\n')
			continue;
		if (buf_appendc(out, c) == -1)
			return -1;
	}
	return 0;
}

/*
 * encode_span - replace value[off..off+len), whose text is text, by
 * encoded-words. In a phrase, RFC 2047 §5 (3) wants white space between
 * an encoded-word and any special or word next to it; in a comment
 * (§5 (2)) the words replace the whole inside and touch only the
 * parentheses.
 */
static int
encode_span(const char *value, size_t vlen, size_t off, size_t len,
    int comment, const struct buf *text, struct edits *ed)
{
	struct edit	*e;
	int		 phrase = !comment;

	if (comment) {
		off++;
		len -= 2;
	}
	e = edits_add(ed, off, len);
	if (e == NULL)
		return -1;

	if (phrase && (off == 0 || !is_wsp(value[off - 1])) &&
	    buf_appendc(&e->text, ' ') == -1)
		return -1;
	if (mime_encode_words(text->data, text->len, &e->text) == -1)
		return -1;
	if (phrase && off + len < vlen && !is_wsp(value[off + len]) &&
	    buf_appendc(&e->text, ' ') == -1)
		return -1;
	return 0;
}

/*
 * text_edit - encode a display name, group name or comment that holds
 * 8-bit text; leave it as it is otherwise.
 */
static int
text_edit(const char *value, size_t vlen, size_t off, size_t len,
    int comment, struct edits *ed)
{
	struct buf	 text;
	int		 rc;

	if (mime_is_ascii(value + off, len))
		return 0;

	buf_init(&text);
	if (comment)
		rc = comment_text(value + off, len, &text);
	else
		rc = phrase_text(value + off, len, &text);
	if (rc == -1)
		goto out;

	/* The 8-bit bytes may have been in a comment inside the name only. */
	if (!mime_is_ascii(text.data, text.len))
		rc = encode_span(value, vlen, off, len, comment, &text, ed);

out:
	buf_free(&text);
	return rc;
}

/*
 * spec_edit - the ASCII form of an addr-spec whose domain is not ASCII.
 * The whole addr-spec is replaced by its clean form (a comment inside an
 * addr-spec, which nobody writes, is lost).
 */
static int
spec_edit(struct fixer *f, const struct address *a, struct edits *ed)
{
	struct edit	*e;
	char		*spec = NULL;
	int		 rc;

	rc = spec_to_ascii(a->spec, &spec);
	if (rc == IDN2_MALLOC) {
		seterr(f->err, f->errlen, "%s", E_NOMEM);
		return EX_OSERR;
	}
	if (rc != IDN2_OK) {
		seterr(f->err, f->errlen, "%s: the domain of an address cannot "
		    "be converted to ASCII (IDNA): %s", f->field,
		    idn2_strerror(rc));
		return EX_DATAERR;
	}

	rc = EX_OSERR;
	e = edits_add(ed, a->off, a->len);
	if (e == NULL || buf_appends(&e->text, spec) == -1)
		seterr(f->err, f->errlen, "%s", E_NOMEM);
	else
		rc = 0;
	free(spec);
	return rc;
}

/*
 * qualify_edit - "@domain" right after an addr-spec that has none: SES
 * refuses it ("Missing final '@domain'"), and sendmail qualifies such
 * names with its own domain the same way.
 */
static int
qualify_edit(struct fixer *f, const struct address *a, struct edits *ed)
{
	struct edit	*e;
	int		 rc;

	if (f->domain == NULL)
		return 0;
	rc = configured_domain(f);
	if (rc != 0)
		return rc;

	e = edits_add(ed, a->off + a->len, 0);
	if (e == NULL || buf_appendc(&e->text, '@') == -1 ||
	    buf_appends(&e->text, f->adomain) == -1) {
		seterr(f->err, f->errlen, "%s", E_NOMEM);
		return EX_OSERR;
	}
	return 0;
}

/*
 * address_edits - what one mailbox needs. A local part has no ASCII form
 * (RFC 6531 would need SMTPUTF8, which SES lacks), so 8 bits there are
 * refused; the domain has one (IDNA), and so has the display name
 * (RFC 2047 encoded-words).
 */
static int
address_edits(struct fixer *f, const char *value, size_t vlen,
    const struct address *a, struct edits *ed)
{
	const char	*at;
	size_t		 local;

	at = spec_at(a->spec);
	local = at != NULL ? (size_t)(at - a->spec) : strlen(a->spec);
	if (!mime_is_ascii(a->spec, local)) {
		seterr(f->err, f->errlen, "%s: address with a non-ASCII "
		    "local part; SES cannot send it", f->field);
		return EX_DATAERR;
	}

	if (a->name_len > 0 &&
	    text_edit(value, vlen, a->name_off, a->name_len, 0, ed) == -1) {
		seterr(f->err, f->errlen, "%s", E_NOMEM);
		return EX_OSERR;
	}
	if (!a->has_domain)
		return qualify_edit(f, a, ed);
	if (!mime_is_ascii(a->spec, strlen(a->spec)))
		return spec_edit(f, a, ed);
	return 0;
}

/* quoting_step - follow quoted strings and comments one byte at a time. */
static void
quoting_step(struct quoting *q, char c)
{
	if (q->escaped)
		q->escaped = 0;
	else if (c == '\\' && (q->quoted || q->depth > 0))
		q->escaped = 1;
	else if (q->quoted)
		q->quoted = c != '"';
	else if (c == '(')
		q->depth++;
	else if (c == ')' && q->depth > 0)
		q->depth--;
	else if (c == '"' && q->depth == 0)
		q->quoted = 1;
}

/*
 * can_fold - whether a line break may go before s[i], the line having
 * started at start: at the first blank of a run that is neither at the
 * start of the line nor trailing white space, so that no line holds only
 * white space (RFC 5322 §3.2.2).
 */
static int
can_fold(const char *s, size_t len, size_t i, size_t start)
{
	size_t	 j;

	if (i <= start || (s[i] != ' ' && s[i] != '\t') || is_wsp(s[i - 1]))
		return 0;
	for (j = i; j < len && (s[j] == ' ' || s[j] == '\t'); j++)
		continue;
	return j < len && s[j] != '\r';
}

/* fold_line - end the line at s[start..at) and start the next at at. */
static int
fold_line(const char *s, size_t *start, size_t at, struct buf *out)
{
	if (buf_append(out, s + *start, at - *start) == -1 ||
	    buf_append(out, "\r\n", 2) == -1)
		return -1;
	*start = at;
	return 0;
}

/*
 * fold_field - copy the field s[0..len) to out, breaking every line longer
 * than FOLD_AT before white space (RFC 5322 §2.2.3: unfolding removes only
 * the CRLF, so the value is unchanged). Existing breaks stay. A structured
 * field is not broken inside a quoted string, which some readers mishandle.
 */
static int
fold_field(const char *s, size_t len, int structured, struct buf *out)
{
	struct quoting	 q = { 0, 0, 0 };
	size_t		 i, start = 0, cand = 0;

	for (i = 0; i < len; i++) {
		if (s[i] == '\r' && i + 1 < len && s[i + 1] == '\n') {
			i++;
			if (buf_append(out, s + start, i + 1 - start) == -1)
				return -1;
			start = i + 1;
			continue;
		}

		if (cand > start && i - start >= FOLD_AT &&
		    fold_line(s, &start, cand, out) == -1)
			return -1;
		if (!q.quoted && can_fold(s, len, i, start)) {
			if (i - start <= FOLD_AT)
				cand = i;
			else if (fold_line(s, &start, i, out) == -1)
				return -1;
		}
		if (structured)
			quoting_step(&q, s[i]);
	}
	return buf_append(out, s + start, len - start);
}

/*
 * set_field - make the field "Name:" + value in b the new text of field
 * i, folded, in the same place and with its name as written.
 */
static int
set_field(struct message *msg, size_t i, const struct buf *b,
    int structured)
{
	struct header	*h = &msg->hdr[i];
	struct buf	 folded;

	buf_init(&folded);
	if (fold_field(b->data, b->len, structured, &folded) == -1) {
		buf_free(&folded);
		return -1;
	}
	free(h->raw);
	h->rawlen = folded.len;
	h->raw = buf_steal(&folded);
	return 0;
}

/*
 * list_edits - the edits every mailbox, group name and comment of a
 * parsed field needs. Returns 0 or an EX_ code with err set.
 */
static int
list_edits(struct fixer *f, const char *value, size_t vlen,
    const struct address_list *list, struct edits *ed)
{
	const struct address_span	*sp;
	size_t				 k;
	int				 rc;

	for (k = 0; k < list->n; k++) {
		rc = address_edits(f, value, vlen, &list->v[k], ed);
		if (rc != 0)
			return rc;
	}
	for (k = 0; k < list->nspans; k++) {
		sp = &list->spans[k];
		if (text_edit(value, vlen, sp->off, sp->len,
		    sp->kind == ADDRESS_COMMENT, ed) == -1) {
			seterr(f->err, f->errlen, "%s", E_NOMEM);
			return EX_OSERR;
		}
	}
	return 0;
}

/*
 * fix_address_field - qualify, IDNA-convert and encode what field i needs,
 * parsing the value as it stands so that offsets point into it. A value
 * that is no address list is left for SES to judge.
 */
static int
fix_address_field(struct fixer *f, struct message *msg, size_t i)
{
	const struct header	*h = &msg->hdr[i];
	struct address_list	 list = ADDRESS_LIST_INIT;
	struct edits		 ed = { NULL, 0, 0 };
	struct buf		 b;
	const char		*value, *why;
	size_t			 vlen, namelen;
	int			 rc = 0;

	buf_init(&b);
	namelen = strlen(h->name);
	value = h->raw + namelen + 1;
	vlen = h->rawlen - namelen - 1;
	if (address_list_parse(value, vlen, &list, &why) == -1)
		goto out;

	rc = list_edits(f, value, vlen, &list, &ed);
	if (rc != 0 || ed.n == 0)
		goto out;

	rc = EX_OSERR;
	if (buf_append(&b, h->raw, namelen + 1) == -1 ||
	    apply_edits(value, vlen, &ed, &b) == -1 ||
	    set_field(msg, i, &b, 1) == -1) {
		seterr(f->err, f->errlen, "%s", E_NOMEM);
		goto out;
	}
	rc = 0;

out:
	buf_free(&b);
	edits_free(&ed);
	address_list_free(&list);
	return rc;
}

/*
 * fix_text_field - an unstructured field (RFC 5322 §3.6.5, RFC 2047 §5
 * (1)) with 8-bit text becomes encoded-words of its whole unfolded value.
 */
static int
fix_text_field(struct fixer *f, struct message *msg, size_t i)
{
	struct buf	 b;
	char		*value;
	int		 rc = EX_OSERR;

	buf_init(&b);
	value = message_value(msg, i);
	if (value == NULL)
		goto out;

	if (buf_appends(&b, msg->hdr[i].name) == -1 ||
	    buf_append(&b, ": ", 2) == -1 ||
	    mime_encode_words(value, strlen(value), &b) == -1 ||
	    set_field(msg, i, &b, 0) == -1)
		goto out;
	rc = 0;

out:
	if (rc != 0)
		seterr(f->err, f->errlen, "%s", E_NOMEM);
	free(value);
	buf_free(&b);
	return rc;
}

/* headers_fix - see headers.h. */
int
headers_fix(struct message *msg, const char *domain, char *err,
    size_t errlen)
{
	struct fixer		 f;
	const struct header	*h;
	size_t			 i;
	int			 rc = 0;

	f.domain = domain;
	f.adomain = NULL;
	f.err = err;
	f.errlen = errlen;

	for (i = 0; i < msg->nhdr && rc == 0; i++) {
		h = &msg->hdr[i];
		f.field = h->name;
		if (is_address_field(h->name))
			rc = fix_address_field(&f, msg, i);
		else if (!is_structured_field(h->name) &&
		    !mime_is_ascii(h->raw, h->rawlen))
			rc = fix_text_field(&f, msg, i);
	}

	free(f.adomain);
	return rc;
}
