#include "encconfig.h"

#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include <libxml/parser.h>
#include <libxml/tree.h>

/* A phone unwraps the AES key with its RSA private key; an EC certificate
 * would give it nothing to unwrap with, so refuse before doing any work. */
static int check_device(const tl_cert *device, tl_err *e)
{
	if (device->key_type != TL_KEY_RSA)
		return tl_fail(e, "device certificate %s has an EC key: encrypted "
			       "configurations wrap the AES key with RSA; give the "
			       "phone's RSA LSC (or its MIC when it has no RSA LSC)",
			       device->subject);
	return 0;
}

static int check_hash(int alg, tl_err *e)
{
	if (alg != TL_HASH_SHA1 && alg != TL_HASH_SHA512)
		return tl_fail(e, "encrypted configurations are hashed with SHA-1 or "
			       "SHA-512");
	return 0;
}

/* Section 3's encryption block, written after TIMESTAMP by tl_sfile_sign;
 * tl_sfile_parse reads the same nesting back. */
static void put_enc_block(tl_buf *b, const uint8_t iv[16], uint16_t pad,
			  const uint8_t *wrapped, size_t wrapped_len, int hash_alg,
			  const uint8_t *digest, size_t digest_len)
{
	size_t info = tl_open(b, TL_H_ENC_INFO), sub;

	sub = tl_open(b, TL_H_ENC_IV_INFO);
	tl_put_u8(b, TL_H_ENC_UNKNOWN1, 0);
	tl_put(b, TL_H_ENC_IV, iv, 16);
	tl_put_u16(b, TL_H_ENC_PADDING, pad);
	tl_close(b, sub);
	sub = tl_open(b, TL_H_ENC_KEY_INFO);
	tl_put_u8(b, TL_H_ENC_UNKNOWN2, 0);
	tl_put_u16(b, TL_H_ENC_KEY_SIZE, (uint16_t)(wrapped_len * 8));
	tl_put_u8(b, TL_H_ENC_KEY_ALG, 1);
	tl_put(b, TL_H_ENC_KEY, wrapped, wrapped_len);
	tl_close(b, sub);
	tl_close(b, info);
	tl_put_u8(b, TL_H_ENC_HASH_ALG, (uint8_t)hash_alg);
	tl_put(b, TL_H_ENC_HASH, digest, digest_len);
}

/* Both files are signed alike by the same signer; only the version, the
 * extra header TLVs and the body differ. */
static int sign(const tl_encopts *o, uint8_t major, const tl_buf *extra,
		const uint8_t *body, size_t body_len, tl_buf *out, tl_err *e)
{
	const tl_signopts so = {
		.version = { major, 0 }, .signer = o->signer, .key = o->key,
		.hash_alg = o->hash_alg, .filename = o->filename,
		.timestamp = o->timestamp, .extra = extra ? extra->p : NULL,
		.extra_len = extra ? extra->len : 0, .body = body,
		.body_len = body_len, .defer_signature = o->defer_signature,
	};

	return tl_sfile_sign(&so, out, e);
}

int tl_enc_build(const tl_encopts *o, tl_buf *out, tl_err *e)
{
	/* Already whole blocks get no padding: the count in tag 20 says how
	 * much to strip, so nothing forces a full block of `\r` (PKCS#7 style)
	 * and the phone's parser sees the plaintext unchanged. */
	size_t pad = (16 - o->xml_len % 16) % 16;
	size_t n = o->xml_len + pad, wrapped_len;
	uint8_t aes[16], iv[16], digest[TL_HASH_MAX];
	uint8_t *plain = NULL, *cipher = NULL, *wrapped = NULL;
	tl_pub *pub = NULL;
	tl_buf blk;
	int rc = -1, dl;

	tl_buf_init(&blk);
	if (check_device(o->device, e) || check_hash(o->hash_alg, e))
		return -1;
	if (tl_pub_from_cert(o->device, &pub, e))
		return tl_wrap(e, "device certificate %s", o->device->subject);
	wrapped_len = (size_t)(tl_pub_bits(pub) + 7) / 8;
	plain = malloc(n ? n : 1);
	cipher = malloc(n ? n : 1);
	wrapped = malloc(wrapped_len);
	if (plain == NULL || cipher == NULL || wrapped == NULL) {
		tl_fail(e, "out of memory encrypting %zu bytes", n);
		goto done;
	}
	if (o->xml_len)
		memcpy(plain, o->xml, o->xml_len);
	memset(plain + o->xml_len, '\r', pad);
	if (tl_random(aes, sizeof(aes), e) || tl_random(iv, sizeof(iv), e) ||
	    tl_aes128_cbc(1, aes, iv, plain, cipher, n, e))
		goto done;
	if (tl_rsa_encrypt(pub, aes, sizeof(aes), wrapped, &wrapped_len, e)) {
		tl_wrap(e, "wrapping the AES key to %s", o->device->subject);
		goto done;
	}
	/* Tag 23 counts bits in 16 bits: RSA moduli up to 65528 bits fit. */
	if (wrapped_len > 0xffff / 8) {
		tl_fail(e, "device key of %zu bytes is too large for "
			"ENCRYPTION_KEY_SIZE (tag 23)", wrapped_len);
		goto done;
	}
	/* The digest covers the configuration as written, without the `\r`
	 * padding: what a phone compares after stripping tag 20's count. */
	if ((dl = tl_hash(o->hash_alg, o->xml, o->xml_len, digest)) < 0) {
		tl_fail(e, "cannot hash the configuration");
		goto done;
	}
	put_enc_block(&blk, iv, (uint16_t)pad, wrapped, wrapped_len, o->hash_alg,
		      digest, (size_t)dl);
	if (tl_buf_ok(&blk, e))
		goto done;
	rc = sign(o, 2, &blk, cipher, n, out, e);
done:
	explicit_bzero(aes, sizeof(aes));
	if (plain)
		explicit_bzero(plain, n);
	free(plain);
	free(cipher);
	free(wrapped);
	tl_buf_free(&blk);
	tl_pub_free(pub);
	return rc;
}

