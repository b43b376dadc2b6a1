/*
 * address - RFC 5322 address lists (section 3.4), as found in To, Cc and
 * Bcc fields and in sendmail's recipient arguments.
 *
 * A small tokenizer turns the input into atoms, quoted strings, domain
 * literals and specials, skipping comments and folding white space (CFWS,
 * RFC 5322 §3.2.2). A recursive-descent parser then follows the grammar
 * of §3.4 plus the obsolete forms of §4.4 that real senders still use.
 * Besides the addr-specs it records where display names, group names and
 * comments are, so that the header code can encode them in place.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "address.h"
#include "buf.h"

enum tok_type {
	T_END,
	T_ATOM,			/* atext run; 8-bit bytes included */
	T_QSTR,			/* quoted-string, quotes included */
	T_DLIT,			/* domain-literal, brackets included */
	T_SPECIAL		/* one of < > : ; @ , . */
};

struct tok {
	enum tok_type	 type;
	char		 c;	/* the character of a T_SPECIAL */
	size_t		 start;	/* input offsets of the token */
	size_t		 end;
};

struct parser {
	const char		*s;
	size_t			 len;
	size_t			 pos;
	struct tok		 cur;
	struct address_list	*out;
	const char		*err;
};

/* What a run of words and dots turned out to hold. */
struct phrase {
	struct buf	 text;		/* words and dots, CFWS removed */
	size_t		 start;		/* offset of the first token */
	size_t		 end;		/* end of the last token */
	size_t		 nwords;
	int		 dotted;	/* word *("." word): a local part */
};

static const char E_NOMEM[] = "out of memory";

static int	parse_address(struct parser *, int);
static int	add_span(struct parser *, enum address_span_kind, size_t,
		    size_t);

/* is_wsp - SP or HTAB, the WSP of RFC 5234 appendix B.1. */
static int
is_wsp(char c)
{
	return c == ' ' || c == '\t';
}

/*
 * is_atext - RFC 5322 §3.2.3 atext. Bytes of 8 bits are let through so
 * that UTF-8 display names parse; addr-specs are checked for ASCII later.
 */
static int
is_atext(unsigned char c)
{
	if (c >= 0x80)
		return 1;
	if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
	    (c >= '0' && c <= '9'))
		return 1;
	return c != '\0' && strchr("!#$%&'*+-/=?^_`{|}~", c) != NULL;
}

/*
 * line_break - at a CR or LF: 2 when it is the CRLF of folding white space
 * (RFC 5322 §3.2.2: CRLF must be followed by WSP), otherwise -1.
 */
static int
line_break(struct parser *p, size_t at)
{
	if (p->s[at] == '\r' && at + 2 < p->len && p->s[at + 1] == '\n' &&
	    is_wsp(p->s[at + 2]))
		return 2;
	p->err = "line break not followed by white space";
	return -1;
}

/*
 * skip_delimited - move past a comment, quoted string or domain literal
 * opening at p->pos and closed by close. Only comments nest (RFC 5322
 * §3.2.2); a quoted pair may hide any closing character in all three.
 */
static int
skip_delimited(struct parser *p, char close, const char *err)
{
	size_t	 depth = 1;
	int	 n;
	char	 open, c;

	open = p->s[p->pos++];
	while (p->pos < p->len) {
		c = p->s[p->pos];
		if (c == '\\') {
			if (p->pos + 1 >= p->len)
				break;
			p->pos += 2;
			continue;
		}
		if (c == '\r' || c == '\n') {
			n = line_break(p, p->pos);
			if (n == -1)
				return -1;
			p->pos += (size_t)n;
			continue;
		}

		p->pos++;
		if (c == close && --depth == 0)
			return 0;
		if (c == open && open == '(')
			depth++;
		else if (c == open && open == '[')
			break;
	}
	p->err = err;
	return -1;
}

/*
 * skip_cfws - move past white space, folding and comments, noting where
 * each outermost comment is.
 */
