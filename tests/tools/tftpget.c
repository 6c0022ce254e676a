/* A TFTP client for the tests, on trustline's client (tftp/tftpclient.h):
 * the options curl and tftp-hpa cannot send (windowsize), what a test needs
 * to see (the OACK, retransmissions) and a stranger's packet to the
 * transfer port. Writes the bytes as they arrive (netascii is not
 * converted back).
 *
 * tftpget [-b BLKSIZE] [-w WINDOW] [-T] [-a] [-t TIMEOUT_MS] [-r RETRIES]
 *         [-d DALLY_MS] [-i] HOST PORT FILE OUT
 *   -T ask for tsize, -a netascii, -i send a packet from a second socket to
 *   the transfer port once it is known and report the answer.
 * Prints key=value lines; exit 0 on success, 1 on a TFTP error or timeout,
 * 2 on bad usage. */
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "tftpclient.h"

/* A packet from a second socket to the server's transfer port: RFC 1350
 * says the server answers it with error 5 and carries on. */
static void intrude(void *arg, const struct sockaddr_storage *srv, socklen_t len)
{
	uint8_t pkt[516];
	struct pollfd pf;
	tl_tftp_pkt p;
	int code, fd = socket(srv->ss_family, SOCK_DGRAM, 0);
	ssize_t n;

	n = (ssize_t)tl_tftp_put_ack(pkt, sizeof(pkt), 1);
	sendto(fd, pkt, (size_t)n, 0, (const struct sockaddr *)srv, len);
	pf.fd = fd;
	pf.events = POLLIN;
	if (poll(&pf, 1, 2000) == 1 && (n = recv(fd, pkt, sizeof(pkt), 0)) > 0 &&
	    tl_tftp_parse(pkt, (size_t)n, &p, &code, NULL) == 0 &&
	    p.op == TL_TFTP_ERROR)
		printf("intruder_error=%d\n", p.code);
	else
		printf("intruder_error=none\n");
	close(fd);
}

static int to_file(void *arg, const uint8_t *p, size_t n)
{
	return fwrite(p, 1, n, arg) == n ? 0 : -1;
}

int main(int argc, char **argv)
{
	tl_tftpc_opts o;
	tl_tftpc_result r;
	tl_err e;
	FILE *out;
	int c, rc;

	memset(&o, 0, sizeof(o));
	while ((c = getopt(argc, argv, "b:w:Tat:r:d:i")) != -1) {
		switch (c) {
		case 'b': o.want.blksize = (unsigned)atoi(optarg); break;
		case 'w': o.want.windowsize = (unsigned)atoi(optarg); break;
		case 'T': o.want.has_tsize = 1; break;
		case 'a': o.netascii = 1; break;
		case 't': o.timeout_ms = (unsigned)atoi(optarg); break;
		case 'r': o.retries = atoi(optarg) ? atoi(optarg) : -1; break;
		case 'd': o.dally_ms = (unsigned)atoi(optarg); break;
		case 'i': o.on_tid = intrude; break;
		default: return 2;
		}
	}
	if (argc - optind != 4)
		return 2;
	o.host = argv[optind];
	o.port = atoi(argv[optind + 1]);
	if ((out = fopen(argv[optind + 3], "wb")) == NULL)
		return 2;
	o.sink = to_file;
	o.sink_arg = out;
	rc = tl_tftp_get(&o, argv[optind + 2], &r, &e);
	if (r.oack) {
		printf("oack_blksize=%u oack_windowsize=%u oack_timeout=%u",
		       r.acked.blksize, r.acked.windowsize, r.acked.timeout);
		if (r.acked.has_tsize)
			printf(" oack_tsize=%llu", (unsigned long long)r.acked.tsize);
		printf("\n");
	}
	if (fclose(out) && rc == TL_TFTPC_OK)
		rc = TL_TFTPC_LOCAL;
	switch (rc) {
	case TL_TFTPC_OK:
		printf("result=ok bytes=%llu blocks=%llu acks=%llu timeouts=%llu\n",
		       (unsigned long long)r.bytes, (unsigned long long)r.blocks,
		       (unsigned long long)r.acks, (unsigned long long)r.timeouts);
		return 0;
	case TL_TFTPC_NOTFOUND:
	case TL_TFTPC_REMOTE:
		printf("result=error code=%u message=\"%s\"\n", r.code, r.msg);
		return 1;
	case TL_TFTPC_TIMEOUT:
		printf("result=timeout bytes=%llu\n", (unsigned long long)r.bytes);
		return 1;
	case TL_TFTPC_PROTOCOL:
		printf("result=oversized-block block=%llu\n",
		       (unsigned long long)r.blocks + 1);
		return 1;
	default:
		fprintf(stderr, "tftpget: %s\n", e.msg);
		return 2;
	}
}
