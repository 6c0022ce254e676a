#include "lsccrl.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "capfdb.h"
#include "certder.h"
#include "der.h"

static const uint8_t sha256_rsa[] = {	/* sha256WithRSAEncryption, NULL */
	0x30, 0x0d, 0x06, 0x09, 0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x01,
	0x0b, 0x05, 0x00
};
static const uint8_t sha256_ecdsa[] = {	/* ecdsa-with-SHA256, no parameters */
	0x30, 0x0a, 0x06, 0x08, 0x2a, 0x86, 0x48, 0xce, 0x3d, 0x04, 0x03, 0x02
};
static const uint8_t oid_aki[] = { 0x06, 0x03, 0x55, 0x1d, 0x23 };
static const uint8_t oid_crl_number[] = { 0x06, 0x03, 0x55, 0x1d, 0x14 };
static const uint8_t oid_reason[] = { 0x06, 0x03, 0x55, 0x1d, 0x15 };

/* UTCTime through 2049, GeneralizedTime from 2050 (RFC 5280 5.1.2.4) */
static void put_time(tl_buf *b, time_t t)
{
	struct tm tm;
	char s[20];

	gmtime_r(&t, &tm);
	if (tm.tm_year + 1900 < 2050) {
		strftime(s, sizeof(s), "%y%m%d%H%M%SZ", &tm);
		tl_der_put(b, 0x17, s, strlen(s));
	} else {
		strftime(s, sizeof(s), "%Y%m%d%H%M%SZ", &tm);
		tl_der_put(b, 0x18, s, strlen(s));
	}
}

/* A non-negative INTEGER from minimal big-endian bytes. */
static void put_uint(tl_buf *b, const uint8_t *p, size_t n)
{
	tl_buf v;

	tl_buf_init(&v);
	if (n == 0 || p[0] & 0x80)
		tl_buf_u8(&v, 0);
	tl_buf_add(&v, p, n);
	tl_der_put(b, 0x02, v.p, v.len);
	tl_buf_free(&v);
}

/* Extension { extnID, extnValue OCTET STRING { value } }, not critical */
static void put_ext(tl_buf *b, const uint8_t *oid, size_t oid_len,
		    const tl_buf *value)
{
	tl_buf x;

	tl_buf_init(&x);
	tl_buf_add(&x, oid, oid_len);
	tl_der_put(&x, 0x04, value->p, value->len);
	tl_der_put(b, 0x30, x.p, x.len);
	tl_buf_free(&x);
}

static void put_entry(tl_buf *b, const tl_lsccrl_entry *r)
{
	tl_buf ent, ext, exts;
	uint8_t reason = (uint8_t)r->reason;

	tl_buf_init(&ent);
	tl_buf_init(&ext);
	tl_buf_init(&exts);
	put_uint(&ent, r->serial, r->serial_len);
	put_time(&ent, r->when);
	tl_der_put(&ext, 0x0a, &reason, 1);	/* ENUMERATED CRLReason */
	put_ext(&exts, oid_reason, sizeof(oid_reason), &ext);
	tl_der_put(&ent, 0x30, exts.p, exts.len);
	tl_der_put(b, 0x30, ent.p, ent.len);
	tl_buf_free(&ent);
	tl_buf_free(&ext);
	tl_buf_free(&exts);
}

/* [0] EXPLICIT Extensions { authorityKeyIdentifier, cRLNumber } */
static int put_crl_exts(tl_buf *b, const tl_cert *issuer, uint64_t number)
{
	uint8_t id[64], num[8];
	int idlen = tl_cert_key_id(issuer, id);
	size_t nlen = 0;
	tl_buf v, aki, exts, seq;

	if (idlen < 0)
		return -1;
	tl_buf_init(&v);
	tl_buf_init(&aki);
	tl_buf_init(&exts);
	tl_buf_init(&seq);
	tl_der_put(&aki, 0x80, id, (size_t)idlen);	/* [0] keyIdentifier */
	tl_der_put(&v, 0x30, aki.p, aki.len);
	put_ext(&exts, oid_aki, sizeof(oid_aki), &v);
	for (int i = 7; i >= 0; i--)
		if (nlen || (number >> (8 * i) & 0xff) || i == 0)
			num[nlen++] = (uint8_t)(number >> (8 * i));
	v.len = 0;
	put_uint(&v, num, nlen);
	put_ext(&exts, oid_crl_number, sizeof(oid_crl_number), &v);
	tl_der_put(&seq, 0x30, exts.p, exts.len);
	tl_der_put(b, 0xa0, seq.p, seq.len);
	tl_buf_free(&v);
	tl_buf_free(&aki);
	tl_buf_free(&exts);
	tl_buf_free(&seq);
	return 0;
}

