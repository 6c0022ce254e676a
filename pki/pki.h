/* The cluster's certificate life cycle: generate and regenerate identity
 * certificates under docs/certificates.md's rules, with their cascade, and
 * `cluster init`. */
#ifndef TL_PKI_H
#define TL_PKI_H

#include <stdint.h>
#include <stdio.h>
#include <time.h>

#include "purpose.h"
#include "store.h"

/* Seconds within which regenerating CallManager and TVS of one node is
 * refused without --force (docs/certificates.md's safety interlock). */
#define TL_INTERLOCK_SECONDS 300

typedef struct tl_genopts {
	const char *purpose;
	const char *node;	/* NULL: the publisher */
	int key_type;		/* -1: keep the current key (or the default) */
	int key_bits;
	int hash_alg;		/* 0: the [pki] default */
	int years;		/* 0: the [pki] default */
	const char *const *san;	/* extra DNS names, NULL-terminated, or NULL */
	int force;
	int quiet_cascade;	/* cluster init, add-node: the lists rebuilt and the
				 * generation bumped once, by the caller */
} tl_genopts;

/* Refuses what docs/certificates.md forbids (key type and size for the purpose,
 * hash weaker than the key, FIPS, validity), naming the rule and what to
 * do; prints warnings (RSA above 2048 for CallManager) to report. */
int tl_pki_check_params(const tl_conf *c, const tl_purpose *p, int key_type,
			int bits, int hash, int years, FILE *report, tl_err *e);
/* Refuses wildcard names. */
int tl_pki_check_name(const char *name, tl_err *e);

int tl_pki_generate(tl_store *s, const tl_genopts *o, FILE *report, tl_err *e);

typedef struct tl_csropts {
	const char *purpose;
	const char *node;	/* NULL: the publisher */
	int key_type;		/* -1: the current key's type and size */
	int key_bits;
	int hash_alg;		/* 0: the [pki] default */
	int include_ou;
	const char *const *san;	/* extra DNS names, NULL-terminated, or NULL */
} tl_csropts;

/* Writes a PKCS#10 request (PEM in *pem) with a new key of the current
 * type and size and the purpose's extensions; it replaces the pending one
 * in csr/<purpose>/<node>.{csr,key}. */
int tl_pki_csr(tl_store *s, const tl_csropts *o, char **pem, FILE *report,
	       tl_err *e);
/* A pending request: csr/<purpose>/<node>.csr and its key. */
typedef struct tl_pending {
	const tl_purpose *purpose;
	char node[64];
	time_t created;
	tl_cert *req;		/* tl_csr_from_pem */
	char *pem;
} tl_pending;
/* Every pending request, or that of purpose and node (NULL: the
 * publisher), which must exist. An unreadable request is an error naming
 * its file. */
int tl_pki_pending(tl_store *s, const char *purpose, const char *node,
		   tl_pending **out, size_t *n, tl_err *e);
void tl_pki_pending_free(tl_pending *v, size_t n);
/* Discards the pending request of purpose and node (NULL: the publisher)
 * and its key, in the audit log. */
int tl_pki_csr_delete(tl_store *s, const char *purpose, const char *node,
		      FILE *report, tl_err *e);
/* Accepts the CA-signed certificate for the pending CSR: its key must be
 * the CSR's, it must keep every usage the purpose needs, and it must chain
 * to a trust-store certificate or one of chain (which then joins the
 * purpose's trust store). Then replaces the identity and cascades. */
int tl_pki_import(tl_store *s, const char *purpose, const char *node,
		  const tl_cert *cert, tl_cert *const *chain, size_t nchain,
		  FILE *report, tl_err *e);

/* Resolves a purpose name and node (NULL: the publisher), refusing unknown
 * ones and CAPF/ITLRecovery off the publisher. */
int tl_pki_target(const tl_conf *c, const char *purpose, const char *node,
		  const tl_purpose **p, const char **resolved, tl_err *e);

/* The names one certificate carries, and the nodes it is for (every node
 * for a multi-server certificate). */
typedef struct tl_subject {
	char cn[256];
	const char *nodes[TL_MAX_NODES];
	int nn;
	char fqdns[TL_MAX_NODES][192];
	const char *dns[TL_MAX_NODES + 17];
} tl_subject;
/* Fills spec (subject, extensions, alternative names) for a purpose on a
 * node; extra names are checked for wildcards. Validity and hash are the
 * caller's. */
int tl_pki_spec(const tl_conf *c, const tl_purpose *p, const char *node,
		const char *const *san, int with_ou, tl_subject *sub,
		tl_certspec *spec, tl_err *e);
/* The key type, size and hash of a new key for a purpose: want_type and
 * want_bits when want_type >= 0, else the old key's, else the [pki]
 * default; want_hash when not 0, else the [pki] hash, raised to SHA-384 for
 * an EC-384 key. */
void tl_pki_key_params(const tl_conf *c, const tl_purpose *p, const tl_key *old,
		       int want_type, int want_bits, int want_hash, int *type,
		       int *bits, int *hash);

/* What follows a new identity certificate: -trust copies, the ITL, the CTL
 * mark, the audit log, the generation counter. Prints each consequence.
 * old is the certificate replaced when known; replaced says whether one
 * was. With rebuild, ends the journal entry tl_pki_journal_begin made. */
int tl_pki_cascade(tl_store *s, const tl_purpose *p, const char *node,
		   const tl_cert *old, int replaced, const tl_cert *new_cert,
		   int rebuild, FILE *report, tl_err *e);

/* The intent journal of a cascade: an identity replacement and what must
 * follow it (copies, lists, generation) are many files; a crash between
 * them would leave lists that no longer match the stores. Before the
 * identity is saved, begin records what is about to happen (in
 * trustline.db, durably); the cascade's end clears it. tl_pki_store_open
 * completes an entry left by a process that died: the next command does
 * what the dead one did not. */
