/* [tvs] / [capf] metrics_listen on hostile text: what parses is a numeric
 * address inet_pton takes (brackets allowed) and a port in range, and
 * written back as ADDR:PORT it parses to the same address and port. */
#include <arpa/inet.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "conf.h"
#include "fuzzutil.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char text[256], addr[64], again[64], host[64], out[96];
	struct in6_addr a6;
	struct in_addr a4;
	int port, port2;
	size_t n;
	tl_err e;

	if (size >= sizeof(text) || memchr(data, 0, size))
		return 0;
	memcpy(text, data, size);
	text[size] = 0;
	if (tl_conf_metrics_listen(text, addr, sizeof(addr), &port, &e))
		return 0;
	fz_require(port >= 0 && port <= 65535, "a port in range");
	n = strlen(addr);
	if (addr[0] == '[' && n > 2 && addr[n - 1] == ']')
		snprintf(host, sizeof(host), "%.*s", (int)(n - 2), addr + 1);
	else
		snprintf(host, sizeof(host), "%s", addr);
	fz_require(inet_pton(AF_INET, host, &a4) == 1 || inet_pton(AF_INET6, host, &a6) == 1,
		   "a numeric address");
	snprintf(out, sizeof(out), "%s:%d", addr, port);
	fz_require(tl_conf_metrics_listen(out, again, sizeof(again), &port2, &e) == 0 &&
		   !strcmp(again, addr) && port2 == port, "parses again");
	return 0;
}