int tl_lsccrl_build(const tl_cert *issuer, const tl_key *key,
		    const tl_lsccrl_entry *v, size_t n, time_t this_update,
		    time_t next_update, uint64_t number, tl_buf *out, tl_err *e)
{
	const uint8_t *alg = tl_key_type(key) == TL_KEY_RSA ? sha256_rsa : sha256_ecdsa;
	size_t alg_len = tl_key_type(key) == TL_KEY_RSA ? sizeof(sha256_rsa) :
			 sizeof(sha256_ecdsa);
	static const uint8_t v2[] = { 0x02, 0x01, 0x01 };
	const uint8_t *name;
	size_t name_len, sig_len;
	uint8_t sig[1 + 1024];
	tl_buf tbs, list, body;
	tl_span span;
	int rc = -1;

	if (tl_key_matches(key, issuer, e))
		return tl_wrap(e, "the CRL's signing key");
	/* RFC 5280 4.2.1.3: verifiers refuse a CRL whose issuer may not sign
	 * CRLs, so none is made */
	if (issuer->key_usage && !(issuer->key_usage & TL_KU_CRL_SIGN))
		return tl_fail(e, "the key usage of %s does not include cRLSign, so no "
			       "one would accept a CRL it signs: regenerate it (`trustline "
			       "cert generate CAPF`, or have the issuing CA reissued with "
			       "cRLSign)", issuer->subject);
	if (tl_certder_subject(issuer->der, issuer->der_len, &name, &name_len))
		return tl_fail(e, "the subject of %s cannot be read from its DER",
			       issuer->subject);
	tl_buf_init(&tbs);
	tl_buf_init(&list);
	tl_buf_init(&body);
	tl_buf_add(&body, v2, sizeof(v2));
	tl_buf_add(&body, alg, alg_len);
	tl_buf_add(&body, name, name_len);	/* the issuer's subject, byte for byte */
	put_time(&body, this_update);
	put_time(&body, next_update);
	for (size_t i = 0; i < n; i++)
		put_entry(&list, &v[i]);
	if (n)	/* an empty list is left out, not written empty */
		tl_der_put(&body, 0x30, list.p, list.len);
	if (put_crl_exts(&body, issuer, number)) {
		tl_fail(e, "no key identifier for %s", issuer->subject);
		goto out;
	}
	tl_der_put(&tbs, 0x30, body.p, body.len);
	if (tl_buf_ok(&tbs, e))
		goto out;
	span = (tl_span){ tbs.p, tbs.len };
	sig[0] = 0;	/* BIT STRING: no unused bits */
	sig_len = sizeof(sig) - 1;
	if (tl_sign(key, TL_HASH_SHA256, &span, 1, sig + 1, &sig_len, e))
		goto out;
	body.len = 0;
	tl_buf_add(&body, tbs.p, tbs.len);
	tl_buf_add(&body, alg, alg_len);
	tl_der_put(&body, 0x03, sig, sig_len + 1);
	tl_der_put(out, 0x30, body.p, body.len);
	rc = tl_buf_ok(out, e) ? -1 : 0;
out:
	tl_buf_free(&tbs);
	tl_buf_free(&list);
	tl_buf_free(&body);
	return rc;
}

typedef struct collect {
	tl_lsccrl_entry *v;
	size_t n, cap;
	tl_err *e;
} collect;

static int hexval(int c)
{
	return c >= '0' && c <= '9' ? c - '0' : c >= 'a' && c <= 'f' ? c - 'a' + 10 :
	       c >= 'A' && c <= 'F' ? c - 'A' + 10 : -1;
}

