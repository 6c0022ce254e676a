/* What each phone most likely holds, as the servers saw it (SQLite's
 * migration 6, PostgreSQL's 4): the trust lists and configuration tftpd
 * served it in transfers the phone completed, and the certificates tvsd
 * answered it about. The planner and `trustline device trust-state` read it
 * through tl_truststate_get and tl_truststate_each.
 *
 * A phone asks for ITLFile.tlv and CTLFile.tlv before its configuration,
 * and those names do not say whose they are. A list is therefore kept
 * first by the address that fetched it, and becomes a phone's when that
 * address completes the phone's SEP<MAC>.cnf.xml* within TL_TS_PAIR_S
 * seconds of it (before or after: tftpd's workers commit in any order).
 * Addresses are forgotten after as long, so that table stays small; the
 * phones' rows are one per phone and file kind, and tvsd's answers the
 * last TL_TS_TVS_KEEP per phone. */
#ifndef TL_TRUSTSTATE_H
#define TL_TRUSTSTATE_H

#include <time.h>

#include "store.h"

#define TL_TS_PAIR_S 600
#define TL_TS_TVS_KEEP 20

/* The files a phone is recorded as holding, one of each. */
enum tl_ts_kind {
	TL_TS_ITL,		/* ITLFile.tlv */
	TL_TS_CTL,		/* CTLFile.tlv */
	TL_TS_CONFIG,		/* SEP<MAC>.cnf.xml or .cnf.xml.sgn */
	TL_TS_ENC,		/* SEP<MAC>.cnf.xml.enc.sgn */
	TL_TS_NKINDS
};

/* One file as a phone completed its transfer. */
typedef struct tl_ts_file {
	char file[64];		/* as requested: "ITLFile.tlv" */
	char sha256[65];	/* of the bytes served, lowercase hex */
	char signer[256];	/* the signed-file header's signer name; "" plain */
	char serial[80];	/* the signer's serial number, lowercase hex; "" */
	/* "plain", "signed", "stub" (a signed configuration that sends the
	 * phone to its encrypted file) or "encrypted" */
	char mode[12];
	char cert_md5[33];	/* a stub: the certHash of the certificate the
				 * configuration is encrypted to (MD5 of its DER) */
	char address[64];	/* the phone's address, without the port */
	char via[8];		/* "tftp" or "http" */
	time_t time;		/* when the transfer completed */
	time_t since;		/* the first of the unbroken run of transfers of
				 * these bytes: since when the phone has them */
} tl_ts_file;

/* A phone's state. has[k] says whether f[k] was ever recorded. */
typedef struct tl_truststate {
	char device[16];	/* "SEP001122334455" */
	int has[TL_TS_NKINDS];
	tl_ts_file f[TL_TS_NKINDS];
	/* the configuration it most likely runs: "plain", "signed",
	 * "encrypted" (the stub and, no earlier, the encrypted file), "stub"
	 * (the encrypted file not fetched since), or "" none */
	char config_mode[12];
} tl_truststate;

/* One tvsd answer. */
typedef struct tl_ts_tvs {
	char device[16];
	char address[64];
	char command[8];	/* "verify" or "query" */
	char sha256[65];	/* of the certificate asked about; "" unknown */
	char verdict[16];	/* tvsd's: "valid", "unknown", "revoked", ... */
	time_t time;
} tl_ts_tvs;

/* Writers (tftpd's and tvsd's recorders) put rows in batches: one
 * transaction each, so a batch costs one commit. end commits when ok is
 * 0, else rolls back. put and put_tvs run between the two, each a
 * savepoint: one that fails undoes only itself. */
int tl_truststate_begin(tl_store *s, tl_err *e);
int tl_truststate_end(tl_store *s, int ok, tl_err *e);
/* A completed transfer of kind k. device is the SEP<MAC> for a
 * configuration or a phone's own list (ITLSEP<MAC>.tlv), NULL for a shared
 * trust list (whose phone is found by address, see above). A record older than the one stored changes nothing. */
int tl_truststate_put(tl_store *s, enum tl_ts_kind k, const char *device,
		      const tl_ts_file *f, tl_err *e);
/* Records tvsd's answer, keeping the device's last TL_TS_TVS_KEEP. */
int tl_truststate_put_tvs(tl_store *s, const tl_ts_tvs *q, tl_err *e);
/* Forgets trust lists fetched by addresses before now - TL_TS_PAIR_S. */
int tl_truststate_prune(tl_store *s, time_t now, tl_err *e);

/* The state of device ("SEP..." as tl_dev_name writes it): 1 with *st
 * filled, 0 when nothing was recorded for it, -1 on error. */
int tl_truststate_get(tl_store *s, const char *device, tl_truststate *st,
		      tl_err *e);
/* Every device with a recorded file or tvsd answer, by name; fn returns
 * nonzero to stop. */
int tl_truststate_each(tl_store *s, int (*fn)(void *arg, const tl_truststate *st),
		       void *arg, tl_err *e);
/* tvsd's recorded answers to device, newest first. */
int tl_truststate_tvs_each(tl_store *s, const char *device,
			   int (*fn)(void *arg, const tl_ts_tvs *q), void *arg,
			   tl_err *e);
/* The kind's name in output: "itl", "ctl", "config", "encrypted_config". */
const char *tl_ts_kind_name(enum tl_ts_kind k);

#endif
