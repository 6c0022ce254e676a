#include <stdlib.h>
#include <string.h>

#include <libxml/parser.h>
#include <libxml/tree.h>

#include "encconfig.h"
#include "testutil.h"

static const tu_ident *signer, *phone, *other_phone, *ec_phone;
static tl_pub *signer_pub;

#define NAME "SEP001122334455.cnf.xml.enc.sgn"

static tl_encopts opts(const tu_ident *dev, int hash, const void *xml,
		       size_t len)
{
	const tl_encopts o = {
		.signer = signer->cert, .key = signer->key, .device = dev->cert,
		.hash_alg = hash, .filename = NAME, .timestamp = 1700000000,
		.xml = xml, .xml_len = len,
	};

	return o;
}

static void build(tl_buf *out, const tu_ident *dev, int hash, const void *xml,
		  size_t len)
{
	tl_encopts o = opts(dev, hash, xml, len);
	tl_err e;

	if (tl_enc_build(&o, out, &e))
		ck_abort_msg("%s", e.msg);
}

/* Parses, then decrypts with the device key: 0 when both pass. */
static int open_enc(const uint8_t *buf, size_t len, const tl_key *k,
		    tl_sfile *h, uint8_t **xml, size_t *xml_len, tl_err *e)
{
	*xml = NULL;
	if (tl_sfile_parse(h, buf, len, NAME, e))
		return -1;
	return tl_enc_decrypt(h, k, xml, xml_len, e);
}

/* Offset of the value of the TLV found by following tags (a container
 * path) through the header. */
static size_t value_at(const uint8_t *buf, size_t header_len, const int *path,
		       int depth)
{
	tl_rd r;
	tl_tlv t;
	tl_err e;

	tl_rd_init(&r, buf, header_len, "find");
	r.pad_tag = TL_H_PADDING;
	for (int d = 0; d < depth;) {
		ck_assert_int_eq(tl_rd_next(&r, &t, &e), 1);
		if (t.tag != path[d])
			continue;
		if (++d < depth)
			r = tl_rd_sub(&r, &t);
	}
	return (size_t)(t.val - buf);
}

START_TEST(roundtrip_lengths_and_digests)
{
	const int hashes[] = { TL_HASH_SHA1, TL_HASH_SHA512 };
	static uint8_t plain[6144];

	for (size_t i = 0; i < sizeof(plain); i++)
		plain[i] = (uint8_t)("<device>0123456789abcdef</device>\n"[i % 34]);
	for (int hi = 0; hi < 2; hi++) {
		for (size_t len = 0; len <= 41; len++) {
			size_t n = len == 41 ? sizeof(plain) : len, xl;
			size_t pad = (16 - n % 16) % 16;
			uint8_t *xml;
			tl_sfile h;
			tl_buf b;
			tl_err e;

			build(&b, phone, hashes[hi], plain, n);
			ck_assert_int_eq(tl_sfile_parse(&h, b.p, b.len, NAME, &e), 0);
			ck_assert_uint_eq(h.version[0], 2);
			ck_assert_uint_eq(h.version[1], 0);
			ck_assert(h.has_enc);
			ck_assert_uint_eq(h.hash_alg, hashes[hi]);
			ck_assert_uint_eq(h.enc.hash_alg, hashes[hi]);
			ck_assert_uint_eq(h.enc.pad, pad);
			ck_assert_uint_eq(h.body_len, n + pad);
			ck_assert_uint_eq(h.enc.key_len, 128);
			ck_assert_uint_eq(h.enc.key_bits, 1024);
			ck_assert_uint_eq(h.enc.key_alg, 1);
			ck_assert_str_eq(h.filename, NAME);
			/* Ciphertext, not the plaintext in disguise. */
			if (n >= 16)
				ck_assert(memcmp(h.body, plain, 16) != 0);
			ck_assert_int_eq(tl_sfile_verify(&h, signer_pub, &e), 0);
			ck_assert_msg(tl_enc_decrypt(&h, phone->key, &xml, &xl, &e) == 0,
				      "length %zu: %s", n, e.msg);
			ck_assert_uint_eq(xl, n);
			ck_assert_mem_eq(xml, plain, n);
			ck_assert_uint_eq(xml[n], 0);
			free(xml);
			tl_buf_free(&b);
		}
	}
}
END_TEST

