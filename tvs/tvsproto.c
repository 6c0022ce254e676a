#include "tvsproto.h"

#include <string.h>

static int check_elements(const tl_tvs_msg *m, uint32_t seen, tl_err *e)
{
	static const struct { uint8_t cmd; uint32_t need; const char *what; } rules[] = {
		{ TL_TVS_VERIFY_REQUEST, 1u << TL_TVS_DEVICE_NAME | 1u << TL_TVS_CERTIFICATE,
		  "a VERIFY request needs DEVICE_NAME and CERTIFICATE" },
		{ TL_TVS_QUERY_REQUEST, 1u << TL_TVS_DEVICE_NAME |
		  1u << TL_TVS_ISSUER_NAME | 1u << TL_TVS_SERIAL_NUMBER,
		  "a QUERY request needs DEVICE_NAME, ISSUER_NAME and SERIAL_NUMBER" },
		{ TL_TVS_VERIFY_RESPONSE, 1u << TL_TVS_STATUS, "a response needs STATUS" },
		{ TL_TVS_QUERY_RESPONSE, 1u << TL_TVS_STATUS, "a response needs STATUS" },
	};

	for (size_t i = 0; i < sizeof(rules) / sizeof(rules[0]); i++)
		if (rules[i].cmd == m->command && (seen & rules[i].need) != rules[i].need)
			return tl_fail(e, "TVS message: %s", rules[i].what);
	return 0;
}

static int element(void *arg, const tl_rd *r, const tl_tlv *t, tl_err *e)
{
	tl_tvs_msg *m = arg;

	switch (t->tag) {
	case TL_TVS_DEVICE_NAME:
		/* a 0x01 marker, then the name without NUL */
		if (t->len < 2 || t->val[0] != 0x01)
			return tl_fail(e, "TVS message: byte %zu: DEVICE_NAME must be 0x01 "
				       "and a name", t->off);
		if (memchr(t->val + 1, 0, t->len - 1))
			return tl_fail(e, "TVS message: byte %zu: NUL inside DEVICE_NAME",
				       t->off);
		m->device = (const char *)t->val + 1;
		m->device_len = t->len - 1u;
		return 0;
	case TL_TVS_CERTIFICATE:
		if (t->len == 0)
			return tl_fail(e, "TVS message: byte %zu: empty CERTIFICATE", t->off);
		m->cert = t->val;
		m->cert_len = t->len;
		return 0;
	case TL_TVS_ISSUER_NAME:
		return tl_tlv_name(r, t, &m->issuer, e);
	case TL_TVS_SERIAL_NUMBER:
		if (t->len == 0 || t->len > 33)
			return tl_fail(e, "TVS message: byte %zu: serial of %u bytes",
				       t->off, t->len);
		m->serial = t->val;
		m->serial_len = t->len;
		return 0;
	case TL_TVS_STATUS:
		m->has_status = 1;
		if (tl_tlv_u8(r, t, &m->status, e))
			return -1;
		if (m->status > TL_TVS_INVALID)
			return tl_fail(e, "TVS message: byte %zu: unknown STATUS %u",
				       t->off, m->status);
		return 0;
	case TL_TVS_ROLES:
		if (t->len > TL_TVS_MAX_ROLES)
			return tl_fail(e, "TVS message: byte %zu: %u roles", t->off, t->len);
		memcpy(m->roles, t->val, t->len);
		m->nroles = t->len;
		return 0;
	case TL_TVS_TTL:
		m->has_ttl = 1;
		return tl_tlv_u32(r, t, &m->ttl, e);
	default:
		return tl_fail(e, "TVS message: byte %zu: unknown element %u", t->off,
			       t->tag);
	}
}

int tl_tvs_decode(const uint8_t *buf, size_t len, tl_tvs_msg *m, size_t *used,
		  tl_err *e)
{
	uint32_t seen = 0;
	uint16_t body;
	int rc;

	memset(m, 0, sizeof(*m));
	*used = TL_TVS_HEADER;
	if (len < TL_TVS_HEADER) {
		/* what is there must already look like a TVS header */
		if ((len > 0 && buf[0] != TL_TVS_PROTOCOL) ||
		    (len > 1 && buf[1] != TL_TVS_VERSION))
			goto bad_header;
		return 0;
	}
	if (buf[0] != TL_TVS_PROTOCOL || buf[1] != TL_TVS_VERSION || buf[3] != 0)
		goto bad_header;
	m->command = buf[2];
	if (m->command < TL_TVS_VERIFY_REQUEST || m->command > TL_TVS_QUERY_RESPONSE)
		return tl_fail(e, "TVS message: unknown command %u", m->command);
	m->session = tl_get_u32(buf + 4);
	body = tl_get_u16(buf + 8);
	*used = TL_TVS_HEADER + (size_t)body;
	if (len < *used)
		return 0;
	rc = tl_tlv_elements(buf + TL_TVS_HEADER, body, TL_TVS_HEADER,
			     "TVS message", element, m, 0, &seen, e);
	if (rc < 0 || check_elements(m, seen, e))
		return -1;
	return 1;
bad_header:
	return tl_fail(e, "not a TVS message (expected protocol 0x57, version 1)");
}

int tl_tvs_encode(const tl_tvs_msg *m, tl_buf *out, tl_err *e)
{
	size_t start = out->len, len_at;

	tl_buf_u8(out, TL_TVS_PROTOCOL);
	tl_buf_u8(out, TL_TVS_VERSION);
	tl_buf_u8(out, m->command);
	tl_buf_u8(out, 0);
	tl_buf_u32(out, m->session);
	len_at = out->len;
	tl_buf_u16(out, 0);
	if (m->device) {
		size_t at = tl_open(out, TL_TVS_DEVICE_NAME);

		tl_buf_u8(out, 0x01);
		tl_buf_add(out, m->device, m->device_len);
		tl_close(out, at);
	}
	if (m->cert)
		tl_put(out, TL_TVS_CERTIFICATE, m->cert, m->cert_len);
	if (m->issuer)
		tl_put_cstr(out, TL_TVS_ISSUER_NAME, m->issuer);
	if (m->serial)
		tl_put(out, TL_TVS_SERIAL_NUMBER, m->serial, m->serial_len);
	if (m->has_status)
		tl_put_u8(out, TL_TVS_STATUS, m->status);
	if (m->nroles)
		tl_put(out, TL_TVS_ROLES, m->roles, m->nroles);
	if (m->has_ttl)
		tl_put_u32(out, TL_TVS_TTL, m->ttl);
	if (out->len - len_at - 2 > 0xffff) {
		out->failed = 1;
		return tl_fail(e, "TVS message of %zu bytes is too long", out->len - start);
	}
	tl_buf_set_u16(out, len_at, (uint16_t)(out->len - len_at - 2));
	return tl_buf_ok(out, e);
}
