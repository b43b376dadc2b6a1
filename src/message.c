/*
 * message - reading a message the way sendmail does, and editing its
 * header section.
 *
 * Input is taken one line at a time. Each line, whatever ended it, is
 * stored with CRLF (RFC 5322 §2.1); a header field keeps its folding as
 * written (§2.2.3), and the body is copied once, never rewritten.
 */
#include "config.h"

#include <sys/stat.h>

#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "message.h"
#include "mime.h"
#include "util.h"

/* Read this much at a time; a 30 MB message takes under 500 reads. */
#define READ_CHUNK	(256 * 1024)
/* The header section of a message in a file is looked for in this much
   first, then in twice as much, and so on. */
#define HEAD_FIRST	(64 * 1024)
/* ... but in no more than this: a line cut at its end is taken whole,
   which only a body line (the header section has ended) can be, as a
   field past MSG_HEAD_MAX is refused. */
#define HEAD_WINDOW	(MSG_HEAD_MAX + 64 * 1024)
/* Internal: stop where the body starts, and leave the body where it is. */
#define MSG_HEAD_ONLY	0x100

/* One input line: its bytes (NULs included) and where the next starts. */
struct line {
	const char	*p;
	size_t		 len;
	size_t		 next;
	size_t		 nuls;		/* NULs in the line and its end */
};

enum state {
	S_FIRST,		/* nothing read yet: an mbox line may come */
	S_HEADER,		/* in the header section */
	S_BODY
};

/* What a reader carries from line to line. */
struct reader {
	struct message	*msg;
	struct buf	 field;		/* the field being collected */
	struct buf	 clean;		/* a header line without its NULs */
	size_t		 namelen;	/* length of its name */
	int		 flags;
	enum state	 state;
	int		 error;		/* errno of a -1 return */
};

/*
 * Fields SES accepts at most once, from the SES developer guide page
 * "Amazon SES header fields" (header-fields.html). Sorted for strcasecmp
 * so that bsearch finds them; keep it so when adding one.
 */
static const char *const singletons[] = {
	"Accept-Language",
	"acceptLanguage",
	"Archived-At",
	"Auto-Submitted",
	"Bounces-to",
	"Comments",
	"Content-Alternative",
	"Content-Base",
	"Content-Class",
	"Content-Description",
	"Content-Disposition",
	"Content-Duration",
	"Content-ID",
	"Content-Language",
	"Content-Length",
	"Content-Location",
	"Content-MD5",
	"Content-Transfer-Encoding",
	"Content-Type",
	"Date",
	"Delivered-To",
	"Disposition-Notification-Options",
	"Disposition-Notification-To",
	"DKIM-Signature",
	"DomainKey-Signature",
	"Errors-To",
	"From",
	"Importance",
	"In-Reply-To",
	"Keywords",
	"List-Archive",
	"List-Help",
	"List-Id",
	"List-Owner",
	"List-Post",
	"List-Subscribe",
	"List-Unsubscribe",
	"List-Unsubscribe-Post",
	"Message-Context",
	"Message-ID",
	"MIME-Version",
	"Organization",
	"Original-From",
	"Original-Message-ID",
	"Original-Recipient",
	"Original-Subject",
	"Precedence",
	"Priority",
	"References",
	"Reply-To",
	"Return-Path",
	"Return-Receipt-To",
	"Sender",
	"Sensitivity",
	"Solicitation",
	"Subject",
	"Thread-Index",
	"Thread-Topic",
	"User-Agent",
	"VBR-Info",
};

#define NSINGLETONS	(sizeof(singletons) / sizeof(singletons[0]))

/* message_init - an empty message. */
void
message_init(struct message *msg)
{
	msg->hdr = NULL;
	msg->nhdr = 0;
	msg->cap = 0;
	buf_init(&msg->body);
	msg->src = NULL;
	memset(&msg->src_st, 0, sizeof(msg->src_st));
	msg->had_separator = 0;
	msg->nul_dropped = 0;
	msg->input_size = 0;
	msg->input_end = 0;
}

/* header_free - release one field. */
static void
header_free(struct header *h)
{
	free(h->name);
	free(h->raw);
	h->name = NULL;
	h->raw = NULL;
}

/* message_free - release everything and leave msg empty. */
void
message_free(struct message *msg)
{
	size_t	 i;

	for (i = 0; i < msg->nhdr; i++)
		header_free(&msg->hdr[i]);
	free(msg->hdr);
	buf_free(&msg->body);
	if (msg->src != NULL)
		crlf_free(msg->src);
	free(msg->src);
	message_init(msg);
}

