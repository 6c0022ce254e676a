#include "capfproto.h"

#include <string.h>

const char *tl_capf_command_name(int command)
{
	static const char *const names[] = {
		NULL, "AUTH_REQUEST", "AUTH_RESPONSE", "KEY_GEN_REQUEST",
		"KEY_GEN_RESPONSE", "ENCRYPT_RESPONSE", "ENCRYPT_REQUEST",
		"DECRYPT_REQUEST", "DECRYPT_RESPONSE", "STORE_CERT_REQUEST",
		"STORE_CERT_RESPONSE", "FETCH_CERT_REQUEST", "FETCH_CERT_RESPONSE",
		"DELETE_CERT_REQUEST", "DELETE_CERT_RESPONSE", "END_SESSION",
		"RETRY_LATER", "REQUEST_IN_PROGRESS", "STATUS_REQUEST",
		"STATUS_RESPONSE", "ABORT_REQUEST", "ABORT_RESPONSE",
		"SIGN_CERT_REQUEST", "SIGN_CERT_RESPONSE",
	};

	if (command > 0 && command < (int)(sizeof(names) / sizeof(names[0])))
		return names[command];
	return "UNKNOWN";
}

/* `hash alg | len (2) | signature`, as SHA2_SIGNED_DATA and SUDI carry. */
static int signature(const uint8_t *p, size_t len, size_t *pos, tl_capf_sig *s,
		     size_t off, tl_err *e)
{
	uint16_t n;

	if (len - *pos < 3)
		return tl_fail(e, "CAPF message: byte %zu: signature header cut off",
			       off + *pos);
	s->hash_alg = p[*pos];
	n = tl_get_u16(p + *pos + 1);
	if (n == 0 || n > len - *pos - 3)
		return tl_fail(e, "CAPF message: byte %zu: signature of %u bytes runs "
			       "past its element", off + *pos, n);
	s->sig = p + *pos + 3;
	s->len = n;
	*pos += 3 + (size_t)n;
	return 0;
}

static int sudi(tl_capf_msg *m, const tl_tlv *t, tl_err *e)
{
	size_t pos = 0;
	uint16_t n;

	/* 0x00 | len | SUDI certificate, then the two signatures */
	if (t->len < 3 || t->val[0] != 0)
		return tl_fail(e, "CAPF message: byte %zu: SUDI_DATA must start with "
			       "0x00 and the certificate length", t->off);
	n = tl_get_u16(t->val + 1);
	if (n == 0 || n > t->len - 3u)
		return tl_fail(e, "CAPF message: byte %zu: SUDI certificate of %u bytes "
			       "runs past its element", t->off, n);
	m->sudi_cert = t->val + 3;
	m->sudi_cert_len = n;
	pos = 3 + (size_t)n;
	while (pos < t->len) {
		tl_capf_sig s;

		if (signature(t->val, t->len, &pos, &s, t->off + 3, e))
			return -1;
		if (s.hash_alg == 1)
			m->sudi_sha1 = s;
		else if (s.hash_alg == 3)
			m->sudi_sha512 = s;
		else
			return tl_fail(e, "CAPF message: byte %zu: SUDI signature hash "
				       "algorithm %u (1 or 3)", t->off, s.hash_alg);
	}
	return 0;
}

static int certificate(tl_capf_msg *m, const tl_tlv *t, tl_err *e)
{
	uint16_t inner;

	/* 0x01 | length+2 | 0x00 | type, then the DER */
	if (t->len < 6 || t->val[0] != 0x01 || t->val[3] != 0x00)
		return tl_fail(e, "CAPF message: byte %zu: CERTIFICATE lacks its "
			       "prefix 01 LL LL 00 TT", t->off);
	inner = tl_get_u16(t->val + 1);
	if ((size_t)inner != t->len - 3u)
		return tl_fail(e, "CAPF message: byte %zu: CERTIFICATE prefix says %u "
			       "bytes, the element holds %u", t->off, inner, t->len - 3u);
	if (m->cert) {
		/* the ones after the first: an issuing CA's chain */
		if (m->nchain == TL_CAPF_MAX_CHAIN)
			return tl_fail(e, "CAPF message: byte %zu: more than %d "
				       "certificates after the first", t->off,
				       TL_CAPF_MAX_CHAIN);
		m->chain[m->nchain] = t->val + 5;
		m->chain_len[m->nchain++] = t->len - 5u;
		return 0;
	}
	m->cert_inner_type = t->val[4];
	m->cert = t->val + 5;
	m->cert_len = t->len - 5u;
	return 0;
}