static int
skip_cfws(struct parser *p)
{
	size_t	 start;
	int	 n;
	char	 c;

	while (p->pos < p->len) {
		c = p->s[p->pos];
		if (is_wsp(c)) {
			p->pos++;
		} else if (c == '\r' || c == '\n') {
			n = line_break(p, p->pos);
			if (n == -1)
				return -1;
			p->pos += (size_t)n;
		} else if (c == '(') {
			start = p->pos;
			if (skip_delimited(p, ')',
			    "unbalanced '(' in comment") == -1)
				return -1;
			if (add_span(p, ADDRESS_COMMENT, start, p->pos) == -1)
				return -1;
		} else
			break;
	}
	return 0;
}

/* lex - read the next token into p->cur. */
static int
lex(struct parser *p)
{
	struct tok	*t = &p->cur;
	unsigned char	 c;
	int		 rc = 0;

	if (skip_cfws(p) == -1)
		return -1;
	t->start = p->pos;
	t->c = '\0';
	if (p->pos >= p->len) {
		t->type = T_END;
		t->end = p->pos;
		return 0;
	}

	c = (unsigned char)p->s[p->pos];
	if (is_atext(c)) {
		t->type = T_ATOM;
		while (p->pos < p->len &&
		    is_atext((unsigned char)p->s[p->pos]))
			p->pos++;
	} else if (c == '"') {
		t->type = T_QSTR;
		rc = skip_delimited(p, '"', "unterminated quoted string");
	} else if (c == '[') {
		t->type = T_DLIT;
		rc = skip_delimited(p, ']', "unterminated domain literal");
	} else if (c != '\0' && strchr("<>:;@,.", c) != NULL) {
		t->type = T_SPECIAL;
		t->c = (char)c;
		p->pos++;
	} else if (c == ')') {
		p->err = "unbalanced ')' outside a comment";
		rc = -1;
	} else if (c == ']') {
		p->err = "unbalanced ']' outside a domain literal";
		rc = -1;
	} else {
		p->err = "invalid character in address";
		rc = -1;
	}
	t->end = p->pos;
	return rc;
}

/* is_special - whether the current token is the special character c. */
static int
is_special(const struct parser *p, char c)
{
	return p->cur.type == T_SPECIAL && p->cur.c == c;
}

/*
 * append_token - add the current token's text to b. CRLF inside quoted
 * strings and literals is folding, which unfolding removes (§3.2.2).
 */
static int
append_token(struct parser *p, struct buf *b)
{
	size_t	 i;
	char	 c;

	for (i = p->cur.start; i < p->cur.end; i++) {
		c = p->s[i];
		if (c == '\r' || c == '\n')
			continue;
		if (buf_appendc(b, c) == -1) {
			p->err = E_NOMEM;
			return -1;
		}
	}
	return 0;
}

/*
 * collect_phrase - read words and dots. Whether they were a display name
 * (RFC 5322 §3.2.5 phrase, with the obsolete "." of §4.1) or a local part
 * (§3.4.1, word *("." word) per §4.4) is only known from what follows.
 */
static int
collect_phrase(struct parser *p, struct phrase *ph)
{
	int	 need_word = 1;

	buf_init(&ph->text);
	ph->start = p->cur.start;
	ph->end = p->cur.start;
	ph->nwords = 0;
	ph->dotted = 1;

	while (p->cur.type == T_ATOM || p->cur.type == T_QSTR ||
	    is_special(p, '.')) {
		if (is_special(p, '.')) {
			if (need_word)
				ph->dotted = 0;
			need_word = 1;
		} else {
			if (!need_word)
				ph->dotted = 0;
			need_word = 0;
			ph->nwords++;
		}
		if (append_token(p, &ph->text) == -1)
			return -1;
		ph->end = p->cur.end;
		if (lex(p) == -1)
			return -1;
	}
	if (need_word)
		ph->dotted = 0;
	return 0;
}

