#include "show.h"

#include <stdlib.h>
#include <string.h>

#include "json.h"

static const char *tag_name(const char *const *names, size_t n, int tag)
{
	return tag > 0 && (size_t)tag < n && names[tag] ? names[tag] : "UNKNOWN";
}

static const char *header_tag_name(int tag)
{
	static const char *names[] = {
		[1] = "VERSION", [2] = "HEADERLENGTH", [3] = "SIGNERID",
		[4] = "SIGNERNAME", [5] = "SERIALNUMBER", [6] = "CANAME",
		[7] = "SIGNATUREINFO", [8] = "DIGESTALGORITHM",
		[9] = "SIGNATUREALGOINFO", [10] = "SIGNATUREALGORITHM",
		[11] = "SIGNATUREMODULUS", [12] = "SIGNATURE", [13] = "PADDING",
		[14] = "FILENAME", [15] = "TIMESTAMP", [16] = "ENCRYPTIONINFO",
		[17] = "ENCRYPTIONIVINFO", [18] = "UNKNOWN1",
		[19] = "ENCRYPTIONIV", [20] = "ENCRYPTIONPADDING",
		[21] = "ENCRYPTIONKEYINFO", [22] = "UNKNOWN2",
		[23] = "ENCRYPTIONKEYSIZE", [24] = "ENCRYPTIONKEYALGORITHM",
		[25] = "ENCRYPTIONKEY", [26] = "ENCRYPTIONHASHALGORITHM",
		[27] = "ENCRYPTIONHASH", [28] = "SIGNERVERSION",
	};

	return tag_name(names, sizeof(names) / sizeof(names[0]), tag);
}

static const char *record_tag_name(int tag)
{
	static const char *names[] = {
		[1] = "RECORDLENGTH", [2] = "DNSNAME", [3] = "SUBJECTNAME",
		[4] = "FUNCTION", [5] = "ISSUERNAME", [6] = "SERIALNUMBER",
		[7] = "PUBLICKEY", [8] = "SIGNATURE", [9] = "CERTIFICATE",
		[10] = "IPADDRESS", [11] = "CERTHASH", [12] = "HASH ALGORITHM",
	};

	return tag_name(names, sizeof(names) / sizeof(names[0]), tag);
}

/* Space-separated hex, 16 bytes a line, as Cisco prints keys and signatures. */
static void hexdump(FILE *f, const uint8_t *p, size_t n)
{
	for (size_t i = 0; i < n; i++)
		fprintf(f, "%02x%s", p[i], (i % 16 == 15 || i == n - 1) ? "\n" : " ");
}

static void print_hash(FILE *f, int alg, const uint8_t *p, size_t n)
{
	uint8_t h[TL_HASH_MAX];
	int hl = tl_hash(alg, p, n, h);

	for (int i = 0; i < hl; i++)
		fprintf(f, "%02x", h[i]);
}

void tl_show_checksums(FILE *f, const uint8_t *buf, size_t len, time_t mtime,
		       const char *kind)
{
	fprintf(f, "The checksum value of the %s file:\n", kind);
	print_hash(f, TL_HASH_MD5, buf, len);
	fputs("(MD5)\n", f);
	print_hash(f, TL_HASH_SHA1, buf, len);
	fputs("(SHA1)\n\n", f);
	fprintf(f, "Length of %s file: %zu\n", kind, len);
	if (mtime) {
		char when[64];
		struct tm tm;

		strftime(when, sizeof(when), "%a %b %d %H:%M:%S %Z %Y",
			 gmtime_r(&mtime, &tm));
		fprintf(f, "The %s File was last modified on %s\n", kind, when);
	}
	fputc('\n', f);
}

