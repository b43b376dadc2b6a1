/*
 * aliases - the aliases(5) file, for the envelope only.
 *
 * Files are small (a few dozen entries), so the entries stay in file order
 * and every look-up is a linear scan; nothing here is worth an index.
 */
#include "config.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "address.h"
#include "aliases.h"
#include "buf.h"
#include "util.h"

/* Deeper than any real chain; bounds the recursion of a hostile file. */
#define ALIASES_MAXDEPTH	32

/* Far more than any aliases file; bounds what a bad path can make us read. */
#define ALIASES_MAXSIZE		(1024 * 1024)

/* Widest piece of a refused target quoted back in an error. */
#define ALIASES_QUOTEMAX	64

/* State of one aliases_resolve call. */
struct resolve {
	const struct aliases	*a;
	struct strlist		*out;
	unsigned char		*done;	/* per alias: already expanded */
	const char		*path[ALIASES_MAXDEPTH];
	size_t			 depth;
	char			*err;
	size_t			 errlen;
};

/* is_wsp - SP or HTAB, the only white space aliases(5) knows. */
static int
is_wsp(char c)
{
	return c == ' ' || c == '\t';
}

/* lower - ASCII lower case in place; names are compared that way. */
static void
lower(char *s)
{
	for (; *s != '\0'; s++)
		if (*s >= 'A' && *s <= 'Z')
			*s = (char)(*s - 'A' + 'a');
}

/*
 * next_line - the line at *pos, without its LF or a CR before it; *pos
 * moves past the LF, so CRLF and LF files read the same.
 */
static const char *
next_line(const char *text, size_t len, size_t *pos, size_t *n)
{
	const char	*line, *lf;
	size_t		 left;

	line = text + *pos;
	left = len - *pos;
	lf = memchr(line, '\n', left);
	*n = lf == NULL ? left : (size_t)(lf - line);
	*pos += lf == NULL ? left : *n + 1;

	if (*n > 0 && line[*n - 1] == '\r')
		(*n)--;
	return line;
}

/*
 * check_bytes - refuse control characters (NUL and stray CRs included),
 * so that no error message we build from the file can carry them.
 */
static int
check_bytes(const char *s, size_t n, size_t line, char *err, size_t errlen)
{
	size_t	 i;

	for (i = 0; i < n; i++) {
		if (s[i] == '\t')
			continue;
		if ((unsigned char)s[i] < 0x20 || s[i] == 0x7f) {
			seterr(err, errlen, "line %zu: control character "
			    "0x%02x", line, (unsigned)(unsigned char)s[i]);
			return -1;
		}
	}
	return 0;
}

/* is_skipped - true for blank lines and '#' comments. */
static int
is_skipped(const char *s, size_t n)
{
	size_t	 i;

	for (i = 0; i < n && is_wsp(s[i]); i++)
		continue;
	return i == n || s[i] == '#';
}

/* find - the alias called name (any case), or NULL. */
static const struct alias *
find(const struct aliases *a, const char *name)
{
	size_t	 lo = 0, hi = a->byname != NULL ? a->n : 0, mid;
	int	 c;

	while (lo < hi) {
		mid = lo + (hi - lo) / 2;
		c = strcasecmp(name, a->v[a->byname[mid]].name);
		if (c == 0)
			return &a->v[a->byname[mid]];
		if (c < 0)
			hi = mid;
		else
			lo = mid + 1;
	}
	return NULL;
}

/*
 * element_end - where the list element starting at i ends: at the next
 * comma outside quoted strings and comments, or at n.
 */
static size_t
element_end(const char *s, size_t n, size_t i)
{
	int	 quoted = 0, depth = 0;

	for (; i < n; i++) {
		if (s[i] == '\\' && (quoted || depth > 0) && i + 1 < n) {
			i++;
			continue;
		}
		if (quoted) {
			if (s[i] == '"')
				quoted = 0;
			continue;
		}
		if (s[i] == '"' && depth == 0)
			quoted = 1;
		else if (s[i] == '(')
			depth++;
		else if (s[i] == ')' && depth > 0)
			depth--;
		else if (s[i] == ',' && depth == 0)
			break;
	}
	return i;
}

/*
 * local_kind - what kind of local delivery s[0..n) asks for, or NULL when
 * it is an address.
 */
static const char *
local_kind(const char *s, size_t n)
{
	if (n >= 9 && strncasecmp(s, ":include:", 9) == 0)
		return "an :include: file";
	if (n > 0 && s[0] == '|')
		return "a command";
	if (n > 0 && s[0] == '/')
		return "a file";
	return NULL;
}

