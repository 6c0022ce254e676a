/* The golden files of tests/vectors/: the library must read back what
 * DERIVATION.md says they hold, and rebuild them byte for byte from the
 * committed certificates, so that any drift of the formats fails here. */
#include <stdlib.h>
#include <string.h>

#include "testutil.h"
#include "trustlist.h"

/* SOURCE_DATE_EPOCH of tests/vectors/golden.sh: 1700000000. */
#define EPOCH 0x6553f100u

/* Offsets from DERIVATION.md: where the SIGNATURE TLV starts and how long
 * the header is, in a trust list and in a .sgn of these vectors. */
#define TLV_SIG_OFF 159
#define TLV_HEADER_LEN 440
#define SGN_SIG_OFF 154
#define SGN_HEADER_LEN 452
#define SIG_LEN 256

/* Names as `openssl x509 -nameopt esc_2253,sep_comma_plus` prints them:
 * certificate order, `,` between attributes. */
#define SIGNER "C=PL,ST=Malopolska,L=Krakow,O=Lab,OU=TAC,CN=cucm-pub"
#define CCM_TFTP "CN=cucm-sub,OU=TAC,O=Lab,L=Krakow,ST=Malopolska,C=PL"
#define TVS "C=PL,ST=Malopolska,L=Krakow,O=Lab,OU=TAC,CN=cucm-pub-tvs"
#define CAPF "C=PL,ST=Malopolska,L=Krakow,O=Lab\\, Inc.,OU=TAC,CN=cucm-pub-capf"
#define EC_CCM "C=PL,ST=Malopolska,L=Krakow,O=Lab,OU=TAC,CN=cucm-pub-EC"

#define SIGNER_SERIAL "9a3c5e7f11223344"
static const uint8_t signer_serial[] = {
	0x9a, 0x3c, 0x5e, 0x7f, 0x11, 0x22, 0x33, 0x44
};

typedef struct rec_want {
	const char *pem;	/* under tests/vectors/ */
	const char *subject;
	const char *issuer;
	const char *serial;	/* `openssl x509 -serial`, lower case */
	int role;
	int hash_only;
	const char *sha1;	/* hash-only: `openssl dgst -sha1` of the DER */
} rec_want;

typedef struct list_want {
	const char *file;
	const char *filename;
	int hash;
	int minor;		/* SIGNER_VERSION 1.minor */
	size_t n;
	rec_want rec[5];	/* rec[0] is the signer's SAST record */
} list_want;

/* Full records of self-signed certificates, the one issued by the signer,
 * then the one hash-only record. */
#define REC(pem, subject, serial, role) \
	{ pem, subject, subject, serial, role, 0, NULL }
#define SAST_REC REC("signer.pem", SIGNER, SIGNER_SERIAL, TL_ROLE_SAST)
#define SIGNER_CCM_TFTP_REC \
	REC("signer.pem", SIGNER, SIGNER_SERIAL, TL_ROLE_CCM_TFTP)
#define CCM_TFTP_REC { "ccm-tftp.pem", CCM_TFTP, SIGNER, "0123456789abcdef", \
		       TL_ROLE_CCM_TFTP, 0, NULL }
#define CAPF_REC \
	REC("capf.pem", CAPF, "6dee1c2b3a4f5e6d7c8b9aa0b1c2d3e4", TL_ROLE_CAPF)
#define EC_CCM_REC REC("ec-ccm.pem", EC_CCM, "42", TL_ROLE_CCM)
#define TVS_REC { "tvs.pem", TVS, TVS, "1234", TL_ROLE_TVS, 1, \
		  "8c4305e097e464c344d973d7a538d7b003b3723b" }

/* What tests/vectors/golden.sh asks for. */
static const list_want lists[] = {
	{ "itl-sha1.tlv", "ITLFile.tlv", TL_HASH_SHA1, 0, 5, {
		SAST_REC, SIGNER_CCM_TFTP_REC, CCM_TFTP_REC, TVS_REC, CAPF_REC } },
	{ "itl-sha512.tlv", "ITLFile.tlv", TL_HASH_SHA512, 0, 5, {
		SAST_REC, SIGNER_CCM_TFTP_REC, CCM_TFTP_REC, TVS_REC, CAPF_REC } },
	{ "itl-ec.tlv", "ITLFile.tlv", TL_HASH_SHA1, 1, 4, {
		SAST_REC, SIGNER_CCM_TFTP_REC, EC_CCM_REC, TVS_REC } },
	{ "ctl-sha1.tlv", "CTLFile.tlv", TL_HASH_SHA1, 0, 4, {
		SAST_REC, SIGNER_CCM_TFTP_REC, CCM_TFTP_REC, CAPF_REC } },
};

