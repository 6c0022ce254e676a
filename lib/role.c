#include "role.h"

#include <stdlib.h>
#include <strings.h>

static const struct {
	int role;
	const char *shortname, *longname, *option;
} roles[] = {
	{ TL_ROLE_SAST, "SAST", "System Administrator Security Token", "sast" },
	{ TL_ROLE_CCM, "CCM", "CCM", "ccm" },
	{ TL_ROLE_CCM_TFTP, "CCM+TFTP", "CCM+TFTP", "ccm-tftp" },
	{ TL_ROLE_TFTP, "TFTP", "TFTP", "tftp" },
	{ TL_ROLE_CAPF, "CAPF", "CAPF", "capf" },
	{ TL_ROLE_APP_SERVER, "APP-SERVER", "APP-SERVER", "app-server" },
	{ TL_ROLE_TVS, "TVS", "TVS", "tvs" },
};
#define NROLES (sizeof(roles) / sizeof(roles[0]))

const char *tl_role_name(int role)
{
	for (size_t i = 0; i < NROLES; i++)
		if (roles[i].role == role)
			return roles[i].longname;
	return "unknown role";
}

const char *tl_role_short(int role)
{
	for (size_t i = 0; i < NROLES; i++)
		if (roles[i].role == role)
			return roles[i].shortname;
	return "UNKNOWN";
}

int tl_role_parse(const char *s)
{
	char *end;
	long v;

	for (size_t i = 0; i < NROLES; i++)
		if (strcasecmp(s, roles[i].shortname) == 0 ||
		    strcasecmp(s, roles[i].option) == 0)
			return roles[i].role;
	v = strtol(s, &end, 10);
	if (*s && *end == 0 && v >= 0 && v <= 0xffff)
		return (int)v;
	return -1;
}
