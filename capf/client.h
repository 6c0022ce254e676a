/* The phone's side of CAPF: answers the server's requests as a phone
 * does (authenticates, generates the key asked for, checks and keeps the
 * LSC it receives, hands over or deletes its certificate), and an
 * enrollment over TLS that trusts the server only through the CAPF record
 * of an ITL/CTL or a given certificate. `trustline capf enroll` and
 * phone-sim use it. */
#ifndef TL_CAPF_CLIENT_H
#define TL_CAPF_CLIENT_H

#include <stdint.h>

#include "capfproto.h"
#include "trustlist.h"
#include "x509.h"

typedef struct tl_capf_phone {
	/* set by the caller */
	const char *device;		/* SEP<MAC> */
	const char *auth_string;	/* NULL: an empty PASSWORD */
	const tl_cert *cert;		/* for certificate authentication: the */
	const tl_key *cert_key;		/*   phone's LSC or MIC and its key, or NULL */
	int cert_type;			/* TL_CAPF_CERT_LSC or TL_CAPF_CERT_MIC */
	const tl_cert *sudi;		/* optional SUDI certificate and key */
	const tl_key *sudi_key;
	const tl_cert *capf;		/* the CAPF certificate (set by enroll) */
	const tl_cert *issuer;		/* an issuing CA the LSC may come from, or NULL */
	/* An LSC from an issuing CA comes with that CA's chain: trusted when
	 * a certificate of it is issued by the CAPF certificate, or when
	 * vouch (if set) returns 0 for one of them (a phone asks TVS, which
	 * vouches for CAPF-trust); *why says why not otherwise. */
	int (*vouch)(void *arg, const tl_cert *ca, char *why, size_t n);
	void *vouch_arg;
	tl_key *spare_key;		/* a key made in advance, owned: taken instead
					 * of generating when it is the type and size
					 * asked for (a load generator's phones) */
	/* results */
	uint32_t session;
	tl_key *key;			/* the key generated for the LSC */
	tl_cert *lsc;			/* the LSC received and checked */
	int stored, fetched, deleted;	/* what the server asked for and got */
	int end_reason;			/* END_SESSION's REASON, -1 before it */
	char info[256];			/* its REASON_INFO */
	char refused[512];		/* why the phone refused what it got */
	unsigned keygen_ms;
	tl_cert *peer;			/* the server's certificate, once trusted */
} tl_capf_phone;

void tl_capf_phone_init(tl_capf_phone *p);
void tl_capf_phone_free(tl_capf_phone *p);	/* key, spare_key and lsc */
/* Answers one message from the server into out. Returns 0 to go on, 1
 * after END_SESSION, -1 when the message makes no sense here (e says
 * why). */
int tl_capf_phone_step(tl_capf_phone *p, const tl_capf_msg *m, tl_buf *out,
		       tl_err *e);

typedef struct tl_capf_enroll_opts {
	const char *host;
	int port;			/* 0: 3804 */
	unsigned timeout_ms;		/* for the whole session; 0: 60 s */
	const tl_tlist *list;		/* trust the server through its CAPF record */
	const tl_cert *capf_cert;	/* ... or through this certificate */
} tl_capf_enroll_opts;

/* One session with capfd. 0 when it ended with END_SESSION (whatever the
 * reason: see p->end_reason), -1 on a network, TLS, trust or protocol
 * failure. p->peer (and p->capf, unless set) is the server's certificate
 * once it is trusted. */
int tl_capf_enroll(const tl_capf_enroll_opts *o, tl_capf_phone *p, tl_err *e);

#endif