/* "6d:ee:..." as the database keeps serials, to minimal bytes */
static int parse_serial(const char *s, tl_lsccrl_entry *r)
{
	r->serial_len = 0;
	while (*s) {
		int hi = hexval(s[0]), lo = hi < 0 ? -1 : hexval(s[1]);

		if (lo < 0 || r->serial_len == TL_SERIAL_MAX)
			return -1;
		if (r->serial_len || hi || lo)
			r->serial[r->serial_len++] = (uint8_t)(hi << 4 | lo);
		s += 2;
		if (*s == ':')
			s++;
	}
	if (r->serial_len == 0)
		r->serial[r->serial_len++] = 0;
	return 0;
}

static int add_row(void *arg, const char *serial, long when, const char *state)
{
	collect *c = arg;
	tl_lsccrl_entry *r;

	if (c->n == c->cap) {
		size_t cap = c->cap ? 2 * c->cap : 64;
		tl_lsccrl_entry *v = realloc(c->v, cap * sizeof(*v));

		if (v == NULL)
			return tl_fail(c->e, "out of memory");
		c->v = v;
		c->cap = cap;
	}
	r = &c->v[c->n];
	if (parse_serial(serial, r))
		return tl_fail(c->e, "trustline.db holds an LSC serial that is not "
			       "hex (\"%.64s\")", serial);
	r->when = (time_t)when;
	/* an administrator's revocation records no reason; a phone that
	 * deleted its LSC has stopped using it */
	r->reason = strcmp(state, "deleted") == 0 ? TL_CRL_REASON_CESSATION :
		    TL_CRL_REASON_UNSPECIFIED;
	c->n++;
	return 0;
}

/* What the published CRL says, as a digest: its issuer and its entries. */
static void list_digest(const tl_cert *issuer, const collect *c, char out[65])
{
	uint8_t h[TL_HASH_MAX];
	tl_buf b;
	char *hex;

	tl_buf_init(&b);
	tl_buf_add(&b, issuer->der, issuer->der_len);
	for (size_t i = 0; i < c->n; i++) {
		tl_buf_add(&b, c->v[i].serial, c->v[i].serial_len);
		tl_buf_u32(&b, (uint32_t)c->v[i].when);
		tl_buf_u8(&b, (uint8_t)c->v[i].reason);
	}
	tl_hash(TL_HASH_SHA256, b.p, b.len, h);
	hex = tl_hex(h, 32, 0);
	snprintf(out, 65, "%s", hex ? hex : "");
	free(hex);
	tl_buf_free(&b);
}

int tl_lsccrl_refresh(tl_store *s, const tl_cert *issuer, const tl_key *key,
		      time_t now, int days, int *published, tl_err *e)
{
	collect c = { NULL, 0, 0, e };
	char digest[65], was[80], next[32], num[32], path[1400];
	uint64_t number;
	tl_buf crl;
	int rc;

	*published = 0;
	if (tl_capf_lsc_revoked_each(s, add_row, &c, e)) {
		free(c.v);
		return -1;
	}
	list_digest(issuer, &c, digest);
	tl_store_path(s, path, sizeof(path), "%s", TL_LSCCRL_PATH);
	if (tl_store_get(s, "lsc_crl.digest", was, sizeof(was)) &&
	    strcmp(was, digest) == 0 && access(path, F_OK) == 0 &&
	    tl_store_get(s, "lsc_crl.next_update", next, sizeof(next)) &&
	    now < strtoll(next, NULL, 10) - (long long)days * 86400 / 2) {
		free(c.v);
		return 0;
	}
	number = tl_store_get(s, "lsc_crl.number", num, sizeof(num)) ?
		 strtoull(num, NULL, 10) + 1 : 1;
	tl_buf_init(&crl);
	rc = tl_lsccrl_build(issuer, key, c.v, c.n, now, now + (time_t)days * 86400,
			     number, &crl, e);
	free(c.v);
	snprintf(num, sizeof(num), "%llu", (unsigned long long)number);
	snprintf(next, sizeof(next), "%lld", (long long)now + (long long)days * 86400);
	rc = rc || tl_store_write(s, TL_LSCCRL_PATH, crl.p, crl.len, 0644, e) ||
	     tl_store_set(s, "lsc_crl.number", num, e) ||
	     tl_store_set(s, "lsc_crl.next_update", next, e) ||
	     tl_store_set(s, "lsc_crl.digest", digest, e) || tl_store_bump(s, e);
	tl_buf_free(&crl);
	if (rc)
		return tl_wrap(e, "publishing %s", TL_LSCCRL_PATH);
	*published = 1;
	return 0;
}

