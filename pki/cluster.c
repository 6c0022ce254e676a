/* trustline cluster init: every identity certificate of every node, the
 * -trust copies, a lab manufacturing CA, trustline.conf, the ITL and, in
 * mixed mode, the CTL. */
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "file.h"
#include "fromstore.h"
#include "pki.h"

#define MFG_CA_PURPOSE "lab-manufacturing-CA"

/* Phones' MICs in the lab chain to this CA; its name says it is no Cisco
 * CA, and it lands in CAPF-trust so CAPF accepts those MICs. */
static int make_mfg_ca(tl_store *s, FILE *report, tl_err *e)
{
	tl_certspec spec;
	tl_cert *c = NULL;
	tl_key *k;
	time_t now = time(NULL);
	int rc;

	if (report)
		fprintf(report, "generating the lab manufacturing CA...\n");
	if (tl_key_generate(TL_KEY_RSA, 2048, &k, e))
		return -1;
	memset(&spec, 0, sizeof(spec));
	spec.cn = "trustline LAB Manufacturing CA (not for production)";
	spec.o = s->conf.org[0] ? s->conf.org : s->conf.name;
	spec.not_before = now;
	spec.not_after = now + 20L * 365 * 86400;
	spec.is_ca = 1;
	spec.hash_alg = TL_HASH_SHA256;
	spec.key_usage = TL_KU_DIGITAL_SIGNATURE | TL_KU_KEY_CERT_SIGN | TL_KU_CRL_SIGN;
	rc = tl_cert_make(&spec, k, &c, e);
	if (rc == 0)
		rc = tl_store_identity_save(s, MFG_CA_PURPOSE, "lab", c, k, e);
	if (rc == 0)
		rc = tl_store_trust_put(s, "CAPF-trust", "lab-manufacturing-CA", c, e);
	if (rc == 0)
		rc = tl_store_audit(s, "generate", MFG_CA_PURPOSE "/lab", NULL, c, e);
	if (rc == 0 && report)
		fprintf(report, "created %s, copied to CAPF-trust\n", c->subject);
	tl_cert_free(c);
	tl_key_free(k);
	return rc;
}

/* A node's certificate of one purpose with the [pki] defaults; the lists
 * are rebuilt once by the caller. */
static int generate_one(tl_store *s, const tl_purpose *p, const char *node,
			int force, FILE *report, tl_err *e)
{
	tl_genopts o;

	memset(&o, 0, sizeof(o));
	o.purpose = p->name;
	o.node = node;
	o.key_type = -1;
	o.force = force;
	o.quiet_cascade = 1;
	return tl_pki_generate(s, &o, report, e);
}

static int build(const char *dir, const tl_conf *c, FILE *report, tl_err *e)
{
	tl_store s;
	int rc = -1;

	if (tl_store_create(&s, dir, c, e))
		return -1;
	for (size_t i = 0; i < tl_npurposes; i++) {
		const tl_purpose *p = &tl_purposes[i];

		for (int j = 0; j < c->nnodes; j++) {
			if (p->publisher_only && j > 0)
				continue;
			/* a multi-server certificate is made once for all nodes */
			if (c->multi_server && p->multi_server && j > 0)
				continue;
			if (generate_one(&s, p, c->nodes[j], 1, report, e))
				goto out;
		}
	}
	if (make_mfg_ca(&s, report, e) || tl_itl_rebuild(&s, 0, report, e))
		goto out;
	if (c->mixed_mode && tl_ctl_rebuild(&s, report, e))
		goto out;
	rc = tl_store_audit(&s, "cluster init", c->name, NULL, NULL, e) ||
	     tl_store_bump(&s, e) ? -1 : 0;
out:
	tl_store_close(&s);
	return rc;
}

/* All or nothing: the cluster is built in a stage and replaces what dir held
 * only once it is complete, so a failed init leaves dir as it was. */
int tl_pki_cluster_init(const char *dir, const tl_conf *c, int force,
			FILE *report, tl_err *e)
{
	char conf_path[1100];
	tl_store_stage_t st;

	snprintf(conf_path, sizeof(conf_path), "%s/trustline.conf", dir);
	if (access(conf_path, F_OK) == 0 && !force)
		return tl_fail(e, "%s already holds a cluster (trustline.conf "
			       "exists): give --force to replace every certificate, "
			       "or another --data-dir", dir);
	if (tl_store_stage(&st, dir, e))
		return -1;
	if (build(st.dir, c, report, e) || tl_store_stage_install(&st, e)) {
		tl_store_stage_discard(&st);
		return -1;
	}
	return 0;
}

/* The files add-node rewrites, as they were before it began: the
 * generation's copy too, written before the database's transaction
 * commits. */
#define NKEPT 4
typedef struct kept {
	uint8_t *buf[NKEPT];
	size_t len[NKEPT];
} kept;

static const char *const kept_files[NKEPT] = {
	"tftpboot/ITLFile.tlv", "tftpboot/CTLFile.tlv", "trustline.conf", "generation"
};

