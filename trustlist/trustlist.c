#include "trustlist.h"

#include <stdlib.h>
#include <string.h>

#include "file.h"
#include "json.h"

/* ---- parsing ---- */

static int key_type_of(const uint8_t *p, size_t len)
{
	/* X9.62 uncompressed points of P-256/384/521; an RSAPublicKey is a
	 * DER SEQUENCE. */
	if (len > 0 && p[0] == 0x04 && (len == 65 || len == 97 || len == 133))
		return TL_KEY_EC;
	return TL_KEY_RSA;
}

/* Liberal on layout (docs/formats.md): a record needs only what a phone
 * decides with, its ROLE and its CERTIFICATE or CERT_HASH + HASH_ALGORITHM.
 * Other known tags are optional and may come in any order; unknown tags are
 * skipped by their length, as phones skip them. A known tag given twice is
 * refused: which value a phone would use is not knowable. */
static int parse_record(tl_record *rec, const tl_rd *file, size_t at,
			uint16_t rlen, int idx, tl_err *e)
{
	tl_rd r;
	tl_tlv t;
	uint32_t seen = 1u << TL_R_LENGTH;
	int rc;

	tl_rd_init(&r, file->p + at, rlen, file->name);
	r.base = at;
	r.pos = 5;	/* past RECORD_LENGTH, read by the caller */
	while ((rc = tl_rd_next(&r, &t, e)) == 1) {
		rc = 0;
		if (rec->ntlv < TL_RECORD_MAX_TLV)
			rec->tlv[rec->ntlv++] = t;
		if (t.tag > TL_R_HASH_ALG || t.tag == 0)
			continue;
		if (seen & 1u << t.tag)
			return tl_fail(e, "%s: byte %zu: record #%d: duplicate tag %u",
				       r.name, t.off, idx, t.tag);
		seen |= 1u << t.tag;
		switch (t.tag) {
		case TL_R_LENGTH:
			return tl_fail(e, "%s: byte %zu: record #%d: duplicate tag 1",
				       r.name, t.off, idx);
		case TL_R_DNS_NAME:
			rc = tl_tlv_cstr(&r, &t, &rec->dns_name, e);
			break;
		case TL_R_SUBJECT:
			rc = tl_tlv_name(&r, &t, &rec->subject, e);
			break;
		case TL_R_ROLE:
			rc = tl_tlv_u16(&r, &t, &rec->role, e);
			break;
		case TL_R_ISSUER:
			rc = tl_tlv_name(&r, &t, &rec->issuer, e);
			break;
		case TL_R_SERIAL:
			if (t.len == 0 || t.len > TL_SERIAL_MAX + 1)
				return tl_fail(e, "%s: byte %zu: record #%d: serial "
					       "number of %u bytes", r.name, t.off,
					       idx, t.len);
			rec->serial = t.val;
			rec->serial_len = t.len;
			break;
		case TL_R_PUBLIC_KEY:
			if (t.len == 0)
				return tl_fail(e, "%s: byte %zu: record #%d: empty "
					       "public key", r.name, t.off, idx);
			rec->pubkey = t.val;
			rec->pubkey_len = t.len;
			rec->key_type = key_type_of(t.val, t.len);
			break;
		case TL_R_SIGNATURE:
			rec->sig = t.val;
			rec->sig_len = t.len;
			break;
		case TL_R_CERTIFICATE:
			if (t.len == 0)
				return tl_fail(e, "%s: byte %zu: record #%d: empty "
					       "certificate", r.name, t.off, idx);
			rec->cert = t.val;
			rec->cert_len = t.len;
			break;
		case TL_R_IP_ADDRESS:
			if (t.len != 4)
				return tl_fail(e, "%s: byte %zu: record #%d: IP address "
					       "of %u bytes, expected 4", r.name, t.off,
					       idx, t.len);
			rec->has_ip = 1;
			memcpy(rec->ip, t.val, 4);
			break;
		case TL_R_CERT_HASH:
			rec->cert_hash = t.val;
			rec->cert_hash_len = t.len;
			break;
		case TL_R_HASH_ALG:
			rc = tl_tlv_u8(&r, &t, &rec->hash_alg, e);
			break;
		}
		if (rc)
			return -1;
	}
	if (rc < 0)
		return tl_wrap(e, "record #%d (length %u)", idx, rlen);
	if (!(seen & 1u << TL_R_ROLE))
		return tl_fail(e, "%s: byte %zu: record #%d has no ROLE (tag 4): a "
			       "phone cannot tell what it is trusted for", r.name,
			       at, idx);
	if (rec->cert == NULL && !((seen & 1u << TL_R_CERT_HASH) &&
				   (seen & 1u << TL_R_HASH_ALG)))
		return tl_fail(e, "%s: byte %zu: record #%d has neither CERTIFICATE "
			       "(tag 9) nor CERT_HASH + HASH_ALGORITHM (tags 11, 12)",
			       r.name, at, idx);
	if (rec->cert_hash) {
		int hl = tl_hash_len(rec->hash_alg);

		if (rec->hash_alg < TL_HASH_SHA1 || rec->hash_alg > TL_HASH_SHA512 ||
		    hl != (int)rec->cert_hash_len)
			return tl_fail(e, "%s: byte %zu: record #%d: certificate hash "
				       "of %zu bytes does not fit hash algorithm %u",
				       r.name, at, idx, rec->cert_hash_len,
				       rec->hash_alg);
	}
	return 0;
}