/*
 * line_end - where the first LF or CR at or after from is, or len. With
 * memchr, not byte by byte: this runs over every byte of a message.
 */
static size_t
line_end(const char *data, size_t from, size_t len)
{
	const char	*nl, *cr;

	nl = memchr(data + from, '\n', len - from);
	cr = memchr(data + from, '\r', (nl != NULL ? (size_t)(nl - data) :
	    len) - from);
	if (cr != NULL)
		return (size_t)(cr - data);
	return nl != NULL ? (size_t)(nl - data) : len;
}

/* count_nuls - the NUL bytes in p[0..n). */
static size_t
count_nuls(const char *p, size_t n)
{
	const char	*nul;
	size_t		 i, count = 0;

	nul = memchr(p, '\0', n);
	if (nul == NULL)
		return 0;
	for (i = (size_t)(nul - p); i < n; i++)
		if (p[i] == '\0')
			count++;
	return count;
}

/*
 * next_line - split off the line at data[pos]. LF, CRLF, a run of CRs
 * before LF (PHP's "CR CR LF") and a lone CR each end one line; NULs in
 * a CR run do not break it, as NULs are dropped everywhere.
 */
static void
next_line(const char *data, size_t len, size_t pos, struct line *l)
{
	size_t	 i, q, nuls = 0;

	l->p = data + pos;
	i = line_end(data, pos, len);
	l->len = i - pos;
	l->next = i;
	l->nuls = count_nuls(data + pos, i - pos);
	if (i == len)
		return;

	l->next = i + 1;
	if (data[i] == '\n')
		return;
	for (q = i + 1, nuls = 0; q < len; q++) {
		if (data[q] == '\0')
			nuls++;
		else if (data[q] != '\r')
			break;
	}
	if (q < len && data[q] == '\n') {
		l->next = q + 1;
		l->nuls += nuls;
	}
}

/* is_lone_dot - whether p[0..n) is "." once NULs are left out. */
static int
is_lone_dot(const char *p, size_t n)
{
	size_t	 i, dots = 0;

	for (i = 0; i < n; i++) {
		if (p[i] == '.')
			dots++;
		else if (p[i] != '\0')
			return 0;
		if (dots > 1)
			return 0;
	}
	return dots == 1;
}

/* append_nonul - append p[0..n) to b without its NUL bytes. */
static int
append_nonul(struct buf *b, const char *p, size_t n)
{
	const char	*nul;
	size_t		 span;

	while (n > 0) {
		nul = memchr(p, '\0', n);
		span = nul == NULL ? n : (size_t)(nul - p);
		if (buf_append(b, p, span) == -1)
			return -1;
		if (nul == NULL)
			break;
		p += span + 1;
		n -= span + 1;
	}
	return 0;
}

/*
 * field_name_len - length of the field name when the line opens a field,
 * else 0; *colon gets where its colon is. RFC 5322 §2.2 and §3.6.8:
 * ftext is printable US-ASCII except colon (33..126 but not 58), at
 * least one, then ":"; §4.5.3 (obs-optional) allows white space before
 * the colon, which old programs write ("Bcc : x"). Missing that would
 * end the header section early and show a Bcc field to everyone.
 */
static size_t
field_name_len(const struct line *l, size_t *colon)
{
	size_t		 i, n;
	unsigned char	 c;

	for (i = 0; i < l->len; i++) {
		c = (unsigned char)l->p[i];
		if (c == ':' || c == ' ' || c == '\t')
			break;
		if (c < 33 || c > 126)
			return 0;
	}
	n = i;
	while (i < l->len && (l->p[i] == ' ' || l->p[i] == '\t'))
		i++;
	if (n == 0 || i == l->len || l->p[i] != ':')
		return 0;
	*colon = i;
	return n;
}

/*
 * store_field - append the field held in b, whose name is its first
 * namelen bytes, to msg->hdr; b is left empty.
 */
static int
store_field(struct message *msg, struct buf *b, size_t namelen)
{
	struct header	*h;
	size_t		 cap;

	if (msg->nhdr == msg->cap) {
		cap = msg->cap ? msg->cap * 2 : 16;
		h = realloc(msg->hdr, cap * sizeof(*h));
		if (h == NULL)
			return -1;
		msg->hdr = h;
		msg->cap = cap;
	}

	h = &msg->hdr[msg->nhdr];
	h->name = strndup(b->data, namelen);
	if (h->name == NULL)
		return -1;
	h->rawlen = b->len;
	h->raw = buf_steal(b);
	if (h->raw == NULL) {
		free(h->name);
		return -1;
	}
	msg->nhdr++;
	return 0;
}