static const struct {
	const char *file;
	int hash;
} sgns[] = {
	{ "SEP001122334455.cnf.xml.sgn", TL_HASH_SHA1 },
	{ "SEP001122334455-sha512.cnf.xml.sgn", TL_HASH_SHA512 },
};

static tl_cert *vector_cert(const char *name)
{
	size_t len;
	uint8_t *buf = tu_vector(name, &len);
	tl_cert *c;
	tl_err e;

	if (tl_cert_from_mem(buf, len, name, &c, &e))
		ck_abort_msg("%s", e.msg);
	free(buf);
	return c;
}

static void load_list(tl_tlist *l, const char *file)
{
	size_t len;
	uint8_t *buf = tu_vector(file, &len);
	tl_err e;

	ck_assert_msg(tl_tlist_parse(l, buf, len, file, &e) == 0, "%s", e.msg);
	free(buf);
}

/* The signer fields every golden header shares (DERIVATION.md A and B). */
static void check_signer(const tl_sfile *h, int hash, size_t sig_off)
{
	ck_assert_str_eq(h->signer_name, SIGNER);
	ck_assert_str_eq(h->issuer_name, SIGNER);
	ck_assert_uint_eq(h->serial_len, sizeof(signer_serial));
	ck_assert_mem_eq(h->serial, signer_serial, sizeof(signer_serial));
	ck_assert_uint_eq(h->hash_alg, hash);
	ck_assert_uint_eq(h->sig_alg, 0);
	ck_assert_uint_eq(h->modulus, 2);
	ck_assert_uint_eq(h->sig_len, SIG_LEN);
	ck_assert_uint_eq(h->sig_off, sig_off);
	ck_assert_uint_eq(h->timestamp, EPOCH);
	ck_assert_int_eq(h->has_enc, 0);
}

static void check_record(const tl_record *r, const rec_want *w, int hash)
{
	tl_cert *c = vector_cert(w->pem);
	char *serial = tl_hex(r->serial, r->serial_len, 0);

	ck_assert_uint_eq(r->role, w->role);
	ck_assert_str_eq(r->subject, w->subject);
	ck_assert_str_eq(r->issuer, w->issuer);
	/* minimal big-endian: no sign byte before 9a or 6d, none dropped in 01 */
	ck_assert_str_eq(serial, w->serial);
	free(serial);
	ck_assert_int_eq(r->key_type, c->key_type);
	ck_assert_uint_eq(r->sig_len, c->sig_len);
	ck_assert_mem_eq(r->sig, c->sig, c->sig_len);
	if (w->hash_only) {
		uint8_t digest[TL_HASH_MAX];

		ck_assert_ptr_null(r->cert);
		ck_assert_uint_eq(r->hash_alg, hash);
		ck_assert_int_eq(tl_hash(hash, c->der, c->der_len, digest),
				 (int)r->cert_hash_len);
		ck_assert_mem_eq(r->cert_hash, digest, r->cert_hash_len);
		if (hash == TL_HASH_SHA1) {
			char *hex = tl_hex(r->cert_hash, r->cert_hash_len, 0);

			ck_assert_str_eq(hex, w->sha1);
			free(hex);
		}
	} else {
		ck_assert_uint_eq(r->cert_len, c->der_len);
		ck_assert_mem_eq(r->cert, c->der, c->der_len);
	}
	tl_cert_free(c);
}

/* Fails naming the first byte that differs: DERIVATION.md says which field
 * lives there. */
static void same_bytes(const char *file, const uint8_t *got, size_t got_len,
		       const uint8_t *want, size_t want_len)
{
	size_t i = 0;

	while (i < got_len && i < want_len && got[i] == want[i])
		i++;
	ck_assert_msg(i == got_len && i == want_len, "%s: rebuilt bytes differ "
		      "from the golden file at byte %zu (%zu bytes, golden %zu)",
		      file, i, got_len, want_len);
}

/* Builds the list of w again as golden.sh did and compares every byte. */
static void rebuild_list(const list_want *w, const tl_tlist *golden)
{
	const tu_ident *signer = tu_vector_signer();
	tl_cert *certs[5] = { 0 };
	tl_tlentry en[5];
	tl_tlopts o;
	tl_buf b;
	tl_err e;

	memset(en, 0, sizeof(en));
	/* rec[0], the signer's SAST record, is what build adds by itself */
	for (size_t i = 1; i < w->n; i++) {
		certs[i] = vector_cert(w->rec[i].pem);
		en[i - 1].cert = certs[i];
		en[i - 1].role = w->rec[i].role;
		en[i - 1].hash_only = w->rec[i].hash_only;
	}
	memset(&o, 0, sizeof(o));
	o.signer = signer->cert;
	o.key = signer->key;
	o.entries = en;
	o.n = w->n - 1;
	o.hash_alg = w->hash;
	o.filename = w->filename;
	o.timestamp = EPOCH;
	ck_assert_msg(tl_tlist_build(&o, &b, &e) == 0, "%s", e.msg);
	same_bytes(w->file, b.p, b.len, golden->buf, golden->len);
	tl_buf_free(&b);
	for (size_t i = 0; i < w->n; i++)
		tl_cert_free(certs[i]);
}

