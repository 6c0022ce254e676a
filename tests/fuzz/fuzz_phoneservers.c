/* The list of servers a phone is given (phone-sim --tftp and --tvs, as DHCP
 * option 150 hands them over) on hostile text: what parses holds at most
 * TL_PHONE_SERVERS servers, each with a host and a port in range, and
 * written back as HOST:PORT,... it parses to the same servers. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fuzzutil.h"
#include "phonenet.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	tl_phonecnf_server s[TL_PHONE_SERVERS], again[TL_PHONE_SERVERS];
	char text[4096], out[TL_PHONE_SERVERS * 300];
	size_t n, m, len = 0;

	if (size >= sizeof(text))
		return 0;
	memcpy(text, data, size);
	text[size] = 0;
	if (tl_phone_servers(text, 69, s, &n))
		return 0;
	fz_require(n >= 1 && n <= TL_PHONE_SERVERS, "count");
	for (size_t i = 0; i < n; i++) {
		fz_require(s[i].host[0] != 0, "a host");
		fz_require(s[i].port > 0 && s[i].port <= 65535, "a port in range");
		fz_require(strchr(s[i].host, ',') == NULL, "no comma in a host");
		len += (size_t)snprintf(out + len, sizeof(out) - len, "%s%s:%d", i ? "," : "",
					s[i].host, s[i].port);
	}
	/* a host holding ':' (an IPv6 address) reads differently once a port
	 * is added: the round trip holds for the others */
	for (size_t i = 0; i < n; i++)
		if (strchr(s[i].host, ':'))
			return 0;
	fz_require(tl_phone_servers(out, 69, again, &m) == 0 && m == n, "parses again");
	for (size_t i = 0; i < n; i++)
		fz_require(!strcmp(again[i].host, s[i].host) && again[i].port == s[i].port,
			   "the same servers");
	return 0;
}