/* flush_field - store the field being collected, if there is one. */
static int
flush_field(struct reader *r)
{
	if (r->field.len == 0)
		return 0;
	return store_field(r->msg, &r->field, r->namelen);
}

/* body_line - append one line and its CRLF to the body. */
static int
body_line(struct reader *r, const struct line *l)
{
	if (r->flags & MSG_HEAD_ONLY)
		return 0;
	if (append_nonul(&r->msg->body, l->p, l->len) == -1)
		return -1;
	return buf_append(&r->msg->body, "\r\n", 2);
}

/*
 * past_limit - whether the field line l ends past MSG_HEAD_MAX (then
 * with r->error set). Millions of tiny fields would cost far more
 * memory than their bytes: refuse what no real header section nears.
 */
static int
past_limit(struct reader *r, const struct line *l)
{
	if (l->next <= MSG_HEAD_MAX)
		return 0;
	r->error = E2BIG;
	return 1;
}

/*
 * header_line - take a line while in the header section. The section
 * ends at an empty line, or at a line that is neither a field nor the
 * continuation of one (RFC 5322 §2.2.3); that line is the body's first.
 * l holds no NULs here.
 */
static int
header_line(struct reader *r, const struct line *l)
{
	size_t	 n, colon;

	if (l->len == 0) {
		r->msg->had_separator = 1;
		r->state = S_BODY;
		return flush_field(r);
	}

	if ((l->p[0] == ' ' || l->p[0] == '\t') && r->field.len > 0) {
		if (past_limit(r, l))
			return -1;
		if (buf_append(&r->field, "\r\n", 2) == -1)
			return -1;
		return buf_append(&r->field, l->p, l->len);
	}

	n = field_name_len(l, &colon);
	if (n > 0) {
		if (past_limit(r, l))
			return -1;
		if (flush_field(r) == -1)
			return -1;
		r->namelen = n;
		/* Stored as "Name:", without the obsolete white space, so
		   that every later step finds the value after the name. */
		if (buf_append(&r->field, l->p, n) == -1)
			return -1;
		return buf_append(&r->field, l->p + colon, l->len - colon);
	}

	r->state = S_BODY;
	if (flush_field(r) == -1)
		return -1;
	return body_line(r, l);
}

/*
 * take_line - route one line. Returns 1 when a lone dot ends the input,
 * 0 to go on, -1 when memory runs out.
 */
static int
take_line(struct reader *r, const struct line *l)
{
	struct line	 clean;

	/* The dot's line is not the message's: nor are its NULs. */
	if ((r->flags & MSG_DOT_ENDS) && is_lone_dot(l->p, l->len))
		return 1;
	r->msg->nul_dropped += l->nuls;
	if (r->state == S_BODY)
		return body_line(r, l);

	/* Decide on the line as it will be sent: NULs are not part of it. */
	buf_reset(&r->clean);
	if (append_nonul(&r->clean, l->p, l->len) == -1)
		return -1;
	clean.p = r->clean.data != NULL ? r->clean.data : "";
	clean.len = r->clean.len;
	clean.next = l->next;
	clean.nuls = 0;
	l = &clean;

	if (r->state == S_FIRST) {
		r->state = S_HEADER;
		/* An mbox separator, as some callers write (mbox(5)). */
		if (l->len >= 5 && memcmp(l->p, "From ", 5) == 0)
			return 0;
	}
	return header_line(r, l);
}

/*
 * line_whole - whether l, split off data[0..len) that is only the start
 * of the message, is the whole line: what follows may still extend it,
 * or join a CR at the end to an LF, even across the CRs and NULs that
 * come after it up to len.
 */
static int
line_whole(const char *data, size_t len, const struct line *l)
{
	size_t	 q;

	if (l->next == len)
		return len > 0 && data[len - 1] == '\n';
	if (data[l->next - 1] != '\r')
		return 1;
	for (q = l->next; q < len; q++)
		if (data[q] != '\r' && data[q] != '\0')
			return 1;
	return 0;
}

/*
 * parse - message_parse of data[0..len), which is the whole message
 * when all is set. With MSG_HEAD_ONLY it stops where the body starts,
 * at *body_at. Returns 0; 1 when more than the start is needed to see
 * where the header section ends; -1 when memory runs out.
 */