static void header_rows(FILE *f, const tl_sfile *h, tl_rd *r)
{
	tl_tlv t;

	while (tl_rd_next(r, &t, NULL) == 1) {
		if (t.tag == TL_H_PADDING)
			continue;
		fprintf(f, "%zu\t%-22s\t%u\t", t.off, header_tag_name(t.tag), t.len);
		switch (t.tag) {
		case TL_H_SIGNER_INFO: case TL_H_SIGNATURE_INFO:
		case TL_H_SIG_ALG_INFO: case TL_H_ENC_INFO:
		case TL_H_ENC_IV_INFO: case TL_H_ENC_KEY_INFO: {
			tl_rd sub = tl_rd_sub(r, &t);

			fputc('\n', f);
			header_rows(f, h, &sub);
			continue;
		}
		case TL_H_VERSION: case TL_H_SIGNER_VERSION:
			fprintf(f, "%u.%u\n", t.val[0], t.val[1]);
			break;
		case TL_H_HEADER_LENGTH:
			fprintf(f, "%u (BYTES)\n", tl_get_u16(t.val));
			break;
		case TL_H_SIGNER_NAME: case TL_H_ISSUER_NAME: case TL_H_FILENAME:
			fprintf(f, "%s\n", (const char *)t.val);
			break;
		case TL_H_SERIAL:
			for (size_t i = 0; i < t.len; i++)
				fprintf(f, i ? ":%02x" : "%02x", t.val[i]);
			fputc('\n', f);
			break;
		case TL_H_HASH_ALG: case TL_H_ENC_HASH_ALG:
			fprintf(f, "%s\n", tl_hash_name(t.val[0]));
			break;
		case TL_H_SIG_ALG:
			fprintf(f, "%s\n", t.val[0] == 0 ? "RSA" : "unknown");
			break;
		case TL_H_SIG_MODULUS:
			fprintf(f, "%d bits\n", tl_modulus_bits(t.val[0]));
			break;
		case TL_H_TIMESTAMP: {
			time_t ts = (time_t)h->timestamp;
			char when[64];
			struct tm tm;

			strftime(when, sizeof(when), "%Y-%m-%d %H:%M:%S UTC",
				 gmtime_r(&ts, &tm));
			fprintf(f, "%u (%s)\n", h->timestamp, when);
			break;
		}
		case TL_H_ENC_PADDING: case TL_H_ENC_KEY_SIZE:
			fprintf(f, "%u\n", tl_get_u16(t.val));
			break;
		case TL_H_ENC_UNKNOWN1: case TL_H_ENC_UNKNOWN2: case TL_H_ENC_KEY_ALG:
			fprintf(f, "%u\n", t.val[0]);
			break;
		default:
			fputc('\n', f);
			hexdump(f, t.val, t.len);
		}
	}
}

void tl_show_header(FILE *f, const tl_sfile *h)
{
	tl_rd r;

	fprintf(f, "Version:\t%u.%u\n", h->version[0], h->version[1]);
	fprintf(f, "HeaderLength:\t%u (BYTES)\n\n", h->header_len);
	fputs("BYTEPOS\tTAG\t\t\tLENGTH\tVALUE\n", f);
	fputs("-------\t---\t\t\t------\t-----\n", f);
	tl_rd_init(&r, h->buf, h->header_len, h->name);
	r.pad_tag = TL_H_PADDING;
	header_rows(f, h, &r);
	fputc('\n', f);
}

/* "<who>", "issuer", "serial": a signer and a record name a certificate
 * alike. */
static void json_identity(json_t *o, const char *who, const char *name,
			  const char *issuer, const uint8_t *serial,
			  size_t serial_len)
{
	json_object_set_new(o, who, tl_json_text(name));
	json_object_set_new(o, "issuer", tl_json_text(issuer));
	json_object_set_new(o, "serial", tl_json_hexstr(serial, serial_len, 1));
}

static json_t *version(const uint8_t v[2])
{
	char s[8];

	snprintf(s, sizeof(s), "%u.%u", v[0], v[1]);
	return json_string(s);
}

