/* Locally Significant Certificates: the profile of docs/protocols.md, CAPF protocol,
 * issued by CAPF (or a configured issuing CA) for the key a phone made,
 * and the checks the phone applies to what it receives. */
#ifndef TL_LSC_H
#define TL_LSC_H

#include <time.h>

#include "x509.h"

typedef struct tl_lscopts {
	const tl_cert *issuer;	/* the CAPF certificate, or an issuing CA */
	const tl_key *issuer_key;
	const char *device;	/* SEP<MAC> */
	int days;		/* validity; Cisco's default is 5 years */
	time_t now;		/* 0: now */
} tl_lscopts;

/* Subject CN=<device> with O, OU, L, ST, C copied from the issuer; random
 * 16-byte serial; basicConstraints CA:FALSE critical; keyUsage
 * digitalSignature + keyEncipherment; extendedKeyUsage serverAuth,
 * clientAuth, ipsecEndSystem; subjectAltName URI:<device>; SHA-256. */
int tl_lsc_issue(const tl_lscopts *o, const tl_pub *phone_key, tl_cert **out,
		 tl_err *e);

/* The phone's checks on a received LSC: it carries the key the phone
 * generated, the issuer issued it, it names the device, it has the
 * profile's usages. */
int tl_lsc_check(const tl_cert *lsc, const tl_cert *issuer, const char *device,
		 const tl_key *phone_key, tl_err *e);

#endif