static int element(void *arg, const tl_rd *r, const tl_tlv *t, tl_err *e)
{
	tl_capf_msg *m = arg;

	size_t pos = 0;

	switch (t->tag) {
	case TL_CAPF_REASON:
		m->has_reason = 1;
		return tl_tlv_u8(r, t, &m->reason, e);
	case TL_CAPF_REASON_INFO:
		m->reason_info = (const char *)t->val;
		m->reason_info_len = t->len;
		return 0;
	case TL_CAPF_CERT_TYPE:
		m->has_cert_type = 1;
		return tl_tlv_u8(r, t, &m->cert_type, e);
	case TL_CAPF_CERTIFICATE:
		return certificate(m, t, e);
	case TL_CAPF_SIGNED_DATA:
		if (t->len == 0)
			return tl_fail(e, "CAPF message: byte %zu: empty SIGNED_DATA", t->off);
		m->signed_data = t->val;
		m->signed_data_len = t->len;
		return 0;
	case TL_CAPF_VERSION_EL:
		m->has_version = 1;
		return tl_tlv_u8(r, t, &m->version, e);
	case TL_CAPF_AUTH_TYPE:
		m->has_auth_type = 1;
		return tl_tlv_u8(r, t, &m->auth_type, e);
	case TL_CAPF_PUBLIC_KEY:
		if (t->len == 0)
			return tl_fail(e, "CAPF message: byte %zu: empty PUBLIC_KEY", t->off);
		m->public_key = t->val;
		m->public_key_len = t->len;
		return 0;
	case TL_CAPF_KEY_SIZE:
		m->has_key_size = 1;
		return tl_tlv_u16(r, t, &m->key_size, e);
	case TL_CAPF_PASSWORD:
		return tl_tlv_cstr(r, t, &m->password, e);
	case TL_CAPF_DEVICE_NAME:
		return tl_tlv_name(r, t, &m->device, e);
	case TL_CAPF_SUDI_DATA:
		return sudi(m, t, e);
	case TL_CAPF_KEY_TYPE:
		m->has_key_type = 1;
		return tl_tlv_u8(r, t, &m->key_type, e);
	case TL_CAPF_CURVE:
		m->has_curve = 1;
		return tl_tlv_u8(r, t, &m->curve, e);
	case TL_CAPF_SHA2_SIGNED_DATA:
		if (signature(t->val, t->len, &pos, &m->sha2_signed, t->off + 3, e))
			return -1;
		if (pos != t->len)
			return tl_fail(e, "CAPF message: byte %zu: bytes after the "
				       "SHA2_SIGNED_DATA signature", t->off);
		return 0;
	case TL_CAPF_CERT_ID: case TL_CAPF_RETRY_DELAY: case TL_CAPF_DIGEST_TYPE:
		return 0;	/* carried by some phones; nothing here depends on them */
	default:
		return tl_fail(e, "CAPF message: byte %zu: unknown element %u", t->off,
			       t->tag);
	}
}

int tl_capf_decode(const uint8_t *buf, size_t len, tl_capf_msg *m, size_t *used,
		   tl_err *e)
{
	uint32_t seen = 0;
	uint16_t body;
	int rc;

	memset(m, 0, sizeof(*m));
	*used = TL_CAPF_HEADER;
	if (len > 0 && buf[0] != TL_CAPF_PROTOCOL)
		return tl_fail(e, "not a CAPF message (expected protocol 0x55)");
	if (len < TL_CAPF_HEADER)
		return 0;
	m->command = buf[1];
	if (m->command < TL_CAPF_AUTH_REQUEST || m->command > TL_CAPF_SIGN_CERT_RESPONSE)
		return tl_fail(e, "CAPF message: unknown command %u", m->command);
	m->session = tl_get_u32(buf + 2);
	body = tl_get_u16(buf + 6);
	*used = TL_CAPF_HEADER + (size_t)body;
	if (len < *used)
		return 0;
	rc = tl_tlv_elements(buf + TL_CAPF_HEADER, body, TL_CAPF_HEADER,
			     "CAPF message", element, m,
			     /* an issuing CA's chain follows an LSC */
			     1u << TL_CAPF_CERTIFICATE, &seen, e);
	return rc < 0 ? -1 : 1;
}

