/* Names: certificate names as `attr=value,...` strings (RFC 4514 escapes)
 * and their comparison, one attribute of a name, serial numbers compared
 * and everything printed as hex. */
#include "x509priv.h"

#include "tlv.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int is_special(unsigned char ch)
{
	return ch == ',' || ch == '+' || ch == '"' || ch == '\\' || ch == '<' ||
	       ch == '>' || ch == ';' || ch == '=';
}

/* RFC 4514 escaping of one attribute value. */
static void escape_value(tl_buf *b, const unsigned char *v, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		unsigned char ch = v[i];
		char hex[4];

		if (ch < 0x20 || ch == 0x7f) {
			snprintf(hex, sizeof(hex), "\\%02x", ch);
			tl_buf_add(b, hex, 3);
			continue;
		}
		if (is_special(ch) || (i == 0 && (ch == '#' || ch == ' ')) ||
		    (i == n - 1 && ch == ' '))
			tl_buf_u8(b, '\\');
		tl_buf_u8(b, ch);
	}
}

char *tl_x509_name_string(WOLFSSL_X509_NAME *nm)
{
	int count = wolfSSL_X509_NAME_entry_count(nm);
	tl_buf b;

	tl_buf_init(&b);
	for (int i = 0; i < count; i++) {
		WOLFSSL_X509_NAME_ENTRY *ent = wolfSSL_X509_NAME_get_entry(nm, i);
		WOLFSSL_ASN1_OBJECT *obj;
		WOLFSSL_ASN1_STRING *data;
		char attr[80];
		const char *sn = NULL;
		int nid;

		if (ent == NULL)
			continue;
		obj = wolfSSL_X509_NAME_ENTRY_get_object(ent);
		data = wolfSSL_X509_NAME_ENTRY_get_data(ent);
		if (obj == NULL || data == NULL)
			continue;
		nid = wolfSSL_OBJ_obj2nid(obj);
		if (nid > 0)
			sn = wolfSSL_OBJ_nid2sn(nid);
		if (sn == NULL) {
			if (wolfSSL_OBJ_obj2txt(attr, sizeof(attr), obj, 1) <= 0)
				snprintf(attr, sizeof(attr), "UNKNOWN");
			sn = attr;
		}
		if (b.len > 0)
			tl_buf_u8(&b, ',');
		tl_buf_add(&b, sn, strlen(sn));
		tl_buf_u8(&b, '=');
		escape_value(&b, wolfSSL_ASN1_STRING_data(data),
			     (size_t)wolfSSL_ASN1_STRING_length(data));
	}
	tl_buf_u8(&b, 0);
	if (b.failed) {
		tl_buf_free(&b);
		return NULL;
	}
	return (char *)b.p;
}

/* One attribute of a parsed name string. */
struct rdn {
	char attr[64];
	char val[256];
};

static int attr_start(const char *s)
{
	while (*s == ' ')
		s++;
	if (!isalnum((unsigned char)*s))
		return 0;
	while (isalnum((unsigned char)*s) || *s == '.' || *s == '-')
		s++;
	return *s == '=';
}

static int hexval(int ch)
{
	if (ch >= '0' && ch <= '9')
		return ch - '0';
	ch = tolower(ch);
	if (ch >= 'a' && ch <= 'f')
		return ch - 'a' + 10;
	return -1;
}

/* Splits "A=x,B=y" or "A=x;B=y" into attributes. A separator only ends a
 * value when an `attr=` follows it, so Cisco's `;`-joined names whose values
 * hold a plain `,` still parse. Returns the count, or -1. */
static int parse_name(const char *s, struct rdn *out, int max)
{
	int n = 0;

	while (*s) {
		size_t ai = 0, vi = 0;

		if (n == max)
			return -1;
		while (*s == ' ')
			s++;
		while (*s && *s != '=' && ai + 1 < sizeof(out[n].attr))
			out[n].attr[ai++] = *s++;
		out[n].attr[ai] = 0;
		if (*s != '=')
			return -1;
		s++;
		for (;;) {
			int ch = (unsigned char)*s;

			if (ch == 0)
				break;
			if ((ch == ',' || ch == ';') && attr_start(s + 1)) {
				s++;
				break;
			}
			if (ch == '\\' && s[1]) {
				int h = hexval(s[1]), l = s[1] ? hexval(s[2]) : -1;

				if (h >= 0 && l >= 0) {
					ch = h << 4 | l;
					s += 3;
				} else {
					ch = (unsigned char)s[1];
					s += 2;
				}
			} else {
				s++;
			}
			if (vi + 1 >= sizeof(out[n].val))
				return -1;
			out[n].val[vi++] = (char)ch;
		}
		out[n].val[vi] = 0;
		n++;
	}
	return n;
}

int tl_name_equal(const char *a, const char *b)
{
	struct rdn ra[32], rb[32];
	int na, nb;

	if (strcmp(a, b) == 0)
		return 1;
	na = parse_name(a, ra, 32);
	nb = parse_name(b, rb, 32);
	if (na < 0 || nb < 0 || na != nb)
		return 0;
	for (int i = 0; i < na; i++)
		if (strcasecmp(ra[i].attr, rb[i].attr) != 0 ||
		    strcmp(ra[i].val, rb[i].val) != 0)
			return 0;
	return 1;
}

int tl_serial_equal(const uint8_t *a, size_t alen, const uint8_t *b, size_t blen)
{
	a = strip_zeros(a, &alen);
	b = strip_zeros(b, &blen);
	return alen == blen && memcmp(a, b, alen) == 0;
}

char *tl_hex(const uint8_t *p, size_t len, int colons)
{
	static const char digits[] = "0123456789abcdef";
	char *s = malloc(len * 3 + 1), *o = s;

	if (s == NULL)
		return NULL;
	/* a table, not sprintf: tvsd prints two of these per request */
	for (size_t i = 0; i < len; i++) {
		if (colons && i)
			*o++ = ':';
		*o++ = digits[p[i] >> 4];
		*o++ = digits[p[i] & 15];
	}
	*o = 0;
	return s;
}

int tl_cert_name_attr(const tl_cert *c, int issuer, const char *attr, char *buf,
		      size_t n)
{
	static const struct { const char *a; int nid; } attrs[] = {
		{ "CN", NID_commonName }, { "O", NID_organizationName },
		{ "OU", NID_organizationalUnitName }, { "L", NID_localityName },
		{ "ST", NID_stateOrProvinceName }, { "C", NID_countryName },
	};
	WOLFSSL_X509_NAME *nm = issuer ? wolfSSL_X509_get_issuer_name(c->x509)
				       : wolfSSL_X509_get_subject_name(c->x509);

	buf[0] = 0;
	for (size_t i = 0; i < sizeof(attrs) / sizeof(attrs[0]); i++)
		if (!strcmp(attrs[i].a, attr))
			return wolfSSL_X509_NAME_get_text_by_NID(nm, attrs[i].nid, buf,
								 (int)n) > 0 ? 0 : -1;
	return -1;
}
