#include "lsc.h"

#include <stdio.h>
#include <string.h>

#define LSC_KU (TL_KU_DIGITAL_SIGNATURE | TL_KU_KEY_ENCIPHERMENT)
#define LSC_EKU (TL_EKU_SERVER_AUTH | TL_EKU_CLIENT_AUTH | TL_EKU_IPSEC_END_SYSTEM)

int tl_lsc_issue(const tl_lscopts *o, const tl_pub *phone_key, tl_cert **out,
		 tl_err *e)
{
	char org[64], unit[64], loc[64], st[64], c[8];
	time_t now = o->now ? o->now : time(NULL);
	tl_certspec s;

	memset(&s, 0, sizeof(s));
	s.cn = o->device;
	s.o = tl_cert_name_attr(o->issuer, 0, "O", org, sizeof(org)) ? NULL : org;
	s.ou = tl_cert_name_attr(o->issuer, 0, "OU", unit, sizeof(unit)) ? NULL : unit;
	s.l = tl_cert_name_attr(o->issuer, 0, "L", loc, sizeof(loc)) ? NULL : loc;
	s.st = tl_cert_name_attr(o->issuer, 0, "ST", st, sizeof(st)) ? NULL : st;
	s.c = tl_cert_name_attr(o->issuer, 0, "C", c, sizeof(c)) ? NULL : c;
	s.not_before = now;
	s.not_after = now + (time_t)(o->days > 0 ? o->days : 5 * 365) * 86400;
	s.hash_alg = TL_HASH_SHA256;
	s.key_usage = LSC_KU;
	s.ext_key_usage = LSC_EKU;
	s.critical_basic = 1;
	s.san_uri = o->device;
	s.issuer = o->issuer;
	s.issuer_key = o->issuer_key;
	if (tl_cert_make_for(&s, phone_key, out, e))
		return tl_wrap(e, "LSC for %s", o->device);
	return 0;
}

int tl_lsc_check(const tl_cert *lsc, const tl_cert *issuer, const char *device,
		 const tl_key *phone_key, tl_err *e)
{
	char cn[64];

	if (tl_key_matches(phone_key, lsc, e))
		return tl_fail(e, "the LSC does not carry the key this phone generated");
	if (!tl_cert_issued_by(lsc, issuer))
		return tl_fail(e, "the LSC was not issued by %s", issuer->subject);
	if (tl_cert_name_attr(lsc, 0, "CN", cn, sizeof(cn)) || strcmp(cn, device))
		return tl_fail(e, "the LSC names %s, not this phone (%s)", cn, device);
	if ((lsc->key_usage & LSC_KU) != LSC_KU ||
	    (lsc->ext_key_usage & LSC_EKU) != LSC_EKU)
		return tl_fail(e, "the LSC lacks the key usages of the LSC profile");
	return 0;
}