/* The pad count, not the bytes, says what to strip: a configuration that
 * itself ends in `\r` comes back whole. */
START_TEST(trailing_cr_kept)
{
	const char *cases[] = { "abc\r\r", "0123456789abcde\r", "\r" };

	for (int i = 0; i < 3; i++) {
		size_t n = strlen(cases[i]), xl;
		uint8_t *xml;
		tl_sfile h;
		tl_buf b;
		tl_err e;

		build(&b, phone, TL_HASH_SHA1, cases[i], n);
		ck_assert_int_eq(open_enc(b.p, b.len, phone->key, &h, &xml, &xl, &e), 0);
		ck_assert_uint_eq(xl, n);
		ck_assert_mem_eq(xml, cases[i], n);
		free(xml);
		tl_buf_free(&b);
	}
}
END_TEST

START_TEST(wrong_device_key)
{
	uint8_t *xml;
	size_t xl;
	tl_sfile h;
	tl_buf b;
	tl_err e;

	build(&b, phone, TL_HASH_SHA1, "<device/>", 9);
	ck_assert_int_eq(open_enc(b.p, b.len, other_phone->key, &h, &xml, &xl, &e), -1);
	ck_assert_ptr_null(xml);
	ck_assert_ptr_nonnull(strstr(e.msg, NAME));
	ck_assert_int_eq(open_enc(b.p, b.len, ec_phone->key, &h, &xml, &xl, &e), -1);
	ck_assert_ptr_nonnull(strstr(e.msg, NAME));
	ck_assert_ptr_nonnull(strstr(e.msg, "EC"));
	tl_buf_free(&b);
}
END_TEST

START_TEST(ec_device_refused)
{
	tl_encopts o = opts(ec_phone, TL_HASH_SHA1, "<device/>", 9);
	tl_buf b;
	tl_err e;

	ck_assert_int_eq(tl_enc_build(&o, &b, &e), -1);
	ck_assert_ptr_nonnull(strstr(e.msg, "EC key"));
	ck_assert_ptr_nonnull(strstr(e.msg, ec_phone->cert->subject));
	ck_assert_int_eq(tl_enc_stub(&o, "in.xml", &b, &e), -1);
	ck_assert_ptr_nonnull(strstr(e.msg, "EC key"));
	o.device = phone->cert;
	o.hash_alg = TL_HASH_SHA256;
	ck_assert_int_eq(tl_enc_build(&o, &b, &e), -1);
	ck_assert_ptr_nonnull(strstr(e.msg, "SHA-512"));
}
END_TEST

/* Every single-byte change anywhere is caught by the signature; one in the
 * wrapped key, the digest or the ciphertext is caught by decryption too,
 * which a phone runs on its own key whatever the signature says. */
START_TEST(tamper_every_byte)
{
	static const int key_path[] = { TL_H_ENC_INFO, TL_H_ENC_KEY_INFO,
					TL_H_ENC_KEY };
	static const int hash_path[] = { TL_H_ENC_HASH };
	static const int iv_path[] = { TL_H_ENC_INFO, TL_H_ENC_IV_INFO,
				       TL_H_ENC_IV };
	const char *xml_in = "<device><fullConfig>true</fullConfig></device>";
	const uint8_t masks[] = { 0x01, 0x80 };
	size_t key_at, hash_at, iv_at, hlen;
	uint8_t *xml;
	size_t xl;
	tl_sfile h;
	tl_buf b;
	tl_err e;

	build(&b, phone, TL_HASH_SHA1, xml_in, strlen(xml_in));
	hlen = tl_get_u16(b.p + 8);
	key_at = value_at(b.p, hlen, key_path, 3);
	hash_at = value_at(b.p, hlen, hash_path, 1);
	iv_at = value_at(b.p, hlen, iv_path, 3);
	for (int m = 0; m < 2; m++) {
		for (size_t i = 0; i < b.len; i++) {
			int in_key = i >= key_at && i < key_at + 128;
			int in_hash = i >= hash_at && i < hash_at + 20;
			int in_iv = i >= iv_at && i < iv_at + 16;
			int dec;

			b.p[i] ^= masks[m];
			dec = open_enc(b.p, b.len, phone->key, &h, &xml, &xl, &e);
			free(xml);
			if (dec != 0)
				ck_assert_msg(strstr(e.msg, NAME) != NULL,
					      "byte %zu: \"%s\" does not name the file",
					      i, e.msg);
			if (tl_sfile_parse(&h, b.p, b.len, NAME, &e) == 0)
				ck_assert_msg(tl_sfile_verify(&h, signer_pub, &e) != 0,
					      "flip 0x%02x at byte %zu verified",
					      masks[m], i);
			if (i >= hlen || in_key || in_hash || in_iv)
				ck_assert_msg(dec != 0, "flip 0x%02x at byte %zu "
					      "decrypted", masks[m], i);
			b.p[i] ^= masks[m];
		}
	}
	ck_assert_int_eq(open_enc(b.p, b.len, phone->key, &h, &xml, &xl, &e), 0);
	ck_assert_int_eq(tl_sfile_verify(&h, signer_pub, &e), 0);
	free(xml);
	tl_buf_free(&b);
}
END_TEST

