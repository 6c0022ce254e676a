#include "fromstore.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

#include "trustlist.h"

#define MAX_ENTRIES 128

static int wanted(const tl_conf *c, const char *node, enum tl_nodes which)
{
	switch (which) {
	case TL_NODES_PUBLISHER: return tl_conf_is_publisher(c, node);
	case TL_NODES_FIRST_TFTP: return strcasecmp(c->tftp_nodes[0], node) == 0;
	case TL_NODES_TFTP: return tl_conf_is_tftp(c, node);
	default: return 1;
	}
}

static int build_at(tl_store *s, const tl_listkind *k, const tl_cert *signer,
		    const tl_key *key, const tl_listitem *items, size_t nitems,
		    uint32_t timestamp, tl_buf *out, size_t *nrec, tl_err *e)
{
	tl_tlentry entries[MAX_ENTRIES];
	tl_cert *certs[MAX_ENTRIES];
	size_t n = 0;
	tl_tlopts o;
	int rc = -1;

	for (size_t i = 0; i < nitems; i++) {
		for (int j = 0; j < s->conf.nnodes; j++) {
			const char *node = s->conf.nodes[j];
			tl_cert *c;
			size_t m;

			if (!wanted(&s->conf, node, items[i].nodes) ||
			    !tl_store_identity_exists(s, items[i].purpose, node))
				continue;
			if (n == MAX_ENTRIES) {
				tl_fail(e, "more than %d records", MAX_ENTRIES);
				goto out;
			}
			if (tl_store_identity_load(s, items[i].purpose, node, &c, NULL, e))
				goto out;
			/* a multi-server certificate stands once per role */
			for (m = 0; m < n; m++)
				if (entries[m].role == items[i].role &&
				    certs[m]->der_len == c->der_len &&
				    memcmp(certs[m]->der, c->der, c->der_len) == 0)
					break;
			if (m < n) {
				tl_cert_free(c);
				continue;
			}
			memset(&entries[n], 0, sizeof(entries[n]));
			certs[n] = c;
			entries[n].cert = c;
			entries[n].role = items[i].role;
			entries[n].hash_only = items[i].hash_only;
			entries[n].dns_name = node;
			n++;
		}
	}
	memset(&o, 0, sizeof(o));
	o.signer = signer;
	o.key = key;
	o.entries = entries;
	o.n = n;
	o.hash_alg = TL_HASH_SHA1;
	o.filename = k->filename;
	o.timestamp = timestamp;
	if (tl_tlist_build(&o, out, e))
		goto out;
	rc = 0;
	if (nrec) {
		tl_tlist l;

		*nrec = tl_tlist_parse(&l, out->p, out->len, k->filename, e) ? 0 : l.nrec;
		tl_tlist_free(&l);
	}
out:
	for (size_t i = 0; i < n; i++)
		tl_cert_free(certs[i]);
	return rc;
}

int tl_list_build_from_store(tl_store *s, const tl_listkind *k,
			     const char *sign_purpose, const char *sign_node,
			     const tl_listitem *items, size_t nitems,
			     tl_buf *out, size_t *nrec, char *signer_subject,
			     size_t subject_len, tl_err *e)
{
	tl_cert *signer;
	tl_key *key;
	int rc;

	if (tl_store_identity_load(s, sign_purpose, sign_node, &signer, &key, e))
		return tl_wrap(e, "%s signer %s/%s", k->name, sign_purpose, sign_node);
	rc = build_at(s, k, signer, key, items, nitems, (uint32_t)time(NULL), out,
		      nrec, e);
	if (rc == 0 && signer_subject)
		snprintf(signer_subject, subject_len, "%s", signer->subject);
	tl_cert_free(signer);
	tl_key_free(key);
	return rc;
}

int tl_list_from_store(tl_store *s, const tl_listkind *k,
		       const char *sign_purpose, const char *sign_node,
		       const tl_listitem *items, size_t nitems, FILE *report,
		       tl_err *e)
{
	char rel[64], subject[512];
	size_t nrec;
	tl_buf out;
	int rc;

	if (tl_list_build_from_store(s, k, sign_purpose, sign_node, items, nitems,
				     &out, &nrec, subject, sizeof(subject), e))
		return -1;
	snprintf(rel, sizeof(rel), "tftpboot/%s", k->filename);
	rc = tl_store_write(s, rel, out.p, out.len, 0644, e);
	if (rc == 0 && report)
		fprintf(report, "%s rebuilt: %s, %zu records, signed by %s (%s)\n",
			k->name, rel, nrec, sign_purpose, subject);
	tl_buf_free(&out);
	return rc;
}

/* What the ITL lists: SAST first (ITLRecovery, or for a reset the first
 * TFTP node's CallManager), then the servers. */
static void itl_items(int recovery, tl_listitem it[4])
{
	it[0] = (tl_listitem){ recovery ? "CallManager" : "ITLRecovery", TL_ROLE_SAST,
			       recovery ? TL_NODES_FIRST_TFTP : TL_NODES_PUBLISHER, 0 };
	it[1] = (tl_listitem){ "CallManager", TL_ROLE_CCM_TFTP, TL_NODES_TFTP, 0 };
	it[2] = (tl_listitem){ "CAPF", TL_ROLE_CAPF, TL_NODES_PUBLISHER, 0 };
	it[3] = (tl_listitem){ "TVS", TL_ROLE_TVS, TL_NODES_ALL, 1 };
}