/* A full record that leaves out SUBJECT, ISSUER, SERIAL or PUBLIC_KEY takes
 * them from its certificate, as a phone does: signer matching and
 * verification then work as for a record that carries them. Only such
 * records are decoded, so lists that carry every tag still parse without
 * touching a certificate. A certificate that does not decode leaves them
 * absent; tl_record_check then says why. */
static void fill_from_cert(tl_record *rec)
{
	tl_cert *c;
	tl_err ignored;

	if (rec->cert == NULL || (rec->subject && rec->issuer && rec->serial &&
				  rec->pubkey))
		return;
	if (tl_cert_ids_from_der(rec->cert, rec->cert_len, &c, &ignored))
		return;
	rec->own = c;
	if (rec->subject == NULL)
		rec->subject = c->subject;
	if (rec->issuer == NULL)
		rec->issuer = c->issuer;
	if (rec->serial == NULL) {
		rec->serial = c->serial;
		rec->serial_len = c->serial_len;
	}
	if (rec->pubkey == NULL) {
		rec->pubkey = c->pubkey;
		rec->pubkey_len = c->pubkey_len;
		rec->key_type = c->key_type;
	}
}

/* A full record's certificate must say what the record says: a phone
 * verifies with the record's key, an administrator reads the certificate. */
int tl_record_check(const tl_tlist *l, size_t i, tl_err *e)
{
	const tl_record *rec = &l->rec[i];
	const char *name = l->hdr.name;
	int idx = (int)i + 1, rc = 0;
	tl_cert *c;

	if (rec->cert == NULL)
		return 0;

	if (tl_cert_ids_from_der(rec->cert, rec->cert_len, &c, e))
		return tl_wrap(e, "%s: byte %zu: record #%d: CERTIFICATE", name,
			       rec->off, idx);
	if (rec->pubkey && (c->pubkey_len != rec->pubkey_len ||
			    memcmp(c->pubkey, rec->pubkey, c->pubkey_len) != 0))
		rc = tl_fail(e, "%s: byte %zu: record #%d: PUBLIC_KEY differs from "
			     "the key in CERTIFICATE", name, rec->off, idx);
	else if (rec->serial && !tl_serial_equal(c->serial, c->serial_len,
						 rec->serial, rec->serial_len))
		rc = tl_fail(e, "%s: byte %zu: record #%d: SERIAL_NUMBER differs "
			     "from the certificate's", name, rec->off, idx);
	else if (rec->issuer && !tl_name_equal(rec->issuer, c->issuer))
		rc = tl_fail(e, "%s: byte %zu: record #%d: ISSUER_NAME \"%s\" "
			     "differs from the certificate's \"%s\"", name,
			     rec->off, idx, rec->issuer, c->issuer);
	tl_cert_free(c);
	return rc;
}

