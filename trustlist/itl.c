/* The Identity Trust List: every phone's default trust anchor set. */
#include "listkind.h"

const tl_listkind tl_itl_kind = {
	.name = "ITL",
	.filename = "ITLFile.tlv",
	.override_prefix = "ITLSEP",
	.long_name = "Identity Trust List",
};