static int
parse(const char *data, size_t len, int flags, int all,
    struct message *msg, size_t *body_at)
{
	struct reader	 r;
	struct line	 l;
	size_t		 pos = 0;
	int		 rc = -1, step;

	message_init(msg);
	msg->input_size = len;
	r.msg = msg;
	buf_init(&r.field);
	buf_init(&r.clean);
	r.namelen = 0;
	r.flags = flags;
	r.state = S_FIRST;
	r.error = ENOMEM;

	/* The body is most of the input: grow it once, not line by line. */
	if (!(flags & MSG_HEAD_ONLY) &&
	    buf_reserve(&msg->body, len + len / 32) == -1)
		goto out;

	msg->input_end = len;
	if (body_at != NULL)
		*body_at = len;
	while (pos < len) {
		next_line(data, len, pos, &l);
		if (!all && !line_whole(data, len, &l)) {
			rc = 1;
			goto out;
		}
		pos = l.next;
		step = take_line(&r, &l);
		if (step == -1)
			goto out;
		if (step == 1) {
			msg->input_end = (size_t)(l.p - data);
			break;
		}
		if ((flags & MSG_HEAD_ONLY) && r.state == S_BODY) {
			*body_at = msg->had_separator ? l.next :
			    (size_t)(l.p - data);
			/* Without the empty line, this line is the body's
			   first: its NULs are counted with the body's. */
			if (!msg->had_separator)
				msg->nul_dropped -= l.nuls;
			break;
		}
	}
	if (!all && r.state != S_BODY) {
		rc = 1;
		goto out;
	}
	if (flush_field(&r) == -1)
		goto out;
	rc = 0;

out:
	buf_free(&r.field);
	buf_free(&r.clean);
	if (rc == -1) {
		message_free(msg);
		errno = r.error;
	}
	return rc;
}

/* message_parse - split data into fields and body; see message.h. */
int
message_parse(const char *data, size_t len, int flags, struct message *msg)
{
	return parse(data, len, flags, 1, msg, NULL);
}

/* read_at - exactly want bytes at off in fd into b. */
static int
read_at(int fd, off_t off, size_t want, struct buf *b)
{
	buf_reset(b);
	if (buf_reserve(b, want) == -1) {
		errno = ENOMEM;
		return -1;
	}
	if (pread_all(fd, b->data, want, off) == -1)
		return -1;
	b->len = want;
	b->data[b->len] = '\0';
	return 0;
}

/*
 * parse_head - the header section of the len bytes at off in fd into
 * msg, read into b in ever larger starts until one holds all of it;
 * *body_at gets where the body starts.
 */
static int
parse_head(int fd, off_t off, size_t len, struct message *msg,
    struct buf *b, size_t *body_at)
{
	size_t	 want = HEAD_FIRST;
	int	 rc;

	for (;;) {
		if (want > len)
			want = len;
		if (read_at(fd, off, want, b) == -1)
			return -1;
		rc = parse(b->data != NULL ? b->data : "", b->len,
		    MSG_HEAD_ONLY, b->len == len || want == HEAD_WINDOW, msg,
		    body_at);
		if (rc != 1)
			return rc;
		message_free(msg);
		want = want > HEAD_WINDOW / 2 ? HEAD_WINDOW : want * 2;
	}
}

/*
 * body_stats - what the body comes to: the whole (all) less its header
 * section head[0..n), which parse_head left in head. The body's longest
 * line is known only when no line of the whole is long; else -1.
 */
static int
body_stats(const struct crlf_stats *all, struct buf *head, size_t n,
    struct crlf_stats *st)
{
	struct crlf		 c;
	struct crlf_stats	 h;

	if (all->longest > MIME_MAX_LINE)
		return -1;
	crlf_init(&c, -1, 0, 0);
	head->data[n] = '\0';
	crlf_count(&c, head->data, n);
	crlf_count_end(&c, &h);
	if (h.len > all->len || h.nuls > all->nuls)
		return -1;
	st->len = all->len - h.len;
	st->nuls = all->nuls - h.nuls;
	st->longest = all->longest;
	return 0;
}