/*
 * refuse_local - refuse targets that ask for local delivery. The raw text
 * is scanned, not the parsed list, because "|prog arg" and ":include:/x"
 * are not addresses and would only earn a vague syntax error there.
 */
static int
refuse_local(const char *s, size_t n, size_t line, const char *name,
    char *err, size_t errlen)
{
	const char	*kind;
	size_t		 i = 0, start, end;

	while (i < n) {
		while (i < n && is_wsp(s[i]))
			i++;
		start = i;
		i = element_end(s, n, i);

		end = i;
		while (end > start && is_wsp(s[end - 1]))
			end--;
		kind = local_kind(s + start, end - start);
		if (kind != NULL) {
			if (end - start > ALIASES_QUOTEMAX)
				end = start + ALIASES_QUOTEMAX;
			seterr(err, errlen, "line %zu: alias \"%s\": cannot "
			    "deliver to %s (%.*s); sesmail only sends through "
			    "SES", line, name, kind, (int)(end - start),
			    s + start);
			return -1;
		}
		i++;
	}
	return 0;
}

/*
 * parse_targets - the address list s[0..n) into out, as addr-specs:
 * display names and comments are of no use to the envelope.
 */
static int
parse_targets(const char *s, size_t n, size_t line, const char *name,
    struct strlist *out, char *err, size_t errlen)
{
	struct address_list	 list = ADDRESS_LIST_INIT;
	const struct address	*ad;
	const char		*why = NULL, *kind, *spec;
	size_t			 i;
	int			 rc = -1;

	if (refuse_local(s, n, line, name, err, errlen) == -1)
		goto out;

	if (address_list_parse(s, n, &list, &why) == -1) {
		seterr(err, errlen, "line %zu: alias \"%s\": %s", line, name,
		    why != NULL ? why : "bad address list");
		goto out;
	}

	for (i = 0; i < list.n; i++) {
		ad = &list.v[i];
		/*
		 * What refuse_local cannot see: "Log </var/log/x>", and the
		 * quoted "|prog args" sendmail runs, which "|x"@host is not.
		 */
		spec = ad->spec[0] == '"' ? ad->spec + 1 : ad->spec;
		kind = ad->has_domain ? NULL : local_kind(spec, strlen(spec));
		if (kind != NULL) {
			seterr(err, errlen, "line %zu: alias \"%s\": cannot "
			    "deliver to %s (%s); sesmail only sends through "
			    "SES", line, name, kind, ad->spec);
			goto out;
		}
		if (strlist_add(out, ad->spec) == -1) {
			seterr(err, errlen, "out of memory");
			goto out;
		}
	}
	rc = 0;

out:
	address_list_free(&list);
	return rc;
}

/*
 * check_name - a name must be something a recipient argument can match:
 * one word of printable ASCII, without a domain.
 */
static int
check_name(const char *s, size_t n, size_t line, char *err, size_t errlen)
{
	size_t		 i;
	unsigned char	 c;

	if (n == 0) {
		seterr(err, errlen, "line %zu: empty alias name", line);
		return -1;
	}
	for (i = 0; i < n; i++) {
		c = (unsigned char)s[i];
		if (c <= ' ' || c >= 0x7f || c == '@') {
			seterr(err, errlen, "line %zu: bad alias name \"%.*s\" "
			    "(one word of printable ASCII, no @domain)", line,
			    (int)(n > ALIASES_QUOTEMAX ? ALIASES_QUOTEMAX : n),
			    s);
			return -1;
		}
	}
	return 0;
}

/* append - add al to a, which takes over what al holds. */
static int
append(struct aliases *a, const struct alias *al)
{
	struct alias	*v;
	size_t		 cap;

	if (a->n == a->cap) {
		cap = a->cap ? a->cap * 2 : 16;
		v = realloc(a->v, cap * sizeof(*v));
		if (v == NULL)
			return -1;
		a->v = v;
		a->cap = cap;
	}
	a->v[a->n++] = *al;
	return 0;
}