int tl_itl_rebuild(tl_store *s, int recovery, FILE *report, tl_err *e)
{
	tl_listitem items[4];

	itl_items(recovery, items);
	if (recovery)
		return tl_list_from_store(s, &tl_itl_kind, "ITLRecovery",
					  s->conf.nodes[0], items, 4, report, e);
	/* a node of a shared cluster holds only its own key: it signs its own */
	return tl_list_from_store(s, &tl_itl_kind, "CallManager",
				  s->conf.db_node[0] && tl_conf_is_tftp(&s->conf,
				  s->conf.db_node) ? s->conf.db_node :
				  s->conf.tftp_nodes[0], items, 4, report, e);
}

/* Whether the served list's header names the publisher's ITLRecovery
 * identity as its signer. */
static int signed_by_recovery(tl_store *s, const tl_sfile *h)
{
	tl_cert *c;
	tl_err e;
	int yes;

	if (tl_store_identity_load(s, "ITLRecovery", s->conf.nodes[0], &c, NULL, &e))
		return 0;
	yes = h->serial_len == c->serial_len &&
	      memcmp(h->serial, c->serial, c->serial_len) == 0 &&
	      h->issuer_name && strcmp(h->issuer_name, c->issuer) == 0;
	tl_cert_free(c);
	return yes;
}

int tl_itl_for_node(tl_store *s, const tl_cert *signer, const tl_key *key,
		    tl_buf *out, tl_err *e)
{
	char path[1200];
	uint32_t when = (uint32_t)time(NULL);
	tl_listitem items[4];
	tl_tlist l;

	if (tl_store_path(s, path, sizeof(path), "tftpboot/%s", tl_itl_kind.filename))
		return tl_fail(e, "tftpboot/%s: path too long", tl_itl_kind.filename);
	if (access(path, F_OK) == 0) {
		if (tl_tlist_load(&l, path, e))
			return tl_wrap(e, "the ITL each node re-signs");
		when = l.hdr.timestamp;
		if (signed_by_recovery(s, &l.hdr)) {
			tl_tlist_free(&l);
			return 1;
		}
		tl_tlist_free(&l);
	}
	itl_items(0, items);
	if (build_at(s, &tl_itl_kind, signer, key, items, 4, when, out, NULL, e))
		return tl_wrap(e, "the ITL signed by %s", signer->subject);
	return 0;
}

/* The identity certificates items name, for every node that has one. */
static int wanted_certs(tl_store *s, const tl_listitem *items, size_t nitems,
			tl_cert **certs, int *roles, const char **nodes, size_t *n,
			tl_err *e)
{
	*n = 0;
	for (size_t i = 0; i < nitems; i++) {
		if (items[i].role == TL_ROLE_SAST)
			continue;
		for (int j = 0; j < s->conf.nnodes; j++) {
			const char *node = s->conf.nodes[j];

			if (!wanted(&s->conf, node, items[i].nodes) ||
			    !tl_store_identity_exists(s, items[i].purpose, node))
				continue;
			if (*n == MAX_ENTRIES)
				return tl_fail(e, "more than %d records", MAX_ENTRIES);
			if (tl_store_identity_load(s, items[i].purpose, node,
						   &certs[*n], NULL, e))
				return -1;
			roles[*n] = items[i].role;
			nodes[(*n)++] = node;
		}
	}
	return 0;
}

int tl_list_matches_store(tl_store *s, const tl_listkind *k,
			  const tl_listitem *items, size_t nitems, char *why,
			  size_t why_len, tl_err *e)
{
	tl_cert *certs[MAX_ENTRIES];
	int roles[MAX_ENTRIES];
	const char *nodes[MAX_ENTRIES];
	char rel[64], path[1200];
	size_t n = 0;
	tl_tlist l;
	int rc = 1;

	snprintf(rel, sizeof(rel), "tftpboot/%s", k->filename);
	if (tl_store_path(s, path, sizeof(path), "%s", rel))
		return tl_fail(e, "%s: path too long", rel);
	if (tl_tlist_load(&l, path, e))
		return -1;
	if (wanted_certs(s, items, nitems, certs, roles, nodes, &n, e))
		rc = -1;
	/* the servers, whoever signed: SAST records change with resets and
	 * updates, the servers only with the stores */
	for (size_t i = 0; i < n && rc == 1; i++) {
		size_t r;

		for (r = 0; r < l.nrec; r++)
			if (l.rec[r].role == roles[i] &&
			    tl_record_matches_cert(&l.rec[r], certs[i]))
				break;
		if (r == l.nrec) {
			snprintf(why, why_len, "%s does not list the %s certificate of %s "
				 "(%s) that the data directory holds", rel,
				 tl_role_short(roles[i]), nodes[i], certs[i]->subject);
			rc = 0;
		}
	}
	for (size_t r = 0; r < l.nrec && rc == 1; r++) {
		size_t i;

		if (l.rec[r].role == TL_ROLE_SAST)
			continue;
		for (i = 0; i < n; i++)
			if (l.rec[r].role == roles[i] &&
			    tl_record_matches_cert(&l.rec[r], certs[i]))
				break;
		if (i == n) {
			snprintf(why, why_len, "%s lists a %s certificate (%s) that the "
				 "data directory does not hold", rel,
				 tl_role_short(l.rec[r].role), tl_record_name(&l.rec[r]));
			rc = 0;
		}
	}
	for (size_t i = 0; i < n; i++)
		tl_cert_free(certs[i]);
	tl_tlist_free(&l);
	return rc;
}

int tl_itl_matches_store(tl_store *s, char *why, size_t why_len, tl_err *e)
{
	tl_listitem items[4];

	itl_items(0, items);
	return tl_list_matches_store(s, &tl_itl_kind, items, 4, why, why_len, e);
}