/* message_parse_fd - the header section in memory, the body measured. */
int
message_parse_fd(int fd, off_t off, size_t len,
    const struct crlf_stats *all, struct message *msg)
{
	struct buf	 head = BUF_INIT;
	size_t		 body_at;
	int		 saved, known;

	message_init(msg);
	if (parse_head(fd, off, len, msg, &head, &body_at) == -1) {
		buf_free(&head);
		return -1;
	}
	known = all != NULL && head.data != NULL &&
	    body_stats(all, &head, body_at, &msg->src_st) == 0;
	buf_free(&head);
	msg->input_size = len;
	msg->input_end = len;
	msg->src = malloc(sizeof(*msg->src));
	if (msg->src == NULL) {
		errno = ENOMEM;
		goto fail;
	}
	crlf_init(msg->src, fd, off + (off_t)body_at, len - body_at);
	if (!known && crlf_measure(msg->src, &msg->src_st) == -1)
		goto fail;
	msg->nul_dropped += msg->src_st.nuls;
	return 0;

fail:
	saved = errno;
	message_free(msg);
	errno = saved;
	return -1;
}

/* message_body_load - the body from its file into msg->body. */
int
message_body_load(struct message *msg)
{
	size_t	 n, want;

	if (msg->src == NULL)
		return 0;
	want = msg->src_st.len;
	buf_reset(&msg->body);
	if (buf_reserve(&msg->body, want) == -1) {
		errno = ENOMEM;
		return -1;
	}
	crlf_rewind(msg->src);
	n = crlf_read(msg->src, msg->body.data, want);
	crlf_rewind(msg->src);
	if (n != want) {
		errno = msg->src->error != 0 ? msg->src->error : EIO;
		return -1;
	}
	msg->body.len = n;
	msg->body.data[n] = '\0';
	crlf_free(msg->src);
	free(msg->src);
	msg->src = NULL;
	return 0;
}

size_t
message_body_len(const struct message *msg)
{
	return msg->src != NULL ? msg->src_st.len : msg->body.len;
}

/*
 * dot_seen - whether data[*scan..len) completes a lone-dot line; *scan
 * and *bol (start of the current line) carry over between reads, so
 * every byte is looked at once.
 */
static int
dot_seen(const char *data, size_t len, size_t *scan, size_t *bol)
{
	size_t	 i;

	for (i = line_end(data, *scan, len); i < len;
	    i = line_end(data, i + 1, len)) {
		if (is_lone_dot(data + *bol, i - *bol))
			return 1;
		*bol = i + 1;
	}
	*scan = len;
	return 0;
}

/* message_read_raw - read fd to EOF, or with MSG_DOT_ENDS to a lone dot. */
int
message_read_raw(int fd, int flags, size_t max, struct buf *in)
{
	struct stat	 st;
	size_t		 scan = 0, bol = 0, want;
	ssize_t		 n;

	want = READ_CHUNK;
	if (fstat(fd, &st) == 0 && S_ISREG(st.st_mode) && st.st_size > 0 &&
	    (size_t)st.st_size <= max)
		want = (size_t)st.st_size + 1;

	for (;;) {
		/* Grow only when full, so a file read at its size stays so. */
		if (in->len + 1 >= in->cap && buf_reserve(in, want) == -1) {
			errno = ENOMEM;
			return -1;
		}
		n = read(fd, in->data + in->len, in->cap - in->len - 1);
		if (n == -1 && errno == EINTR)
			continue;
		if (n == -1)
			return -1;
		if (n == 0)
			return 0;
		in->len += (size_t)n;
		if (in->len > max) {
			errno = EFBIG;
			return -1;
		}
		/* Stop reading (the writer may wait) once "." is seen. */
		if ((flags & MSG_DOT_ENDS) &&
		    dot_seen(in->data, in->len, &scan, &bol))
			return 0;
		want = READ_CHUNK;
	}
}

/*
 * dot_feed - whether the line is still a lone dot ("." and NULs only)
 * once p[0..n) of it is seen: *dot is 0 before any byte that counts, 1
 * after one dot, 2 once it cannot be. Only the first bytes of a line
 * are ever looked at.
 */
static void
dot_feed(int *dot, const char *p, size_t n)
{
	size_t	 i;

	for (i = 0; i < n && *dot != 2; i++) {
		if (p[i] == '\0')
			continue;
		*dot = p[i] == '.' && *dot == 0 ? 1 : 2;
	}
}

/*
 * spill_dot - look for the lone dot in data[0..n), which starts at
 * offset base of the input; *bol (where the current line starts) and
 * *dot carry over between reads. Returns 1 with *end set when found.
 */
static int
spill_dot(const char *data, size_t n, size_t base, size_t *bol,
    int *dot, size_t *end)
{
	size_t	 pos = 0, e;

	while (pos < n) {
		e = line_end(data, pos, n);
		dot_feed(dot, data + pos, e - pos);
		if (e == n)
			break;
		if (*dot == 1) {
			*end = *bol;
			return 1;
		}
		*dot = 0;
		*bol = base + e + 1;
		pos = e + 1;
	}
	return 0;
}