/*
 * parse_domain - after "@": dot-atom, obs-domain or domain-literal
 * (RFC 5322 §3.4.1, §4.4). Appends its text to b (when not NULL) and
 * sets *endp to the end of its last token.
 */
static int
parse_domain(struct parser *p, struct buf *b, size_t *endp)
{
	if (p->cur.type == T_DLIT) {
		if (b != NULL && append_token(p, b) == -1)
			return -1;
		*endp = p->cur.end;
		return lex(p);
	}
	if (p->cur.type != T_ATOM) {
		p->err = "missing domain after '@'";
		return -1;
	}

	for (;;) {
		if (b != NULL && append_token(p, b) == -1)
			return -1;
		*endp = p->cur.end;
		if (lex(p) == -1)
			return -1;
		if (!is_special(p, '.'))
			return 0;
		if (b != NULL && buf_appendc(b, '.') == -1) {
			p->err = E_NOMEM;
			return -1;
		}
		if (lex(p) == -1)
			return -1;
		if (p->cur.type != T_ATOM) {
			p->err = "malformed domain";
			return -1;
		}
	}
}

/*
 * add_span - note a group name or comment found at input[start..end).
 */
static int
add_span(struct parser *p, enum address_span_kind kind, size_t start,
    size_t end)
{
	struct address_list	*l = p->out;
	struct address_span	*v;
	size_t			 cap;

	if (l->nspans == l->spancap) {
		cap = l->spancap ? l->spancap * 2 : 8;
		v = realloc(l->spans, cap * sizeof(*v));
		if (v == NULL) {
			p->err = E_NOMEM;
			return -1;
		}
		l->spans = v;
		l->spancap = cap;
	}

	v = &l->spans[l->nspans++];
	v->kind = kind;
	v->off = start;
	v->len = end - start;
	return 0;
}

/*
 * add_address - append the spec in b, found at input[start..end), with
 * the display name read before it (NULL when there was none).
 */
static int
add_address(struct parser *p, struct buf *b, size_t start, size_t end,
    int has_domain, const struct phrase *name)
{
	struct address_list	*l = p->out;
	struct address		*v;
	size_t			 cap;

	if (l->n == l->cap) {
		cap = l->cap ? l->cap * 2 : 8;
		v = realloc(l->v, cap * sizeof(*v));
		if (v == NULL)
			goto fail;
		l->v = v;
		l->cap = cap;
	}

	v = &l->v[l->n];
	v->spec = buf_steal(b);
	if (v->spec == NULL)
		goto fail;
	v->off = start;
	v->len = end - start;
	v->has_domain = has_domain;
	v->name_off = name != NULL ? name->start : 0;
	v->name_len = name != NULL ? name->end - name->start : 0;
	l->n++;
	return 0;

fail:
	p->err = E_NOMEM;
	return -1;
}

/*
 * parse_addr_spec - finish an addr-spec whose local part is ph, at "@"
 * or, for the obsolete bare local part ("root"), at whatever follows it.
 * ph->text becomes the spec and ph->end its end.
 */
static int
parse_addr_spec(struct parser *p, struct phrase *ph, int *has_domain)
{
	*has_domain = 0;

	if (ph->nwords == 0 && is_special(p, '@')) {
		p->err = "missing local part before '@'";
		return -1;
	}
	if (!ph->dotted) {
		p->err = is_special(p, '@') ? "malformed local part" :
		    "display name without an address";
		return -1;
	}

	if (!is_special(p, '@'))
		return 0;
	*has_domain = 1;
	if (buf_appendc(&ph->text, '@') == -1) {
		p->err = E_NOMEM;
		return -1;
	}
	if (lex(p) == -1)
		return -1;
	return parse_domain(p, &ph->text, &ph->end);
}

/*
 * skip_route - drop the obsolete source route "@a,@b:" of an angle-addr
 * (RFC 5322 §4.4 obs-route); it has no meaning for delivery.
 */