/* Parses buf, which the list owns from here on, also when parsing fails. */
static int parse_owned(tl_tlist *l, uint8_t *buf, size_t len,
		       const char *name, tl_err *e)
{
	size_t cap = 0, sast = 0;
	tl_rd r;
	tl_tlv t;
	int rc;

	memset(l, 0, sizeof(*l));
	l->buf = buf;
	l->len = len;
	if (tl_sfile_parse(&l->hdr, l->buf, len, name, e))
		goto fail;
	if (l->hdr.version[0] != 1 || l->hdr.has_enc) {
		tl_fail(e, "%s: header version %u.%u is not a trust list (ITL/CTL "
			"files are 1.x without encryption)", name,
			l->hdr.version[0], l->hdr.version[1]);
		goto fail;
	}
	tl_rd_init(&r, l->buf, len, l->hdr.name);
	r.pos = l->hdr.header_len;
	while (r.pos < len) {
		size_t at = r.pos;
		uint16_t rlen;
		tl_record *rec;

		if ((rc = tl_rd_next(&r, &t, e)) < 0)
			goto fail;
		if (t.tag != TL_R_LENGTH || t.len != 2) {
			tl_fail(e, "%s: byte %zu: record #%zu does not start with "
				"RECORD_LENGTH (tag 1, 2 bytes)", name, at, l->nrec + 1);
			goto fail;
		}
		rlen = tl_get_u16(t.val);
		if (rlen < 5 || rlen > len - at) {
			tl_fail(e, "%s: byte %zu: record #%zu length %u runs %s", name,
				at, l->nrec + 1, rlen, rlen < 5 ?
				"shorter than its own length tag" : "past the end of the file");
			goto fail;
		}
		if (l->nrec == cap) {
			tl_record *n;

			cap = cap ? cap * 2 : 8;
			n = realloc(l->rec, cap * sizeof(*n));
			if (n == NULL) {
				tl_fail(e, "%s: out of memory", name);
				goto fail;
			}
			l->rec = n;
		}
		rec = &l->rec[l->nrec];
		memset(rec, 0, sizeof(*rec));
		rec->off = at;
		rec->length = rlen;
		rec->tlv[rec->ntlv++] = t;
		if (parse_record(rec, &r, at, rlen, (int)l->nrec + 1, e))
			goto fail;
		fill_from_cert(rec);
		l->nrec++;
		if (rec->role == TL_ROLE_SAST && ++sast > TL_MAX_SAST) {
			tl_fail(e, "%s: byte %zu: record #%zu is a third SAST record; a "
				"trust list holds at most %d", name, at, l->nrec,
				TL_MAX_SAST);
			goto fail;
		}
		r.pos = at + rlen;
	}
	return 0;
fail:
	tl_tlist_free(l);
	return -1;
}

int tl_tlist_parse(tl_tlist *l, const uint8_t *buf, size_t len,
		   const char *name, tl_err *e)
{
	uint8_t *copy = malloc(len ? len : 1);

	if (name == NULL)
		name = "input";
	if (copy == NULL) {
		memset(l, 0, sizeof(*l));
		return tl_fail(e, "%s: out of memory", name);
	}
	memcpy(copy, buf, len);
	return parse_owned(l, copy, len, name, e);
}

int tl_tlist_load(tl_tlist *l, const char *path, tl_err *e)
{
	uint8_t *buf;
	size_t len;

	memset(l, 0, sizeof(*l));
	if (tl_read_file(path, TL_FILE_MAX, &buf, &len, e))
		return -1;
	/* The list keeps the buffer it was read into: no second copy of a
	 * file of up to TL_FILE_MAX bytes. */
	return parse_owned(l, buf, len, path, e);
}

void tl_tlist_free(tl_tlist *l)
{
	for (size_t i = 0; i < l->nrec; i++)
		tl_cert_free(l->rec[i].own);
	free(l->buf);
	free(l->rec);
	memset(l, 0, sizeof(*l));
}

int tl_record_matches_cert(const tl_record *r, const tl_cert *c)
{
	uint8_t h[TL_HASH_MAX];
	int n;

	if (r->cert)
		return r->cert_len == c->der_len &&
		       memcmp(r->cert, c->der, c->der_len) == 0;
	n = tl_hash(r->hash_alg, c->der, c->der_len, h);
	return n > 0 && (size_t)n == r->cert_hash_len &&
	       memcmp(h, r->cert_hash, (size_t)n) == 0;
}