/* The element at *p (*len bytes left): its tag and content; *p moves past
 * it. -1 when none fits. */
static int next_el(const uint8_t **p, size_t *len, uint8_t *tag, const uint8_t **c,
		   size_t *clen)
{
	size_t hdr;

	if (tl_der_header(*p, *len, tag, &hdr, clen))
		return -1;
	*c = *p + hdr;
	*p += hdr + *clen;
	*len -= hdr + *clen;
	return 0;
}

/* The same non-negative integer, leading zero bytes aside. */
static int same_uint(const uint8_t *a, size_t an, const uint8_t *b, size_t bn)
{
	for (; an && *a == 0; a++, an--)
		;
	for (; bn && *b == 0; b++, bn--)
		;
	return an == bn && !memcmp(a, b, an);
}

/* The reasonCode extension among an entry's extensions, or -1. */
static int entry_reason(const uint8_t *p, size_t len)
{
	const uint8_t *ext, *c, *v;
	size_t elen, clen, vlen;
	uint8_t tag;

	while (len && next_el(&p, &len, &tag, &ext, &elen) == 0 && tag == 0x30) {
		if (next_el(&ext, &elen, &tag, &c, &clen) || tag != 0x06 ||
		    clen + 2 != sizeof(oid_reason) || memcmp(c, oid_reason + 2, clen))
			continue;
		if (next_el(&ext, &elen, &tag, &c, &clen))
			return -1;
		if (tag == 0x01 && next_el(&ext, &elen, &tag, &c, &clen))	/* critical */
			return -1;
		if (tag != 0x04 || next_el(&c, &clen, &tag, &v, &vlen) || tag != 0x0a ||
		    vlen != 1)
			return -1;
		return v[0];
	}
	return -1;
}

int tl_lsccrl_reason(const uint8_t *crl, size_t len, const uint8_t *serial,
		     size_t serial_len)
{
	const uint8_t *tbs, *c, *entry, *s;
	size_t tlen, clen, elen, slen;
	uint8_t tag;

	if (next_el(&crl, &len, &tag, &c, &clen) || tag != 0x30 ||
	    next_el(&c, &clen, &tag, &tbs, &tlen) || tag != 0x30)
		return -2;
	/* version, signature, issuer, thisUpdate, then nextUpdate maybe */
	if (next_el(&tbs, &tlen, &tag, &c, &clen))
		return -2;
	if (tag == 0x02 && next_el(&tbs, &tlen, &tag, &c, &clen))
		return -2;
	for (int i = 0; i < 2; i++)	/* issuer, thisUpdate */
		if (next_el(&tbs, &tlen, &tag, &c, &clen))
			return -2;
	if (next_el(&tbs, &tlen, &tag, &c, &clen))
		return -2;	/* nothing listed */
	if ((tag == 0x17 || tag == 0x18) && next_el(&tbs, &tlen, &tag, &c, &clen))
		return -2;
	if (tag != 0x30)
		return -2;
	while (clen && next_el(&c, &clen, &tag, &entry, &elen) == 0 && tag == 0x30) {
		if (next_el(&entry, &elen, &tag, &s, &slen) || tag != 0x02 ||
		    !same_uint(s, slen, serial, serial_len))
			continue;
		/* the revocationDate, then the entry's extensions */
		if (next_el(&entry, &elen, &tag, &s, &slen) ||
		    next_el(&entry, &elen, &tag, &s, &slen) || tag != 0x30)
			return -1;
		return entry_reason(s, slen);
	}
	return -2;
}

const char *tl_crl_reason_name(int reason)
{
	/* RFC 5280 5.3.1; 7 is not used */
	static const char *const names[] = {
		"unspecified", "keyCompromise", "cACompromise", "affiliationChanged",
		"superseded", "cessationOfOperation", "certificateHold", NULL,
		"removeFromCRL", "privilegeWithdrawn", "aACompromise",
	};

	if (reason < 0 || reason >= (int)(sizeof(names) / sizeof(names[0])) ||
	    names[reason] == NULL)
		return "none given";
	return names[reason];
}
