/* The Certificate Trust List: present in mixed mode, consulted first. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "fromstore.h"
#include "listkind.h"
#include "trustlist.h"

const tl_listkind tl_ctl_kind = {
	.name = "CTL",
	.filename = "CTLFile.tlv",
	.override_prefix = "CTLSEP",
	.long_name = "Certificate Trust List",
};

/* What a CTL lists, by who signs it. A list holds two SAST records, and
 * the next update must be signable by a key the phones then hold: signed
 * by the CallManager key (added as SAST by the build), ITLRecovery is the
 * other; signed by ITLRecovery, the CallManager key is listed as SAST too;
 * signed by the previous CallManager key, the current one is. */
static int ctl_items(const char *signer, tl_listitem *it)
{
	size_t n = 0;

	if (strcmp(signer, "CallManager") != 0)
		it[n++] = (tl_listitem){ "CallManager", TL_ROLE_SAST, TL_NODES_PUBLISHER, 0 };
	if (strcmp(signer, TL_CM_PREVIOUS) != 0)
		it[n++] = (tl_listitem){ "ITLRecovery", TL_ROLE_SAST, TL_NODES_PUBLISHER, 0 };
	it[n++] = (tl_listitem){ "CallManager", TL_ROLE_CCM_TFTP, TL_NODES_ALL, 0 };
	it[n++] = (tl_listitem){ "CAPF", TL_ROLE_CAPF, TL_NODES_PUBLISHER, 0 };
	return (int)n;
}

static int mixed(const tl_store *s, tl_err *e)
{
	if (!s->conf.mixed_mode)
		return tl_fail(e, "the cluster is not in mixed mode: it has no CTL "
			       "(`trustline cluster security-mode mixed` first)");
	return 0;
}

/* Builds the CTL signed by the publisher's identity of signer; with
 * served, it must verify against it as a phone holding it verifies. */
static int ctl_write(tl_store *s, const char *signer, const tl_tlist *served,
		     const char *why, FILE *report, tl_err *e)
{
	tl_listitem items[4];
	char subject[512];
	size_t nrec;
	tl_tlist l;
	tl_buf out;
	int rc;

	if (tl_list_build_from_store(s, &tl_ctl_kind, signer, s->conf.nodes[0], items,
				     (size_t)ctl_items(signer, items), &out, &nrec,
				     subject, sizeof(subject), e))
		return -1;
	if (served) {
		rc = tl_tlist_parse(&l, out.p, out.len, "the new CTLFile.tlv", e);
		if (rc == 0) {
			rc = tl_tlist_verify(&l, served, NULL, e);
			tl_tlist_free(&l);
		}
		if (rc) {
			tl_buf_free(&out);
			return tl_wrap(e, "the new CTL would not verify against the "
				       "served one");
		}
	}
	rc = tl_store_write(s, "tftpboot/CTLFile.tlv", out.p, out.len, 0644, e);
	tl_buf_free(&out);
	if (rc == 0 && report)
		fprintf(report, "CTL %s: tftpboot/CTLFile.tlv, %zu records, signed by "
			"%s (%s)%s\n", served ? "updated" : "rebuilt", nrec, signer,
			subject, why);
	if (rc == 0)
		rc = tl_store_set(s, "ctl_update_required", "0", e);
	return rc;
}

int tl_ctl_matches_store(tl_store *s, char *why, size_t why_len, tl_err *e)
{
	tl_listitem items[4];

	if (!s->conf.mixed_mode)
		return 1;
	return tl_list_matches_store(s, &tl_ctl_kind, items,
				     (size_t)ctl_items("CallManager", items), why,
				     why_len, e);
}

int tl_ctl_rebuild(tl_store *s, FILE *report, tl_err *e)
{
	if (mixed(s, e))
		return -1;
	return ctl_write(s, "CallManager", NULL, "", report, e);
}

int tl_ctl_reset_recovery(tl_store *s, FILE *report, tl_err *e)
{
	if (mixed(s, e))
		return -1;
	return ctl_write(s, "ITLRecovery", NULL, ": phones whose CTL lists this "
			 "ITLRecovery certificate accept it", report, e);
}

/* 1 when c is a SAST record of l and has not expired. */
static int held(const tl_tlist *l, const tl_cert *c)
{
	if (c->not_after <= time(NULL))
		return 0;
	for (size_t i = 0; i < l->nrec; i++)
		if (l->rec[i].role == TL_ROLE_SAST && tl_record_matches_cert(&l->rec[i], c))
			return 1;
	return 0;
}

