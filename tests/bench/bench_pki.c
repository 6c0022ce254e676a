/* `make bench`: cluster init for 1 and 10 nodes, beside the key
 * generations per second that dominate it. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "benchutil.h"
#include "pki.h"

static int keygen(void *arg)
{
	const int *spec = arg;
	tl_key *k;
	tl_err e;

	if (tl_key_generate(spec[0], spec[1], &k, &e))
		return -1;
	tl_key_free(k);
	return 0;
}

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

/* One cluster init, timed once: it takes seconds, a loop would not add
 * precision worth its time. */
static void init_row(int nodes, int key_type, int bits)
{
	char dir[] = "/tmp/tl-bench-pki-XXXXXX", list[512] = "", cmd[600];
	tl_conf c;
	tl_err e;
	double t0, t;
	FILE *null = fopen("/dev/null", "w");

	if (mkdtemp(dir) == NULL || null == NULL)
		bu_die("cluster init", "cannot make a temporary directory");
	for (int i = 0; i < nodes; i++)
		snprintf(list + strlen(list), sizeof(list) - strlen(list), "%snode%d",
			 i ? "," : "", i);
	tl_conf_defaults(&c);
	snprintf(c.name, sizeof(c.name), "bench");
	snprintf(c.domain, sizeof(c.domain), "bench.example");
	c.nnodes = tl_conf_parse_nodes(list, c.nodes, &e);
	memcpy(c.tftp_nodes, c.nodes, sizeof(c.nodes));
	c.ntftp_nodes = c.nnodes;
	c.key_type = key_type;
	c.key_bits = bits;
	t0 = now();
	if (tl_pki_cluster_init(dir, &c, 0, null, &e))
		bu_die("cluster init", e.msg);
	t = now() - t0;
	printf("%-44s %12.2f s\n", "", t);
	fclose(null);
	snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
	if (system(cmd) != 0)
		bu_die("cluster init", "cannot remove the temporary directory");
}

int main(void)
{
	int rsa[2] = { TL_KEY_RSA, 2048 }, ec[2] = { TL_KEY_EC, 256 };

	bu_start("PKI: key generation and cluster init");
	bu_run("RSA-2048 key generation", keygen, rsa);
	bu_run("EC P-256 key generation", keygen, ec);
	printf("cluster init, 1 node, --key rsa:2048 (9 keys, 7 of them RSA):\n");
	init_row(1, TL_KEY_RSA, 2048);
	printf("cluster init, 10 nodes, --key rsa:2048 (63 keys, 43 RSA):\n");
	init_row(10, TL_KEY_RSA, 2048);
	printf("cluster init, 1 node, --key ec:256 (EC purposes P-256, RSA ones 2048):\n");
	init_row(1, TL_KEY_EC, 256);
	printf("cluster init, 10 nodes, --key ec:256:\n");
	init_row(10, TL_KEY_EC, 256);
	return 0;
}
