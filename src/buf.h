/*
 * buf - a growable byte buffer.
 *
 * The data is always followed by a NUL byte once anything was added, so
 * text can be used as a C string; binary data may hold NULs of its own,
 * which is why every user goes by len, never strlen().
 */
#ifndef SESMAIL_BUF_H
#define SESMAIL_BUF_H

#include <stdarg.h>
#include <stddef.h>

struct buf {
	char	*data;
	size_t	 len;
	size_t	 cap;
};

#define BUF_INIT { NULL, 0, 0 }

void	buf_init(struct buf *);
/* All of these return 0, or -1 when memory runs out (buf unchanged). */
int	buf_reserve(struct buf *, size_t extra);
int	buf_append(struct buf *, const void *, size_t);
int	buf_appends(struct buf *, const char *);
int	buf_appendc(struct buf *, char);
int	buf_printf(struct buf *, const char *, ...)
	    __attribute__((format(printf, 2, 3)));
int	buf_vprintf(struct buf *, const char *, va_list)
	    __attribute__((format(printf, 2, 0)));
void	buf_reset(struct buf *);
/* Hand the data to the caller, who frees it; the buf is left empty. */
char	*buf_steal(struct buf *);
void	buf_free(struct buf *);
/* Like buf_free, but overwrites the bytes first: for secrets. */
void	buf_wipe(struct buf *);

#endif