/*
 * spill_to_file - move what s holds in memory to the file to gives, or
 * else to a temporary file.
 */
static int
spill_to_file(struct spill *s, const struct spill_to *to)
{
	int	 saved;

	s->off = 0;
	s->fd = to != NULL ? to->open_file(to->arg, &s->off) : -1;
	if (s->fd != -1 && s->off != 0 &&
	    lseek(s->fd, s->off, SEEK_SET) == -1) {
		close(s->fd);
		s->fd = -1;
	}
	if (s->fd == -1) {
		s->off = 0;
		s->fd = tmp_open();
	}
	if (s->fd == -1)
		return -1;
	if (write_all(s->fd, s->mem.data, s->mem.len) == -1) {
		saved = errno;
		close(s->fd);
		s->fd = -1;
		errno = saved;
		return -1;
	}
	buf_free(&s->mem);
	return 0;
}

/* spill_back - the file takes no more: its len bytes back to memory. */
static int
spill_back(struct spill *s, size_t len)
{
	int	 rc, saved;

	rc = read_at(s->fd, s->off, len, &s->mem);
	saved = errno;
	close(s->fd);
	s->fd = -1;
	errno = saved;
	return rc;
}

/*
 * spill_keep - n more bytes of input, kept s->size so far: to the file
 * once there are too many for memory, unless *may_file says no file
 * can be had. Returns 0, or -1 with errno.
 */
static int
spill_keep(struct spill *s, const struct spill_to *to, const char *p,
    size_t n, int *may_file)
{
	if (s->fd == -1 && *may_file && s->mem.len + n > MSG_SPILL_AT &&
	    spill_to_file(s, to) == -1) {
		s->file_errno = errno;
		*may_file = 0;
	}
	if (s->fd != -1) {
		if (write_all(s->fd, p, n) == 0)
			return 0;
		/* A full TMPDIR is no reason to fail: memory will do. */
		s->file_errno = errno;
		*may_file = 0;
		if (spill_back(s, s->size) == -1)
			return -1;
	}
	if (buf_append(&s->mem, p, n) == -1) {
		errno = ENOMEM;
		return -1;
	}
	return 0;
}

/*
 * spill_count - what the n bytes just kept at chunk come to; a lone dot
 * among them (found by spill_dot) ends what counts and sets *done.
 */
static void
spill_count(struct spill *s, struct crlf *count, char *chunk, size_t n,
    int found, int *done)
{
	size_t	 base = s->size - n;

	if (found) {
		*done = 1;
		/* The dot's line began in an earlier chunk, already
		   counted: what the bytes come to is not known. */
		if (s->end < base)
			count->st.longest = SIZE_MAX;
		n = s->end < base ? 0 : s->end - base;
	}
	chunk[n] = '\0';
	crlf_count(count, chunk, n);
}

/*
 * spill_drain - past max, with MSG_DRAIN: read on to the end, or to the
 * lone dot, keeping nothing, so that a writer through a pipe hears our
 * exit status rather than SIGPIPE. chunk holds the n bytes read last,
 * which start at offset base; *bol and *dot are spill_dot's.
 */
static void
spill_drain(int in, int flags, char *chunk, ssize_t n, size_t base,
    size_t *bol, int *dot)
{
	size_t	 end;

	while (n > 0) {
		if ((flags & MSG_DOT_ENDS) && spill_dot(chunk, (size_t)n,
		    base, bol, dot, &end))
			return;
		base += (size_t)n;
		do {
			n = read(in, chunk, READ_CHUNK);
		} while (n == -1 && errno == EINTR);
	}
}

int
message_spill(int in, int flags, size_t max, struct spill *s)
{
	return message_spill_to(in, flags, max, NULL, s);
}

/* message_spill_to - standard input into memory or a file; message.h. */
int
message_spill_to(int in, int flags, size_t max, const struct spill_to *to,
    struct spill *s)
{
	struct crlf	 count;
	char		*chunk;
	size_t		 bol = 0;
	ssize_t		 n;
	int		 dot = 0, rc = -1, done = 0, found, may_file = 1;
	int		 saved;