START_TEST(truncated_every_length)
{
	const char *xml_in = "<device><fullConfig>true</fullConfig></device>";
	uint8_t *xml;
	size_t xl;
	tl_sfile h;
	tl_buf b;
	tl_err e;

	build(&b, phone, TL_HASH_SHA512, xml_in, strlen(xml_in));
	for (size_t n = 0; n < b.len; n++) {
		uint8_t *copy = malloc(n ? n : 1);

		memcpy(copy, b.p, n);
		ck_assert_int_eq(open_enc(copy, n, phone->key, &h, &xml, &xl, &e), -1);
		ck_assert_msg(strstr(e.msg, NAME) != NULL, "cut at %zu: %s", n, e.msg);
		if (tl_sfile_parse(&h, copy, n, NAME, &e) == 0)
			ck_assert_int_ne(tl_sfile_verify(&h, signer_pub, &e), 0);
		free(copy);
	}
	tl_buf_free(&b);
}
END_TEST

/* Decrypts the body in place with the key the test unwraps itself, lets
 * edit change it, and encrypts it back: hostile plaintext under the
 * right key, which only the padding and digest checks can refuse. */
static void rewrite_plain(tl_buf *b, void (*edit)(uint8_t *p, size_t n))
{
	static const int iv_path[] = { TL_H_ENC_INFO, TL_H_ENC_IV_INFO,
				       TL_H_ENC_IV };
	uint8_t aes[128], iv[16];
	size_t al = sizeof(aes), hlen = tl_get_u16(b->p + 8);
	tl_sfile h;
	tl_err e;

	ck_assert_int_eq(tl_sfile_parse(&h, b->p, b->len, NAME, &e), 0);
	ck_assert_int_eq(tl_rsa_decrypt(phone->key, h.enc.key, h.enc.key_len, aes,
					&al, &e), 0);
	ck_assert_uint_eq(al, 16);
	memcpy(iv, b->p + value_at(b->p, hlen, iv_path, 3), 16);
	ck_assert_int_eq(tl_aes128_cbc(0, aes, iv, b->p + hlen, b->p + hlen,
				       b->len - hlen, &e), 0);
	edit(b->p + hlen, b->len - hlen);
	ck_assert_int_eq(tl_aes128_cbc(1, aes, iv, b->p + hlen, b->p + hlen,
				       b->len - hlen, &e), 0);
}

static void space_in_padding(uint8_t *p, size_t n)
{
	ck_assert_uint_eq(p[n - 1], '\r');
	p[n - 1] = ' ';
}

static void change_config(uint8_t *p, size_t n)
{
	p[0] ^= 0x20;
}

static int decrypt_msg(const tl_buf *b, const char *want)
{
	uint8_t *xml;
	size_t xl;
	tl_sfile h;
	tl_err e;

	if (open_enc(b->p, b->len, phone->key, &h, &xml, &xl, &e) == 0) {
		free(xml);
		return 0;
	}
	ck_assert_msg(strstr(e.msg, want) != NULL, "\"%s\" lacks \"%s\"", e.msg,
		      want);
	ck_assert_ptr_nonnull(strstr(e.msg, NAME));
	return 1;
}