/* add_entry - one logical line, "name: targets", defined on line. */
static int
add_entry(struct aliases *a, const char *s, size_t n, size_t line,
    char *err, size_t errlen)
{
	struct alias		 al = { NULL, STRLIST_INIT, 0 };
	const char		*colon;
	size_t			 nlen;

	colon = memchr(s, ':', n);
	if (colon == NULL) {
		seterr(err, errlen, "line %zu: no ':' after the alias name",
		    line);
		goto fail;
	}
	nlen = (size_t)(colon - s);
	while (nlen > 0 && is_wsp(s[nlen - 1]))
		nlen--;
	if (check_name(s, nlen, line, err, errlen) == -1)
		goto fail;

	al.name = strndup(s, nlen);
	if (al.name == NULL) {
		seterr(err, errlen, "out of memory");
		goto fail;
	}
	lower(al.name);
	al.line = line;

	colon++;
	if (parse_targets(colon, n - (size_t)(colon - s), line, al.name,
	    &al.targets, err, errlen) == -1)
		goto fail;
	if (al.targets.n == 0) {
		seterr(err, errlen, "line %zu: alias \"%s\" has no targets",
		    line, al.name);
		goto fail;
	}

	if (append(a, &al) == -1) {
		seterr(err, errlen, "out of memory");
		goto fail;
	}
	return 0;

fail:
	free(al.name);
	strlist_free(&al.targets);
	return -1;
}

/* truncate_aliases - drop the entries from index keep on. */
static void
truncate_aliases(struct aliases *a, size_t keep)
{
	while (a->n > keep) {
		a->n--;
		free(a->v[a->n].name);
		strlist_free(&a->v[a->n].targets);
	}
}

/* The aliases being sorted; qsort has no user pointer. */
static const struct aliases	*sorting;

static int
cmp_byname(const void *x, const void *y)
{
	const struct alias	*a = &sorting->v[*(const size_t *)x];
	const struct alias	*b = &sorting->v[*(const size_t *)y];
	int			 c;

	c = strcasecmp(a->name, b->name);
	if (c != 0)
		return c;
	return a->line < b->line ? -1 : a->line > b->line;
}

/*
 * build_index - sort the entries by name for find(), and refuse a name
 * defined twice, naming both lines.
 */
static int
build_index(struct aliases *a, char *err, size_t errlen)
{
	const struct alias	*p, *q;
	size_t			*idx, i;

	free(a->byname);
	a->byname = NULL;
	if (a->n == 0)
		return 0;
	idx = calloc(a->n, sizeof(*idx));
	if (idx == NULL) {
		seterr(err, errlen, "out of memory");
		return -1;
	}
	for (i = 0; i < a->n; i++)
		idx[i] = i;
	sorting = a;
	qsort(idx, a->n, sizeof(*idx), cmp_byname);
	sorting = NULL;

	for (i = 1; i < a->n; i++) {
		p = &a->v[idx[i - 1]];
		q = &a->v[idx[i]];
		if (strcasecmp(p->name, q->name) == 0) {
			seterr(err, errlen, "line %zu: alias \"%s\" is "
			    "already defined on line %zu", q->line, q->name,
			    p->line);
			free(idx);
			return -1;
		}
	}
	a->byname = idx;
	return 0;
}

/*
 * aliases_parse - split text into logical lines (an entry and the lines
 * that continue it) and add each as an entry.
 */
int
aliases_parse(const char *text, size_t len, struct aliases *a, char *err,
    size_t errlen)
{
	struct buf	 entry = BUF_INIT;
	const char	*line;
	size_t		 pos = 0, n, lineno = 0, first = 0, keep;
	int		 rc = -1;

	keep = a->n;
	while (pos < len) {
		line = next_line(text, len, &pos, &n);
		lineno++;
		if (check_bytes(line, n, lineno, err, errlen) == -1)
			goto out;
		if (is_skipped(line, n))
			continue;

		if (is_wsp(line[0]) && first == 0) {
			seterr(err, errlen, "line %zu: continuation line "
			    "with no alias before it", lineno);
			goto out;
		}
		if (!is_wsp(line[0])) {
			if (first != 0 && add_entry(a, entry.data, entry.len,
			    first, err, errlen) == -1)
				goto out;
			buf_reset(&entry);
			first = lineno;
		}

		/* The leading white space kept separates the words. */
		if (buf_append(&entry, line, n) == -1) {
			seterr(err, errlen, "out of memory");
			goto out;
		}
	}

	if (first != 0 &&
	    add_entry(a, entry.data, entry.len, first, err, errlen) == -1)
		goto out;
	if (build_index(a, err, errlen) == -1)
		goto out;
	rc = 0;

out:
	if (rc == -1) {
		truncate_aliases(a, keep);
		/* The old index still fits the entries that are left. */
		if (a->byname == NULL && keep > 0)
			build_index(a, NULL, 0);
	}
	buf_free(&entry);
	return rc;
}