	*s = (struct spill)SPILL_INIT;
	crlf_init(&count, -1, 0, 0);
	/* One more byte: crlf_count wants a NUL after what it counts. */
	chunk = malloc(READ_CHUNK + 1);
	if (chunk == NULL) {
		errno = ENOMEM;
		return -1;
	}
	while (!done) {
		n = read(in, chunk, READ_CHUNK);
		if (n == -1 && errno == EINTR)
			continue;
		if (n == -1)
			goto out;
		if (n == 0)
			break;
		if ((size_t)n > max - s->size) {
			if (flags & MSG_DRAIN)
				spill_drain(in, flags, chunk, n, s->size, &bol,
				    &dot);
			errno = EFBIG;
			goto out;
		}
		if (spill_keep(s, to, chunk, (size_t)n, &may_file) == -1)
			goto out;
		s->size += (size_t)n;
		/* Stop reading (the writer may wait) once "." is seen. */
		found = (flags & MSG_DOT_ENDS) && spill_dot(chunk, (size_t)n,
		    s->size - (size_t)n, &bol, &dot, &s->end);
		spill_count(s, &count, chunk, (size_t)n, found, &done);
	}
	if (!done)
		s->end = s->size;
	/* A last line without its end is a lone dot as well (as in
	   message_parse); it was counted, so the figures are not known. */
	if (!done && (flags & MSG_DOT_ENDS) && dot == 1) {
		s->end = bol;
		count.st.longest = SIZE_MAX;
	}
	if (s->fd == -1 && s->mem.len > s->end) {
		s->mem.len = s->end;
		s->mem.data[s->end] = '\0';
	}
	rc = 0;

out:
	saved = errno;
	crlf_count_end(&count, &s->st);
	free(chunk);
	errno = saved;
	return rc;
}

void
message_spill_free(struct spill *s)
{
	buf_free(&s->mem);
	if (s->fd != -1)
		close(s->fd);
	s->fd = -1;
}

/* message_read_fd - read fd and parse it; see message.h. */
int
message_read_fd(int fd, int flags, size_t max, struct message *msg)
{
	struct buf	 in;
	int		 rc = -1, saved;

	buf_init(&in);
	message_init(msg);
	if (message_read_raw(fd, flags, max, &in) == -1)
		goto out;
	rc = message_parse(in.data == NULL ? "" : in.data, in.len, flags, msg);

out:
	saved = errno;
	buf_free(&in);
	errno = saved;
	return rc;
}

/* message_count - number of fields called name. */
size_t
message_count(const struct message *msg, const char *name)
{
	size_t	 i, n = 0;

	for (i = 0; i < msg->nhdr; i++)
		if (strcasecmp(msg->hdr[i].name, name) == 0)
			n++;
	return n;
}

/* message_find - index of the n-th field called name, or -1. */
long
message_find(const struct message *msg, const char *name, size_t n)
{
	size_t	 i;

	for (i = 0; i < msg->nhdr; i++) {
		if (strcasecmp(msg->hdr[i].name, name) != 0)
			continue;
		if (n == 0)
			return (long)i;
		n--;
	}
	return -1;
}

/*
 * message_value - the unfolded value (RFC 5322 §2.2.3: unfolding removes
 * each CRLF that is followed by WSP), leading white space removed.
 */
char *
message_value(const struct message *msg, size_t i)
{
	const struct header	*h = &msg->hdr[i];
	const char		*p, *end;
	struct buf		 b;

	buf_init(&b);
	p = h->raw + strlen(h->name) + 1;
	end = h->raw + h->rawlen;
	while (p < end && (*p == ' ' || *p == '\t' || *p == '\r' ||
	    *p == '\n'))
		p++;

	if (buf_reserve(&b, (size_t)(end - p)) == -1)
		return NULL;
	for (; p < end; p++)
		if (*p != '\r' && *p != '\n')
			b.data[b.len++] = *p;
	return buf_steal(&b);
}

/* message_remove_at - delete field i, keeping the order of the rest. */
void
message_remove_at(struct message *msg, size_t i)
{
	header_free(&msg->hdr[i]);
	memmove(&msg->hdr[i], &msg->hdr[i + 1],
	    (msg->nhdr - i - 1) * sizeof(msg->hdr[0]));
	msg->nhdr--;
}

/*
 * message_remove - delete every field called name, in one pass so that
 * a message with very many fields is not quadratic.
 */
size_t
message_remove(struct message *msg, const char *name)
{
	size_t	 i, j = 0;

	for (i = 0; i < msg->nhdr; i++) {
		if (strcasecmp(msg->hdr[i].name, name) == 0)
			header_free(&msg->hdr[i]);
		else
			msg->hdr[j++] = msg->hdr[i];
	}
	i = msg->nhdr - j;
	msg->nhdr = j;
	return i;
}

