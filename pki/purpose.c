#include "purpose.h"

#include <strings.h>

#include "trustlist.h"
#include "x509.h"

#define KU_ENC (TL_KU_DIGITAL_SIGNATURE | TL_KU_KEY_ENCIPHERMENT | \
		TL_KU_DATA_ENCIPHERMENT | TL_KU_KEY_AGREEMENT)
/* EC keys cannot encipher: their variants drop those bits. */
#define KU_EC (TL_KU_DIGITAL_SIGNATURE | TL_KU_KEY_AGREEMENT)
#define EKU_TLS (TL_EKU_SERVER_AUTH | TL_EKU_CLIENT_AUTH)

const tl_purpose tl_purposes[] = {
	{ "CallManager", TL_KEY_RSA, TL_ROLE_CCM_TFTP, KU_ENC, EKU_TLS, 0, 1,
	  "CallManager-trust", "%s", 0 },
	{ "CallManager-ECDSA", TL_KEY_EC, TL_ROLE_CCM, KU_EC, EKU_TLS, 0, 1,
	  "CallManager-trust", "%s-EC", 0 },
	{ "tomcat", TL_KEY_RSA, TL_ROLE_APP_SERVER, KU_ENC,
	  EKU_TLS | TL_EKU_IPSEC_END_SYSTEM, 0, 1, "tomcat-trust", "%s", 0 },
	{ "tomcat-ECDSA", TL_KEY_EC, TL_ROLE_APP_SERVER, KU_EC,
	  EKU_TLS | TL_EKU_IPSEC_END_SYSTEM, 0, 1, "tomcat-trust", "%s-EC", 0 },
	{ "TVS", TL_KEY_RSA, TL_ROLE_TVS,
	  TL_KU_DIGITAL_SIGNATURE | TL_KU_KEY_ENCIPHERMENT | TL_KU_DATA_ENCIPHERMENT,
	  EKU_TLS, 0, 1, "TVS-trust", "%s-TVS", 0 },
	{ "CAPF", TL_KEY_RSA, TL_ROLE_CAPF,
	  TL_KU_DIGITAL_SIGNATURE | TL_KU_KEY_CERT_SIGN, TL_EKU_SERVER_AUTH, 1, 0,
	  "CAPF-trust", "CAPF-%s", 1 },
	{ "ipsec", TL_KEY_RSA, -1, KU_ENC, EKU_TLS | TL_EKU_IPSEC_END_SYSTEM, 0, 0,
	  "ipsec-trust", "%s", 0 },
	{ "ITLRecovery", TL_KEY_RSA, TL_ROLE_SAST, TL_KU_DIGITAL_SIGNATURE, 0, 1, 0,
	  "Phone-SAST-trust", "ITLRECOVERY_%s", 1 },
};
const size_t tl_npurposes = sizeof(tl_purposes) / sizeof(tl_purposes[0]);

const char *const tl_trust_stores[] = {
	"CallManager-trust", "tomcat-trust", "CAPF-trust", "TVS-trust",
	"ipsec-trust", "Phone-SAST-trust", "Phone-CTL-trust", "Phone-VPN-trust",
	"phone-trust",
};
const size_t tl_ntrust_stores = sizeof(tl_trust_stores) / sizeof(tl_trust_stores[0]);

const tl_purpose *tl_purpose_find(const char *name)
{
	for (size_t i = 0; i < tl_npurposes; i++)
		if (strcasecmp(name, tl_purposes[i].name) == 0)
			return &tl_purposes[i];
	return NULL;
}

const char *tl_trust_store_find(const char *name)
{
	for (size_t i = 0; i < tl_ntrust_stores; i++)
		if (strcasecmp(name, tl_trust_stores[i]) == 0)
			return tl_trust_stores[i];
	return NULL;
}
