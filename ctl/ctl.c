/* The Certificate Trust List: present in mixed mode, consulted first. */
#include "listkind.h"

const tl_listkind tl_ctl_kind = {
	.name = "CTL",
	.filename = "CTLFile.tlv",
	.override_prefix = "CTLSEP",
	.long_name = "Certificate Trust List",
};