/* The first element child of parent called name, or NULL. */
static xmlNodePtr child(xmlNodePtr parent, const char *name)
{
	for (xmlNodePtr c = parent->children; c != NULL; c = c->next)
		if (c->type == XML_ELEMENT_NODE &&
		    xmlStrEqual(c->name, (const xmlChar *)name))
			return c;
	return NULL;
}

/* libxml2 messages end in a newline; ours are one line. */
static int xml_fail(tl_err *e, const char *name, xmlParserCtxtPtr ctx)
{
	const xmlError *x = ctx ? xmlCtxtGetLastError(ctx) : NULL;
	const char *msg = x && x->message ? x->message : "out of memory";
	int n = (int)strcspn(msg, "\n");

	return tl_fail(e, "%s: line %d: not well-formed XML: %.*s", name,
		       x ? x->line : 0, n, msg);
}

static xmlDocPtr read_xml(const uint8_t *xml, size_t len, const char *name,
			  tl_err *e)
{
	xmlParserCtxtPtr ctx;
	xmlDocPtr doc;

	if (len > INT_MAX) {
		tl_fail(e, "%s: %zu bytes is too large for a configuration", name, len);
		return NULL;
	}
	if ((ctx = xmlNewParserCtxt()) == NULL) {
		tl_fail(e, "%s: out of memory", name);
		return NULL;
	}
	/* No network, no entity expansion (the default), and errors come back
	 * in e instead of on stderr. NOBLANKS lets the stub be re-indented. */
	doc = xmlCtxtReadMemory(ctx, (const char *)xml, (int)len, name, NULL,
				XML_PARSE_NONET | XML_PARSE_NOBLANKS |
				XML_PARSE_NOERROR | XML_PARSE_NOWARNING);
	if (doc == NULL)
		xml_fail(e, name, ctx);
	xmlFreeParserCtxt(ctx);
	return doc;
}

int tl_enc_stub_xml(const uint8_t *xml, size_t len, const char *name,
		    const tl_cert *device, tl_buf *out, tl_err *e)
{
	/* What a phone needs before it has decrypted anything: how to reach
	 * the network, its firmware and how to get an LSC from CAPF. */
	static const char *copied[] = {
		"ipAddressMode", "loadInformation", "capfAuthMode", "capfList",
	};
	uint8_t md5[TL_HASH_MAX];
	xmlDocPtr in, doc = NULL;
	xmlNodePtr root, stub;
	xmlChar *mem = NULL;
	char *hash = NULL;
	int ok, size = 0, rc = -1;

	if ((in = read_xml(xml, len, name, e)) == NULL)
		return -1;
	root = xmlDocGetRootElement(in);
	if (root == NULL || !xmlStrEqual(root->name, (const xmlChar *)"device")) {
		tl_fail(e, "%s: the root element is <%s>; a phone configuration has "
			"<device>", name, root ? (const char *)root->name : "");
		goto done;
	}
	tl_hash(TL_HASH_MD5, device->der, device->der_len, md5);
	hash = tl_hex(md5, 16, 0);
	doc = xmlNewDoc((const xmlChar *)"1.0");
	stub = doc ? xmlNewDocNode(doc, NULL, (const xmlChar *)"device", NULL) : NULL;
	ok = hash != NULL && stub != NULL;
	if (ok) {
		xmlDocSetRootElement(doc, stub);
		ok = xmlNewTextChild(stub, NULL, (const xmlChar *)"fullConfig",
				     (const xmlChar *)"false") != NULL;
	}
	for (size_t i = 0; ok && i < sizeof(copied) / sizeof(copied[0]); i++) {
		xmlNodePtr c = child(root, copied[i]), copy;

		if (c == NULL)
			continue;
		copy = xmlDocCopyNode(c, doc, 1);
		ok = copy != NULL && xmlAddChild(stub, copy) != NULL;
		if (!ok)
			xmlFreeNode(copy);
	}
	ok = ok && xmlNewTextChild(stub, NULL, (const xmlChar *)"certHash",
				   (const xmlChar *)hash) != NULL &&
	     xmlNewTextChild(stub, NULL, (const xmlChar *)"encrConfig",
			     (const xmlChar *)"true") != NULL;
	if (ok)
		xmlDocDumpFormatMemoryEnc(doc, &mem, &size, "UTF-8", 1);
	if (mem == NULL || size <= 0) {
		tl_fail(e, "%s: out of memory writing the stub", name);
		goto done;
	}
	tl_buf_init(out);
	tl_buf_add(out, mem, (size_t)size);
	if (tl_buf_ok(out, e))
		tl_buf_free(out);
	else
		rc = 0;
done:
	xmlFree(mem);
	free(hash);
	xmlFreeDoc(doc);
	xmlFreeDoc(in);
	return rc;
}