static const char *const signers[] = { "ITLRecovery", "CallManager", TL_CM_PREVIOUS };

static const char *pick(tl_store *s, const tl_tlist *served)
{
	const char *pub = s->conf.nodes[0];
	tl_err ignored;

	for (size_t i = 0; i < sizeof(signers) / sizeof(signers[0]); i++) {
		tl_cert *c;
		int ok;

		if (!tl_store_identity_exists(s, signers[i], pub) ||
		    tl_store_identity_load(s, signers[i], pub, &c, NULL, &ignored))
			continue;
		ok = held(served, c);
		tl_cert_free(c);
		if (ok)
			return signers[i];
	}
	return NULL;
}

static int load_served(tl_store *s, tl_tlist *served, tl_err *e)
{
	char path[1200];

	if (tl_store_path(s, path, sizeof(path), "tftpboot/CTLFile.tlv"))
		return tl_fail(e, "data directory path too long");
	if (tl_tlist_load(served, path, e))
		return tl_wrap(e, "the CTL phones hold (the served one): `trustline "
			       "ctl rebuild` writes a first CTL");
	return 0;
}

static int locked_out(tl_err *e)
{
	return tl_fail(e, "no key trustline holds is a valid SAST record of the "
		       "served CTL (ITLRecovery, CallManager, the previous "
		       "CallManager): phones holding it cannot accept another. Run "
		       "`trustline ctl reset --recovery`, then erase each phone's "
		       "trust lists (Settings > Security > Reset; `phone-sim "
		       "erase-trust`)");
}

int tl_ctl_update(tl_store *s, FILE *report, tl_err *e)
{
	const char *who;
	tl_tlist served;
	int rc;

	if (mixed(s, e) || load_served(s, &served, e))
		return -1;
	who = pick(s, &served);
	if (who == NULL) {
		tl_tlist_free(&served);
		return locked_out(e);
	}
	rc = ctl_write(s, who, &served, ", a SAST record of the CTL phones hold",
		       report, e);
	tl_tlist_free(&served);
	return rc;
}

static int set_conf_mode(tl_store *s, int mixed_on, tl_err *e)
{
	int was = s->conf.mixed_mode;

	s->conf.mixed_mode = mixed_on;
	if (tl_store_save_conf(s, e)) {
		s->conf.mixed_mode = was;
		return -1;
	}
	return 0;
}

int tl_ctl_set_mode(tl_store *s, int mixed_on, FILE *report, tl_err *e)
{
	char path[1200];
	tl_err ignored;
	int served;

	if (tl_store_path(s, path, sizeof(path), "tftpboot/CTLFile.tlv"))
		return tl_fail(e, "data directory path too long");
	served = access(path, F_OK) == 0;
	if (mixed_on == s->conf.mixed_mode && (served == mixed_on)) {
		if (report)
			fprintf(report, "security mode: already %s\n",
				mixed_on ? "mixed" : "non-secure");
		return 0;
	}
	if (set_conf_mode(s, mixed_on, e))
		return -1;
	if (mixed_on) {
		if (tl_ctl_rebuild(s, report, e)) {
			set_conf_mode(s, 0, &ignored);
			return -1;
		}
		if (report)
			fputs("security mode: mixed. CTLFile.tlv is served: a phone "
			      "without a CTL installs it at its next boot (trust on first "
			      "use), then checks its configuration's signer and call "
			      "control against it before its ITL.\n", report);
	} else {
		if (unlink(path) < 0 && errno != ENOENT) {
			tl_fail(e, "%s: %s", path, strerror(errno));
			set_conf_mode(s, 1, &ignored);
			return -1;
		}
		if (tl_store_set(s, "ctl_update_required", "0", e))
			return -1;
		if (report)
			fputs("security mode: non-secure. CTLFile.tlv is no longer "
			      "served. A phone that holds a CTL keeps it (finding none on "
			      "the server, it keeps what it has) and goes on consulting it "
			      "first; as it is no longer updated, a certificate "
			      "regenerated from now on is checked against the ITL and TVS "
			      "instead. Erasing a phone's trust lists (Settings > Security "
			      "> Reset) makes it drop the CTL. Phones without a CTL "
			      "install none.\n", report);
	}
	return tl_store_audit(s, "security-mode", mixed_on ? "mixed" : "non-secure",
			      NULL, NULL, e) || tl_store_bump(s, e) ? -1 : 0;
}
