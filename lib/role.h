/* The role a trust list gives each certificate (docs/protocols.md, ITL and
 * CTL files). In lib/ because trustline.conf names roles too (per-role TVS
 * cache lifetimes), below the trust-list code. */
#ifndef TL_ROLE_H
#define TL_ROLE_H

enum tl_role {
	TL_ROLE_SAST = 0, TL_ROLE_CCM = 1, TL_ROLE_CCM_TFTP = 2,
	TL_ROLE_TFTP = 3, TL_ROLE_CAPF = 4, TL_ROLE_APP_SERVER = 7,
	TL_ROLE_TVS = 21,
};

const char *tl_role_name(int role);	/* "CCM+TFTP"; SAST's long name */
const char *tl_role_short(int role);	/* "SAST", "CCM+TFTP", ... */
int tl_role_parse(const char *s);	/* "ccm-tftp", "CCM+TFTP", "21" -> role */

#endif
