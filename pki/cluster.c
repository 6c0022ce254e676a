/* trustline cluster init: every identity certificate of every node, the
 * -trust copies, a lab manufacturing CA, trustline.conf, the ITL and, in
 * mixed mode, the CTL; with a shared database also the settings and node
 * rows `cluster join` starts a subscriber from. */
#include <errno.h>
#include <dirent.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "file.h"
#include "db.h"
#include "fromstore.h"
#include "node.h"
#include "pki.h"

#define MFG_CA_PURPOSE "lab-manufacturing-CA"
/* the state row holding the cluster's settings, as trustline.conf text
 * without [database], which is each node's own */
#define SETTINGS_KEY "cluster_settings"
#define SETTINGS_MAX 65536

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

void tl_pki_node_services(const tl_conf *c, const char *node, char *out,
			  size_t n)
{
	snprintf(out, n, "%stvs%s", tl_conf_is_tftp(c, node) ? "tftp," : "",
		 tl_conf_is_publisher(c, node) ? ",capf" : "");
}

/* What a subscriber joining later reads: the settings, and every node init
 * defines as a row (one present already, from an earlier init of the same
 * database, stays). */
static int share(tl_store *s, tl_err *e)
{
	tl_conf c = s->conf;
	char services[64], *text;
	size_t len = 0;
	int rc;

	c.db_url[0] = c.db_node[0] = c.db_password_file[0] = 0;
	c.tftp.node[0] = 0;
	if ((text = tl_conf_text(&c, &len)) == NULL)
		return tl_fail(e, "out of memory");
	rc = len < SETTINGS_MAX ? tl_store_set(s, SETTINGS_KEY, text, e) :
	     tl_fail(e, "the cluster's settings are longer than %d bytes",
		     SETTINGS_MAX);
	free(text);
	for (int i = 0; rc == 0 && i < s->conf.nnodes; i++) {
		tl_pki_node_services(&s->conf, s->conf.nodes[i], services,
				     sizeof(services));
		rc = tl_node_insert(tl_store_db(s), s->conf.nodes[i], services, e) < 0;
	}
	return rc ? -1 : 0;
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
	if (tl_db_shared(tl_store_db(&s)) && share(&s, e))
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
	if (rc == 0 && tl_db_shared(tl_store_db(s))) {
		char services[64];

		tl_pki_node_services(c, one[0], services, sizeof(services));
		rc = tl_node_insert(tl_store_db(s), one[0], services, e) < 0 ? -1 : 0;
	}
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

/* A directory join may fill: absent, or empty. */
static int fresh_dir(const char *dir, tl_err *e)
{
	struct dirent *d;
	DIR *dp = opendir(dir);
	int used = 0;

	if (dp == NULL)
		return errno == ENOENT ? 0 : tl_fail(e, "%s: %s", dir, strerror(errno));
	while ((d = readdir(dp)) != NULL)
		used |= strcmp(d->d_name, ".") && strcmp(d->d_name, "..");
	closedir(dp);
	return used ? tl_fail(e, "%s is not empty: a subscriber joins with a data "
			      "directory of its own, give another --data-dir", dir) : 0;
}

/* The subscriber's trustline.conf: the cluster's settings from the database
 * (checked as any trustline.conf is), with this node in its nodes and its
 * own [database]. */
static int join_conf(const char *stage, const tl_joinopts *o, tl_conf *c,
		     tl_err *e)
{
	char path[1200], *text;
	tl_db *db;
	int found, rc;

	if (tl_db_open_url(&db, o->url, o->password_file, e))
		return -1;
	if (!tl_db_shared(db)) {
		tl_db_close(db);
		return tl_fail(e, "%s is not a PostgreSQL database: a node joins a "
			       "cluster that shares one (cluster init --database "
			       "postgresql://...)", o->url);
	}
	if ((text = malloc(SETTINGS_MAX)) == NULL) {
		tl_db_close(db);
		return tl_fail(e, "out of memory");
	}
	found = tl_db_state_get(db, SETTINGS_KEY, text, SETTINGS_MAX);
	snprintf(path, sizeof(path), "%s/trustline.conf", stage);
	rc = found ? tl_write_file(path, text, strlen(text), 0644, e) :
	     tl_fail(e, "the database %s holds no cluster: run `trustline cluster "
		     "init --database` on the publisher first", o->url);
	free(text);
	if (rc == 0 && tl_conf_load(c, path, e) == 0)
		rc = tl_node_merge_conf(db, c, e);
	else
		rc = -1;
	tl_db_close(db);
	if (rc)
		return -1;
	if (tl_conf_has_node(c, o->node))
		return tl_fail(e, "node %s is already in the cluster %s: nothing was "
			       "changed", o->node, c->name);
	if (c->multi_server)
		return tl_fail(e, "the cluster uses multi-server certificates, which "
			       "name every node: %s cannot join without them being "
			       "regenerated for it on the publisher", o->node);
	if (c->nnodes == TL_MAX_NODES)
		return tl_fail(e, "the cluster has %d nodes already, the most it may",
			       TL_MAX_NODES);
	snprintf(c->nodes[c->nnodes++], sizeof(c->nodes[0]), "%s", o->node);
	if (strstr(o->services, "tftp")) {
		snprintf(c->tftp_nodes[c->ntftp_nodes++], sizeof(c->tftp_nodes[0]),
			 "%s", o->node);
		snprintf(c->tftp.node, sizeof(c->tftp.node), "%s", o->node);
	}
	snprintf(c->db_url, sizeof(c->db_url), "%s", o->url);
	snprintf(c->db_node, sizeof(c->db_node), "%s", o->node);
	snprintf(c->db_password_file, sizeof(c->db_password_file), "%s",
		 o->password_file ? o->password_file : "");
	return 0;
}

/* The database side, in the caller's transaction: the node's row first (a
 * node of that name added meanwhile refuses it), its keys and
 * certificates, its ITL, then the generation every node follows. */
static int join_build(tl_store *s, const tl_joinopts *o, FILE *report,
		      tl_err *e)
{
	int rc = tl_node_insert(tl_store_db(s), o->node, o->services, e);

	if (rc)
		return rc < 0 ? -1 : tl_fail(e, "node %s is already in the cluster "
					     "%s: nothing was changed", o->node,
					     s->conf.name);
	for (size_t i = 0; i < tl_npurposes; i++)
		if (!tl_purposes[i].publisher_only &&
		    generate_one(s, &tl_purposes[i], o->node, 0, report, e))
			return -1;
	if (tl_conf_is_tftp(&s->conf, o->node) && tl_itl_rebuild(s, 0, report, e))
		return -1;
	return tl_store_audit(s, "cluster join", o->node, NULL, NULL, e) ||
	       tl_store_bump(s, e) ? -1 : 0;
}

int tl_pki_cluster_join(const char *dir, const tl_joinopts *o, FILE *report,
			tl_err *e)
{
	tl_store_stage_t st;
	tl_store s;
	tl_conf c;
	int rc;

	if (fresh_dir(dir, e) || tl_store_stage(&st, dir, e))
		return -1;
	if (join_conf(st.dir, o, &c, e) || tl_store_create(&s, st.dir, &c, e)) {
		tl_store_stage_discard(&st);
		return -1;
	}
	if (tl_db_begin(tl_store_db(&s), e)) {
		tl_store_close(&s);
		tl_store_stage_discard(&st);
		return -1;
	}
	rc = join_build(&s, o, report, e);
	/* the directory moves in before the commit, and goes again if the
	 * commit fails: no node row without the keys of its certificates */
	if (rc == 0 && tl_store_stage_install(&st, e) == 0) {
		if (tl_db_end(tl_store_db(&s), 0, e)) {
			tl_store_stage_remove(&st);
			rc = -1;
		}
	} else {
		tl_db_end(tl_store_db(&s), -1, NULL);
		tl_store_stage_discard(&st);
		rc = -1;
	}
	if (rc == 0 && report)
		fprintf(report, "node %s joined the cluster %s (%s)%s\n", o->node,
			c.name, o->services, c.mixed_mode ? "; the CTL is the "
			"publisher's to sign: run `trustline ctl rebuild` there so "
			"that it lists this node" : "");
	tl_store_close(&s);
	return rc;
}