const char *tl_record_name(const tl_record *r)
{
	if (r->subject)
		return r->subject;
	if (r->dns_name && *r->dns_name)
		return r->dns_name;
	return "(no subject)";
}

int tl_record_count_role(const tl_tlist *l, int role)
{
	int n = 0;

	for (size_t i = 0; i < l->nrec; i++)
		n += l->rec[i].role == role;
	return n;
}

long tl_tlist_find(const tl_tlist *l, const char *issuer, const uint8_t *serial,
		   size_t serial_len, uint32_t role_mask)
{
	for (size_t i = 0; i < l->nrec; i++) {
		const tl_record *r = &l->rec[i];

		if (role_mask && !(role_mask & TL_ROLE_BIT(r->role)))
			continue;
		if (r->issuer == NULL || r->serial == NULL)
			continue;	/* hash-only, matched by certificate only */
		if (tl_serial_equal(r->serial, r->serial_len, serial, serial_len) &&
		    tl_name_equal(r->issuer, issuer))
			return (long)i;
	}
	return -1;
}

int tl_sfile_verify_by_list(const tl_sfile *h, const tl_tlist *src,
			    uint32_t role_mask, size_t *signer, tl_err *e)
{
	const tl_record *rec;
	char *serial;
	tl_pub *pub;
	long i, any;
	int rc;

	i = tl_tlist_find(src, h->issuer_name, h->serial, h->serial_len, role_mask);
	if (i < 0) {
		serial = tl_hex(h->serial, h->serial_len, 1);
		any = tl_tlist_find(src, h->issuer_name, h->serial, h->serial_len, 0);
		if (any >= 0)
			tl_fail(e, "%s: signer %s (serial %s) is record #%ld of %s, but "
				"as %s, a role that may not sign this file", h->name,
				h->signer_name, serial ? serial : "?", any + 1,
				src->hdr.name, tl_role_short(src->rec[any].role));
		else
			tl_fail(e, "%s: signer %s (issuer %s, serial %s) is not in %s",
				h->name, h->signer_name, h->issuer_name,
				serial ? serial : "?", src->hdr.name);
		free(serial);
		return -1;
	}
	rec = &src->rec[i];
	if (tl_record_check(src, (size_t)i, e))
		return -1;
	if (rec->pubkey == NULL)
		return tl_fail(e, "%s: signer is record #%ld of %s, which has neither "
			       "PUBLIC_KEY (tag 7) nor CERTIFICATE (tag 9) to verify "
			       "with", h->name, i + 1, src->hdr.name);
	if (rec->key_type != TL_KEY_RSA)
		return tl_fail(e, "%s: record #%ld holds an EC key; signed files are "
			       "signed with RSA", h->name, i + 1);
	if (tl_pub_from_record(rec->key_type, rec->pubkey, rec->pubkey_len, &pub, e))
		return tl_wrap(e, "%s: record #%ld", src->hdr.name, i + 1);
	rc = tl_sfile_verify(h, pub, e);
	tl_pub_free(pub);
	if (rc)
		return tl_wrap(e, "with the key of record #%ld (%s, %s)", i + 1,
			       tl_role_short(rec->role), tl_record_name(rec));
	if (signer)
		*signer = (size_t)i;
	return 0;
}

int tl_tlist_verify(const tl_tlist *l, const tl_tlist *trust, size_t *signer,
		    tl_err *e)
{
	return tl_sfile_verify_by_list(&l->hdr, trust ? trust : l,
				       TL_ROLE_BIT(TL_ROLE_SAST), signer, e);
}

/* ---- building ---- */

static void cn_of(const tl_cert *c, char *out, size_t n)
{
	const char *p = strstr(c->subject, "CN=");
	size_t i = 0;

	if (p != NULL && (p == c->subject || p[-1] == ',')) {
		for (p += 3; *p && *p != ',' && i + 1 < n; p++) {
			if (*p == '\\' && p[1])
				p++;
			out[i++] = *p;
		}
	}
	out[i] = 0;
}