static void put_sig(tl_buf *b, const tl_capf_sig *s)
{
	tl_buf_u8(b, s->hash_alg);
	tl_buf_u16(b, (uint16_t)s->len);
	tl_buf_add(b, s->sig, s->len);
}

int tl_capf_encode(const tl_capf_msg *m, tl_buf *out, tl_err *e)
{
	size_t len_at, at;

	tl_buf_u8(out, TL_CAPF_PROTOCOL);
	tl_buf_u8(out, m->command);
	tl_buf_u32(out, m->session);
	len_at = out->len;
	tl_buf_u16(out, 0);
	if (m->has_reason)
		tl_put_u8(out, TL_CAPF_REASON, m->reason);
	if (m->reason_info)
		tl_put(out, TL_CAPF_REASON_INFO, m->reason_info, m->reason_info_len);
	if (m->has_version)
		tl_put_u8(out, TL_CAPF_VERSION_EL, m->version);
	if (m->has_auth_type)
		tl_put_u8(out, TL_CAPF_AUTH_TYPE, m->auth_type);
	if (m->device)
		tl_put_cstr(out, TL_CAPF_DEVICE_NAME, m->device);
	if (m->password)
		tl_put_cstr(out, TL_CAPF_PASSWORD, m->password);
	if (m->has_cert_type)
		tl_put_u8(out, TL_CAPF_CERT_TYPE, m->cert_type);
	for (size_t i = 0; m->cert && i <= m->nchain && i <= TL_CAPF_MAX_CHAIN; i++) {
		const uint8_t *der = i ? m->chain[i - 1] : m->cert;
		size_t len = i ? m->chain_len[i - 1] : m->cert_len;

		at = tl_open(out, TL_CAPF_CERTIFICATE);
		tl_buf_u8(out, 0x01);
		tl_buf_u16(out, (uint16_t)(len + 2));
		tl_buf_u8(out, 0x00);
		tl_buf_u8(out, m->cert_inner_type);
		tl_buf_add(out, der, len);
		tl_close(out, at);
	}
	if (m->signed_data)
		tl_put(out, TL_CAPF_SIGNED_DATA, m->signed_data, m->signed_data_len);
	if (m->sha2_signed.sig) {
		at = tl_open(out, TL_CAPF_SHA2_SIGNED_DATA);
		put_sig(out, &m->sha2_signed);
		tl_close(out, at);
	}
	if (m->sudi_cert) {
		at = tl_open(out, TL_CAPF_SUDI_DATA);
		tl_buf_u8(out, 0x00);
		tl_buf_u16(out, (uint16_t)m->sudi_cert_len);
		tl_buf_add(out, m->sudi_cert, m->sudi_cert_len);
		if (m->sudi_sha1.sig)
			put_sig(out, &m->sudi_sha1);
		if (m->sudi_sha512.sig)
			put_sig(out, &m->sudi_sha512);
		tl_close(out, at);
	}
	if (m->has_key_type)
		tl_put_u8(out, TL_CAPF_KEY_TYPE, m->key_type);
	if (m->has_key_size)
		tl_put_u16(out, TL_CAPF_KEY_SIZE, m->key_size);
	if (m->has_curve)
		tl_put_u8(out, TL_CAPF_CURVE, m->curve);
	if (m->public_key)
		tl_put(out, TL_CAPF_PUBLIC_KEY, m->public_key, m->public_key_len);
	if (out->len - len_at - 2 > 0xffff)
		out->failed = 1;
	else
		tl_buf_set_u16(out, len_at, (uint16_t)(out->len - len_at - 2));
	return tl_buf_ok(out, e);
}