static int
skip_route(struct parser *p)
{
	size_t	 end;

	while (is_special(p, '@') || is_special(p, ',')) {
		if (is_special(p, ',')) {
			if (lex(p) == -1)
				return -1;
			continue;
		}
		if (lex(p) == -1 || parse_domain(p, NULL, &end) == -1)
			return -1;
	}
	if (!is_special(p, ':')) {
		p->err = "malformed route in angle address";
		return -1;
	}
	return lex(p);
}

/*
 * parse_angle - "<" [obs-route] addr-spec ">", RFC 5322 §3.4; name is
 * the display name read before it, or NULL.
 */
static int
parse_angle(struct parser *p, const struct phrase *name)
{
	struct phrase	 ph;
	int		 rc = -1, has_domain;

	buf_init(&ph.text);
	if (lex(p) == -1)
		goto out;
	if ((is_special(p, '@') || is_special(p, ',')) &&
	    skip_route(p) == -1)
		goto out;

	if (collect_phrase(p, &ph) == -1)
		goto out;
	if (ph.nwords == 0 && is_special(p, '>')) {
		p->err = "empty angle address";
		goto out;
	}
	if (parse_addr_spec(p, &ph, &has_domain) == -1)
		goto out;

	if (!is_special(p, '>')) {
		p->err = p->cur.type == T_END ? "unbalanced '<'" :
		    "malformed angle address";
		goto out;
	}
	if (add_address(p, &ph.text, ph.start, ph.end, has_domain,
	    name) == -1)
		goto out;
	rc = lex(p);

out:
	buf_free(&ph.text);
	return rc;
}

/*
 * element_end - after an address comes ",", the end of the input, or,
 * inside a group, the ";" that closes it.
 */
static int
element_end(struct parser *p, int in_group)
{
	if (p->cur.type == T_END || is_special(p, ',') ||
	    (in_group && is_special(p, ';')))
		return 0;
	if (is_special(p, '>'))
		p->err = "unbalanced '>'";
	else if (is_special(p, ';'))
		p->err = "';' outside a group";
	else
		p->err = "expected ',' between addresses";
	return -1;
}

/*
 * parse_group - display-name ":" [group-list] ";" (RFC 5322 §3.4), with
 * the obsolete empty members of §4.4. A missing final ";" at the end of
 * the input is forgiven: the members are still clear.
 */
static int
parse_group(struct parser *p)
{
	if (lex(p) == -1)
		return -1;
	for (;;) {
		if (is_special(p, ';'))
			return lex(p);
		if (p->cur.type == T_END)
			return 0;
		if (is_special(p, ',')) {
			if (lex(p) == -1)
				return -1;
			continue;
		}
		if (parse_address(p, 1) == -1 || element_end(p, 1) == -1)
			return -1;
	}
}

/*
 * parse_address - one mailbox or group (RFC 5322 §3.4). The words read
 * first are a display name, a group name or a local part, depending on
 * the special that ends them.
 */
static int
parse_address(struct parser *p, int in_group)
{
	struct phrase	 ph;
	int		 rc = -1, has_domain;

	if (collect_phrase(p, &ph) == -1)
		goto out;

	if (is_special(p, '<')) {
		rc = parse_angle(p, ph.nwords > 0 ? &ph : NULL);
	} else if (is_special(p, ':')) {
		if (in_group)
			p->err = "group inside a group";
		else if (ph.nwords == 0)
			p->err = "group without a name";
		else if (add_span(p, ADDRESS_GROUP_NAME, ph.start,
		    ph.end) == 0)
			rc = parse_group(p);
	} else if (ph.nwords == 0 && !is_special(p, '@')) {
		if (is_special(p, '>'))
			p->err = "unbalanced '>'";
		else if (is_special(p, ';'))
			p->err = "';' outside a group";
		else
			p->err = "unexpected character in address";
	} else if (parse_addr_spec(p, &ph, &has_domain) == 0)
		rc = add_address(p, &ph.text, ph.start, ph.end, has_domain,
		    NULL);

out:
	buf_free(&ph.text);
	return rc;
}