static int keep_files(tl_store *s, kept *l, tl_err *e)
{
	char path[1200];

	memset(l, 0, sizeof(*l));
	for (int i = 0; i < NKEPT; i++)
		if (tl_store_path(s, path, sizeof(path), "%s", kept_files[i]) ||
		    (access(path, F_OK) == 0 &&
		     tl_read_file(path, 1 << 20, &l->buf[i], &l->len[i], e)))
			return -1;
	return 0;
}

/* What a failed add-node made goes again: the node's identity files and
 * their trust-store copies, the lists, trustline.conf and the generation
 * as they were, the node in memory. Its rows (audit, state, the shared
 * database's certificates) went with the transaction's rollback. */
static void undo_add(tl_store *s, const char *node, int nnodes, int ntftp,
		     const kept *l)
{
	char path[1200], name[256];
	tl_err ignored;

	for (size_t i = 0; i < tl_npurposes; i++) {
		const tl_purpose *p = &tl_purposes[i];
		tl_cert *c = NULL;

		if (p->publisher_only || !tl_store_identity_exists(s, p->name, node))
			continue;
		if (tl_store_identity_load(s, p->name, node, &c, NULL, &ignored) == 0) {
			tl_store_trust_name(c, name, sizeof(name));
			if (p->trust_store)
				tl_store_trust_remove(s, p->trust_store, name, NULL);
			tl_cert_free(c);
		}
		for (int k = 0; k < 2; k++)
			if (tl_store_path(s, path, sizeof(path), "certs/%s/%s.%s",
					  p->name, node, k ? "key" : "pem") == 0)
				unlink(path);
	}
	s->conf.nnodes = nnodes;
	s->conf.ntftp_nodes = ntftp;
	for (int i = 0; i < NKEPT; i++)
		if (l->buf[i])
			tl_store_write(s, kept_files[i], l->buf[i], l->len[i], 0644,
				       &ignored);
}

int tl_pki_add_node(tl_store *s, const char *node, int tftp, FILE *report,
		    tl_err *e)
{
	tl_conf *c = &s->conf;
	char one[1][64];
	int rc, nnodes = c->nnodes, ntftp = c->ntftp_nodes;
	kept before;

	rc = tl_conf_parse_nodes(node, one, e);
	if (rc < 0)
		return -1;
	if (rc != 1)
		return tl_fail(e, "give one node name");
	if (tl_conf_has_node(c, one[0]))
		return tl_fail(e, "node %s is already in the cluster", one[0]);
	if (c->nnodes == TL_MAX_NODES)
		return tl_fail(e, "the cluster has %d nodes already, the most it may",
			       TL_MAX_NODES);
	/* a multi-server certificate names every node: the new one would need
	 * it regenerated (or re-requested from the CA) for the whole cluster */
	if (c->multi_server)
		return tl_fail(e, "the cluster uses multi-server certificates: add %s "
			       "to every node's certificate by regenerating them "
			       "(`trustline cert generate PURPOSE --force`) after "
			       "adding it to nodes in trustline.conf", one[0]);
	if (keep_files(s, &before, e) || tl_store_begin(s, e)) {
		for (int i = 0; i < NKEPT; i++)
			free(before.buf[i]);
		return -1;
	}
	snprintf(c->nodes[c->nnodes++], sizeof(c->nodes[0]), "%s", one[0]);
	if (tftp)
		snprintf(c->tftp_nodes[c->ntftp_nodes++], sizeof(c->tftp_nodes[0]),
			 "%s", one[0]);
	rc = 0;
	for (size_t i = 0; rc == 0 && i < tl_npurposes; i++)
		if (!tl_purposes[i].publisher_only)
			rc = generate_one(s, &tl_purposes[i], one[0], 0, report, e);
	/* trustline.conf names the node only once its certificates exist and
	 * the lists hold them */
	if (rc == 0)
		rc = tl_itl_rebuild(s, 0, report, e);
	if (rc == 0 && c->mixed_mode)
		rc = tl_ctl_rebuild(s, report, e);
	if (rc == 0)
		rc = tl_store_save_conf(s, e);
	if (rc == 0)
		rc = tl_store_audit(s, "cluster add-node", one[0], NULL, NULL, e);
	/* once, for the whole change: the servers reload it in one step */
	if (rc == 0)
		rc = tl_store_bump(s, e);
	/* the audit rows and the generation only with every file in place */
	rc = tl_store_end(s, rc, e);
	if (rc != 0)
		undo_add(s, one[0], nnodes, ntftp, &before);
	if (rc == 0 && report)
		fprintf(report, "node %s added%s: its certificates made, the ITL%s "
			"rebuilt; start its servers with this data directory's "
			"trustline.conf\n", one[0], tftp ? " as a TFTP node" : "",
			c->mixed_mode ? " and CTL" : "");
	for (int i = 0; i < NKEPT; i++)
		free(before.buf[i]);
	return rc;
}
