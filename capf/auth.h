/* How capfd checks the phone that answers AUTH_REQUEST, by the device's
 * authentication mode: none, its authentication string (with lockout after
 * wrong ones), or a certificate (an LSC of this CAPF, or a manufacturer's
 * MIC or SUDI through CAPF-trust) and its signatures. */
#ifndef TL_CAPF_AUTH_H
#define TL_CAPF_AUTH_H

#include <stddef.h>

#include "devdb.h"
#include "session.h"

/* 0 authenticated; otherwise *why is the failure reason and detail says
 * what was wrong. */
int tl_capf_authenticate(tl_capf_sess *s, const tl_device *d,
			 const tl_capf_msg *m, int *why, char *detail, size_t n);

#endif
