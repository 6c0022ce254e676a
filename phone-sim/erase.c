/* phone-sim erase-trust: the CTL and ITL removed from the flash, as
 * Settings > Security > Reset does. */
#include <stdio.h>

#include "flash.h"
#include "phonesim.h"

int tl_sim_erase(int argc, char **argv)
{
	const char *state = NULL;
	tl_flash f;
	tl_err e;
	int rc = tl_sim_state_only(argc, argv, "erase-trust", &state, 0);

	if (rc >= 0)
		return rc;
	if (tl_flash_load(&f, state, NULL, NULL, &e))
		return tl_sim_fail(EXIT_ERROR, "%s", e.msg);
	tl_phone_erase_trust(&f.phone);
	rc = tl_flash_save_trust(&f, &e);
	tl_flash_free(&f);
	if (rc)
		return tl_sim_fail(EXIT_ERROR, "%s", e.msg);
	printf("SEP%s: CTL and ITL erased\n", f.mac);
	return EXIT_OK;
}
