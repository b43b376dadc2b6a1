/*
 * xmlreply - read the XML reply of an AWS Query-protocol call with expat.
 *
 * The parser is made as hard to abuse as the replies are simple: no DTD
 * at all (so no entity expansion), text taken only from the elements a
 * caller selects, and only up to a fixed size. The text buffer is
 * reserved whole before parsing so that appending never moves it, which
 * would leave a copy of a secret in freed memory.
 */
#include "config.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <expat.h>

#include "buf.h"
#include "credentials.h"
#include "util.h"
#include "xmlreply.h"

/* Separates namespace URI and local name in expat's element names. */
#define NS_SEP		' '

/* State of one expat run over a reply. */
struct xml_state {
	XML_Parser		 parser;
	struct xmlreply_opts	 opts;
	size_t			 depth;		/* open elements */
	size_t			 text_depth;	/* of the one read, or 0 */
	char			**target;	/* where its text goes */
	int			 secret;	/* the text is a key */
	struct buf		 text;
	int			 failed;
	/* Local names of the open elements, as far as they fit. */
	char			 names[XMLREPLY_DEPTH][XMLREPLY_NAME_MAX + 1];
	const char		*path[XMLREPLY_DEPTH];
};

/* local_name - "uri<NS_SEP>Name" or "Name" to "Name". */
static const char *
local_name(const XML_Char *name)
{
	const char	*s;

	s = strrchr(name, NS_SEP);
	return s != NULL ? s + 1 : name;
}

/* keep_name - hold name in the path slot; too long a name becomes "". */
static void
keep_name(char *slot, const char *name)
{
	size_t	 n = strlen(name);

	if (n > XMLREPLY_NAME_MAX)
		n = 0;
	memcpy(slot, name, n);
	slot[n] = '\0';
}

/* stop - give up on this reply. */
static void
stop(struct xml_state *st)
{
	st->failed = 1;
	XML_StopParser(st->parser, XML_FALSE);
}

/* on_start - ask the caller whether this element's text is wanted. */
static void XMLCALL
on_start(void *arg, const XML_Char *name, const XML_Char **atts)
{
	struct xml_state	*st = arg;
	char			**field;
	int			 secret = 0;

	(void)atts;
	st->depth++;
	if (st->text_depth != 0 || st->depth > XMLREPLY_DEPTH)
		return;
	keep_name(st->names[st->depth - 1], local_name(name));
	field = st->opts.select(st->opts.arg, st->path, st->depth,
	    &secret);
	if (field == NULL)
		return;
	st->text_depth = st->depth;
	st->target = field;
	st->secret = secret;
	buf_reset(&st->text);
}

/* on_text - direct text of the element being read, up to text_max. */
static void XMLCALL
on_text(void *arg, const XML_Char *s, int len)
{
	struct xml_state	*st = arg;
	size_t			 n = (size_t)len;

	if (st->text_depth != st->depth)
		return;
	if (n > st->opts.text_max - st->text.len) {
		if (st->secret) {
			stop(st);
			return;
		}
		n = st->opts.text_max - st->text.len;
	}
	if (buf_append(&st->text, s, n) == -1)
		stop(st);
}

/* store_text - the trimmed text into the field; "" leaves it alone. */
static int
store_text(struct xml_state *st)
{
	const char	*s = st->text.data != NULL ? st->text.data : "";
	size_t		 n = st->text.len;
	char		*copy;

	while (n > 0 && strchr(" \t\r\n", *s) != NULL) {
		s++;
		n--;
	}
	while (n > 0 && strchr(" \t\r\n", s[n - 1]) != NULL)
		n--;
	/* A key is used as sent, so one that cannot be sent is no key. */
	if (st->secret && has_control(s, n))
		return -1;
	if (n == 0)
		return 0;
	copy = strndup(s, n);
	if (copy == NULL)
		return -1;
	if (!st->secret)
		sanitize(copy);
	credentials_wipe_free(*st->target);
	*st->target = copy;
	return 0;
}

/* on_end - finish the element being read. */
static void XMLCALL
on_end(void *arg, const XML_Char *name)
{
	struct xml_state	*st = arg;

	(void)name;
	if (st->text_depth == st->depth) {
		if (store_text(st) == -1)
			stop(st);
		st->text_depth = 0;
		st->target = NULL;
	}
	st->depth--;
}

/* on_doctype - AWS never sends a DTD; one here is refused outright. */
static void XMLCALL
on_doctype(void *arg, const XML_Char *name, const XML_Char *sysid,
    const XML_Char *pubid, int has_internal_subset)
{
	(void)name;
	(void)sysid;
	(void)pubid;
	(void)has_internal_subset;
	stop(arg);
}

/* new_parser - a namespace-aware parser that calls back into st. */
static XML_Parser
new_parser(struct xml_state *st)
{
	XML_Parser	 p;

	p = XML_ParserCreateNS(NULL, NS_SEP);
	if (p == NULL)
		return NULL;
	XML_SetUserData(p, st);
	XML_SetElementHandler(p, on_start, on_end);
	XML_SetCharacterDataHandler(p, on_text);
	XML_SetStartDoctypeDeclHandler(p, on_doctype);
	XML_SetParamEntityParsing(p, XML_PARAM_ENTITY_PARSING_NEVER);
	return p;
}

/* xmlreply_parse - one reply through expat (contract in xmlreply.h). */
int
xmlreply_parse(const char *xml, size_t len,
    const struct xmlreply_opts *opts)
{
	struct xml_state	 st;
	enum XML_Status		 status;
	size_t			 i;
	int			 rc = -1;

	if (len > INT32_MAX)
		return -1;
	memset(&st, 0, sizeof(st));
	st.opts = *opts;
	for (i = 0; i < XMLREPLY_DEPTH; i++)
		st.path[i] = st.names[i];
	buf_init(&st.text);
	if (buf_reserve(&st.text, opts->text_max) == -1)
		goto out;
	st.parser = new_parser(&st);
	if (st.parser == NULL)
		goto out;
	status = XML_Parse(st.parser, xml != NULL ? xml : "", (int)len, 1);
	if (status == XML_STATUS_OK && !st.failed)
		rc = 0;
out:
	if (st.parser != NULL)
		XML_ParserFree(st.parser);
	buf_wipe(&st.text);
	return rc;
}

/* outermost - index of the first of path[0..n) called name, or n. */
static size_t
outermost(const char *const *path, size_t n, const char *name)
{
	size_t	 i;

	for (i = 0; i < n; i++)
		if (strcmp(path[i], name) == 0)
			break;
	return i;
}

/* xmlreply_inside - is an ancestor of path[n - 1] called name? */
int
xmlreply_inside(const char *const *path, size_t n, const char *name)
{
	return n > 0 && outermost(path, n - 1, name) < n - 1;
}

/* xmlreply_child_of - is the outermost name the parent? */
int
xmlreply_child_of(const char *const *path, size_t n, const char *name)
{
	return n > 1 && outermost(path, n, name) == n - 2;
}