/* valid_name - a field name as RFC 5322 §3.6.8 allows. */
static int
valid_name(const char *name)
{
	const unsigned char	*c;

	for (c = (const unsigned char *)name; *c != '\0'; c++)
		if (*c < 33 || *c > 126 || *c == ':')
			return 0;
	return c != (const unsigned char *)name;
}

/* message_add - append "name: value" to the header section. */
int
message_add(struct message *msg, const char *name, const char *value)
{
	struct buf	 b;

	/* Refuse what would inject a field or break the section. */
	if (!valid_name(name) || strpbrk(value, "\r\n") != NULL) {
		errno = EINVAL;
		return -1;
	}

	buf_init(&b);
	if (buf_printf(&b, "%s: %s", name, value) == -1 ||
	    store_field(msg, &b, strlen(name)) == -1) {
		buf_free(&b);
		errno = ENOMEM;
		return -1;
	}
	return 0;
}

/* singleton_cmp - bsearch comparison of a name with a table entry. */
static int
singleton_cmp(const void *key, const void *elem)
{
	return strcasecmp(key, *(const char *const *)elem);
}

/* singleton_index - the field's slot in singletons[], or -1. */
static long
singleton_index(const char *name)
{
	const char *const	*e;

	e = bsearch(name, singletons, NSINGLETONS, sizeof(singletons[0]),
	    singleton_cmp);
	return e == NULL ? -1 : (long)(e - singletons);
}

/*
 * message_dedupe_singletons - keep the first of each once-only field, in
 * one pass over the fields.
 */
size_t
message_dedupe_singletons(struct message *msg)
{
	unsigned char	 seen[NSINGLETONS];
	size_t		 i, j = 0;
	long		 k;

	memset(seen, 0, sizeof(seen));
	for (i = 0; i < msg->nhdr; i++) {
		k = singleton_index(msg->hdr[i].name);
		if (k != -1 && seen[k]) {
			header_free(&msg->hdr[i]);
			continue;
		}
		if (k != -1)
			seen[k] = 1;
		msg->hdr[j++] = msg->hdr[i];
	}
	i = msg->nhdr - j;
	msg->nhdr = j;
	return i;
}

/* append_src - the len bytes of a body in a file, onto out. */
static int
append_src(struct crlf *src, size_t len, struct buf *out)
{
	size_t	 n;

	if (buf_reserve(out, len) == -1)
		return -1;
	crlf_rewind(src);
	n = crlf_read(src, out->data + out->len, len);
	crlf_rewind(src);
	if (n != len)
		return -1;
	out->len += n;
	out->data[out->len] = '\0';
	return 0;
}

/* message_serialize - fields, the empty line, then the body. */
int
message_serialize(const struct message *msg, struct buf *out)
{
	const struct header	*h;
	size_t			 i, need;

	need = message_body_len(msg) + 2;
	for (i = 0; i < msg->nhdr; i++)
		need += msg->hdr[i].rawlen + 2;
	if (buf_reserve(out, need) == -1)
		return -1;

	for (i = 0; i < msg->nhdr; i++) {
		h = &msg->hdr[i];
		if (buf_append(out, h->raw, h->rawlen) == -1 ||
		    buf_append(out, "\r\n", 2) == -1)
			return -1;
	}
	if (buf_append(out, "\r\n", 2) == -1)
		return -1;
	if (msg->src != NULL)
		return append_src(msg->src, msg->src_st.len, out);
	return buf_append(out, msg->body.data, msg->body.len);
}

/* message_pieces - what message_serialize writes, without copying it. */
int
message_pieces(const struct message *msg, struct body_piece **pieces,
    size_t *npieces, size_t *size)
{
	struct body_piece	*p;
	size_t			 i, n = 0, total = 0;

	*pieces = NULL;
	*npieces = 0;
	*size = 0;
	p = calloc(2 * msg->nhdr + 2, sizeof(*p));
	if (p == NULL)
		return -1;
	for (i = 0; i < msg->nhdr; i++) {
		p[n].data = msg->hdr[i].raw;
		p[n++].len = msg->hdr[i].rawlen;
		p[n].data = "\r\n";
		p[n++].len = 2;
		total += msg->hdr[i].rawlen + 2;
	}
	p[n].data = "\r\n";
	p[n++].len = 2;
	p[n].data = msg->body.data;
	p[n].src = msg->src;
	p[n++].len = message_body_len(msg);
	total += 2 + message_body_len(msg);
	*pieces = p;
	*npieces = n;
	*size = total;
	return 0;
}