static int put_record(tl_buf *b, const tl_tlentry *en, int hash_alg, tl_err *e)
{
	const tl_cert *c = en->cert;
	size_t at = b->len;
	char dns[256];

	if (en->dns_name)
		snprintf(dns, sizeof(dns), "%s", en->dns_name);
	else
		cn_of(c, dns, sizeof(dns));
	tl_put_u16(b, TL_R_LENGTH, 0);
	tl_put_cstr(b, TL_R_DNS_NAME, dns);
	tl_put_cstr(b, TL_R_SUBJECT, c->subject);
	tl_put_u16(b, TL_R_ROLE, (uint16_t)en->role);
	tl_put_cstr(b, TL_R_ISSUER, c->issuer);
	tl_put(b, TL_R_SERIAL, c->serial, c->serial_len);
	tl_put(b, TL_R_PUBLIC_KEY, c->pubkey, c->pubkey_len);
	tl_put(b, TL_R_SIGNATURE, c->sig, c->sig_len);
	if (!en->hash_only)
		tl_put(b, TL_R_CERTIFICATE, c->der, c->der_len);
	if (en->has_ip)
		tl_put(b, TL_R_IP_ADDRESS, en->ip, 4);
	if (en->hash_only) {
		uint8_t h[TL_HASH_MAX];
		int n = tl_hash(hash_alg, c->der, c->der_len, h);

		tl_put(b, TL_R_CERT_HASH, h, (size_t)n);
		tl_put_u8(b, TL_R_HASH_ALG, (uint8_t)hash_alg);
	}
	if (b->len - at > 0xffff)
		return tl_fail(e, "record for %s is longer than 65535 bytes",
			       c->subject);
	tl_buf_set_u16(b, at + 3, (uint16_t)(b->len - at));
	return 0;
}

int tl_tlist_build(const tl_tlopts *o, tl_buf *out, tl_err *e)
{
	int sast = 0, has_ec = 0, signer_listed = 0, version, rc;
	tl_tlentry self;
	tl_signopts so;
	tl_buf body;

	for (size_t i = 0; i < o->n; i++) {
		const tl_tlentry *en = &o->entries[i];

		if (en->role == TL_ROLE_SAST) {
			sast++;
			if (en->cert->der_len == o->signer->der_len &&
			    memcmp(en->cert->der, o->signer->der,
				   o->signer->der_len) == 0)
				signer_listed = 1;
		}
		if (en->cert->key_type == TL_KEY_EC)
			has_ec = 1;
	}
	if (!signer_listed)
		sast++;
	if (sast > TL_MAX_SAST)
		return tl_fail(e, "%d SAST records requested; a trust list holds at "
			       "most %d (the signer counts as one)", sast, TL_MAX_SAST);
	version = o->signer_version ? o->signer_version
				    : has_ec ? 0x0101 : 0x0100;
	if (version != 0x0100 && version != 0x0101)
		return tl_fail(e, "trust-list version must be 1.0 or 1.1");
	if (has_ec && version == 0x0100)
		return tl_fail(e, "an EC certificate is listed: version 1.1 is "
			       "required (phones ignore EC records in 1.0 files)");
	tl_buf_init(&body);
	if (!signer_listed) {
		memset(&self, 0, sizeof(self));
		self.cert = o->signer;
		self.role = TL_ROLE_SAST;
		if (put_record(&body, &self, o->hash_alg, e))
			goto fail;
	}
	for (size_t i = 0; i < o->n; i++)
		if (put_record(&body, &o->entries[i], o->hash_alg, e))
			goto fail;
	if (tl_buf_ok(&body, e))
		goto fail;
	memset(&so, 0, sizeof(so));
	so.version[0] = 1;
	so.version[1] = 2;
	so.signer_version = version;
	so.signer = o->signer;
	so.key = o->key;
	so.hash_alg = o->hash_alg;
	so.filename = o->filename;
	so.timestamp = o->timestamp;
	so.body = body.p;
	so.body_len = body.len;
	rc = tl_sfile_sign(&so, out, e);
	tl_buf_free(&body);
	return rc;
fail:
	tl_buf_free(&body);
	return -1;
}
