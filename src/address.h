/*
 * address - RFC 5322 address lists (section 3.4), as found in To, Cc and
 * Bcc fields and in sendmail's recipient arguments.
 */
#ifndef SESMAIL_ADDRESS_H
#define SESMAIL_ADDRESS_H

#include <stddef.h>

/* One addr-spec found in a list. */
struct address {
	char	*spec;		/* "local@domain", or "local" without domain;
				   quoted local parts keep their quotes,
				   comments and folding white space are gone */
	size_t	 off;		/* where the addr-spec starts in the input */
	size_t	 len;		/* and how many input bytes it spans */
	int	 has_domain;	/* 1 when spec has an "@domain" */
	size_t	 name_off;	/* display name of a name-addr: the phrase */
	size_t	 name_len;	/* before "<" as written, quotes and inner
				   comments included; 0 and 0 when none */
};

/* Text for people, not for delivery, that a list may also hold. */
enum address_span_kind {
	ADDRESS_GROUP_NAME,	/* the display name before a group's ":" */
	ADDRESS_COMMENT		/* an outermost comment, parentheses
				   included (nested ones are inside it) */
};

struct address_span {
	enum address_span_kind	 kind;
	size_t			 off;	/* where it starts in the input */
	size_t			 len;	/* input bytes, folding included */
};

struct address_list {
	struct address		*v;
	size_t			 n;
	size_t			 cap;
	struct address_span	*spans;	/* a group name comes after the
					   comments inside it */
	size_t			 nspans;
	size_t			 spancap;
};

#define ADDRESS_LIST_INIT { NULL, 0, 0, NULL, 0, 0 }

/*
 * address_list_parse - parse s[0..len) as an RFC 5322 address-list and
 * append every mailbox it names to out, in order. The input may be an
 * unfolded or still folded header value (CRLF + WSP is white space).
 *
 * Understood: display names (atoms and quoted strings, with commas inside
 * quotes), comments (nested, with quoted pairs), angle addresses (a route
 * "@a,@b:" is dropped), groups ("name: a, b;" gives a and b; an empty
 * group such as "undisclosed-recipients:;" gives nothing), empty list
 * elements (",,"), and obsolete bare local parts such as "root".
 *
 * Group names and comments are appended to out->spans, so that a caller
 * rewriting the field (RFC 2047 §5 allows encoded-words in both) knows
 * where they are.
 *
 * Returns 0, or -1 on a syntax error or when memory runs out, with a
 * static description in *errstr (what was wrong, never the input).
 * Addresses and spans found before the error stay in out.
 */
int	address_list_parse(const char *s, size_t len,
	    struct address_list *out, const char **errstr);

void	address_list_free(struct address_list *);

/*
 * address_is_valid_spec - true when s is a plain addr-spec that may be sent
 * to SES as a Source or a destination: printable ASCII, no white space or
 * control characters, exactly one unquoted "@" with a non-empty local
 * part and domain.
 */
int	address_is_valid_spec(const char *s);

#endif