START_TEST(golden_lists)
{
	const list_want *w = &lists[_i];
	size_t signer = 99;
	tl_tlist l;
	tl_err e;

	load_list(&l, w->file);
	ck_assert_uint_eq(l.hdr.version[0], 1);
	ck_assert_uint_eq(l.hdr.version[1], 2);
	ck_assert_uint_eq(l.hdr.header_len, TLV_HEADER_LEN);
	ck_assert_uint_eq(l.hdr.padding, 0);
	ck_assert_int_eq(l.hdr.has_signer_version, 1);
	ck_assert_uint_eq(l.hdr.signer_version[0], 1);
	ck_assert_uint_eq(l.hdr.signer_version[1], w->minor);
	ck_assert_str_eq(l.hdr.filename, w->filename);
	check_signer(&l.hdr, w->hash, TLV_SIG_OFF);
	ck_assert_uint_eq(l.nrec, w->n);
	ck_assert_uint_eq(l.rec[0].off, TLV_HEADER_LEN);
	for (size_t i = 0; i < w->n; i++)
		check_record(&l.rec[i], &w->rec[i], w->hash);
	ck_assert_msg(tl_tlist_verify(&l, NULL, &signer, &e) == 0, "%s", e.msg);
	ck_assert_uint_eq(signer, 0);
	rebuild_list(w, &l);
	tl_tlist_free(&l);
}
END_TEST

START_TEST(golden_sgn)
{
	const tu_ident *signer = tu_vector_signer();
	size_t len, xml_len, rec = 99;
	uint8_t *buf = tu_vector(sgns[_i].file, &len);
	uint8_t *xml = tu_vector("SEP001122334455.cnf.xml", &xml_len);
	tl_signopts o;
	tl_sfile h;
	tl_tlist itl;
	tl_buf b;
	tl_err e;

	ck_assert_msg(tl_sfile_parse(&h, buf, len, sgns[_i].file, &e) == 0, "%s",
		      e.msg);
	ck_assert_uint_eq(h.version[0], 1);
	ck_assert_uint_eq(h.version[1], 0);
	ck_assert_int_eq(h.has_signer_version, 0);
	ck_assert_uint_eq(h.header_len, SGN_HEADER_LEN);
	ck_assert_uint_eq(h.padding, 1);
	ck_assert_str_eq(h.filename, "SEP001122334455.cnf.xml.sgn");
	check_signer(&h, sgns[_i].hash, SGN_SIG_OFF);
	ck_assert_uint_eq(h.body_len, xml_len);
	ck_assert_mem_eq(h.body, xml, xml_len);
	ck_assert(tl_sfile_signed_by(&h, signer->cert));
	/* as a phone checks it: the CCM+TFTP record #2 of the ITL */
	load_list(&itl, "itl-sha1.tlv");
	ck_assert_msg(tl_sfile_verify_by_list(&h, &itl, TL_ROLE_BIT(TL_ROLE_TFTP) |
					      TL_ROLE_BIT(TL_ROLE_CCM_TFTP),
					      &rec, &e) == 0, "%s", e.msg);
	ck_assert_uint_eq(rec, 1);
	tl_tlist_free(&itl);

	memset(&o, 0, sizeof(o));
	o.version[0] = 1;
	o.signer = signer->cert;
	o.key = signer->key;
	o.hash_alg = sgns[_i].hash;
	o.filename = "SEP001122334455.cnf.xml.sgn";
	o.timestamp = EPOCH;
	o.body = xml;
	o.body_len = xml_len;
	ck_assert_msg(tl_sfile_sign(&o, &b, &e) == 0, "%s", e.msg);
	same_bytes(sgns[_i].file, b.p, b.len, buf, len);
	tl_buf_free(&b);
	free(xml);
	free(buf);
}
END_TEST

/* Cisco's tools join names with `;`. Turns every `,` of the NUL-terminated
 * names at the offsets offs (ending with 0) into `;` (same length, so no
 * other byte moves) and signs the file again with the vector signer, as
 * Cisco's tool would have. */
