/* Inside plan/: what served.c renders, for phone.c's boots. */
#ifndef TL_PLANSERVED_H
#define TL_PLANSERVED_H

#include "generate.h"
#include "namespace.h"
#include "plan.h"
#include "tvsindex.h"

struct tl_plan_served {
	tl_tftp_gen gen;
	tl_tftp_ns *ns;
	tl_tvs_index ix;
	tl_conf_tvs tvs_conf;
	tl_cert *tvs_cert;
	tl_cert *capf_cert;	/* the publisher's CAPF identity, or NULL */
	char node[64];
	/* verdict.c's verdicts, one a class of phones */
	struct tl_plan_verdict *verdicts;
	size_t nverdicts, cap;
};

/* A boot's way to TVS: the phone asking and what answers. */
typedef struct tl_plan_asking {
	tl_plan_served *sv;
	tl_phone *ph;
	int vouched;
} tl_plan_asking;

/* A tl_tvs_fn over a tl_plan_asking. */
int tl_plan_tvs_ask(void *arg, const tl_cert *cert, const char *issuer,
		    const uint8_t *serial, size_t serial_len, tl_phone_tvs_answer *a);

/* verdict.c: tl_phone_config on a configuration sv serves, as tftpd
 * would sign it (its deferred signature made once a class of phones). */
int tl_plan_config(tl_plan_asking *q, const char *name, const uint8_t *file,
		   size_t len, tl_verdict *v);
void tl_plan_verdicts_free(tl_plan_served *sv);

#endif