START_TEST(hostile_padding)
{
	static const int pad_path[] = { TL_H_ENC_INFO, TL_H_ENC_IV_INFO,
					TL_H_ENC_PADDING };
	static const uint16_t bad[] = { 16, 17, 0xffff };
	const char *xml_in = "<device/>\n<!---->";	/* 17 bytes: pad 15 */
	size_t n = strlen(xml_in), at;
	tl_buf b;

	build(&b, phone, TL_HASH_SHA1, xml_in, n);
	at = value_at(b.p, tl_get_u16(b.p + 8), pad_path, 3);
	ck_assert_uint_eq(tl_get_u16(b.p + at), 15);
	for (int i = 0; i < 3; i++) {
		tl_buf_set_u16(&b, at, bad[i]);
		ck_assert(decrypt_msg(&b, "ENCRYPTION_PADDING"));
	}
	/* One `\r` fewer stripped: the padding is fine, the digest is not. */
	tl_buf_set_u16(&b, at, 14);
	ck_assert(decrypt_msg(&b, "digest"));
	tl_buf_set_u16(&b, at, 15);
	ck_assert(!decrypt_msg(&b, ""));
	/* The digest covers only the configuration: the padding check alone
	 * stands between a phone and a pad byte that is not `\r`. */
	rewrite_plain(&b, space_in_padding);
	ck_assert(decrypt_msg(&b, "padding byte 15 of 15 is 0x20"));
	tl_buf_free(&b);

	build(&b, phone, TL_HASH_SHA1, xml_in, n);
	rewrite_plain(&b, change_config);
	ck_assert(decrypt_msg(&b, "digest"));
	tl_buf_free(&b);
}
END_TEST

START_TEST(not_encrypted)
{
	uint8_t *xml;
	size_t xl;
	tl_sfile h;
	tl_buf b;
	tl_err e;

	tu_sign(&b, signer, 1, TL_HASH_SHA1, NAME, NULL, "0123456789abcdef", 16);
	ck_assert_int_eq(open_enc(b.p, b.len, phone->key, &h, &xml, &xl, &e), -1);
	ck_assert_ptr_nonnull(strstr(e.msg, "not an encrypted configuration"));
	tl_buf_free(&b);
}
END_TEST

static const char full_config[] =
	"<?xml version=\"1.0\"?>\n"
	"<device xsi:type=\"axl:XIPPhone\" ctiid=\"9\">\n"
	"  <fullConfig>true</fullConfig>\n"
	"  <deviceSecurityMode>3</deviceSecurityMode>\n"
	"  <capfList><capf><phonePort>3804</phonePort>"
	"<processNodeName>cucm-pub</processNodeName></capf></capfList>\n"
	"  <loadInformation>sip88xx.14-1-1</loadInformation>\n"
	"  <sshPassword>s3cret</sshPassword>\n"
	"  <ipAddressMode>0</ipAddressMode>\n"
	"  <capfAuthMode>3</capfAuthMode>\n"
	"</device>\n";

/* The element children of the stub's root, by name, in order. */
static void stub_children(const tl_buf *x, char *names, size_t size,
			  char **cert_hash)
{
	xmlDocPtr doc = xmlReadMemory((const char *)x->p, (int)x->len, "stub",
				      NULL, XML_PARSE_NONET);
	xmlNodePtr root;

	ck_assert_ptr_nonnull(doc);
	root = xmlDocGetRootElement(doc);
	ck_assert_str_eq((const char *)root->name, "device");
	names[0] = 0;
	for (xmlNodePtr c = root->children; c; c = c->next) {
		if (c->type != XML_ELEMENT_NODE)
			continue;
		strncat(names, (const char *)c->name, size - strlen(names) - 2);
		strcat(names, " ");
		if (xmlStrEqual(c->name, (const xmlChar *)"certHash")) {
			xmlChar *s = xmlNodeGetContent(c);

			*cert_hash = strdup((const char *)s);
			xmlFree(s);
		}
	}
	xmlFreeDoc(doc);
}