json_t *tl_show_header_json(const tl_sfile *h)
{
	json_t *o = json_object(), *enc;

	json_object_set_new(o, "version", version(h->version));
	json_object_set_new(o, "header_length", json_integer(h->header_len));
	if (h->has_signer_version)
		json_object_set_new(o, "signer_version", version(h->signer_version));
	json_identity(o, "signer", h->signer_name, h->issuer_name, h->serial,
		      h->serial_len);
	json_object_set_new(o, "digest", json_string(tl_hash_name(h->hash_alg)));
	json_object_set_new(o, "modulus_bits", json_integer(tl_modulus_bits(h->modulus)));
	json_object_set_new(o, "signature_offset", json_integer((json_int_t)h->sig_off));
	json_object_set_new(o, "signature_length", json_integer((json_int_t)h->sig_len));
	json_object_set_new(o, "filename", tl_json_text(h->filename));
	json_object_set_new(o, "timestamp", tl_json_time((time_t)h->timestamp));
	json_object_set_new(o, "body_offset", json_integer(h->header_len));
	json_object_set_new(o, "body_length", json_integer((json_int_t)h->body_len));
	if (h->has_enc) {
		enc = json_object();
		json_object_set_new(enc, "iv", tl_json_hexstr(h->enc.iv, 16, 0));
		json_object_set_new(enc, "padding", json_integer(h->enc.pad));
		json_object_set_new(enc, "key_bits", json_integer(h->enc.key_bits));
		json_object_set_new(enc, "key_algorithm", json_integer(h->enc.key_alg));
		json_object_set_new(enc, "digest", json_string(tl_hash_name(h->enc.hash_alg)));
		json_object_set_new(enc, "hash", tl_json_hexstr(h->enc.hash, h->enc.hash_len, 0));
		/* The wrapped key lets a tool with the phone's key (an openssl
		 * oracle, a support engineer) decrypt without trustline. */
		json_object_set_new(enc, "key", tl_json_hexstr(h->enc.key, h->enc.key_len, 0));
		json_object_set_new(o, "encryption", enc);
	}
	return o;
}

static void record_rows(FILE *f, const tl_record *rec)
{
	for (int i = 0; i < rec->ntlv; i++) {
		const tl_tlv *t = &rec->tlv[i];

		fprintf(f, "%zu\t%-14s\t%u\t", t->off, record_tag_name(t->tag), t->len);
		switch (t->tag) {
		case TL_R_LENGTH:
			fprintf(f, "%u\n", rec->length);
			break;
		case TL_R_DNS_NAME: case TL_R_SUBJECT: case TL_R_ISSUER:
			fprintf(f, "%s\n", (const char *)t->val);
			break;
		case TL_R_ROLE:
			fprintf(f, "%s\n", tl_role_name(rec->role));
			break;
		case TL_R_SERIAL:
			for (size_t j = 0; j < t->len; j++)
				fprintf(f, j ? ":%02x" : "%02x", t->val[j]);
			fputc('\n', f);
			break;
		case TL_R_CERTIFICATE:
			print_hash(f, TL_HASH_SHA1, t->val, t->len);
			fputs(" (SHA1 Hash HEX)\n", f);
			break;
		case TL_R_IP_ADDRESS:
			fprintf(f, "%u.%u.%u.%u\n", t->val[0], t->val[1], t->val[2],
				t->val[3]);
			break;
		case TL_R_HASH_ALG:
			fprintf(f, "%s\n", tl_hash_name(t->val[0]));
			break;
		case TL_R_CERT_HASH:
			for (size_t j = 0; j < t->len; j++)
				fprintf(f, "%02x", t->val[j]);
			fputc('\n', f);
			break;
		default:
			fputc('\n', f);
			hexdump(f, t->val, t->len);
		}
	}
}

void tl_tlist_show(FILE *f, const tl_tlist *l, const char *kind, time_t mtime,
		   long signer, const tl_err *e)
{
	tl_err ce;

	tl_show_checksums(f, l->buf, l->len, mtime, kind);
	fprintf(f, "Parse %s File\n----------------\n\n", kind);
	tl_show_header(f, &l->hdr);
	for (size_t i = 0; i < l->nrec; i++) {
		fprintf(f, "%s Record #:%zu\n----\n", kind, i + 1);
		fputs("BYTEPOS\tTAG\t\tLENGTH\tVALUE\n", f);
		fputs("-------\t---\t\t------\t-----\n", f);
		record_rows(f, &l->rec[i]);
		if (tl_record_check(l, i, &ce))
			fprintf(f, "WARNING: %s\n", ce.msg);
		if (l->rec[i].role == TL_ROLE_SAST)
			fprintf(f, "This etoken was %sused to sign the %s file.\n",
				(long)i == signer ? "" : "not ", kind);
		fputc('\n', f);
	}
	if (signer >= 0)
		fprintf(f, "The %s file was verified successfully (signed by record "
			"#%ld).\n", kind, signer + 1);
	else
		fprintf(f, "Verification of the %s file failed: %s\n", kind,
			e ? e->msg : "no signer");
}

