#include "json.h"

#include <stdlib.h>
#include <string.h>

#include "x509.h"

void tl_json_strn(FILE *f, const char *s, size_t n)
{
	fputc('"', f);
	for (size_t i = 0; i < n; i++) {
		unsigned char ch = (unsigned char)s[i];

		if (ch == '"' || ch == '\\')
			fprintf(f, "\\%c", ch);
		else if (ch == '\n')
			fputs("\\n", f);
		else if (ch < 0x20 || ch == 0x7f)
			fprintf(f, "\\u%04x", ch);
		else
			fputc(ch, f);
	}
	fputc('"', f);
}

void tl_json_str(FILE *f, const char *s)
{
	size_t n = 0;

	if (s == NULL) {
		fputs("null", f);
		return;
	}
	while (s[n])
		n++;
	tl_json_strn(f, s, n);
}

void tl_json_hex(FILE *f, const uint8_t *p, size_t n, int colons)
{
	fputc('"', f);
	for (size_t i = 0; i < n; i++)
		fprintf(f, colons && i ? ":%02x" : "%02x", p[i]);
	fputc('"', f);
}

json_t *tl_json_text(const char *s)
{
	json_t *v;
	char *u;
	size_t n = 0;

	if (s == NULL)
		return json_null();
	if ((v = json_string(s)) != NULL)
		return v;
	u = malloc(2 * strlen(s) + 1);
	if (u == NULL)
		return NULL;
	for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
		if (*p < 0x80) {
			u[n++] = (char)*p;
		} else {
			u[n++] = (char)(0xc0 | *p >> 6);
			u[n++] = (char)(0x80 | (*p & 0x3f));
		}
	}
	v = json_stringn(u, n);
	free(u);
	return v;
}

json_t *tl_json_hexstr(const uint8_t *p, size_t n, int colons)
{
	json_t *v;
	char *h;

	if (p == NULL)
		return json_null();
	if ((h = tl_hex(p, n, colons)) == NULL)
		return NULL;
	v = json_string(h);
	free(h);
	return v;
}

json_t *tl_json_time(time_t t)
{
	char s[32];
	struct tm tm;

	if (t == 0 || gmtime_r(&t, &tm) == NULL ||
	    strftime(s, sizeof(s), "%Y-%m-%dT%H:%M:%SZ", &tm) == 0)
		return json_null();
	return json_string(s);
}

int tl_json_print(json_t *v)
{
	int rc = -1;

	if (v != NULL && json_dumpf(v, stdout, JSON_COMPACT | JSON_PRESERVE_ORDER |
				    JSON_ENCODE_ANY) == 0 && putchar('\n') != EOF)
		rc = 0;
	json_decref(v);
	return rc;
}

json_t *tl_json_cert(const tl_cert *c)
{
	json_t *o = json_object();
	uint8_t h[TL_HASH_MAX];

	json_object_set_new(o, "subject", tl_json_text(c->subject));
	json_object_set_new(o, "issuer", tl_json_text(c->issuer));
	json_object_set_new(o, "serial", tl_json_hexstr(c->serial, c->serial_len, 1));
	json_object_set_new(o, "not_before", tl_json_time(c->not_before));
	json_object_set_new(o, "not_after", tl_json_time(c->not_after));
	tl_hash(TL_HASH_SHA1, c->der, c->der_len, h);
	json_object_set_new(o, "sha1", tl_json_hexstr(h, 20, 0));
	tl_hash(TL_HASH_SHA256, c->der, c->der_len, h);
	json_object_set_new(o, "sha256", tl_json_hexstr(h, 32, 0));
	return o;
}
