/* The keys and certificates capfd's sessions issue and authenticate with:
 * the CAPF identity, the optional issuing CA and CAPF-trust, read from the
 * data directory (session.c uses them, server.c loads them again on
 * reload). */
#ifndef TL_CAPF_IDENTITY_H
#define TL_CAPF_IDENTITY_H

#include <stdint.h>
#include <time.h>

#include "capfproto.h"
#include "conf.h"
#include "store.h"

/* What every session of a process shares, loaded once (and again only on
 * reload): keys are never read per enrollment. */
typedef struct tl_capf_srv {
	tl_store *store;
	tl_cert *capf;		/* the CAPF identity: TLS and default LSC issuer */
	tl_key *capf_key;
	tl_cert *issuer;	/* a configured issuing CA ("online CA"), or NULL */
	tl_key *issuer_key;
	tl_cert **trust;	/* CAPF-trust: manufacturing CAs and CAPF */
	size_t ntrust;
	/* with an issuing CA: it and the CAs above it found in CAPF-trust,
	 * sent with each LSC (issuer and trust own them) */
	const tl_cert *issuer_chain[TL_CAPF_MAX_CHAIN];
	size_t nissuer_chain;
	int lsc_days;
	int crl_days;		/* validity of the LSC CRL */
	int lockout_attempts;
	long lockout_window;	/* seconds */
	time_t (*clock)(void);	/* NULL: time(); tests move it */
	uint32_t next_session;
	/* 0: sessions write trustline.db themselves, before they answer;
	 * 1: they leave each change to the caller (tl_capf_sess_take), so a
	 * server commits it away from its event loop */
	int deferred;
} tl_capf_srv;

/* Loads the CAPF identity of the publisher, CAPF-trust and the optional
 * issuing CA (paths relative to the data directory) of c. A reload passes
 * the server it replaces as keep: when the identity cannot be read (its
 * key is root's, and capfd dropped root), keep's is copied and a warning
 * logged, so trust lists and settings still take effect. */
int tl_capf_srv_load(tl_capf_srv *v, tl_store *s, const tl_conf_capf *c,
		     const tl_capf_srv *keep, tl_err *e);
void tl_capf_srv_free(tl_capf_srv *v);

/* The LSC CRL signed by whoever issues LSCs (the issuing CA, else the
 * CAPF key), published when it changed or half its validity is over
 * (pki/lsccrl.h). *published is 1 when a new one was written. */
int tl_capf_srv_publish_crl(const tl_capf_srv *v, time_t now, int *published,
			    tl_err *e);

#endif