int tl_enc_stub(const tl_encopts *o, const char *name, tl_buf *out, tl_err *e)
{
	tl_buf xml;
	int rc;

	if (check_device(o->device, e) || check_hash(o->hash_alg, e) ||
	    tl_enc_stub_xml(o->xml, o->xml_len, name, o->device, &xml, e))
		return -1;
	rc = sign(o, 1, NULL, xml.p, xml.len, out, e);
	tl_buf_free(&xml);
	return rc;
}

/* The AES key, from tag 25 with the phone's private key. */
static int unwrap(const tl_sfile *h, const tl_key *k, uint8_t aes[16], tl_err *e)
{
	size_t n = h->enc.key_len;
	uint8_t *out = malloc(n);
	int rc = -1;

	if (out == NULL)
		return tl_fail(e, "%s: out of memory", h->name);
	if (tl_rsa_decrypt(k, h->enc.key, h->enc.key_len, out, &n, e))
		tl_wrap(e, "%s: the device key does not unwrap the AES key "
			"(ENCRYPTION_KEY, tag 25); give the private key of the "
			"certificate the file was encrypted to", h->name);
	else if (n != 16)
		tl_fail(e, "%s: the unwrapped key is %zu bytes, AES-128 needs 16 "
			"(wrong device key?)", h->name, n);
	else {
		memcpy(aes, out, 16);
		rc = 0;
	}
	explicit_bzero(out, h->enc.key_len);
	free(out);
	return rc;
}

/* What stands between the decrypted blocks and the configuration: the
 * padding tag 20 announces, all `\r`, then the digest of tag 27. */
static int check_plain(const tl_sfile *h, const uint8_t *plain, tl_err *e)
{
	size_t n = h->body_len - h->enc.pad;
	uint8_t digest[TL_HASH_MAX];
	int dl;

	for (size_t i = n; i < h->body_len; i++)
		if (plain[i] != '\r')
			return tl_fail(e, "%s: padding byte %zu of %u is 0x%02x, not "
				       "\\r: wrong key or altered file", h->name,
				       i - n + 1, h->enc.pad, plain[i]);
	dl = tl_hash(h->enc.hash_alg, plain, n, digest);
	if (dl < 0 || (size_t)dl != h->enc.hash_len ||
	    memcmp(digest, h->enc.hash, h->enc.hash_len) != 0)
		return tl_fail(e, "%s: the decrypted configuration does not match "
			       "its %s digest (ENCRYPTION_HASH, tag 27): wrong key "
			       "or altered file", h->name,
			       tl_hash_name(h->enc.hash_alg));
	return 0;
}

int tl_enc_decrypt(const tl_sfile *h, const tl_key *device_key, uint8_t **xml,
		   size_t *xml_len, tl_err *e)
{
	uint8_t aes[16], *plain;
	int rc;

	*xml = NULL;
	*xml_len = 0;
	if (!h->has_enc)
		return tl_fail(e, "%s: not an encrypted configuration: the header "
			       "has no ENCRYPTION_INFO (tag 16)", h->name);
	if (h->version[0] != 2 || h->version[1] != 0)
		return tl_fail(e, "%s: header version %u.%u; an encrypted "
			       "configuration has 2.0", h->name, h->version[0],
			       h->version[1]);
	if (h->body_len % 16)
		return tl_fail(e, "%s: byte %u: the encrypted body of %zu bytes is "
			       "not whole 16-byte AES blocks", h->name,
			       h->header_len, h->body_len);
	if (h->enc.pad >= 16 || h->enc.pad > h->body_len)
		return tl_fail(e, "%s: ENCRYPTION_PADDING (tag 20) says %u bytes; "
			       "padding is 0 to 15 bytes and at most the %zu-byte "
			       "body", h->name, h->enc.pad, h->body_len);
	if (unwrap(h, device_key, aes, e))
		return -1;
	if ((plain = malloc(h->body_len + 1)) == NULL) {
		explicit_bzero(aes, sizeof(aes));
		return tl_fail(e, "%s: out of memory", h->name);
	}
	rc = tl_aes128_cbc(0, aes, h->enc.iv, h->body, plain, h->body_len, e);
	explicit_bzero(aes, sizeof(aes));
	if (rc)
		tl_wrap(e, "%s", h->name);
	else
		rc = check_plain(h, plain, e);
	if (rc) {
		explicit_bzero(plain, h->body_len);
		free(plain);
		return -1;
	}
	*xml_len = h->body_len - h->enc.pad;
	plain[*xml_len] = 0;
	*xml = plain;
	return 0;
}
