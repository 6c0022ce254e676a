#include <wolfssl/options.h>
#include <wolfssl/ssl.h>
#include <wolfssl/openssl/pem.h>
#include <wolfssl/wolfcrypt/aes.h>
#include <wolfssl/wolfcrypt/asn.h>
#include <wolfssl/wolfcrypt/asn_public.h>
#include <wolfssl/wolfcrypt/ecc.h>
#include <wolfssl/wolfcrypt/error-crypt.h>
#include <wolfssl/wolfcrypt/hash.h>
#include <wolfssl/wolfcrypt/pkcs7.h>
#include <wolfssl/wolfcrypt/random.h>
#include <wolfssl/wolfcrypt/rsa.h>

#include "x509.h"
#include "file.h"
#include "der.h"
#include "tlv.h"

#include <ctype.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct tl_key {
	int type;
	union {
		RsaKey rsa;
		ecc_key ecc;
	} u;
};

struct tl_pub {
	int type;
	union {
		RsaKey rsa;
		ecc_key ecc;
	} u;
};

/* One generator per thread: a WC_RNG is not safe to share, and phone
 * fleets and benchmarks make keys from many threads at once. A thread's
 * generator is freed when the thread ends (tftpd starts one per reload). */
static _Thread_local WC_RNG rng;
static _Thread_local int rng_ready;
static pthread_key_t rng_key;
static pthread_once_t rng_once = PTHREAD_ONCE_INIT;

static void rng_free(void *r)
{
	wc_FreeRng(r);
}

static void rng_key_make(void)
{
	if (pthread_key_create(&rng_key, rng_free)) {
		/* without it a thread's generator outlives the thread */
	}
}

static WC_RNG *get_rng(void)
{
	if (!rng_ready) {
		if (wc_InitRng(&rng) != 0)
			return NULL;
		rng_ready = 1;
		pthread_once(&rng_once, rng_key_make);
		pthread_setspecific(rng_key, &rng);
	}
	return &rng;
}

int tl_random(uint8_t *buf, size_t len, tl_err *e)
{
	WC_RNG *r = get_rng();

	if (r == NULL || wc_RNG_GenerateBlock(r, buf, (word32)len) != 0)
		return tl_fail(e, "random number generator failed");
	return 0;
}

static const char *wc_msg(int rc)
{
	return wc_GetErrorString(rc);
}

/* ---- names ---- */

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

static char *name_string(WOLFSSL_X509_NAME *nm)
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

