#include "json.h"

#include <stdlib.h>
#include <string.h>

#include "x509.h"

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

json_t *tl_json_opt(const char *s)
{
	return tl_json_text(s && *s ? s : NULL);
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

void tl_json_key_fields(json_t *o, const tl_cert *c)
{
	json_t *san = json_array();
	char key[32];

	snprintf(key, sizeof(key), "%s-%d", c->key_type == TL_KEY_RSA ? "RSA" : "EC",
		 c->key_bits);
	json_object_set_new(o, "key", json_string(key));
	json_object_set_new(o, "signature", tl_json_text(c->sig_alg));
	for (size_t i = 0; i < c->nsan; i++)
		json_array_append_new(san, tl_json_text(c->san[i]));
	json_object_set_new(o, "san", san);
}

int tl_json_write(json_t *v, FILE *f)
{
	int rc = -1;

	if (v != NULL && json_dumpf(v, f, TL_JSON_FLAGS) == 0 && fputc('\n', f) != EOF)
		rc = 0;
	json_decref(v);
	return rc;
}

int tl_json_print(json_t *v)
{
	return tl_json_write(v, stdout);
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
