/* The Certificate Trust List: present in mixed mode, consulted first. */
#include "fromstore.h"
#include "listkind.h"
#include "trustlist.h"

const tl_listkind tl_ctl_kind = {
	.name = "CTL",
	.filename = "CTLFile.tlv",
	.override_prefix = "CTLSEP",
	.long_name = "Certificate Trust List",
};

int tl_ctl_rebuild(tl_store *s, FILE *report, tl_err *e)
{
	const tl_listitem items[] = {
		{ "ITLRecovery", TL_ROLE_SAST, TL_NODES_PUBLISHER, 0 },
		{ "CallManager", TL_ROLE_CCM_TFTP, TL_NODES_ALL, 0 },
		{ "CAPF", TL_ROLE_CAPF, TL_NODES_PUBLISHER, 0 },
	};

	if (!s->conf.mixed_mode)
		return tl_fail(e, "the cluster is not in mixed mode: it has no CTL "
			       "(set mixed_mode = true in trustline.conf first)");
	if (tl_list_from_store(s, &tl_ctl_kind, "CallManager", s->conf.nodes[0],
			       items, 3, report, e))
		return -1;
	return tl_store_set(s, "ctl_update_required", "0", e);
}