static const uint8_t *strip_zeros(const uint8_t *p, size_t *len)
{
	while (*len > 1 && p[0] == 0) {
		p++;
		(*len)--;
	}
	return p;
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

/* ---- hashes ---- */

static enum wc_HashType wc_hash_type(int alg)
{
	switch (alg) {
	case TL_HASH_SHA1: return WC_HASH_TYPE_SHA;
	case TL_HASH_SHA256: return WC_HASH_TYPE_SHA256;
	case TL_HASH_SHA384: return WC_HASH_TYPE_SHA384;
	case TL_HASH_SHA512: return WC_HASH_TYPE_SHA512;
	case TL_HASH_MD5: return WC_HASH_TYPE_MD5;
	default: return WC_HASH_TYPE_NONE;
	}
}

int tl_hash_len(int alg)
{
	enum wc_HashType t = wc_hash_type(alg);

	return t == WC_HASH_TYPE_NONE ? -1 : wc_HashGetDigestSize(t);
}

const char *tl_hash_name(int alg)
{
	switch (alg) {
	case TL_HASH_SHA1: return "SHA-1";
	case TL_HASH_SHA256: return "SHA-256";
	case TL_HASH_SHA384: return "SHA-384";
	case TL_HASH_SHA512: return "SHA-512";
	case TL_HASH_MD5: return "MD5";
	default: return "unknown";
	}
}

int tl_hash_parse(const char *s)
{
	static const struct { const char *n; int alg; } names[] = {
		{ "sha1", TL_HASH_SHA1 }, { "sha-1", TL_HASH_SHA1 },
		{ "sha256", TL_HASH_SHA256 }, { "sha-256", TL_HASH_SHA256 },
		{ "sha384", TL_HASH_SHA384 }, { "sha-384", TL_HASH_SHA384 },
		{ "sha512", TL_HASH_SHA512 }, { "sha-512", TL_HASH_SHA512 },
		{ "md5", TL_HASH_MD5 },
	};

	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		if (strcasecmp(s, names[i].n) == 0)
			return names[i].alg;
	return -1;
}

static int hash_spans(int alg, const tl_span *parts, int nparts,
		      uint8_t out[TL_HASH_MAX])
{
	enum wc_HashType t = wc_hash_type(alg);
	wc_HashAlg h;

	if (t == WC_HASH_TYPE_NONE || wc_HashInit(&h, t) != 0)
		return -1;
	for (int i = 0; i < nparts; i++)
		if (parts[i].len && wc_HashUpdate(&h, t, parts[i].p,
						  (word32)parts[i].len) != 0) {
			wc_HashFree(&h, t);
			return -1;
		}
	if (wc_HashFinal(&h, t, out) != 0) {
		wc_HashFree(&h, t);
		return -1;
	}
	wc_HashFree(&h, t);
	return wc_HashGetDigestSize(t);
}

int tl_hash(int alg, const void *data, size_t len, uint8_t out[TL_HASH_MAX])
{
	tl_span s = { data, len };

	return hash_spans(alg, &s, 1, out);
}

/* ---- keys ---- */

static void key_free_union(int type, void *u)
{
	if (type == TL_KEY_RSA)
		wc_FreeRsaKey(u);
	else
		wc_ecc_free(u);
}

void tl_key_free(tl_key *k)
{
	if (k == NULL)
		return;
	key_free_union(k->type, &k->u);
	explicit_bzero(k, sizeof(*k));
	free(k);
}

void tl_pub_free(tl_pub *p)
{
	if (p == NULL)
		return;
	key_free_union(p->type, &p->u);
	free(p);
}

int tl_key_type(const tl_key *k)
{
	return k->type;
}

static int rsa_bits(const RsaKey *k)
{
	return wc_RsaEncryptSize((RsaKey *)k) * 8;
}

/* wolfSSL gives the field size in bytes: P-521's 66 bytes are not 528 bits. */
static int ecc_bits(ecc_key *k)
{
	int bits = wc_ecc_size(k) * 8;

	return bits == 528 ? 521 : bits;
}

int tl_key_bits(const tl_key *k)
{
	return k->type == TL_KEY_RSA ? rsa_bits(&k->u.rsa)
				     : ecc_bits((ecc_key *)&k->u.ecc);
}

int tl_pub_bits(const tl_pub *p)
{
	return p->type == TL_KEY_RSA ? rsa_bits(&p->u.rsa)
				     : ecc_bits((ecc_key *)&p->u.ecc);
}

int tl_pub_type(const tl_pub *p)
{
	return p->type;
}

static int is_pem(const uint8_t *buf, size_t len)
{
	return len >= 10 && memmem(buf, len, "-----BEGIN", 10) != NULL;
}

/* DER private key (PKCS#1, SEC1 or unencrypted PKCS#8) into *k. */
static int key_from_der(uint8_t *der, word32 len, tl_key *k)
{
	word32 starts[2] = { 0, 0 }, idx = 0;

	if (wc_GetPkcs8TraditionalOffset(der, &idx, len) >= 0)
		starts[1] = idx;
	for (int s = 0; s < 2; s++) {
		word32 i = starts[s];

		if (wc_InitRsaKey(&k->u.rsa, NULL) != 0)
			return -1;
		if (wc_RsaPrivateKeyDecode(der, &i, &k->u.rsa, len) == 0) {
			k->type = TL_KEY_RSA;
			return 0;
		}
		wc_FreeRsaKey(&k->u.rsa);
		i = starts[s];
		if (wc_ecc_init(&k->u.ecc) != 0)
			return -1;
		if (wc_EccPrivateKeyDecode(der, &i, &k->u.ecc, len) == 0) {
			k->type = TL_KEY_EC;
			return 0;
		}
		wc_ecc_free(&k->u.ecc);
	}
	return -1;
}

int tl_key_from_mem(const uint8_t *buf, size_t len, const char *name,
		    tl_key **out, tl_err *e)
{
	uint8_t *der;
	int der_len = (int)len, rc;
	tl_key *k;

	der = malloc(len + 1);
	k = calloc(1, sizeof(*k));
	if (der == NULL || k == NULL) {
		free(der);
		free(k);
		return tl_fail(e, "%s: out of memory", name);
	}
	if (is_pem(buf, len)) {
		der_len = wc_KeyPemToDer(buf, (int)len, der, (int)len, NULL);
		if (der_len <= 0) {
			free(der);
			free(k);
			return tl_fail(e, "%s: no unencrypted private key (PEM \"PRIVATE "
				       "KEY\" block) found", name);
		}
	} else {
		memcpy(der, buf, len);
	}
	rc = key_from_der(der, (word32)der_len, k);
	explicit_bzero(der, len);
	free(der);
	if (rc != 0) {
		free(k);
		return tl_fail(e, "%s: not an RSA or EC private key", name);
	}
	*out = k;
	return 0;
}

int tl_key_load(const char *path, tl_key **out, tl_err *e)
{
	uint8_t *buf;
	size_t len;
	int rc;

	if (tl_read_file(path, 1 << 20, &buf, &len, e))
		return -1;
	rc = tl_key_from_mem(buf, len, path, out, e);
	explicit_bzero(buf, len);
	free(buf);
	return rc;
}

int tl_key_generate(int type, int bits, tl_key **out, tl_err *e)
{
	WC_RNG *r = get_rng();
	tl_key *k = calloc(1, sizeof(*k));
	int rc;

	if (k == NULL || r == NULL) {
		free(k);
		return tl_fail(e, "out of memory");
	}
	k->type = type;
	if (type == TL_KEY_RSA) {
		if (bits < 512 || bits > 4096)
			rc = BAD_FUNC_ARG;
		else if ((rc = wc_InitRsaKey(&k->u.rsa, NULL)) == 0) {
			rc = wc_MakeRsaKey(&k->u.rsa, bits, WC_RSA_EXPONENT, r);
			if (rc != 0)
				wc_FreeRsaKey(&k->u.rsa);
		}
	} else {
		if ((rc = wc_ecc_init(&k->u.ecc)) == 0) {
			rc = wc_ecc_make_key(r, (bits + 7) / 8, &k->u.ecc);
			if (rc != 0)
				wc_ecc_free(&k->u.ecc);
		}
	}
	if (rc != 0) {
		free(k);
		return tl_fail(e, "cannot generate %s-%d key: %s",
			       type == TL_KEY_RSA ? "RSA" : "EC", bits, wc_msg(rc));
	}
	*out = k;
	return 0;
}

static int der_to_pem_alloc(const uint8_t *der, size_t len, int type, char **pem)
{
	int n = wc_DerToPem(der, (word32)len, NULL, 0, type);
	char *p;

	if (n <= 0 || (p = malloc((size_t)n + 1)) == NULL)
		return -1;
	n = wc_DerToPem(der, (word32)len, (byte *)p, (word32)n, type);
	if (n <= 0) {
		free(p);
		return -1;
	}
	p[n] = 0;
	*pem = p;
	return 0;
}

int tl_key_to_pem(const tl_key *k, char **pem, tl_err *e)
{
	uint8_t der[8192];
	int n, rc;

	if (k->type == TL_KEY_RSA)
		n = wc_RsaKeyToDer((RsaKey *)&k->u.rsa, der, sizeof(der));
	else
		n = wc_EccKeyToDer((ecc_key *)&k->u.ecc, der, sizeof(der));
	if (n <= 0)
		return tl_fail(e, "cannot encode private key");
	rc = der_to_pem_alloc(der, (size_t)n, k->type == TL_KEY_RSA ?
			      PRIVATEKEY_TYPE : ECC_PRIVATEKEY_TYPE, pem);
	explicit_bzero(der, sizeof(der));
	if (rc)
		return tl_fail(e, "cannot encode private key as PEM");
	return 0;
}

int tl_cert_to_pem(const tl_cert *c, char **pem, tl_err *e)
{
	if (der_to_pem_alloc(c->der, c->der_len, CERT_TYPE, pem))
		return tl_fail(e, "cannot encode certificate as PEM");
	return 0;
}

int tl_pub_from_record(int key_type, const uint8_t *p, size_t len,
		       tl_pub **out, tl_err *e)
{
	tl_pub *k = calloc(1, sizeof(*k));
	word32 idx = 0;
	int rc;

	if (k == NULL)
		return tl_fail(e, "out of memory");
	k->type = key_type;
	if (key_type == TL_KEY_RSA) {
		rc = wc_InitRsaKey(&k->u.rsa, NULL);
		if (rc == 0 && (rc = wc_RsaPublicKeyDecode(p, &idx, &k->u.rsa,
							  (word32)len)) != 0)
			wc_FreeRsaKey(&k->u.rsa);
	} else {
		rc = wc_ecc_init(&k->u.ecc);
		if (rc == 0 && (rc = wc_ecc_import_x963(p, (word32)len,
							&k->u.ecc)) != 0)
			wc_ecc_free(&k->u.ecc);
	}
	if (rc != 0) {
		free(k);
		return tl_fail(e, "public key is not a valid %s key: %s",
			       key_type == TL_KEY_RSA ? "RSA (PKCS#1)" : "EC (X9.62)",
			       wc_msg(rc));
	}
	*out = k;
	return 0;
}

int tl_pub_from_cert(const tl_cert *c, tl_pub **out, tl_err *e)
{
	return tl_pub_from_record(c->key_type, c->pubkey, c->pubkey_len, out, e);
}

int tl_key_matches(const tl_key *k, const tl_cert *c, tl_err *e)
{
	uint8_t pub[1024];
	word32 n = sizeof(pub);
	int len;

	if (k->type != c->key_type)
		return tl_fail(e, "key is %s but the certificate %s holds an %s key",
			       k->type == TL_KEY_RSA ? "RSA" : "EC", c->subject,
			       c->key_type == TL_KEY_RSA ? "RSA" : "EC");
	if (k->type == TL_KEY_RSA) {
		len = wc_RsaKeyToPublicDer_ex((RsaKey *)&k->u.rsa, pub, n, 0);
		if (len > 0)
			n = (word32)len;
	} else {
		len = wc_ecc_export_x963((ecc_key *)&k->u.ecc, pub, &n);
		len = len == 0 ? (int)n : -1;
	}
	if (len <= 0 || n != c->pubkey_len || memcmp(pub, c->pubkey, n) != 0)
		return tl_fail(e, "private key does not match the certificate %s",
			       c->subject);
	return 0;
}

/* ---- certificates ---- */

void tl_cert_free(tl_cert *c)
{
	if (c == NULL)
		return;
	free(c->der);
	free(c->subject);
	free(c->issuer);
	free(c->pubkey);
	free(c->sig);
	for (size_t i = 0; i < c->nsan; i++)
		free(c->san[i]);
	free(c->san);
	wolfSSL_X509_free(c->x509);
	free(c);
}

static time_t asn1_time(const WOLFSSL_ASN1_TIME *t)
{
	struct tm tm;

	memset(&tm, 0, sizeof(tm));
	if (t == NULL || wolfSSL_ASN1_TIME_to_tm(t, &tm) != WOLFSSL_SUCCESS)
		return (time_t)-1;
	return timegm(&tm);
}


static int pubkey_record_form(tl_cert *c, const uint8_t *spki, int spki_len)
{
	uint8_t out[1024];
	word32 idx = 0, n = sizeof(out);
	int rc = -1;

	if (c->key_type == TL_KEY_RSA) {
		RsaKey k;

		if (wc_InitRsaKey(&k, NULL) != 0)
			return -1;
		if (wc_RsaPublicKeyDecode(spki, &idx, &k, (word32)spki_len) == 0) {
			int len = wc_RsaKeyToPublicDer_ex(&k, out, n, 0);

			c->key_bits = rsa_bits(&k);
			if (len > 0) {
				n = (word32)len;
				rc = 0;
			}
		}
		wc_FreeRsaKey(&k);
	} else {
		ecc_key k;

		if (wc_ecc_init(&k) != 0)
			return -1;
		if (wc_EccPublicKeyDecode(spki, &idx, &k, (word32)spki_len) == 0 &&
		    wc_ecc_export_x963(&k, out, &n) == 0) {
			c->key_bits = ecc_bits(&k);
			rc = 0;
		}
		wc_ecc_free(&k);
	}
	if (rc == 0) {
		c->pubkey = malloc(n);
		if (c->pubkey == NULL)
			return -1;
		memcpy(c->pubkey, out, n);
		c->pubkey_len = n;
	}
	return rc;
}

/* Serial number, key type and public key in record form, from whichever
 * decoder read the certificate: a NULL spki is a key it could not read. */
static int set_ids(tl_cert *c, const uint8_t *serial, int serial_len,
		   int key_oid, const uint8_t *spki, int spki_len, tl_err *e)
{
	const uint8_t *s;
	size_t sl;

	if (serial_len <= 0)
		return tl_fail(e, "certificate has no readable serial number");
	sl = (size_t)serial_len;
	s = strip_zeros(serial, &sl);
	if (sl > TL_SERIAL_MAX)
		return tl_fail(e, "certificate serial number of %zu bytes is too long",
			       sl);
	memcpy(c->serial, s, sl);
	c->serial_len = sl;
	switch (key_oid) {
	case RSAk: c->key_type = TL_KEY_RSA; break;
	case ECDSAk: c->key_type = TL_KEY_EC; break;
	default:
		return tl_fail(e, "certificate %s has neither an RSA nor an EC key",
			       c->subject);
	}
	if (spki == NULL || pubkey_record_form(c, spki, spki_len) != 0)
		return tl_fail(e, "certificate %s: public key cannot be decoded",
			       c->subject);
	return 0;
}

/* extendedKeyUsage as TL_EKU_* bits. wolfSSL's own bitmask has no IPsec
 * bit and is confused by OIDs it does not know, so read the OID list. */
static void read_eku(tl_cert *c, WOLFSSL_X509 *x)
{
	static const uint8_t kp[] = { 0x2b, 0x06, 0x01, 0x05, 0x05, 0x07, 0x03 };
	int loc = wolfSSL_X509_get_ext_by_NID(x, NID_ext_key_usage, -1);
	WOLFSSL_X509_EXTENSION *ext;
	WOLFSSL_ASN1_STRING *d;
	const uint8_t *p;
	size_t n, pos = 0, hdr, clen;
	uint8_t tag;

	if (loc < 0 || (ext = wolfSSL_X509_get_ext(x, loc)) == NULL ||
	    (d = wolfSSL_X509_EXTENSION_get_data(ext)) == NULL)
		return;
	c->has_ext_key_usage = 1;
	p = wolfSSL_ASN1_STRING_data(d);
	n = (size_t)wolfSSL_ASN1_STRING_length(d);
	if (n > 0 && p[0] == 0x30 && tl_der_header(p, n, &tag, &hdr, &clen) == 0) {
		p += hdr;	/* the SEQUENCE itself, when it is not stripped */
		n = clen;
	}
	for (; pos < n && tl_der_header(p + pos, n - pos, &tag, &hdr, &clen) == 0;
	     pos += hdr + clen) {
		const uint8_t *oid = p + pos + hdr;

		if (tag != 0x06 || clen != sizeof(kp) + 1 ||
		    memcmp(oid, kp, sizeof(kp)) != 0)
			continue;
		switch (oid[sizeof(kp)]) {
		case 1: c->ext_key_usage |= TL_EKU_SERVER_AUTH; break;
		case 2: c->ext_key_usage |= TL_EKU_CLIENT_AUTH; break;
		case 5: c->ext_key_usage |= TL_EKU_IPSEC_END_SYSTEM; break;
		}
	}
}

static void read_san(tl_cert *c, WOLFSSL_X509 *x)
{
	char *n;

	while ((n = wolfSSL_X509_get_next_altname(x)) != NULL) {
		char **grown = realloc(c->san, (c->nsan + 1) * sizeof(*grown));

		if (grown == NULL)
			return;
		c->san = grown;
		if ((c->san[c->nsan] = strdup(n)) != NULL)
			c->nsan++;
	}
}

static void read_sig_alg(tl_cert *c, WOLFSSL_X509 *x)
{
	static const struct { const char *s; int h; } hashes[] = {
		{ "sha512", TL_HASH_SHA512 }, { "sha384", TL_HASH_SHA384 },
		{ "sha256", TL_HASH_SHA256 }, { "sha1", TL_HASH_SHA1 },
		{ "md5", TL_HASH_MD5 },
	};
	const char *ln = wolfSSL_OBJ_nid2ln(wolfSSL_X509_get_signature_nid(x));
	char lower[48];
	size_t i;

	snprintf(c->sig_alg, sizeof(c->sig_alg), "%s", ln ? ln : "unknown");
	for (i = 0; c->sig_alg[i] && i + 1 < sizeof(lower); i++)
		lower[i] = (char)tolower((unsigned char)c->sig_alg[i]);
	lower[i] = 0;
	for (i = 0; i < sizeof(hashes) / sizeof(hashes[0]); i++)
		if (strstr(lower, hashes[i].s)) {
			c->sig_hash = hashes[i].h;
			return;
		}
}

int tl_cert_from_der(const uint8_t *der, size_t len, tl_cert **out, tl_err *e)
{
	tl_cert *c;
	WOLFSSL_X509 *x;
	uint8_t spki[1200], serial[64];
	int spki_len = sizeof(spki), serial_len = sizeof(serial), sig_len = 0;

	if (len == 0 || len > 65535)
		return tl_fail(e, "certificate of %zu bytes is not plausible", len);
	x = wolfSSL_X509_load_certificate_buffer(der, (int)len,
						 WOLFSSL_FILETYPE_ASN1);
	if (x == NULL)
		return tl_fail(e, "not a valid X.509 certificate (DER)");
	c = calloc(1, sizeof(*c));
	if (c == NULL) {
		wolfSSL_X509_free(x);
		return tl_fail(e, "out of memory");
	}
	c->x509 = x;
	c->der = malloc(len);
	if (c->der == NULL)
		goto oom;
	memcpy(c->der, der, len);
	c->der_len = len;
	c->subject = name_string(wolfSSL_X509_get_subject_name(x));
	c->issuer = name_string(wolfSSL_X509_get_issuer_name(x));
	if (c->subject == NULL || c->issuer == NULL)
		goto oom;
	if (wolfSSL_X509_get_serial_number(x, serial, &serial_len) !=
	    WOLFSSL_SUCCESS)
		serial_len = 0;
	if (wolfSSL_X509_get_pubkey_buffer(x, spki, &spki_len) != WOLFSSL_SUCCESS)
		spki_len = 0;
	if (set_ids(c, serial, serial_len, wolfSSL_X509_get_pubkey_type(x),
		    spki_len > 0 ? spki : NULL, spki_len, e)) {
		tl_cert_free(c);
		return -1;
	}
	if (wolfSSL_X509_get_signature(x, NULL, &sig_len) != WOLFSSL_SUCCESS ||
	    sig_len <= 0 || (c->sig = malloc((size_t)sig_len)) == NULL ||
	    wolfSSL_X509_get_signature(x, c->sig, &sig_len) != WOLFSSL_SUCCESS) {
		tl_cert_free(c);
		return tl_fail(e, "certificate has no readable signature");
	}
	c->sig_len = (size_t)sig_len;
	c->not_before = asn1_time(wolfSSL_X509_get_notBefore(x));
	c->not_after = asn1_time(wolfSSL_X509_get_notAfter(x));
	c->key_usage = wolfSSL_X509_get_keyUsage(x);
	c->is_ca = wolfSSL_X509_get_isCA(x);
	read_eku(c, x);
	read_san(c, x);
	read_sig_alg(c, x);
	*out = c;
	return 0;
oom:
	tl_cert_free(c);
	return tl_fail(e, "out of memory");
}

/* The same parse wolfSSL_X509_load_certificate_buffer runs, without the
 * WOLFSSL_X509 it then builds (copied names, extensions, key objects with
 * a random generator each): that object is most of the cost. */
int tl_cert_ids_from_der(const uint8_t *der, size_t len, tl_cert **out,
			 tl_err *e)
{
	DecodedCert dc;
	uint8_t spki[1200];
	word32 spki_len = sizeof(spki);
	tl_cert *c;
	int rc = -1;

	if (len == 0 || len > 65535)
		return tl_fail(e, "certificate of %zu bytes is not plausible", len);
	wc_InitDecodedCert(&dc, der, (word32)len, NULL);
	if (wc_ParseCert(&dc, CERT_TYPE, NO_VERIFY, NULL) != 0) {
		wc_FreeDecodedCert(&dc);
		return tl_fail(e, "not a valid X.509 certificate (DER)");
	}
	c = calloc(1, sizeof(*c));
	if (c == NULL) {
		wc_FreeDecodedCert(&dc);
		return tl_fail(e, "out of memory");
	}
	c->subject = name_string(dc.subjectName);
	c->issuer = name_string(dc.issuerName);
	if (wc_GetPubKeyDerFromCert(&dc, spki, &spki_len) != 0)
		spki_len = 0;
	if (c->subject == NULL || c->issuer == NULL)
		rc = tl_fail(e, "out of memory");
	else if (set_ids(c, dc.serial, dc.serialSz, (int)dc.keyOID,
			 spki_len > 0 ? spki : NULL, (int)spki_len, e) == 0)
		rc = dc.signature != NULL && dc.sigLength > 0 ? 0 :
		     tl_fail(e, "certificate has no readable signature");
	wc_FreeDecodedCert(&dc);
	if (rc) {
		tl_cert_free(c);
		return -1;
	}
	*out = c;
	return 0;
}

int tl_cert_from_mem(const uint8_t *buf, size_t len, const char *name,
		     tl_cert **out, tl_err *e)
{
	uint8_t *der;
	int n;

	if (!is_pem(buf, len)) {
		if (tl_cert_from_der(buf, len, out, e))
			return tl_wrap(e, "%s", name);
		return 0;
	}
	der = malloc(len);
	if (der == NULL)
		return tl_fail(e, "%s: out of memory", name);
	n = wc_CertPemToDer(buf, (int)len, der, (int)len, CERT_TYPE);
	if (n <= 0) {
		free(der);
		return tl_fail(e, "%s: no PEM \"CERTIFICATE\" block found", name);
	}
	if (tl_cert_from_der(der, (size_t)n, out, e)) {
		free(der);
		return tl_wrap(e, "%s", name);
	}
	free(der);
	return 0;
}

int tl_cert_load(const char *path, tl_cert **out, tl_err *e)
{
	uint8_t *buf;
	size_t len;
	int rc;

	if (tl_read_file(path, 1 << 20, &buf, &len, e))
		return -1;
	rc = tl_cert_from_mem(buf, len, path, out, e);
	free(buf);
	return rc;
}

/* ---- signatures ---- */

int tl_sig_size(const tl_key *k)
{
	if (k->type == TL_KEY_RSA)
		return wc_RsaEncryptSize((RsaKey *)&k->u.rsa);
	return wc_ecc_sig_size((ecc_key *)&k->u.ecc);
}

int tl_sign(const tl_key *k, int hash_alg, const tl_span *parts, int nparts,
	    uint8_t *sig, size_t *sig_len, tl_err *e)
{
	uint8_t digest[TL_HASH_MAX], enc[TL_HASH_MAX + 32];
	int dlen = hash_spans(hash_alg, parts, nparts, digest), rc;
	WC_RNG *r = get_rng();

	if (dlen < 0 || r == NULL)
		return tl_fail(e, "unsupported hash algorithm %d", hash_alg);
	if (k->type == TL_KEY_RSA) {
		word32 elen = wc_EncodeSignature(enc, digest, (word32)dlen,
						 wc_HashGetOID(wc_hash_type(hash_alg)));

		rc = wc_RsaSSL_Sign(enc, elen, sig, (word32)*sig_len,
				    (RsaKey *)&k->u.rsa, r);
		if (rc > 0) {
			*sig_len = (size_t)rc;
			rc = 0;
		}
	} else {
		word32 n = (word32)*sig_len;

		rc = wc_ecc_sign_hash(digest, (word32)dlen, sig, &n, r,
				      (ecc_key *)&k->u.ecc);
		*sig_len = n;
	}
	if (rc != 0)
		return tl_fail(e, "signing failed: %s", wc_msg(rc));
	return 0;
}

int tl_verify(const tl_pub *k, int hash_alg, const tl_span *parts, int nparts,
	      const uint8_t *sig, size_t sig_len, tl_err *e)
{
	uint8_t digest[TL_HASH_MAX], enc[TL_HASH_MAX + 32], dec[1024];
	int dlen = hash_spans(hash_alg, parts, nparts, digest);

	if (dlen < 0)
		return tl_fail(e, "unsupported hash algorithm %d", hash_alg);
	if (k->type == TL_KEY_RSA) {
		word32 elen = wc_EncodeSignature(enc, digest, (word32)dlen,
						 wc_HashGetOID(wc_hash_type(hash_alg)));
		int n;

		if (sig_len != (size_t)wc_RsaEncryptSize((RsaKey *)&k->u.rsa))
			return tl_fail(e, "signature is %zu bytes, the RSA-%d key "
				       "makes %d-byte signatures", sig_len,
				       tl_pub_bits(k), tl_pub_bits(k) / 8);
		n = wc_RsaSSL_Verify(sig, (word32)sig_len, dec, sizeof(dec),
				     (RsaKey *)&k->u.rsa);
		if (n < 0 || (word32)n != elen || memcmp(dec, enc, elen) != 0)
			return tl_fail(e, "%s/RSA signature does not match the data",
				       tl_hash_name(hash_alg));
	} else {
		int res = 0, rc;

		rc = wc_ecc_verify_hash(sig, (word32)sig_len, digest, (word32)dlen,
					&res, (ecc_key *)&k->u.ecc);
		if (rc != 0 || res != 1)
			return tl_fail(e, "%s/ECDSA signature does not match the data",
				       tl_hash_name(hash_alg));
	}
	return 0;
}

int tl_rsa_encrypt(const tl_pub *k, const uint8_t *in, size_t in_len,
		   uint8_t *out, size_t *out_len, tl_err *e)
{
	int rc;

	if (k->type != TL_KEY_RSA)
		return tl_fail(e, "key wrapping needs an RSA key, this one is EC");
	rc = wc_RsaPublicEncrypt(in, (word32)in_len, out, (word32)*out_len,
				 (RsaKey *)&k->u.rsa, get_rng());
	if (rc < 0)
		return tl_fail(e, "RSA encryption failed: %s", wc_msg(rc));
	*out_len = (size_t)rc;
	return 0;
}

int tl_rsa_decrypt(const tl_key *k, const uint8_t *in, size_t in_len,
		   uint8_t *out, size_t *out_len, tl_err *e)
{
	int rc;

	if (k->type != TL_KEY_RSA)
		return tl_fail(e, "key unwrapping needs an RSA key, this one is EC");
	/* blinding draws from the key's generator: this thread's, the one a
	 * key was loaded on may have ended */
	wc_RsaSetRNG((RsaKey *)&k->u.rsa, get_rng());
	rc = wc_RsaPrivateDecrypt(in, (word32)in_len, out, (word32)*out_len,
				  (RsaKey *)&k->u.rsa);
	if (rc < 0)
		return tl_fail(e, "RSA decryption failed (wrong key?): %s",
			       wc_msg(rc));
	*out_len = (size_t)rc;
	return 0;
}

int tl_aes128_cbc(int encrypt, const uint8_t key[16], const uint8_t iv[16],
		  const uint8_t *in, uint8_t *out, size_t len, tl_err *e)
{
	Aes aes;
	int rc;

	if (len % 16)
		return tl_fail(e, "AES-CBC data of %zu bytes is not a multiple of 16",
			       len);
	if ((rc = wc_AesInit(&aes, NULL, INVALID_DEVID)) != 0)
		return tl_fail(e, "AES init failed: %s", wc_msg(rc));
	rc = wc_AesSetKey(&aes, key, 16, iv,
			  encrypt ? AES_ENCRYPTION : AES_DECRYPTION);
	if (rc == 0 && len > 0)
		rc = encrypt ? wc_AesCbcEncrypt(&aes, out, in, (word32)len)
			     : wc_AesCbcDecrypt(&aes, out, in, (word32)len);
	wc_AesFree(&aes);
	explicit_bzero(&aes, sizeof(aes));
	if (rc != 0)
		return tl_fail(e, "AES-128-CBC failed: %s", wc_msg(rc));
	return 0;
}

/* ---- certificate maker ---- */

/* X.509 Time: UTCTime through 2049, GeneralizedTime after, always GMT with
 * seconds and no fractions (docs/certificates.md). */
static int set_date(byte *out, int *out_len, time_t t)
{
	struct tm tm;
	char s[20];
	int n;

	if (gmtime_r(&t, &tm) == NULL)
		return -1;
	if (tm.tm_year + 1900 < 2050) {
		n = (int)strftime(s, sizeof(s), "%y%m%d%H%M%SZ", &tm);
		out[0] = 0x17;	/* ASN.1 UTCTime */
	} else {
		n = (int)strftime(s, sizeof(s), "%Y%m%d%H%M%SZ", &tm);
		out[0] = 0x18;	/* ASN.1 GeneralizedTime */
	}
	out[1] = (byte)n;
	memcpy(out + 2, s, (size_t)n);
	*out_len = n + 2;
	return 0;
}

static int sig_type(int key_type, int hash_alg)
{
	static const int rsa[] = { [TL_HASH_SHA1] = CTC_SHAwRSA,
		[TL_HASH_SHA256] = CTC_SHA256wRSA, [TL_HASH_SHA512] = CTC_SHA512wRSA };
	static const int ec[] = { [TL_HASH_SHA1] = CTC_SHAwECDSA,
		[TL_HASH_SHA256] = CTC_SHA256wECDSA, [TL_HASH_SHA512] = CTC_SHA512wECDSA };

	if (hash_alg == TL_HASH_SHA384)
		return key_type == TL_KEY_RSA ? CTC_SHA384wRSA : CTC_SHA384wECDSA;
	if (hash_alg < TL_HASH_SHA1 || hash_alg > TL_HASH_SHA512)
		return -1;
	return key_type == TL_KEY_RSA ? rsa[hash_alg] : ec[hash_alg];
}

static void copy_name(char *dst, const char *src)
{
	if (src)
		snprintf(dst, CTC_NAME_SIZE, "%s", src);
}

/* Extension ::= SEQUENCE { OID, OCTET STRING { SEQUENCE { list } } };
 * frees list. */
static void put_extension(tl_buf *out, const uint8_t *oid, size_t oid_len,
			  tl_buf *list)
{
	tl_buf val, ext;

	tl_buf_init(&val);
	tl_der_put(&val, 0x30, list->p, list->len);
	tl_buf_init(&ext);
	tl_buf_add(&ext, oid, oid_len);
	tl_der_put(&ext, 0x04, val.p, val.len);
	tl_der_put(out, 0x30, ext.p, ext.len);
	tl_buf_free(list);
	tl_buf_free(&val);
	tl_buf_free(&ext);
}

/* The DER of extensions wolfSSL's Cert cannot express (see der.h): an
 * extendedKeyUsage listing OIDs, and a subjectAltName with DNS names and a
 * URI. Empty when the spec needs neither. */
static void extra_extensions(const tl_certspec *s, tl_buf *out)
{
	static const uint8_t eku_oid[] = { 0x06, 0x03, 0x55, 0x1d, 0x25 };
	static const uint8_t san_oid[] = { 0x06, 0x03, 0x55, 0x1d, 0x11 };
	static const struct { unsigned bit; uint8_t last; } ekus[] = {
		{ TL_EKU_SERVER_AUTH, 1 }, { TL_EKU_CLIENT_AUTH, 2 },
		{ TL_EKU_IPSEC_END_SYSTEM, 5 },
	};
	tl_buf list;

	tl_buf_init(out);
	if (s->critical_basic) {
		/* basicConstraints, critical, CA:FALSE (an empty SEQUENCE) */
		static const uint8_t bc[] = { 0x30, 0x0c, 0x06, 0x03, 0x55, 0x1d, 0x13,
					      0x01, 0x01, 0xff, 0x04, 0x02, 0x30, 0x00 };

		tl_buf_add(out, bc, sizeof(bc));
	}
	if (s->ext_key_usage & TL_EKU_IPSEC_END_SYSTEM) {
		tl_buf_init(&list);
		for (size_t i = 0; i < sizeof(ekus) / sizeof(ekus[0]); i++) {
			/* id-kp: 1.3.6.1.5.5.7.3.n */
			uint8_t oid[] = { 0x2b, 0x06, 0x01, 0x05, 0x05, 0x07, 0x03,
					  ekus[i].last };

			if (s->ext_key_usage & ekus[i].bit)
				tl_der_put(&list, 0x06, oid, sizeof(oid));
		}
		put_extension(out, eku_oid, sizeof(eku_oid), &list);
	}
	if ((s->san_dns && s->san_dns[0]) || s->san_uri) {
		tl_buf_init(&list);
		for (size_t i = 0; s->san_dns && s->san_dns[i]; i++)
			tl_der_put(&list, 0x82, s->san_dns[i], strlen(s->san_dns[i]));
		if (s->san_uri)
			tl_der_put(&list, 0x86, s->san_uri, strlen(s->san_uri));
		put_extension(out, san_oid, sizeof(san_oid), &list);
	}
}

/* Fills a wolfSSL Cert from a spec: names, serial, algorithm, extensions it
 * can write itself. Shared by certificates and requests. */
static int fill_cert(Cert *cert, const tl_certspec *s, int signer_type,
		     int subject_type, void *subject_key, tl_err *e)
{
	int kt = subject_type == TL_KEY_RSA ? RSA_TYPE : ECC_TYPE;

	wc_InitCert(cert);
	copy_name(cert->subject.commonName, s->cn);
	copy_name(cert->subject.unit, s->ou);
	copy_name(cert->subject.org, s->o);
	copy_name(cert->subject.locality, s->l);
	copy_name(cert->subject.state, s->st);
	copy_name(cert->subject.country, s->c);
	if (s->serial) {
		if (s->serial_len == 0 || s->serial_len > CTC_SERIAL_SIZE - 1)
			return tl_fail(e, "serial number must be 1 to %d bytes",
				       CTC_SERIAL_SIZE - 1);
		memcpy(cert->serial, s->serial, s->serial_len);
		cert->serialSz = (int)s->serial_len;
	} else {
		cert->serialSz = 16;
		if (tl_random(cert->serial, 16, e))
			return -1;
		cert->serial[0] &= 0x7f;	/* positive, no sign byte needed */
		cert->serial[0] |= 0x40;	/* and exactly 16 bytes long */
	}
	cert->sigType = sig_type(signer_type, s->hash_alg ? s->hash_alg
							  : TL_HASH_SHA256);
	if (cert->sigType < 0)
		return tl_fail(e, "unsupported signature hash");
	cert->isCA = s->is_ca;
	/* a critical basicConstraints is spliced in instead (see der.h) */
	cert->basicConstSet = !s->critical_basic;
	cert->keyUsage = (word16)s->key_usage;
	if (!(s->ext_key_usage & TL_EKU_IPSEC_END_SYSTEM))
		cert->extKeyUsage = (byte)s->ext_key_usage;
	if (wc_SetSubjectKeyIdFromPublicKey_ex(cert, kt, subject_key))
		return tl_fail(e, "cannot compute the subject key identifier");
	return 0;
}

/* Appends extra extensions to a to-be-signed structure at path and copies
 * the result over der; returns the new length or -1. */
static int splice_exts(uint8_t *der, size_t cap, int body_len, const tl_buf *extra,
		  const tl_der_step *path, int depth, tl_err *e)
{
	tl_buf out;
	int n;

	if (extra->len == 0)
		return body_len;
	tl_buf_init(&out);
	if (tl_der_append_at(der, (size_t)body_len, path, depth, extra->p,
			     extra->len, &out) || out.len > cap) {
		tl_buf_free(&out);
		return tl_fail(e, "cannot add the extended key usage or subject "
			       "alternative name extension");
	}
	memcpy(der, out.p, out.len);
	n = (int)out.len;
	tl_buf_free(&out);
	return n;
}

static int make_cert(const tl_certspec *s, int subject_type, void *subject_key,
		     const tl_key *signer, tl_cert **out, tl_err *e)
{
	static const tl_der_step tbs_exts[] = { { 0xa3, NULL, 0 }, { 0x30, NULL, 0 } };
	int kt = subject_type == TL_KEY_RSA ? RSA_TYPE : ECC_TYPE;
	int st = signer->type == TL_KEY_RSA ? RSA_TYPE : ECC_TYPE;
	WC_RNG *r = get_rng();
	uint8_t der[8192];
	tl_buf extra;
	Cert *cert;
	int rc, len;

	cert = calloc(1, sizeof(*cert));
	if (cert == NULL || r == NULL) {
		free(cert);
		return tl_fail(e, "out of memory");
	}
	if (fill_cert(cert, s, signer->type, subject_type, subject_key, e)) {
		free(cert);
		return -1;
	}
	if (set_date(cert->beforeDate, &cert->beforeDateSz, s->not_before) ||
	    set_date(cert->afterDate, &cert->afterDateSz, s->not_after)) {
		free(cert);
		return tl_fail(e, "certificate validity dates out of range");
	}
	rc = 0;
	if (s->issuer)
		rc = wc_SetIssuerBuffer(cert, s->issuer->der, (int)s->issuer->der_len);
	if (rc == 0 && s->issuer)
		rc = wc_SetAuthKeyIdFromCert(cert, s->issuer->der,
					     (int)s->issuer->der_len);
	else if (rc == 0) {
		cert->selfSigned = 1;
		memcpy(cert->akid, cert->skid, (size_t)cert->skidSz);
		cert->akidSz = cert->skidSz;
	}
	if (rc == 0)
		rc = wc_MakeCert_ex(cert, der, sizeof(der), kt, subject_key, r);
	if (rc < 0) {
		free(cert);
		return tl_fail(e, "cannot make certificate CN=%s: %s",
			       s->cn ? s->cn : "", wc_msg(rc));
	}
	extra_extensions(s, &extra);
	len = splice_exts(der, sizeof(der), cert->bodySz, &extra, tbs_exts, 2, e);
	tl_buf_free(&extra);
	if (len >= 0)
		len = wc_SignCert_ex(len, cert->sigType, der, sizeof(der), st,
				     (void *)&signer->u, r);
	free(cert);
	if (len < 0)
		return tl_fail(e, "cannot sign certificate CN=%s: %s",
			       s->cn ? s->cn : "", wc_msg(len));
	return tl_cert_from_der(der, (size_t)len, out, e);
}

int tl_cert_make(const tl_certspec *s, const tl_key *subject_key,
		 tl_cert **out, tl_err *e)
{
	return make_cert(s, subject_key->type, (void *)&subject_key->u,
			 s->issuer_key ? s->issuer_key : subject_key, out, e);
}

int tl_cert_make_for(const tl_certspec *s, const tl_pub *subject,
		     tl_cert **out, tl_err *e)
{
	if (s->issuer_key == NULL || s->issuer == NULL)
		return tl_fail(e, "a certificate for a public key needs an issuer");
	return make_cert(s, subject->type, (void *)&subject->u, s->issuer_key, out, e);
}

int tl_csr_make(const tl_certspec *s, const tl_key *key, uint8_t **der_out,
		size_t *der_len, tl_err *e)
{
	/* attributes [0] > the extensionRequest attribute > SET > Extensions */
	static const uint8_t ext_req[] = { 0x06, 0x09, 0x2a, 0x86, 0x48, 0x86,
					   0xf7, 0x0d, 0x01, 0x09, 0x0e };
	static const tl_der_step req_exts[] = {
		{ 0xa0, NULL, 0 }, { 0x30, ext_req, sizeof(ext_req) },
		{ 0x31, NULL, 0 }, { 0x30, NULL, 0 },
	};
	int kt = key->type == TL_KEY_RSA ? RSA_TYPE : ECC_TYPE;
	WC_RNG *r = get_rng();
	uint8_t der[8192];
	tl_buf extra;
	Cert *cert;
	int len;

	cert = calloc(1, sizeof(*cert));
	if (cert == NULL || r == NULL) {
		free(cert);
		return tl_fail(e, "out of memory");
	}
	if (fill_cert(cert, s, key->type, key->type, (void *)&key->u, e)) {
		free(cert);
		return -1;
	}
	len = wc_MakeCertReq_ex(cert, der, sizeof(der), kt, (void *)&key->u);
	if (len < 0) {
		free(cert);
		return tl_fail(e, "cannot make request CN=%s: %s", s->cn ? s->cn : "",
			       wc_msg(len));
	}
	extra_extensions(s, &extra);
	len = splice_exts(der, sizeof(der), cert->bodySz, &extra, req_exts, 4, e);
	tl_buf_free(&extra);
	if (len >= 0)
		len = wc_SignCert_ex(len, cert->sigType, der, sizeof(der), kt,
				     (void *)&key->u, r);
	free(cert);
	if (len < 0)
		return tl_fail(e, "cannot sign request CN=%s: %s", s->cn ? s->cn : "",
			       wc_msg(len));
	*der_out = malloc((size_t)len);
	if (*der_out == NULL)
		return tl_fail(e, "out of memory");
	memcpy(*der_out, der, (size_t)len);
	*der_len = (size_t)len;
	return 0;
}

int tl_cert_issued_by(const tl_cert *c, const tl_cert *issuer)
{
	WOLFSSL_EVP_PKEY *pk;
	int ok;

	if (!tl_name_equal(c->issuer, issuer->subject))
		return 0;
	pk = wolfSSL_X509_get_pubkey(issuer->x509);
	if (pk == NULL)
		return 0;
	ok = wolfSSL_X509_verify(c->x509, pk) == WOLFSSL_SUCCESS;
	wolfSSL_EVP_PKEY_free(pk);
	return ok;
}

int tl_chain_check(const tl_cert *c, tl_cert *const *pool, size_t n, tl_err *e)
{
	const tl_cert *at = c;

	/* a chain longer than the pool would revisit a certificate */
	for (size_t depth = 0; depth <= n; depth++) {
		size_t i;

		if (tl_name_equal(at->subject, at->issuer) && tl_cert_issued_by(at, at))
			return 0;
		for (i = 0; i < n; i++)
			if (pool[i] != at && tl_cert_issued_by(at, pool[i]))
				break;
		if (i == n && tl_name_equal(at->subject, at->issuer))
			return tl_fail(e, "the signature of %s does not verify with its "
				       "own key: the certificate is damaged or was "
				       "altered", at->subject) - 1;
		if (i == n)
			return tl_fail(e, "chain incomplete: the issuer of %s (%s) is in "
				       "no trust store and not in the given chain "
				       "(unknown CA): add it with `trustline cert trust "
				       "add` or --chain", at->subject, at->issuer);
		at = pool[i];
	}
	return tl_fail(e, "chain of %s loops", c->subject);
}

int tl_csr_to_pem(const uint8_t *der, size_t len, char **pem, tl_err *e)
{
	if (der_to_pem_alloc(der, len, CERTREQ_TYPE, pem))
		return tl_fail(e, "cannot encode the request as PEM");
	return 0;
}

int tl_csr_from_pem(const uint8_t *pem, size_t len, tl_cert **out, tl_err *e)
{
	WOLFSSL_EVP_PKEY *pk;
	unsigned char *spki = NULL;
	int spki_len;
	WOLFSSL_X509 *x;
	tl_cert *c;

	*out = NULL;
	if (len == 0 || len > 65535)
		return tl_fail(e, "request of %zu bytes is not plausible", len);
	x = wolfSSL_X509_REQ_load_certificate_buffer(pem, (int)len,
						     WOLFSSL_FILETYPE_PEM);
	if (x == NULL)
		return tl_fail(e, "not a PKCS#10 request (PEM)");
	if ((c = calloc(1, sizeof(*c))) == NULL) {
		wolfSSL_X509_free(x);
		return tl_fail(e, "out of memory");
	}
	c->x509 = x;
	c->subject = name_string(wolfSSL_X509_get_subject_name(x));
	c->issuer = strdup("");
	if (c->subject == NULL || c->issuer == NULL) {
		tl_cert_free(c);
		return tl_fail(e, "out of memory");
	}
	c->key_type = wolfSSL_X509_get_pubkey_type(x) == ECDSAk ? TL_KEY_EC : TL_KEY_RSA;
	/* wolfSSL_X509_get_pubkey_buffer reads a certificate's DER only */
	pk = wolfSSL_X509_get_pubkey(x);
	spki_len = pk ? wolfSSL_i2d_PUBKEY(pk, &spki) : -1;
	wolfSSL_EVP_PKEY_free(pk);
	if (spki_len <= 0 || pubkey_record_form(c, spki, spki_len) != 0) {
		XFREE(spki, NULL, DYNAMIC_TYPE_OPENSSL);
		tl_cert_free(c);
		return tl_fail(e, "the request's public key cannot be decoded");
	}
	XFREE(spki, NULL, DYNAMIC_TYPE_OPENSSL);
	read_san(c, x);
	read_sig_alg(c, x);
	*out = c;
	return 0;
}

/* ---- certificate files: PEM bundles, DER, PKCS#7 chains ---- */

void tl_certs_free(tl_cert **v, size_t n)
{
	for (size_t i = 0; i < n; i++)
		tl_cert_free(v[i]);
	free(v);
}

static int certs_push(tl_cert ***v, size_t *n, tl_cert *c, tl_err *e)
{
	tl_cert **g = realloc(*v, (*n + 1) * sizeof(*g));

	if (g == NULL) {
		tl_cert_free(c);
		return tl_fail(e, "out of memory");
	}
	g[(*n)++] = c;
	*v = g;
	return 0;
}

/* Steps into (down) or over the DER element at *p, which must carry want. */
static int der_step(const uint8_t **p, size_t *len, uint8_t want, int down)
{
	uint8_t tag;
	size_t hdr, clen;

	if (tl_der_header(*p, *len, &tag, &hdr, &clen) || tag != want)
		return -1;
	*p += hdr + (down ? 0 : clen);
	*len = down ? clen : *len - hdr - clen;
	return 0;
}

/* The modulus size of an RSA SubjectPublicKeyInfo, or 0. */
static int spki_rsa_bits(const uint8_t *p, size_t len)
{
	uint8_t tag;
	size_t hdr, clen;
	int bits;

	/* SEQUENCE { AlgorithmIdentifier, BIT STRING { SEQUENCE { n, e } } } */
	if (der_step(&p, &len, 0x30, 1) || der_step(&p, &len, 0x30, 0) ||
	    der_step(&p, &len, 0x03, 1) || len < 1)
		return 0;
	p++;	/* the BIT STRING's count of unused bits */
	len--;
	if (der_step(&p, &len, 0x30, 1) || tl_der_header(p, len, &tag, &hdr, &clen) ||
	    tag != 0x02)
		return 0;
	for (p += hdr; clen > 0 && *p == 0; p++)
		clen--;
	if (clen == 0 || clen > 8192)
		return 0;
	bits = (int)clen * 8;
	for (uint8_t top = *p; !(top & 0x80); top <<= 1)
		bits--;
	return bits;
}

/* One DER certificate into the list. wolfSSL cannot decode RSA keys above
 * RSA_MAX_SIZE at all; the administrator must then hear the key size (8192
 * is a common mistake), not that the key "cannot be decoded". */
static int cert_der(const uint8_t *der, size_t len, tl_cert ***v, size_t *n,
		    tl_err *e)
{
	uint8_t spki[4096];
	int spki_len = sizeof(spki), bits = 0;
	WOLFSSL_X509 *x;
	tl_cert *c;
	char *subject;

	if (tl_cert_from_der(der, len, &c, e) == 0)
		return certs_push(v, n, c, e);
	if (len == 0 || len > 65535 ||
	    (x = wolfSSL_X509_load_certificate_buffer(der, (int)len,
			WOLFSSL_FILETYPE_ASN1)) == NULL)
		return -1;
	if (wolfSSL_X509_get_pubkey_type(x) == RSAk &&
	    wolfSSL_X509_get_pubkey_buffer(x, spki, &spki_len) == WOLFSSL_SUCCESS)
		bits = spki_rsa_bits(spki, (size_t)spki_len);
	if (bits > RSA_MAX_SIZE &&
	    (subject = name_string(wolfSSL_X509_get_subject_name(x))) != NULL) {
		tl_fail(e, "certificate %s has an RSA-%d key: keys above %d bits are "
			"refused (8192 is a common mistake); have it reissued with "
			"2048 bits", subject, bits, RSA_MAX_SIZE);
		free(subject);
	}
	wolfSSL_X509_free(x);
	return -1;
}

static const uint8_t signed_data_oid[] = {
	0x06, 0x09, 0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x07, 0x02
};

/* A ContentInfo of type signedData, judged on its first bytes so that a
 * truncated chain is still named as one. */
static int is_pkcs7(const uint8_t *p, size_t len)
{
	size_t hdr = len > 1 && p[1] > 0x80 ? 2 + (size_t)(p[1] & 0x7f) : 2;

	return p[0] == 0x30 && len > hdr + sizeof(signed_data_oid) &&
	       memcmp(p + hdr, signed_data_oid, sizeof(signed_data_oid)) == 0;
}

/* The certificates a DER SignedData lists, or -1 when it is not complete
 * DER. Counted here because wolfSSL keeps the first MAX_PKCS7_CERTS without
 * a word, and answers a chain without certificates as it answers a
 * truncated one. */
static long pkcs7_count(const uint8_t *p, size_t len)
{
	uint8_t tag;
	size_t hdr, clen;
	long n = 0;

	if (tl_der_header(p, len, &tag, &hdr, &clen) || hdr + clen != len)
		return -1;
	/* ContentInfo { contentType, [0] SignedData { version,
	 * digestAlgorithms, encapContentInfo, [0] certificates OPTIONAL, ... } } */
	if (der_step(&p, &len, 0x30, 1) || der_step(&p, &len, 0x06, 0) ||
	    der_step(&p, &len, 0xa0, 1) || der_step(&p, &len, 0x30, 1) ||
	    der_step(&p, &len, 0x02, 0) || der_step(&p, &len, 0x31, 0) ||
	    der_step(&p, &len, 0x30, 0))
		return -1;
	if (len == 0 || p[0] != 0xa0)
		return 0;
	if (der_step(&p, &len, 0xa0, 1))
		return -1;
	for (; len > 0; n++)
		if (tl_der_header(p, len, &tag, &hdr, &clen))
			return -1;
		else {
			p += hdr + clen;
			len -= hdr + clen;
		}
	return n;
}

static int certs_pkcs7(const uint8_t *buf, size_t len, tl_cert ***v, size_t *n,
		       tl_err *e)
{
	long count = pkcs7_count(buf, len);
	PKCS7 *p7;
	uint8_t *copy;
	int rc, got = 0;

	if (count == 0 || len == 0)
		return tl_fail(e, "the PKCS#7 chain holds no certificates");
	if (count > MAX_PKCS7_CERTS)
		return tl_fail(e, "the PKCS#7 chain holds %ld certificates, more than the "
			       "%d that can be read from one: give them as a PEM bundle",
			       count, MAX_PKCS7_CERTS);
	copy = malloc(len);
	p7 = wc_PKCS7_New(NULL, INVALID_DEVID);
	if (copy == NULL || p7 == NULL) {
		free(copy);
		wc_PKCS7_Free(p7);
		return tl_fail(e, "out of memory");
	}
	memcpy(copy, buf, len);	/* wolfSSL takes a writable message */
	rc = wc_PKCS7_InitWithCert(p7, NULL, 0);
	if (rc == 0)
		rc = wc_PKCS7_VerifySignedData(p7, copy, (word32)len);
	if (rc != 0 && count < 0)
		rc = tl_fail(e, "truncated or malformed PKCS#7 chain");
	else if (rc != 0)
		rc = tl_fail(e, "unreadable PKCS#7 chain (%s)", wc_msg(rc));
	for (int i = 0; rc == 0 && i < MAX_PKCS7_CERTS; i++)
		if (p7->cert[i] != NULL && ++got &&
		    cert_der(p7->cert[i], p7->certSz[i], v, n, e))
			rc = tl_wrap(e, "certificate %d of the PKCS#7 chain", got);
	if (rc == 0 && got == 0)
		rc = tl_fail(e, "the PKCS#7 chain holds no certificates");
	else if (rc == 0 && count > 0 && got != count)
		rc = tl_fail(e, "only %d of the %ld certificates of the PKCS#7 chain "
			     "could be read", got, count);
	else if (rc == 0 && count < 0 && got == MAX_PKCS7_CERTS)
		rc = tl_fail(e, "the PKCS#7 chain (not DER) may hold more than the %d "
			     "certificates that can be read from one: give them as a "
			     "PEM bundle", MAX_PKCS7_CERTS);
	wc_PKCS7_Free(p7);
	free(copy);
	return rc;
}

/* Byte offset of the k-th (from 0) PEM BEGIN line, or len. */
static size_t pem_begin(const uint8_t *buf, size_t len, size_t k)
{
	const uint8_t *p = buf;

	for (;;) {
		p = memmem(p, len - (size_t)(p - buf), "-----BEGIN", 10);
		if (p == NULL)
			return len;
		if (k-- == 0)
			return (size_t)(p - buf);
		p += 10;
	}
}

static int certs_pem(const uint8_t *buf, size_t len, const char *name,
		     tl_cert ***v, size_t *n, tl_err *e)
{
	WOLFSSL_BIO *bio = wolfSSL_BIO_new_mem_buf(buf, (int)len);
	char *label, *header, other[64] = "";
	unsigned char *data;
	long dlen;
	size_t blocks = 0;
	int rc = 0;

	if (bio == NULL)
		return tl_fail(e, "%s: out of memory", name);
	while (rc == 0 && wolfSSL_PEM_read_bio(bio, &label, &header, &data, &dlen) ==
	       WOLFSSL_SUCCESS) {
		blocks++;
		if (!strcmp(label, "CERTIFICATE") || !strcmp(label, "X509 CERTIFICATE"))
			rc = cert_der(data, (size_t)dlen, v, n, e);
		else if (!strcmp(label, "PKCS7"))
			rc = certs_pkcs7(data, (size_t)dlen, v, n, e);
		else if (!other[0])	/* keys, requests: not for a certificate store */
			snprintf(other, sizeof(other), "%s", label);
		if (rc)
			tl_wrap(e, "%s: PEM block %zu (byte %zu)", name, blocks,
				pem_begin(buf, len, blocks - 1));
		XFREE(label, NULL, DYNAMIC_TYPE_PEM);
		XFREE(header, NULL, DYNAMIC_TYPE_PEM);
		XFREE(data, NULL, DYNAMIC_TYPE_PEM);
	}
	wolfSSL_BIO_free(bio);
	if (rc)
		return -1;
	/* wolfSSL stops at the first block it cannot read, as at the end */
	if (pem_begin(buf, len, blocks) < len)
		return tl_fail(e, "%s: PEM block %zu (byte %zu) is truncated or damaged",
			       name, blocks + 1, pem_begin(buf, len, blocks));
	if (*n == 0)
		return tl_fail(e, "%s: no certificate in it (PEM \"%s\" only)", name,
			       other[0] ? other : "?");
	return 0;
}

int tl_certs_from_mem(const uint8_t *buf, size_t len, const char *name,
		      tl_cert ***out, size_t *n, tl_err *e)
{
	tl_cert **v = NULL;
	size_t k = 0;
	int rc;

	*out = NULL;
	*n = 0;
	if (len == 0)
		return tl_fail(e, "%s: empty file", name);
	if (len > TL_FILE_MAX)
		return tl_fail(e, "%s: %zu bytes is too large for a certificate file",
			       name, len);
	if (is_pem(buf, len))
		rc = certs_pem(buf, len, name, &v, &k, e);
	else if (is_pkcs7(buf, len))
		rc = certs_pkcs7(buf, len, &v, &k, e) ? tl_wrap(e, "%s", name) : 0;
	else if (buf[0] != 0x30)	/* every DER certificate is a SEQUENCE */
		rc = tl_fail(e, "%s: not a certificate: expected PEM, a PEM bundle, "
			     "DER or a PKCS#7 chain", name);
	else
		rc = cert_der(buf, len, &v, &k, e) ? tl_wrap(e, "%s", name) : 0;
	if (rc) {
		tl_certs_free(v, k);
		return -1;
	}
	*out = v;
	*n = k;
	return 0;
}

int tl_certs_load(const char *path, tl_cert ***out, size_t *n, tl_err *e)
{
	uint8_t *buf;
	size_t len;
	int rc;

	*out = NULL;
	*n = 0;
	if (tl_read_file(path, 1 << 20, &buf, &len, e))
		return -1;
	rc = tl_certs_from_mem(buf, len, path, out, n, e);
	free(buf);
	return rc;
}

int tl_cert_names_issuer(const tl_cert *c, const tl_cert *issuer)
{
	uint8_t aki[64], ski[64];
	int alen = sizeof(aki), slen = sizeof(ski);

	if (!tl_name_equal(c->issuer, issuer->subject))
		return 0;
	if (c->x509 == NULL || issuer->x509 == NULL ||
	    wolfSSL_X509_get_authorityKeyID(c->x509, aki, &alen) == NULL ||
	    wolfSSL_X509_get_subjectKeyID(issuer->x509, ski, &slen) == NULL)
		return 1;
	return alen == slen && memcmp(aki, ski, (size_t)alen) == 0;
}

int tl_sign_digest_raw(const tl_key *k, int hash_alg, const tl_span *parts,
		       int nparts, uint8_t *sig, size_t *sig_len, tl_err *e)
{
	uint8_t digest[TL_HASH_MAX];
	int dlen = hash_spans(hash_alg, parts, nparts, digest), rc;
	word32 n = (word32)*sig_len;

	if (dlen < 0)
		return tl_fail(e, "unsupported hash algorithm %d", hash_alg);
	if (k->type == TL_KEY_RSA) {
		rc = wc_RsaSSL_Sign(digest, (word32)dlen, sig, n, (RsaKey *)&k->u.rsa,
				    get_rng());
		if (rc > 0) {
			*sig_len = (size_t)rc;
			rc = 0;
		}
	} else {
		rc = wc_ecc_sign_hash(digest, (word32)dlen, sig, &n, get_rng(),
				      (ecc_key *)&k->u.ecc);
		*sig_len = n;
	}
	if (rc != 0)
		return tl_fail(e, "signing failed: %s", wc_msg(rc));
	return 0;
}

int tl_verify_digest_raw(const tl_pub *k, int hash_alg, const tl_span *parts,
			 int nparts, const uint8_t *sig, size_t sig_len, tl_err *e)
{
	uint8_t digest[TL_HASH_MAX], dec[1024];
	int dlen = hash_spans(hash_alg, parts, nparts, digest), res = 0, n;

	if (dlen < 0)
		return tl_fail(e, "unsupported hash algorithm %d", hash_alg);
	if (k->type == TL_KEY_RSA) {
		n = wc_RsaSSL_Verify(sig, (word32)sig_len, dec, sizeof(dec),
				     (RsaKey *)&k->u.rsa);
		if (n != dlen || memcmp(dec, digest, (size_t)dlen) != 0)
			return tl_fail(e, "%s signature over the bare digest does not "
				       "match", tl_hash_name(hash_alg));
		return 0;
	}
	if (wc_ecc_verify_hash(sig, (word32)sig_len, digest, (word32)dlen, &res,
			       (ecc_key *)&k->u.ecc) != 0 || res != 1)
		return tl_fail(e, "%s/ECDSA signature does not match",
			       tl_hash_name(hash_alg));
	return 0;
}

int tl_pub_from_spki(const uint8_t *der, size_t len, tl_pub **out, tl_err *e)
{
	tl_pub *k = calloc(1, sizeof(*k));
	word32 idx = 0;

	if (k == NULL)
		return tl_fail(e, "out of memory");
	if (wc_InitRsaKey(&k->u.rsa, NULL) == 0) {
		if (wc_RsaPublicKeyDecode(der, &idx, &k->u.rsa, (word32)len) == 0 &&
		    idx == len) {
			k->type = TL_KEY_RSA;
			*out = k;
			return 0;
		}
		wc_FreeRsaKey(&k->u.rsa);
	}
	idx = 0;
	if (wc_ecc_init(&k->u.ecc) == 0) {
		if (wc_EccPublicKeyDecode(der, &idx, &k->u.ecc, (word32)len) == 0 &&
		    idx == len) {
			k->type = TL_KEY_EC;
			*out = k;
			return 0;
		}
		wc_ecc_free(&k->u.ecc);
	}
	free(k);
	return tl_fail(e, "public key of %zu bytes is not an RSA or EC "
		       "SubjectPublicKeyInfo", len);
}

int tl_key_spki(const tl_key *k, uint8_t **der, size_t *len, tl_err *e)
{
	uint8_t buf[1200];
	int n;

	if (k->type == TL_KEY_RSA)
		n = wc_RsaKeyToPublicDer_ex((RsaKey *)&k->u.rsa, buf, sizeof(buf), 1);
	else
		n = wc_EccPublicKeyToDer((ecc_key *)&k->u.ecc, buf, sizeof(buf), 1);
	if (n <= 0 || (*der = malloc((size_t)n)) == NULL)
		return tl_fail(e, "cannot encode the public key");
	memcpy(*der, buf, (size_t)n);
	*len = (size_t)n;
	return 0;
}

int tl_pub_curve(const tl_pub *p)
{
	return p->type == TL_KEY_EC ? ecc_bits((ecc_key *)&p->u.ecc) : 0;
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
