/* What differs between the two trust-list kinds: their names and the file
 * name phones request. Defined in itl/ and ctl/. */
#ifndef TL_LISTKIND_H
#define TL_LISTKIND_H

typedef struct tl_listkind {
	const char *name;	/* "ITL" */
	const char *filename;	/* "ITLFile.tlv", the FILENAME tag value */
	const char *override_prefix;	/* "ITLSEP": per-phone ITLSEP<MAC>.tlv */
	const char *long_name;	/* "Identity Trust List" */
} tl_listkind;

extern const tl_listkind tl_itl_kind;
extern const tl_listkind tl_ctl_kind;

#endif
