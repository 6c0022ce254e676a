/* The request parser of httpreq.h. Liberal where browsers and curl differ
 * (header case, spaces, a bare LF), strict on what decides the length. */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "httpreq.h"

static const uint8_t *find(const uint8_t *p, size_t n, const char *s)
{
	size_t k = strlen(s);

	for (size_t i = 0; k <= n && i <= n - k; i++)
		if (memcmp(p + i, s, k) == 0)
			return p + i;
	return NULL;
}

static int hexval(int c)
{
	return c >= '0' && c <= '9' ? c - '0' : c >= 'a' && c <= 'f' ? c - 'a' + 10 :
	       c >= 'A' && c <= 'F' ? c - 'A' + 10 : -1;
}

/* Percent-decodes (and, in forms, '+' as space) n bytes into out. */
static int decode(const char *in, size_t n, int plus, char *out, size_t cap)
{
	size_t o = 0;

	for (size_t i = 0; i < n; i++) {
		int c = (unsigned char)in[i];

		if (c == '%' && i + 2 < n && hexval(in[i + 1]) >= 0 &&
		    hexval(in[i + 2]) >= 0) {
			c = hexval(in[i + 1]) << 4 | hexval(in[i + 2]);
			i += 2;
		} else if (c == '+' && plus) {
			c = ' ';
		}
		if (c == 0 || o + 1 >= cap)
			return -1;
		out[o++] = (char)c;
	}
	out[o] = 0;
	return 0;
}

/* Copies a header value, trimmed, into out; too long is an error. */
static int copy_value(const char *v, size_t n, char *out, size_t cap)
{
	while (n && (*v == ' ' || *v == '\t'))
		v++, n--;
	while (n && (v[n - 1] == ' ' || v[n - 1] == '\t' || v[n - 1] == '\r'))
		n--;
	if (n >= cap)
		return -1;
	memcpy(out, v, n);
	out[n] = 0;
	return 0;
}

long tl_hreq_parse(const uint8_t *buf, size_t len, tl_hreq *r)
{
	const uint8_t *end = find(buf, len < TL_HREQ_MAX_HEAD ? len : TL_HREQ_MAX_HEAD,
				  "\n\r\n"), *alt;
	const char *p, *line, *sp1, *sp2, *q, *head_end;
	size_t head, clen = 0;
	int have_len = 0, v11;

	alt = find(buf, len < TL_HREQ_MAX_HEAD ? len : TL_HREQ_MAX_HEAD, "\n\n");
	if (alt && (!end || alt < end))
		head = (size_t)(alt - buf) + 2;
	else if (end)
		head = (size_t)(end - buf) + 3;
	else
		return len >= TL_HREQ_MAX_HEAD ? -431 : 0;
	memset(r, 0, sizeof(*r));
	head_end = (const char *)buf + head;
	line = (const char *)buf;
	/* browsers may send an empty line before a request on a kept connection */
	while (line < head_end && (*line == '\r' || *line == '\n'))
		line++;
	p = memchr(line, '\n', (size_t)(head_end - line));
	if (p == NULL)
		return -400;
	sp1 = memchr(line, ' ', (size_t)(p - line));
	sp2 = sp1 ? memchr(sp1 + 1, ' ', (size_t)(p - sp1 - 1)) : NULL;
	if (!sp1 || !sp2 || sp1 == line || (size_t)(sp1 - line) >= sizeof(r->method))
		return -400;
	memcpy(r->method, line, (size_t)(sp1 - line));
	if (strncmp(sp2 + 1, "HTTP/1.", 7) || (sp2[8] != '0' && sp2[8] != '1'))
		return -505;
	v11 = sp2[8] == '1';
	r->close = !v11;
	if (sp1[1] != '/')
		return -400;
	q = memchr(sp1 + 1, '?', (size_t)(sp2 - sp1 - 1));
	if (decode(sp1 + 1, (size_t)((q ? q : sp2) - sp1 - 1), 0, r->path,
		   sizeof(r->path)))
		return -400;
	if (q && copy_value(q + 1, (size_t)(sp2 - q - 1), r->query, sizeof(r->query)))
		return -431;
	for (line = p + 1; line < head_end; line = p + 1) {
		const char *colon;
		size_t n;

		p = memchr(line, '\n', (size_t)(head_end - line));
		if (p == NULL || p == line || (p == line + 1 && *line == '\r'))
			break;
		colon = memchr(line, ':', (size_t)(p - line));
		if (colon == NULL)
			return -400;
		n = (size_t)(colon - line);
#define IS(h) (n == strlen(h) && strncasecmp(line, h, n) == 0)
		if (IS("Content-Length")) {
			char v[24], *e;

			if (have_len || copy_value(colon + 1, (size_t)(p - colon - 1), v,
						   sizeof(v)) || !isdigit((unsigned char)v[0]))
				return -400;
			clen = strtoul(v, &e, 10);
			if (*e)
				return -400;
			have_len = 1;
		} else if (IS("Transfer-Encoding")) {
			return -411;
		} else if (IS("Cookie")) {
			if (copy_value(colon + 1, (size_t)(p - colon - 1), r->cookie,
				       sizeof(r->cookie)))
				return -431;
		} else if (IS("Content-Type")) {
			if (copy_value(colon + 1, (size_t)(p - colon - 1), r->ctype,
				       sizeof(r->ctype)))
				return -431;
		} else if (IS("Connection")) {
			char v[64] = "";

			copy_value(colon + 1, (size_t)(p - colon - 1), v, sizeof(v));
			if (strcasecmp(v, "close") == 0)
				r->close = 1;
			else if (strcasecmp(v, "keep-alive") == 0)
				r->close = 0;
		}
#undef IS
	}
	if (clen > TL_HREQ_MAX_BODY)
		return -413;
	if (len - head < clen)
		return 0;
	r->body = buf + head;
	r->body_len = clen;
	return (long)(head + clen);
}

