/* A device record in memory (devdb.h): its name and profile spellings,
 * its defaults, its certificate columns, and the rule an encrypted profile
 * sets on its LSC. No SQL: devdb.c stores it. */
#include "devdb.h"
#include "x509.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

static const char *const profiles[] = { "non-secure", "authenticated", "encrypted" };

const char *tl_profile_name(int profile)
{
	return profile >= 0 && profile < 3 ? profiles[profile] : "unknown";
}

int tl_profile_parse(const char *s)
{
	for (int i = 0; i < 3; i++)
		if (strcasecmp(s, profiles[i]) == 0)
			return i;
	return -1;
}

int tl_dev_name(const char *in, char out[16], tl_err *e)
{
	if (strlen(in) != 15 || strncasecmp(in, "SEP", 3) != 0)
		return tl_fail(e, "device name \"%s\": write SEP followed by the 12 hex "
			       "digits of the MAC (SEP001122334455)", in);
	for (int i = 0; i < 15; i++) {
		if (i >= 3 && !isxdigit((unsigned char)in[i]))
			return tl_fail(e, "device name \"%s\": \"%c\" is not a hex digit",
				       in, in[i]);
		out[i] = (char)toupper((unsigned char)in[i]);
	}
	out[15] = 0;
	return 0;
}

void tl_device_init(tl_device *d)
{
	memset(d, 0, sizeof(*d));
	snprintf(d->protocol, sizeof(d->protocol), "SIP");
	snprintf(d->template_name, sizeof(d->template_name), "default");
	snprintf(d->capf_operation, sizeof(d->capf_operation), "none");
	snprintf(d->capf_auth_mode, sizeof(d->capf_auth_mode), "null");
	snprintf(d->capf_key, sizeof(d->capf_key), "rsa:2048");
	d->lsc_status = 1;
}

void tl_device_free(tl_device *d)
{
	free(d->lsc);
	free(d->mic);
	d->lsc = d->mic = NULL;
	d->lsc_len = d->mic_len = 0;
}

int tl_device_set_blob(uint8_t **dst, size_t *dst_len, const uint8_t *p,
		       size_t len)
{
	uint8_t *n = NULL;

	if (p && len) {
		if ((n = malloc(len)) == NULL)
			return -1;
		memcpy(n, p, len);
	}
	free(*dst);
	*dst = n;
	*dst_len = n ? len : 0;
	return 0;
}

int tl_dev_check_encryption(const tl_device *d, const char *install_key, tl_err *e)
{
	tl_cert *lsc = NULL;
	tl_err ignored;
	int ec;

	if (d->profile != TL_PROFILE_ENCRYPTED)
		return 0;
	if (install_key && !strncmp(install_key, "ec:", 3))
		return tl_fail(e, "%s has an encrypted profile, and an EC LSC (%s) cannot "
			       "decrypt its configuration (the AES key is wrapped with "
			       "RSA): install an RSA LSC (--key rsa:2048), or give the "
			       "device another profile", d->name, install_key);
	if (d->lsc == NULL || tl_cert_from_der(d->lsc, d->lsc_len, &lsc, &ignored))
		return 0;
	ec = lsc->key_type == TL_KEY_EC;
	tl_cert_free(lsc);
	if (ec)
		return tl_fail(e, "%s has an EC LSC, which cannot decrypt an encrypted "
			       "configuration (the AES key is wrapped with RSA): install "
			       "an RSA LSC first (`trustline device capf %s --operation "
			       "install --key rsa:2048`)", d->name, d->name);
	return 0;
}