/*
 * address_list_parse - parse an address-list; empty elements (",,") are
 * allowed as in RFC 5322 §4.4 obs-addr-list.
 */
int
address_list_parse(const char *s, size_t len, struct address_list *out,
    const char **errstr)
{
	struct parser	 p;

	p.s = s;
	p.len = s == NULL ? 0 : len;
	p.pos = 0;
	p.out = out;
	p.err = NULL;

	if (lex(&p) == -1)
		goto fail;
	while (p.cur.type != T_END) {
		if (is_special(&p, ',')) {
			if (lex(&p) == -1)
				goto fail;
			continue;
		}
		if (parse_address(&p, 0) == -1 || element_end(&p, 0) == -1)
			goto fail;
	}
	return 0;

fail:
	if (errstr != NULL)
		*errstr = p.err;
	return -1;
}

/* address_list_free - free every spec and both vectors. */
void
address_list_free(struct address_list *l)
{
	size_t	 i;

	for (i = 0; i < l->n; i++)
		free(l->v[i].spec);
	free(l->v);
	free(l->spans);
	l->v = NULL;
	l->n = 0;
	l->cap = 0;
	l->spans = NULL;
	l->nspans = 0;
	l->spancap = 0;
}

/* spec_atext - RFC 5322 §3.2.3 atext. */
static int
spec_atext(unsigned char c)
{
	/* strchr() would find the terminating NUL too. */
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
	    (c >= '0' && c <= '9') ||
	    (c != '\0' && strchr("!#$%&'*+-/=?^_`{|}~", c) != NULL);
}

/*
 * spec_local - length of a valid local part at s (dot-atom, or a
 * quoted-string without white space), or 0.
 */
static size_t
spec_local(const unsigned char *s)
{
	size_t	 i = 0;

	if (s[0] == '"') {
		for (i = 1; s[i] != '"'; i++) {
			if (s[i] == '\\')
				i++;
			if (s[i] <= 0x20 || s[i] >= 0x7f)
				return 0;
		}
		return i + 1;
	}
	for (;;) {
		if (!spec_atext(s[i]))
			return 0;
		while (spec_atext(s[i]))
			i++;
		if (s[i] != '.')
			return i;
		i++;
	}
}

/* spec_domain - true when s is a host name (LDH labels) or a literal. */
static int
spec_domain(const unsigned char *s)
{
	size_t	 i = 0, label;

	if (s[0] == '[') {
		for (i = 1; s[i] != ']'; i++)
			if (s[i] <= 0x20 || s[i] >= 0x7f || s[i] == '[' ||
			    s[i] == '\\')
				return 0;
		return i > 1 && s[i + 1] == '\0';
	}
	for (;;) {
		for (label = 0; (s[i] >= 'a' && s[i] <= 'z') ||
		    (s[i] >= 'A' && s[i] <= 'Z') ||
		    (s[i] >= '0' && s[i] <= '9') || s[i] == '-'; i++)
			label++;
		if (label == 0 || label > 63 || s[i - 1] == '-' ||
		    s[i - label] == '-')
			return 0;
		if (s[i] == '\0')
			return 1;
		if (s[i] != '.')
			return 0;
		i++;
	}
}

/*
 * address_is_valid_spec - what SES accepts as an address, by the grammar
 * of RFC 5322 §3.4.1 (a dot-atom or a quoted local part, a host name or
 * a literal domain), in ASCII only: SES has no SMTPUTF8. Anything looser
 * would let "-f 'x@example.com>,<y'" into a From field or a Source.
 */
int
address_is_valid_spec(const char *s)
{
	const unsigned char	*u = (const unsigned char *)s;
	size_t			 n;

	/* RFC 5321 §4.5.3.1: at most 64 + 1 + 255 octets. */
	if (s == NULL || strlen(s) > 320)
		return 0;
	n = spec_local(u);
	if (n == 0 || n > 64 || u[n] != '@')
		return 0;
	return spec_domain(u + n + 1);
}