/* The value of name in a "a=1&b=2" string. */
static int pair_get(const char *s, size_t n, char sep, int plus, const char *name,
		    char *out, size_t cap)
{
	size_t k = strlen(name);
	const char *end = s + n;

	while (s < end) {
		const char *amp = memchr(s, sep, (size_t)(end - s)), *stop = amp ? amp : end;

		while (s < stop && *s == ' ')
			s++;
		if ((size_t)(stop - s) > k && memcmp(s, name, k) == 0 && s[k] == '=')
			return decode(s + k + 1, (size_t)(stop - s - k - 1), plus, out, cap) ?
			       -1 : 1;
		s = stop + 1;
	}
	return 0;
}

int tl_hreq_query(const tl_hreq *r, const char *name, char *out, size_t n)
{
	return pair_get(r->query, strlen(r->query), '&', 1, name, out, n);
}

int tl_hreq_cookie(const tl_hreq *r, const char *name, char *out, size_t n)
{
	return pair_get(r->cookie, strlen(r->cookie), ';', 0, name, out, n) == 1;
}

/* The part named name of a multipart body. */
static int part(const tl_hreq *r, const char *name, const uint8_t **p, size_t *n)
{
	const char *b = strcasestr(r->ctype, "boundary=");
	char delim[128], want[160];
	const uint8_t *at = r->body, *end = r->body + r->body_len;
	size_t dl;

	if (b == NULL)
		return 0;
	b += 9;
	if (*b == '"')
		b++;
	dl = strcspn(b, "\";");
	if (dl == 0 || dl > 100)
		return 0;
	memcpy(delim, "--", 2);
	memcpy(delim + 2, b, dl);
	delim[dl + 2] = 0;
	snprintf(want, sizeof(want), "name=\"%s\"", name);
	while ((at = find(at, (size_t)(end - at), delim)) != NULL) {
		const uint8_t *hstart = at + dl + 2, *hend, *next;

		hend = find(hstart, (size_t)(end - hstart), "\r\n\r\n");
		if (hend == NULL)
			return 0;
		next = find(hend + 4, (size_t)(end - hend - 4), delim);
		if (next == NULL)
			return 0;
		if (find(hstart, (size_t)(hend - hstart), want)) {
			*p = hend + 4;
			*n = (size_t)(next - *p);
			if (*n >= 2 && (*p)[*n - 2] == '\r' && (*p)[*n - 1] == '\n')
				*n -= 2;
			return 1;
		}
		at = next;
	}
	return 0;
}

int tl_hreq_file(const tl_hreq *r, const char *name, const uint8_t **p, size_t *n)
{
	if (strncasecmp(r->ctype, "multipart/form-data", 19))
		return 0;
	return part(r, name, p, n);
}

int tl_hreq_field(const tl_hreq *r, const char *name, char *out, size_t n)
{
	const uint8_t *p;
	size_t len;

	if (strncasecmp(r->ctype, "application/x-www-form-urlencoded", 33) == 0)
		return pair_get((const char *)r->body, r->body_len, '&', 1, name, out, n);
	if (!tl_hreq_file(r, name, &p, &len))
		return 0;
	if (len >= n || memchr(p, 0, len))
		return -1;
	memcpy(out, p, len);
	out[len] = 0;
	return 1;
}
