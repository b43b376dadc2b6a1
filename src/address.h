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
};

struct address_list {
	struct address	*v;
	size_t		 n;
	size_t		 cap;
};

#define ADDRESS_LIST_INIT { NULL, 0, 0 }

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
 * Returns 0, or -1 on a syntax error or when memory runs out, with a
 * static description in *errstr (what was wrong, never the input).
 * Addresses found before the error stay in out.
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
