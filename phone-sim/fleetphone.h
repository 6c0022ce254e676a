/* The inside of `phone-sim fleet` (fleet.c): the fleet and its phones'
 * boots, shared by the command (fleet.c), each phone's state machine
 * (fleetboot.c), its flash (fleetflash.c), its TVS exchange on the loop
 * (fleettvs.c) and the report (fleetreport.c). */
#ifndef TL_FLEETPHONE_H
#define TL_FLEETPHONE_H

#include <stdint.h>
#include <stdio.h>

#include "flash.h"
#include "loop.h"
#include "netloop.h"
#include "phonecnf.h"
#include "phonenet.h"
#include "phonetrust.h"
#include "tftpclient.h"

#define TL_FLEET_OUTCOMES 64

/* A phone's flash between boots with --memory: the trust lists are the
 * same bytes for most phones, so they are kept once (fleet.blobs) and a
 * phone holds their numbers. */
typedef struct tl_fleet_mphone {
	uint32_t ctl, itl;	/* 1 + index in fleet.blobs; 0: none */
	uint8_t rollback, ncache;
	tl_tvs_cached *cache;
	uint8_t *config;
	size_t config_len;
} tl_fleet_mphone;

typedef struct tl_fleet_blob {
	uint8_t *p;
	size_t len;
} tl_fleet_blob;

typedef struct tl_fleet_outcome {
	char *reason;
	size_t count;
} tl_fleet_outcome;

typedef struct tl_fleet {
	tl_loop *loop;
	size_t count, conc, next, inflight, done;
	int filling;
	uint64_t mac_base;
	const char *model, *state_root;
	/* the TFTP servers in order (option 150), each with its options, and
	 * the files each served */
	tl_phonecnf_server tftp[TL_PHONE_SERVERS];
	tl_tftpc_opts o[TL_PHONE_SERVERS];
	uint64_t served[TL_PHONE_SERVERS];
	size_t ntftp;
	size_t failed_over;	/* boots that needed a second server */
	tl_phonecnf_server tvs[TL_PHONE_SERVERS];	/* --tvs */
	size_t ntvs;
	int timeout_ms;
	tl_fleet_mphone *mem;	/* --memory: one per phone */
	tl_fleet_blob *blobs;
	size_t nblobs;
	double t0, *lat;
	uint64_t bytes, transfers, resent, tvs_asked;
	size_t trusted, refused, errors;
	tl_fleet_outcome out[TL_FLEET_OUTCOMES];
	size_t nout;
	tl_ev *tick;
	tl_tls *tls;		/* the phones' TLS side, made at the first TVS question */
} tl_fleet;

enum tl_fleet_stage { S_CTL_SEP, S_CTL, S_ITL_SEP, S_ITL, S_CNF_SGN, S_CNF_XML };

/* What a decision asked TVS (VERIFY der, or QUERY issuer + serial) and,
 * once the loop has it, the answer. */
typedef struct tl_fleet_tvsq {
	uint8_t *der;
	size_t der_len;
	char *issuer;
	uint8_t *serial;
	size_t serial_len;
	int pending, answered;
	tl_phone_tvs_answer a;
} tl_fleet_tvsq;

struct tl_fleet_tvsx;

typedef struct tl_fleet_boot {
	tl_fleet *fl;
	size_t idx;
	enum tl_fleet_stage stage;
	tl_flash f;
	tl_phonecnf last;	/* the configuration kept from the last boot: TVS */
	int have_last;
	tl_tftpc_result r;
	size_t srv;		/* the TFTP server asked: it answered, or is tried */
	int failed_over;
	tl_phonecnf_server tvs[TL_PHONE_SERVERS];	/* the TVS servers asked */
	char file[64];
	int rc;			/* the file in hand: TL_TFTPC_OK or _NOTFOUND */
	uint8_t *buf;
	size_t len;
	tl_fleet_tvsq q;
	struct tl_fleet_tvsx *x;	/* the TVS exchange in flight */
	double t0;
	int refused, tvs_vouched;
	char reason[1200];
} tl_fleet_boot;

/* fleetboot.c: finer than tl_now_ms, a boot on loopback taking a few
 * milliseconds. */
double tl_fleet_now(void);
/* Keeps C boots going; stops the loop when all are done. */
void tl_fleet_refill(tl_fleet *fl);
/* The boot's step for the file in hand, taken again when TVS answered. */
void tl_fleet_decide(tl_fleet_boot *b);

/* fleetflash.c: the phone's flash, from its directory or from memory. */
int tl_fleet_flash_load(tl_fleet_boot *b, const char *mac, tl_err *e);
int tl_fleet_flash_save(tl_fleet_boot *b, tl_err *e);

/* fleettvs.c: the decisions' tl_tvs_fn (its argument the boot), or NULL
 * when the phone knows of no TVS server. */
tl_tvs_fn tl_fleet_tvs(const tl_fleet_boot *b);
/* Asks the question the decision noted (b->q) on the loop, then takes the
 * decision again (tl_fleet_decide). */
void tl_fleet_tvs_start(tl_fleet_boot *b);
void tl_fleet_tvs_free(tl_fleet_tvsq *q);

/* fleetreport.c: boots/s, boot times, outcomes and bytes, as lines or
 * JSON. */
void tl_fleet_report(tl_fleet *fl, double secs, FILE *f, int json);

#endif
