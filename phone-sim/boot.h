/* One phone booting against the real servers (docs/phone-trust.md): what
 * the command line told it, what its flash holds, and the boot's record,
 * one entry per decision. The decisions are phonetrust.c's; the steps
 * fetch what they judge (bootfiles.c), run CAPF (bootcapf.c), and boot.c
 * takes them in order. connect judges one TLS peer with the same record. */
#ifndef TL_BOOT_H
#define TL_BOOT_H

#include <stddef.h>

#include "flash.h"
#include "phonecnf.h"
#include "phonenet.h"
#include "phonetrust.h"

#define TL_BOOT_STEPS 32

typedef struct tl_boot_step {
	char step[8];
	char file[96];
	char server[280];	/* HOST:PORT the file came from (or was asked of) */
	int accepted;
	char line[1200];
} tl_boot_step;

typedef struct tl_boot {
	tl_flash f;
	/* the TFTP servers in the order given (DHCP option 150); cur is the one
	 * that answered last, which the boot stays with */
	tl_phonecnf_server tftp[TL_PHONE_SERVERS];
	size_t ntftp, cur;
	int failovers;		/* servers left because they did not answer */
	tl_phonecnf_server tvs[TL_PHONE_SERVERS], capf;	/* --tvs, --capf */
	size_t ntvs;
	int have_capf;
	int http_port;		/* --http: files over HTTP from the TFTP host */
	const char *auth_string;
	int timeout_ms;
	tl_phonecnf last;	/* the last accepted configuration: TVS servers */
	int have_last;
	tl_boot_step steps[TL_BOOT_STEPS];
	size_t nsteps;
	int refused;
	char reason[1200];
	int lsc_installed;	/* by this boot's CAPF session */
	int lsc_crl;		/* --lsc-crl: check the LSC against CAPF-LSC.crl */
	char absent[520];	/* why the server said the last file it did not
				 * have is not there ("" when it did not say) */
} tl_boot;

/* A boot with the defaults (5 s per server), or NULL. */
tl_boot *tl_boot_new(void);
/* Loads the flash in state (mac and model as tl_flash_load takes them) and
 * the TVS servers of the configuration it kept. */
int tl_boot_load(tl_boot *b, const char *state, const char *mac,
		 const char *model, tl_err *e);

/* "HOST:PORT" of the server the boot asks now (HTTP port with --http). */
void tl_boot_server(const tl_boot *b, char *out, size_t n);
/* Prints the decision (without --json) and keeps it; the first refusal is
 * the boot's reason. */
void tl_boot_record(tl_boot *b, const char *what, const char *file,
		    const tl_verdict *v);
/* A decision phonetrust.c does not make (decryption, CAPF), in its style. */
void tl_boot_decide(tl_boot *b, const char *what, const char *file,
		    int accepted, const char *fmt, ...)
	__attribute__((format(printf, 5, 6)));
/* The TVS callback for the decisions (its argument the boot), or NULL when
 * the phone knows of no TVS server. */
tl_tvs_fn tl_boot_tvs(const tl_boot *b);

/* The CTL and ITL steps; -1 when a server did not answer. */
int tl_boot_lists(tl_boot *b, const tl_cert *pin);
/* The configuration: *cfg is filled when one was accepted (0); 1 refused,
 * -1 error. */
int tl_boot_config(tl_boot *b, tl_phonecnf *cfg);
/* A CAPF session when the configuration asks for one. */
void tl_boot_capf(tl_boot *b, const tl_phonecnf *cfg);
/* A file from the TFTP server (over HTTP with --http): TL_TFTPC_OK with
 * *buf, TL_TFTPC_NOTFOUND, or another failure (printed). */
int tl_boot_fetch(tl_boot *b, const char *name, uint8_t **buf, size_t *len);
/* --lsc-crl: the phone's LSC checked against CAPF-LSC.crl (lsccrl.c). */
void tl_boot_lsc_crl(tl_boot *b);
/* A peer's certificate taken as another phone's LSC (connect --role
 * PHONE): issued by a CAPF certificate of the CTL or ITL, valid now, and
 * with crl not revoked by the flash's CAPF-LSC.crl (absent or unverifiable:
 * refused). Recorded as a PEER decision, in *v too; 1 accepted. */
int tl_boot_peer_lsc(tl_boot *b, const char *what, const tl_cert *peer, int crl,
		     tl_verdict *v);

#endif