void tl_tlist_brief(FILE *f, const tl_tlist *l, long signer)
{
	for (size_t i = 0; i < l->nrec; i++) {
		const tl_record *r = &l->rec[i];
		char *serial = tl_hex(r->serial, r->serial_len, 1);

		fprintf(f, "#%zu\t%-10s\t%s\tserial %s\t%s %s", i + 1,
			tl_role_short(r->role), tl_record_name(r),
			serial && *serial ? serial : "-",
			r->pubkey == NULL ? "no key" :
			tl_x509_keytype_name(r->key_type),
			r->cert ? "certificate" : "hash-only");
		if ((long)i == signer)
			fputs("\tsigner", f);
		fputc('\n', f);
		free(serial);
	}
}

static json_t *digest(int alg, const uint8_t *p, size_t n)
{
	uint8_t h[TL_HASH_MAX];

	tl_hash(alg, p, n, h);
	return tl_json_hexstr(h, (size_t)tl_hash_len(alg), 0);
}

json_t *tl_tlist_json(const tl_tlist *l, const char *kind, long signer,
		      const tl_err *e)
{
	json_t *o = json_object(), *recs = json_array(), *r;
	json_t *hdr = tl_show_header_json(&l->hdr);
	char ip[16];

	json_object_set_new(o, "kind", json_string(kind));
	json_object_set_new(o, "length", json_integer((json_int_t)l->len));
	json_object_set_new(o, "md5", digest(TL_HASH_MD5, l->buf, l->len));
	json_object_set_new(o, "sha1", digest(TL_HASH_SHA1, l->buf, l->len));
	json_object_update(o, hdr);
	json_decref(hdr);
	json_object_set_new(o, "verified", json_boolean(signer >= 0));
	json_object_set_new(o, "signer_record", signer >= 0 ?
			    json_integer(signer + 1) : json_null());
	json_object_set_new(o, "reason", tl_json_text(signer >= 0 || e == NULL ?
						     NULL : e->msg));
	for (size_t i = 0; i < l->nrec; i++) {
		const tl_record *rec = &l->rec[i];

		r = json_object();
		json_object_set_new(r, "index", json_integer((json_int_t)i + 1));
		json_object_set_new(r, "offset", json_integer((json_int_t)rec->off));
		json_object_set_new(r, "length", json_integer(rec->length));
		json_object_set_new(r, "role", json_integer(rec->role));
		json_object_set_new(r, "role_name", json_string(tl_role_short(rec->role)));
		json_object_set_new(r, "dns_name", tl_json_text(rec->dns_name));
		json_identity(r, "subject", rec->subject, rec->issuer, rec->serial,
			      rec->serial_len);
		json_object_set_new(r, "key_type", tl_json_text(rec->pubkey == NULL ?
					NULL : tl_x509_keytype_name(rec->key_type)));
		json_object_set_new(r, "public_key",
				    tl_json_hexstr(rec->pubkey, rec->pubkey_len, 0));
		if (rec->cert) {
			json_object_set_new(r, "certificate_sha1",
					    digest(TL_HASH_SHA1, rec->cert, rec->cert_len));
			json_object_set_new(r, "certificate_sha256",
					    digest(TL_HASH_SHA256, rec->cert, rec->cert_len));
		} else {
			json_object_set_new(r, "cert_hash_algorithm",
					    json_string(tl_hash_name(rec->hash_alg)));
			json_object_set_new(r, "cert_hash", tl_json_hexstr(rec->cert_hash,
									rec->cert_hash_len, 0));
		}
		if (rec->has_ip) {
			snprintf(ip, sizeof(ip), "%u.%u.%u.%u", rec->ip[0], rec->ip[1],
				 rec->ip[2], rec->ip[3]);
			json_object_set_new(r, "ip", json_string(ip));
		}
		json_object_set_new(r, "signer", json_boolean((long)i == signer));
		json_array_append_new(recs, r);
	}
	json_object_set_new(o, "records", recs);
	return o;
}