int tl_pki_journal_begin(tl_store *s, const tl_purpose *p, const char *node,
			 const tl_cert *old, const tl_cert *new_cert, tl_err *e);
int tl_pki_journal_end(tl_store *s, tl_err *e);
/* The entry left by a dead process, if any: "" when none, else a sentence
 * for an administrator. */
void tl_pki_journal_pending(tl_store *s, char *what, size_t n);
/* tl_store_open, then completes an interrupted cascade (saying so on
 * report). A completion that fails does not fail the open: the command
 * goes on, and report says what is left and what to run. */
int tl_pki_store_open(tl_store *s, const char *dir, FILE *report, tl_err *e);

/* Adds a node to the cluster: its identity certificates, the ITL (and in
 * mixed mode the CTL) rebuilt with them, then trustline.conf; with tftp it
 * joins tftp_nodes. */
int tl_pki_add_node(tl_store *s, const char *node, int tftp, FILE *report,
		    tl_err *e);
/* Creates a cluster's data directory; with c->db_url also its shared
 * database's settings (what `cluster join` starts from) and node rows. */
int tl_pki_cluster_init(const char *dir, const tl_conf *c, int force,
			FILE *report, tl_err *e);
/* The services a node of c runs, as the node table spells them: tftp
 * (a TFTP node), tvs, capf (the publisher). */
void tl_pki_node_services(const tl_conf *c, const char *node, char *out,
			  size_t n);
/* `cluster join`: a subscriber's data directory dir (which must not hold
 * anything yet) for a cluster whose database is url, made under a
 * temporary name and renamed at the end; its keys made there, its public
 * certificates, trust-store copies and node row added in one transaction
 * with the generation, and its ITL built. services is "tftp,tvs", "tvs"
 * ... password_file may be NULL. */
typedef struct tl_joinopts {
	const char *node, *url, *password_file, *services;
} tl_joinopts;
int tl_pki_cluster_join(const char *dir, const tl_joinopts *o, FILE *report,
			tl_err *e);

/* One finding of `cert check`. */
typedef struct tl_problem {
	char code[24];		/* "missing-eku", "expired", ... */
	char msg[600];		/* what is wrong and what to do */
} tl_problem;

typedef struct tl_lintreq {
	const tl_cert *cert;
	const tl_purpose *purpose;	/* or NULL */
	const char *host;		/* or NULL */
	const tl_key *key;		/* or NULL */
	const uint8_t *key_file;	/* the key file's bytes, or NULL */
	size_t key_file_len;
	tl_cert *const *pool;		/* issuers to build the chain from */
	size_t npool;
	time_t now;			/* 0: now */
} tl_lintreq;

/* Fills out with at most max problems; returns how many. */
int tl_pki_lint(const tl_lintreq *r, tl_problem *out, int max);
/* The first key usage or extended key usage the purpose needs that c
 * lacks, or NULL. */
const char *tl_pki_missing_usage(const tl_cert *c, const tl_purpose *p);

/* Prints an alarm line (or JSON object) for every identity and trust
 * certificate that expires within notify_days (0: the configured value) or
 * has expired. Returns 0 no alarm, 1 warnings only, 2 a critical alarm
 * (expired, or valid for 7 days or less), -1 on error. */
int tl_pki_monitor(tl_store *s, int notify_days, int json, FILE *out, tl_err *e);

/* The subject a purpose's certificate gets on a node. */
void tl_pki_subject(const tl_conf *c, const tl_purpose *p, const char *node,
		    char *cn, size_t n);

/* Trust stores (docs/certificates.md): import and delete only. These return 0,
 * -1 when a rule refuses the change (e says which and why) or a write
 * fails, and -2 when an input cannot be used (an unknown store, no such
 * certificate, an unreadable export). A refusal writes nothing. */
typedef struct tl_trustadd {
	const char *store;
	tl_cert *const *certs;	/* every certificate of the upload */
	size_t n;
	int allow_expired;
	const char *action;	/* for the audit log; NULL: "trust add" */
	int *changed;		/* not NULL: set when a certificate was written,
				 * and the caller bumps the generation */
	int check_only;		/* every check, nothing written */
} tl_trustadd;
/* Checks every certificate (wildcards, keys above 4096 bits, validity
 * unless allow_expired) and the one-subject-per-store rule (a same-subject
 * certificate replaces the stored one only when its notBefore is later),
 * then writes them all, with an audit row each, and bumps the generation
 * once. Prints one line per certificate: added, replaced, already present. */
int tl_pki_trust_add(tl_store *s, const tl_trustadd *a, FILE *report, tl_err *e);
/* Lists the trust-store and identity certificates that chain through
 * STORE/NAME and refuses to delete it while there are any, unless force. */
int tl_pki_trust_delete(tl_store *s, const char *store, const char *name,
			int force, FILE *report, tl_err *e);

/* Phone migration between clusters. On the cluster the phones move to:
 * the CallManager certificates of its TFTP nodes and its ITLRecovery
 * certificate as PEM files in dir, with a manifest.ini naming the cluster;
 * a dir that holds files is refused unless force. On the cluster they come
 * from: those certificates into CallManager-trust and Phone-SAST-trust by
 * the rules of tl_pki_trust_add, so its TVS vouches for the new cluster's
 * ITL. Same return codes. */
int tl_pki_bulk_export(tl_store *s, const char *dir, int force, FILE *report,
		       tl_err *e);
int tl_pki_bulk_import(tl_store *s, const char *dir, FILE *report, tl_err *e);

#endif
