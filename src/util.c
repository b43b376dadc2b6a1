/*
 * util - small helpers that more than one module needs.
 */
#include "config.h"

#include <sys/stat.h>

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

#include "util.h"

void
seterr(char *err, size_t errlen, const char *fmt, ...)
{
	va_list	 ap;

	if (err == NULL || errlen == 0)
		return;
	va_start(ap, fmt);
	vsnprintf(err, errlen, fmt, ap);
	va_end(ap);
}

void
sanitize(char *s)
{
	unsigned char	*p;

	for (p = (unsigned char *)s; *p != '\0'; p++)
		if (*p < 0x20 || *p >= 0x7f)
			*p = '?';
}

int
parse_long(const char *s, long min, long max, long *out)
{
	char	*end;
	long	 v;

	if (s == NULL || *s == '\0')
		return -1;
	errno = 0;
	v = strtol(s, &end, 10);
	if (errno != 0 || *end != '\0' || v < min || v > max)
		return -1;
	*out = v;
	return 0;
}

int
has_line_break(const char *s)
{
	return s == NULL || strpbrk(s, "\r\n") != NULL;
}

int
has_control(const char *s, size_t n)
{
	size_t	 i;

	for (i = 0; i < n; i++)
		if ((unsigned char)s[i] < 0x20 || s[i] == 0x7f)
			return 1;
	return 0;
}

/* unbracket - host without IPv6 brackets, in tmp when it had them. */
static const char *
unbracket(const char *host, char *tmp, size_t tmplen)
{
	size_t	 n;

	n = strlen(host);
	if (n < 2 || host[0] != '[' || host[n - 1] != ']' || n - 1 > tmplen)
		return host;
	memcpy(tmp, host + 1, n - 2);
	tmp[n - 2] = '\0';
	return tmp;
}

int
host_is_loopback(const char *host)
{
	struct in_addr	 a4;
	struct in6_addr	 a6;
	char		 tmp[64];

	if (strcasecmp(host, "localhost") == 0)
		return 1;
	if (inet_pton(AF_INET, host, &a4) == 1)
		return (ntohl(a4.s_addr) >> 24) == 127;

	host = unbracket(host, tmp, sizeof(tmp));
	if (inet_pton(AF_INET6, host, &a6) == 1)
		return IN6_IS_ADDR_LOOPBACK(&a6);
	return 0;
}

int
host_is_address(const char *host, const char *addr)
{
	struct in_addr	 h4, a4;
	struct in6_addr	 h6, a6;
	char		 tmp[64];

	if (inet_pton(AF_INET, host, &h4) == 1)
		return inet_pton(AF_INET, addr, &a4) == 1 &&
		    h4.s_addr == a4.s_addr;
	host = unbracket(host, tmp, sizeof(tmp));
	return inet_pton(AF_INET6, host, &h6) == 1 &&
	    inet_pton(AF_INET6, addr, &a6) == 1 &&
	    memcmp(&h6, &a6, sizeof(h6)) == 0;
}

int
check_private_file(int fd, const char *path, uid_t owner, mode_t forbidden,
    char *err, size_t errlen)
{
	struct stat	 st;

	if (fstat(fd, &st) == -1) {
		seterr(err, errlen, "%s: %s", path, strerror(errno));
		return -1;
	}
	if (!S_ISREG(st.st_mode)) {
		seterr(err, errlen, "%s: not a regular file", path);
		return -1;
	}
	if (st.st_uid != 0 && st.st_uid != owner) {
		seterr(err, errlen, "%s: owned by uid %ld, not by root or "
		    "uid %ld", path, (long)st.st_uid, (long)owner);
		return -1;
	}
	if (st.st_mode & forbidden) {
		seterr(err, errlen, "%s: mode %04o is too open (must not "
		    "have %04o)", path, (unsigned)(st.st_mode & 07777),
		    (unsigned)forbidden);
		return -1;
	}
	return 0;
}

char *
read_fd(int fd, size_t max, size_t *lenp)
{
	char	*data = NULL, *p;
	size_t	 len = 0, cap = 0;
	ssize_t	 n;
	int	 saved;

	for (;;) {
		if (len + 1 >= cap) {
			cap = cap ? cap * 2 : 4096;
			p = realloc(data, cap);
			if (p == NULL)
				goto fail;
			data = p;
		}
		n = read(fd, data + len, cap - len - 1);
		if (n == -1 && errno == EINTR)
			continue;
		if (n == -1)
			goto fail;
		if (n == 0)
			break;
		len += (size_t)n;
		if (len > max) {
			errno = EFBIG;
			goto fail;
		}
	}
	if (data == NULL && (data = malloc(1)) == NULL)
		return NULL;
	data[len] = '\0';
	if (lenp != NULL)
		*lenp = len;
	return data;

fail:
	saved = errno;
	free(data);
	errno = saved;
	return NULL;
}

char *
read_file(const char *path, size_t max, size_t *lenp)
{
	char	*data;
	int	 fd, saved;

	fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY);
	if (fd == -1)
		return NULL;
	data = read_fd(fd, max, lenp);
	saved = errno;
	close(fd);
	errno = saved;
	return data;
}

void
amz_date_now(char out[17])
{
	amz_date_at(time(NULL), out);
}

void
amz_date_at(time_t t, char out[17])
{
	struct tm	 tm;

	gmtime_r(&t, &tm);
	strftime(out, 17, "%Y%m%dT%H%M%SZ", &tm);
}

int
region_is_valid(const char *s)
{
	size_t	 n;

	n = strlen(s);
	return n > 0 && n <= 63 &&
	    strspn(s, "abcdefghijklmnopqrstuvwxyz0123456789-") == n;
}

/* tmp_open - O_TMPFILE where the file system has it, else mkstemp. */
int
tmp_open(void)
{
	const char	*dir = getenv("TMPDIR");
	char		 path[PATH_MAX];
	int		 fd, n;

	if (dir == NULL || dir[0] != '/')
		dir = "/tmp";
	fd = open(dir, O_TMPFILE | O_RDWR | O_CLOEXEC, 0600);
	if (fd != -1)
		return fd;
	n = snprintf(path, sizeof(path), "%s/sesmail.XXXXXX", dir);
	if (n < 0 || (size_t)n >= sizeof(path)) {
		errno = ENAMETOOLONG;
		return -1;
	}
	fd = mkostemp(path, O_CLOEXEC);
	if (fd == -1)
		return -1;
	unlink(path);
	return fd;
}

int
write_all(int fd, const void *p, size_t n)
{
	const char	*c = p;
	ssize_t		 w;

	while (n > 0) {
		w = write(fd, c, n);
		if (w == -1 && errno == EINTR)
			continue;
		if (w == -1)
			return -1;
		c += w;
		n -= (size_t)w;
	}
	return 0;
}

int
pwrite_all(int fd, const void *src, size_t n, off_t off)
{
	const char	*c = src;
	ssize_t		 w;

	while (n > 0) {
		w = pwrite(fd, c, n, off);
		if (w == -1 && errno == EINTR)
			continue;
		if (w == -1)
			return -1;
		c += w;
		off += w;
		n -= (size_t)w;
	}
	return 0;
}

int
pread_all(int fd, void *dst, size_t n, off_t off)
{
	char	*c = dst;
	ssize_t	 r;

	while (n > 0) {
		r = pread(fd, c, n, off);
		if (r == -1 && errno == EINTR)
			continue;
		if (r <= 0) {
			if (r == 0)
				errno = EIO;
			return -1;
		}
		c += r;
		off += r;
		n -= (size_t)r;
	}
	return 0;
}
