/* The change-impact planner (docs/planner.md): a change made on a copy of
 * the data directory, never on it; what every server would serve before and
 * after it (the ITL, the CTL, each device's configuration files as tftpd
 * renders them, and tvsd's answers from its index); and, for every device,
 * phone-sim's own decisions (phonetrust.h) on the files after the change,
 * starting from what the phone holds before it. */
#ifndef TL_PLAN_H
#define TL_PLAN_H

#include <stddef.h>
#include <stdio.h>
#include <time.h>

#include <jansson.h>

#include "devdb.h"
#include "phonetrust.h"
#include "store.h"
#include "truststate.h"

/* One change, as the real command makes it: fn runs on the copy's open
 * store (arg its options), reporting to report, and fails as the command
 * would. what names it for the order of steps ("cert generate TVS"). */
typedef struct tl_plan_step {
	char what[96];
	int (*fn)(tl_store *s, const void *arg, FILE *report, tl_err *e);
	const void *arg;
	/* a change the phones take part in (a CAPF operation), or NULL: then
	 * (same arg) records what a server does once a phone did its part at
	 * its next boot; the phones that trust the CAPF server there (and
	 * whose device row then changes) boot again on what is served after
	 * it, holding the certificate it records. Plans of one step only. */
	int (*then)(tl_store *s, const void *arg, FILE *report, tl_err *e);
} tl_plan_step;

/* What one phone would do after the change. */
typedef struct tl_plan_phone {
	char name[16], model[32];
	int before_ok;		/* its boot before the change was trusted */
	int accepted;		/* its boot after it is trusted */
	int configured;		/* it took a configuration */
	int tvs_vouched;	/* TVS vouched for a signer on the way */
	int stage;		/* planned one step at a time: stranded at this
				 * step (1-based), 0 none */
	char step[8], file[64];	/* the first refusal after the change */
	char line[1200];
	/* where the state before came from: recorded is the time of the
	 * newest file the servers recorded the phone completing (0: derived
	 * from what is served now, derived saying why) */
	time_t recorded;
	char derived[200];
	/* the recorded state cannot be rebuilt ("" when it can): the phone
	 * holds a trust list no longer served, so no prediction is made */
	char unknown[200];
	/* a CAPF operation planned: the refusal of the CAPF server at the
	 * boot ("" when trusted, or no operation), and whether the phone did
	 * the operation and booted again on what capfd recorded */
	char capf[1200];
	int capf_done;
} tl_plan_phone;

/* Phones by outcome: the outcome's words and the first refusal's line
 * with the MAC masked ("" when accepted). */
typedef struct tl_plan_group {
	const char *outcome;
	char *reason;
	size_t count;
	int stranded;
	char first[16];		/* one of its phones */
} tl_plan_group;

typedef struct tl_plan {
	tl_plan_phone *phones;
	size_t nphones;
	tl_plan_group *groups;
	size_t ngroups;
	size_t stranded;	/* phones whose boot after the change is refused
				 * although the one before was trusted */
	size_t unknown;		/* phones whose state before cannot be rebuilt */
	char *report;		/* what the change printed, on the copy */
	/* a safe order, for a change of several steps that strands phones
	 * made at once: the steps' indexes, phones fetching between them */
	int have_order;
	size_t order[8];
	size_t nsteps;
	tl_plan_step steps[8];
} tl_plan;

/* Plans steps[0..n) (at most 8), made one after the other, on a copy of
 * the data directory s opened. 0, or -1 when the plan cannot be made or a
 * step fails (e says why: the real command would fail the same way). */
int tl_plan_run(tl_store *s, const tl_plan_step *steps, size_t n, tl_plan *p,
		tl_err *e);
void tl_plan_free(tl_plan *p);

/* planjson.c: the step `cert generate` with options o (kept by the step);
 * and the plan as one object (the caller owns it): change, phones,
 * stranded, groups, devices and order, null where absent. */
struct tl_genopts;
void tl_plan_step_generate(tl_plan_step *st, const struct tl_genopts *o);
json_t *tl_plan_json(const tl_plan *p);

/* capf.c: `device capf` as plan steps: fn tl_plan_capf_schedule (the
 * operation scheduled as the real command schedules it), then
 * tl_plan_capf_record (the LSC capfd would issue and the phone confirm,
 * or the LSC the phone deletes); arg a tl_plan_capf. */
typedef struct tl_plan_capf {
	const char *const *devices;
	size_t n;
	int op;			/* enum tl_capf_op */
	const char *key;	/* NULL: each device's capf_key */
} tl_plan_capf;
int tl_plan_capf_schedule(tl_store *s, const void *arg, FILE *report, tl_err *e);
int tl_plan_capf_record(tl_store *s, const void *arg, FILE *report, tl_err *e);
/* Whether the phone trusts the CAPF server sv presents (phonetrust's
 * tl_phone_peer): 0, or -1 with out->capf its refusal. */
struct tl_plan_served;
int tl_plan_capf_peer(tl_phone *ph, struct tl_plan_served *sv, tl_plan_phone *out);

/* copy.c: the copy of the data directory s opened into a new private
 * directory, its name in out; removed with tl_plan_remove. */
int tl_plan_copy(tl_store *s, char *out, size_t n, tl_err *e);
void tl_plan_remove(const char *dir);

/* served.c: what the servers of a data directory serve, rendered as they
 * render it: tftpd's namespace and tvsd's index and identity. */
typedef struct tl_plan_served tl_plan_served;
tl_plan_served *tl_plan_served_open(const char *dir, tl_err *e);
void tl_plan_served_free(tl_plan_served *sv);

/* phone.c: a phone booting against what sv serves, as phone-sim does
 * (CTL, ITL, configuration), with TVS answering as tvsd would. Fills the
 * outcome fields of out (accepted, configured, tvs_vouched, step, file,
 * line); d is the device row (its LSC and MIC), or NULL. */
void tl_plan_boot_device(tl_phone *ph, tl_plan_served *sv, const tl_device *d,
			 tl_plan_phone *out);
/* What the phone holds before the change, on ph (initialised): what it
 * gets from what the servers serve now (before), booting from an erased
 * phone. rec, when tftpd recorded the phone's transfers, is checked
 * against it: a recorded ITL or CTL that is not served any more (its
 * bytes are not kept) sets out->unknown; out->recorded is set from rec. */
void tl_plan_phone_before(tl_phone *ph, tl_plan_served *before, const tl_device *d,
			  const tl_truststate *rec, tl_plan_phone *out);

#endif