/* aliases_load - read path whole, then parse it. */
int
aliases_load(const char *path, struct aliases *a, char *err, size_t errlen)
{
	char	*text;
	char	 why[ERRLEN];
	size_t	 len;
	int	 rc;

	text = read_file(path, ALIASES_MAXSIZE, &len);
	if (text == NULL) {
		seterr(err, errlen, "%s: %s", path, strerror(errno));
		return -1;
	}

	why[0] = '\0';
	rc = aliases_parse(text, len, a, why, sizeof(why));
	if (rc == -1)
		seterr(err, errlen, "%s: %s", path, why);
	free(text);
	return rc;
}

/* loop_error - report a loop as the chain that closes it. */
static void
loop_error(const struct resolve *r, const char *name)
{
	struct buf	 chain = BUF_INIT;
	size_t		 i;
	int		 bad = 0;

	for (i = 0; i < r->depth; i++)
		bad |= buf_printf(&chain, "%s -> ", r->path[i]);
	bad |= buf_appends(&chain, name);

	if (bad)
		seterr(r->err, r->errlen, "alias loop at \"%s\"", name);
	else
		seterr(r->err, r->errlen, "alias loop: %s", chain.data);
	buf_free(&chain);
}

/* add - a final address; equal ones (ignoring case) are kept once. */
static int
add(struct resolve *r, const char *addr)
{
	if (strlist_add_unique(r->out, addr) == -1) {
		seterr(r->err, r->errlen, "out of memory");
		return -1;
	}
	return 0;
}

/*
 * expand - add what al stands for, depth first so that the final list
 * keeps the order of the file.
 */
static int
expand(struct resolve *r, const struct alias *al)
{
	const struct alias	*next;
	const char		*t;
	size_t			 i;
	int			 rc = -1;

	for (i = 0; i < r->depth; i++) {
		if (strcmp(r->path[i], al->name) == 0) {
			loop_error(r, al->name);
			return -1;
		}
	}
	if (r->depth == ALIASES_MAXDEPTH) {
		seterr(r->err, r->errlen, "aliases nested more than %d "
		    "levels deep at \"%s\"", ALIASES_MAXDEPTH, al->name);
		return -1;
	}
	/* Each alias is expanded once: what it stands for is in out
	   already, and "x0: x1, x1 ... x29: x30, x30" would otherwise take
	   2^30 steps. */
	if (r->done[al - r->a->v])
		return 0;
	r->path[r->depth++] = al->name;

	for (i = 0; i < al->targets.n; i++) {
		t = al->targets.v[i];
		/* "root: root, ops@x" keeps root itself, as sendmail does. */
		next = NULL;
		if (strcasecmp(t, al->name) != 0)
			next = find(r->a, t);

		if (next != NULL && expand(r, next) == -1)
			goto out;
		if (next == NULL && add(r, t) == -1)
			goto out;
	}
	rc = 0;
	r->done[al - r->a->v] = 1;

out:
	r->depth--;
	return rc;
}

/*
 * aliases_resolve - expand name into out. On failure out is put back as
 * it was, so a caller never sends to half an expansion.
 */
int
aliases_resolve(const struct aliases *a, const char *name,
    struct strlist *out, char *err, size_t errlen)
{
	struct resolve		 r;
	const struct alias	*al;
	size_t			 keep;
	int			 rc;

	if (name == NULL || *name == '\0') {
		seterr(err, errlen, "empty recipient name");
		return -1;
	}
	r.a = a;
	r.out = out;
	r.depth = 0;
	r.err = err;
	r.errlen = errlen;
	keep = out->n;

	al = find(a, name);
	if (al == NULL)
		return add(&r, name);
	r.done = calloc(a->n, 1);
	if (r.done == NULL) {
		seterr(err, errlen, "out of memory");
		return -1;
	}
	rc = expand(&r, al);
	free(r.done);

	if (rc == -1) {
		while (out->n > keep)
			free(out->v[--out->n]);
		if (out->v != NULL)
			out->v[out->n] = NULL;
	}
	return rc;
}

/* aliases_free - free every entry; a is left empty and reusable. */
void
aliases_free(struct aliases *a)
{
	truncate_aliases(a, 0);
	free(a->v);
	free(a->byname);
	a->byname = NULL;
	a->v = NULL;
	a->n = 0;
	a->cap = 0;
}

int
aliases_check(const struct aliases *a, char *err, size_t errlen)
{
	struct strlist	 out = STRLIST_INIT;
	size_t		 i;
	int		 rc = 0;

	for (i = 0; i < a->n && rc == 0; i++) {
		rc = aliases_resolve(a, a->v[i].name, &out, err, errlen);
		strlist_free(&out);
	}
	return rc;
}
