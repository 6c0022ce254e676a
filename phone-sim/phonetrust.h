/* A phone's trust decisions (docs/phone-trust.md), as functions over what the
 * phone holds and what it was sent, each explained in one line. The
 * network is the caller's: TVS is reached through a callback, so the
 * rules are testable without servers and the same for one phone or a
 * fleet. */
#ifndef TL_PHONETRUST_H
#define TL_PHONETRUST_H

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "trustlist.h"
#include "tvsproto.h"
#include "x509.h"

#define TL_PHONE_TVS_CACHE 32

typedef struct tl_tvs_cached {
	uint8_t sha256[32];
	uint8_t roles[TL_TVS_MAX_ROLES];
	size_t nroles;
	time_t expires;
} tl_tvs_cached;

/* What a phone holds (its "flash"). */
typedef struct tl_phone {
	char name[16];		/* SEP<MAC> */
	char tvs_name[64];	/* <model>-SEP<MAC> */
	int has_ctl, has_itl;
	tl_tlist ctl, itl;	/* installed lists */
	int rollback;		/* the installed ITL is a rollback ITL */
	char itl_refused[400];	/* this boot's ITL step refused the ITL offered
				 * while none was installed: why ("" if not) */
	tl_tvs_cached cache[TL_PHONE_TVS_CACHE];
	size_t ncache;
	time_t now;		/* 0: the clock */
} tl_phone;

/* The answer TVS gave about a certificate. */
typedef struct tl_phone_tvs_answer {
	int reachable;		/* 0: no TVS answered ("not trusted") */
	int valid;
	uint8_t roles[TL_TVS_MAX_ROLES];
	size_t nroles;
	uint32_t ttl;
	char server[96];	/* which server answered, for the explanation */
	char why[400];		/* none answered because the last one tried was
				 * not trusted: why (its certificate not in the
				 * ITL, expired); empty when it was unreachable */
	tl_cert *cert;		/* QUERY: the certificate found (caller frees) */
} tl_phone_tvs_answer;

/* The caller's way to TVS: VERIFY (cert != NULL) or QUERY (by issuer and
 * serial). Fills *a; returns 0 (a->reachable says whether it answered). */
typedef int (*tl_tvs_fn)(void *arg, const tl_cert *cert, const char *issuer,
			 const uint8_t *serial, size_t serial_len,
			 tl_phone_tvs_answer *a);

typedef struct tl_verdict {
	int accepted;
	char line[1200];	/* the explanation, docs/phone-trust.md's style */
} tl_verdict;

/* A decision these rules do not take (decryption, CAPF, a file the server
 * does not have), for a caller to explain in the same style:
 * "STEP  FILE  why -> ACCEPTED". */
void tl_verdict_vmake(tl_verdict *v, const char *step, const char *file,
		      int accepted, const char *fmt, va_list ap)
	__attribute__((format(printf, 5, 0)));

void tl_phone_init(tl_phone *p, const char *name, const char *model);
void tl_phone_free(tl_phone *p);
/* Removes CTL and ITL (Settings > Security > Reset). */
void tl_phone_erase_trust(tl_phone *p);

/* Step 1 and 2: a received CTL or ITL (NULL: not found on the server).
 * pin, when given, is a trust anchor the file's signer must match instead
 * of trust on first use. On acceptance the list is installed. */
int tl_phone_ctl(tl_phone *p, const uint8_t *file, size_t len, const tl_cert *pin,
		 tl_verdict *v);
int tl_phone_itl(tl_phone *p, const uint8_t *file, size_t len, const tl_cert *pin,
		 tl_tvs_fn tvs, void *tvs_arg, tl_verdict *v);

/* Step 3: a signed configuration (.sgn or .enc.sgn) — the signer must be a
 * TFTP or CCM+TFTP record of the CTL, else of the ITL, else TVS (QUERY)
 * must vouch for it with one of those roles. An unsigned configuration is
 * accepted only after a rollback ITL or with no trust list at all. A phone
 * whose ITL step refused the ITL it was offered holds no ITL, but it does
 * not take that as "no trust list": it judges by its CTL alone, and with
 * no CTL it rejects, never accepting unverified because a list it was
 * given could not be read. */
int tl_phone_config(tl_phone *p, const char *filename, const uint8_t *file,
		    size_t len, tl_tvs_fn tvs, void *tvs_arg, tl_verdict *v);

/* Steps 4–6: is this TLS peer certificate trusted for the role (CCM for
 * call control, CAPF, TVS, APP-SERVER or TFTP for HTTPS)? Lists first,
 * then the TVS cache, then TVS. Expired certificates are refused. */
int tl_phone_peer(tl_phone *p, const char *what, const tl_cert *peer, int role,
		  tl_tvs_fn tvs, void *tvs_arg, tl_verdict *v);

#endif
