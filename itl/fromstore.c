#include "fromstore.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

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

int tl_list_build_from_store(tl_store *s, const tl_listkind *k,
			     const char *sign_purpose, const char *sign_node,
			     const tl_listitem *items, size_t nitems,
			     tl_buf *out, size_t *nrec, char *signer_subject,
			     size_t subject_len, tl_err *e)
{
	tl_tlentry entries[MAX_ENTRIES];
	tl_cert *certs[MAX_ENTRIES], *signer = NULL;
	tl_key *key = NULL;
	size_t n = 0;
	tl_tlopts o;
	int rc = -1;

	if (tl_store_identity_load(s, sign_purpose, sign_node, &signer, &key, e))
		return tl_wrap(e, "%s signer %s/%s", k->name, sign_purpose, sign_node);
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
	o.timestamp = (uint32_t)time(NULL);
	if (tl_tlist_build(&o, out, e))
		goto out;
	rc = 0;
	if (nrec) {
		tl_tlist l;

		*nrec = tl_tlist_parse(&l, out->p, out->len, k->filename, e) ? 0 : l.nrec;
		tl_tlist_free(&l);
	}
	if (signer_subject)
		snprintf(signer_subject, subject_len, "%s", signer->subject);
out:
	for (size_t i = 0; i < n; i++)
		tl_cert_free(certs[i]);
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

int tl_itl_rebuild(tl_store *s, int recovery, FILE *report, tl_err *e)
{
	const tl_listitem items[] = {
		{ recovery ? "CallManager" : "ITLRecovery", TL_ROLE_SAST,
		  recovery ? TL_NODES_FIRST_TFTP : TL_NODES_PUBLISHER, 0 },
		{ "CallManager", TL_ROLE_CCM_TFTP, TL_NODES_TFTP, 0 },
		{ "CAPF", TL_ROLE_CAPF, TL_NODES_PUBLISHER, 0 },
		{ "TVS", TL_ROLE_TVS, TL_NODES_ALL, 1 },
	};
	const char *tftp = s->conf.tftp_nodes[0];

	if (recovery)
		return tl_list_from_store(s, &tl_itl_kind, "ITLRecovery",
					  s->conf.nodes[0], items, 4, report, e);
	return tl_list_from_store(s, &tl_itl_kind, "CallManager", tftp, items, 4,
				  report, e);
}