START_TEST(stub)
{
	uint8_t md5[TL_HASH_MAX];
	char names[256], *hash = NULL, *want;
	tl_encopts o = opts(phone, TL_HASH_SHA512, full_config,
			    strlen(full_config));
	tl_sfile h;
	tl_buf x, s;
	tl_err e;

	tl_hash(TL_HASH_MD5, phone->cert->der, phone->cert->der_len, md5);
	want = tl_hex(md5, 16, 0);
	ck_assert_int_eq(tl_enc_stub_xml((const uint8_t *)full_config,
					 strlen(full_config), "in.xml", phone->cert,
					 &x, &e), 0);
	stub_children(&x, names, sizeof(names), &hash);
	/* docs/protocols.md's order, whatever the full configuration's. */
	ck_assert_str_eq(names, "fullConfig ipAddressMode loadInformation "
			 "capfAuthMode capfList certHash encrConfig ");
	ck_assert_str_eq(hash, want);
	ck_assert_ptr_null(memmem(x.p, x.len, "s3cret", 6));
	ck_assert_ptr_nonnull(memmem(x.p, x.len, "<fullConfig>false</fullConfig>", 30));
	ck_assert_ptr_nonnull(memmem(x.p, x.len, "<encrConfig>true</encrConfig>", 29));
	ck_assert_ptr_nonnull(memmem(x.p, x.len, "<processNodeName>cucm-pub<", 26));
	free(hash);

	/* Signed as any .sgn, with the same bytes as the stub alone. */
	o.filename = "SEP001122334455.cnf.xml.sgn";
	ck_assert_int_eq(tl_enc_stub(&o, "in.xml", &s, &e), 0);
	ck_assert_int_eq(tl_sfile_parse(&h, s.p, s.len, "stub", &e), 0);
	ck_assert_uint_eq(h.version[0], 1);
	ck_assert_uint_eq(h.version[1], 0);
	ck_assert(!h.has_enc);
	ck_assert_uint_eq(h.hash_alg, TL_HASH_SHA512);
	ck_assert_str_eq(h.filename, "SEP001122334455.cnf.xml.sgn");
	ck_assert_int_eq(tl_sfile_verify(&h, signer_pub, &e), 0);
	ck_assert_uint_eq(h.body_len, x.len);
	ck_assert_mem_eq(h.body, x.p, x.len);
	tl_buf_free(&s);
	tl_buf_free(&x);

	/* Absent elements are left out, not invented. */
	ck_assert_int_eq(tl_enc_stub_xml((const uint8_t *)"<device/>", 9, "in.xml",
					 phone->cert, &x, &e), 0);
	stub_children(&x, names, sizeof(names), &hash);
	ck_assert_str_eq(names, "fullConfig certHash encrConfig ");
	ck_assert_str_eq(hash, want);
	free(hash);
	tl_buf_free(&x);
	free(want);
}
END_TEST

START_TEST(stub_refuses_bad_xml)
{
	static const struct {
		const char *xml, *want;
	} cases[] = {
		{ "<phone/>", "root element is <phone>" },
		{ "<device><a></device>", "in.xml: line 1: not well-formed XML" },
		{ "", "not well-formed XML" },
		{ "<device/><device/>", "not well-formed XML" },
	};
	tl_buf x;
	tl_err e;

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		ck_assert_int_eq(tl_enc_stub_xml((const uint8_t *)cases[i].xml,
						 strlen(cases[i].xml), "in.xml",
						 phone->cert, &x, &e), -1);
		ck_assert_msg(strstr(e.msg, cases[i].want) != NULL,
			      "\"%s\" lacks \"%s\"", e.msg, cases[i].want);
		ck_assert_ptr_null(strchr(e.msg, '\n'));
	}
}
END_TEST

int main(void)
{
	Suite *s = suite_create("encconfig");
	TCase *tc = tcase_create("encconfig");
	tl_err e;

	signer = tu_ident_get("cm-pub", TL_KEY_RSA, 1024);
	phone = tu_ident_get("SEP001122334455", TL_KEY_RSA, 1024);
	other_phone = tu_ident_get("SEP00AABBCCDDEE", TL_KEY_RSA, 1024);
	ec_phone = tu_ident_get("SEP00EC00EC00EC", TL_KEY_EC, 256);
	if (tl_pub_from_cert(signer->cert, &signer_pub, &e)) {
		fprintf(stderr, "%s\n", e.msg);
		return 1;
	}
	tcase_set_timeout(tc, 300);
	tcase_add_test(tc, roundtrip_lengths_and_digests);
	tcase_add_test(tc, trailing_cr_kept);
	tcase_add_test(tc, wrong_device_key);
	tcase_add_test(tc, ec_device_refused);
	tcase_add_test(tc, tamper_every_byte);
	tcase_add_test(tc, truncated_every_length);
	tcase_add_test(tc, hostile_padding);
	tcase_add_test(tc, not_encrypted);
	tcase_add_test(tc, stub);
	tcase_add_test(tc, stub_refuses_bad_xml);
	suite_add_tcase(s, tc);
	return tu_run(s);
}