static void cisco_names(uint8_t *buf, size_t len, const size_t *offs,
			size_t sig_off)
{
	const tu_ident *signer = tu_vector_signer();
	size_t after = sig_off + 3 + SIG_LEN, sig_len = SIG_LEN;
	tl_span parts[2] = { { buf, sig_off }, { buf + after, len - after } };
	tl_err e;

	for (; *offs; offs++)
		for (uint8_t *p = buf + *offs; *p; p++)
			if (*p == ',')
				*p = ';';
	ck_assert_msg(tl_sign(signer->key, TL_HASH_SHA1, parts, 2,
			      buf + sig_off + 3, &sig_len, &e) == 0, "%s", e.msg);
}

#define CISCO_SIGNER "C=PL;ST=Malopolska;L=Krakow;O=Lab;OU=TAC;CN=cucm-pub"

START_TEST(semicolon_names)
{
	size_t len, rec = 99;
	uint8_t *buf;
	tl_tlist itl, cisco;
	tl_sfile h;
	tl_err e;
	long i;

	ck_assert(tl_name_equal("CN=cucm-pub;OU=TAC;O=Lab",
				"CN=cucm-pub,OU=TAC,O=Lab"));
	load_list(&itl, "itl-sha1.tlv");
	/* the records hold `,` names; a lookup with Cisco's `;` finds them,
	 * a value with a plain `,` included */
	i = tl_tlist_find(&itl, CISCO_SIGNER, signer_serial,
			  sizeof(signer_serial), TL_ROLE_BIT(TL_ROLE_CCM_TFTP));
	ck_assert_int_eq(i, 1);
	i = tl_tlist_find(&itl, "C=PL;ST=Malopolska;L=Krakow;O=Lab, Inc.;OU=TAC;"
			  "CN=cucm-pub-capf", itl.rec[4].serial,
			  itl.rec[4].serial_len, 0);
	ck_assert_int_eq(i, 4);
	i = tl_tlist_find(&itl, "C=PL;ST=Malopolska;L=Krakow;O=Lab;OU=TAC;"
			  "CN=cucm-pub-capf", itl.rec[4].serial,
			  itl.rec[4].serial_len, 0);
	ck_assert_int_eq(i, -1);

	/* a .sgn whose header names its signer Cisco's way */
	buf = tu_vector("SEP001122334455.cnf.xml.sgn", &len);
	/* values of SIGNER_NAME and ISSUER_NAME (DERIVATION.md A) */
	cisco_names(buf, len, (const size_t[]){ 16, 72, 0 }, SGN_SIG_OFF);
	ck_assert_msg(tl_sfile_parse(&h, buf, len, "cisco.sgn", &e) == 0, "%s",
		      e.msg);
	ck_assert_str_eq(h.signer_name, CISCO_SIGNER);
	ck_assert_str_eq(h.issuer_name, CISCO_SIGNER);
	ck_assert_msg(tl_sfile_verify_by_list(&h, &itl,
					      TL_ROLE_BIT(TL_ROLE_CCM_TFTP),
					      &rec, &e) == 0, "%s", e.msg);
	ck_assert_uint_eq(rec, 1);
	free(buf);

	/* an ITL whose SAST record and header both use `;` verifies, and is
	 * accepted against the `,` list a phone holds, and the other way */
	buf = tu_vector("itl-sha1.tlv", &len);
	/* the header's SIGNER_NAME and ISSUER_NAME, record #1's SUBJECT_NAME
	 * and ISSUER_NAME (DERIVATION.md B and C) */
	cisco_names(buf, len, (const size_t[]){ 21, 77, 460, 521, 0 },
		    TLV_SIG_OFF);
	ck_assert_msg(tl_tlist_parse(&cisco, buf, len, "cisco.tlv", &e) == 0, "%s",
		      e.msg);
	ck_assert_str_eq(cisco.hdr.issuer_name, CISCO_SIGNER);
	ck_assert_str_eq(cisco.rec[0].subject, CISCO_SIGNER);
	ck_assert_str_eq(cisco.rec[0].issuer, CISCO_SIGNER);
	ck_assert_msg(tl_tlist_verify(&cisco, NULL, &rec, &e) == 0, "%s", e.msg);
	ck_assert_uint_eq(rec, 0);
	ck_assert_msg(tl_tlist_verify(&cisco, &itl, &rec, &e) == 0, "%s", e.msg);
	ck_assert_msg(tl_tlist_verify(&itl, &cisco, &rec, &e) == 0, "%s", e.msg);
	tl_tlist_free(&cisco);
	tl_tlist_free(&itl);
	free(buf);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("vectors");
	TCase *tc = tcase_create("vectors");

	tcase_add_loop_test(tc, golden_lists, 0, sizeof(lists) / sizeof(lists[0]));
	tcase_add_loop_test(tc, golden_sgn, 0, sizeof(sgns) / sizeof(sgns[0]));
	tcase_add_test(tc, semicolon_names);
	suite_add_tcase(s, tc);
	return tu_run(s);
}
