/* A TFTP client for the tests, on trustline's packet codec: the options
 * curl and tftp-hpa cannot send (windowsize), what a test needs to see
 * (the OACK, retransmissions) and a stranger's packet to the transfer port.
 * Writes the bytes as they arrive (netascii is not converted back).
 *
 * tftpget [-b BLKSIZE] [-w WINDOW] [-T] [-a] [-t TIMEOUT_MS] [-r RETRIES]
 *         [-d DALLY_MS] [-i] HOST PORT FILE OUT
 *   -T ask for tsize, -a netascii, -i send a packet from a second socket to
 *   the transfer port once it is known and report the answer.
 * Prints key=value lines; exit 0 on success, 1 on a TFTP error or timeout,
 * 2 on bad usage. */
#include <netdb.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "packet.h"

static int same(const struct sockaddr_storage *a, const struct sockaddr_storage *b,
		socklen_t len)
{
	return memcmp(a, b, len) == 0;
}

/* A packet from a second socket to the server's transfer port: RFC 1350
 * says the server answers it with error 5 and carries on. */
static void intrude(const struct sockaddr_storage *srv, socklen_t len)
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

int main(int argc, char **argv)
{
	tl_tftp_opts want = { 0 };
	unsigned blksize = TL_TFTP_BLKSIZE, window = 1, timeout_ms = 1000;
	unsigned retries = 8, dally_ms = 0, tries = 0, inwin = 0;
	int netascii = 0, intruder = 0, c, fd, done = 0, have_tid = 0, code, rc = 1;
	struct sockaddr_storage srv, from;
	socklen_t srvlen, fromlen;
	struct addrinfo hints, *ai;
	uint64_t expected = 1, bytes = 0, acks = 0, timeouts = 0;
	static uint8_t buf[TL_TFTP_PKT_MAX];
	uint8_t pkt[1024];
	size_t last_len;
	int64_t last_acked = -1;
	tl_tftp_pkt p;
	FILE *out;

	while ((c = getopt(argc, argv, "b:w:Tat:r:d:i")) != -1) {
		switch (c) {
		case 'b': want.blksize = (unsigned)atoi(optarg); break;
		case 'w': want.windowsize = (unsigned)atoi(optarg); break;
		case 'T': want.has_tsize = 1; break;
		case 'a': netascii = 1; break;
		case 't': timeout_ms = (unsigned)atoi(optarg); break;
		case 'r': retries = (unsigned)atoi(optarg); break;
		case 'd': dally_ms = (unsigned)atoi(optarg); break;
		case 'i': intruder = 1; break;
		default: return 2;
		}
	}
	if (argc - optind != 4)
		return 2;
	memset(&hints, 0, sizeof(hints));
	hints.ai_socktype = SOCK_DGRAM;
	if (getaddrinfo(argv[optind], argv[optind + 1], &hints, &ai))
		return 2;
	memcpy(&srv, ai->ai_addr, ai->ai_addrlen);
	srvlen = ai->ai_addrlen;
	freeaddrinfo(ai);
	fd = socket(srv.ss_family, SOCK_DGRAM, 0);
	/* Room for a whole window of large blocks (FORCE works for root,
	 * beyond net.core.rmem_max). */
	c = 8 << 20;
	if (setsockopt(fd, SOL_SOCKET, SO_RCVBUFFORCE, &c, sizeof(c)))
		setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &c, sizeof(c));
	out = fopen(argv[optind + 3], "wb");
	if (fd < 0 || out == NULL)
		return 2;
	last_len = tl_tftp_put_request(pkt, sizeof(pkt), TL_TFTP_RRQ,
				       argv[optind + 2], netascii, &want);
	sendto(fd, pkt, last_len, 0, (struct sockaddr *)&srv, srvlen);

	while (!done) {
		struct pollfd pf = { fd, POLLIN, 0 };
		ssize_t n;

		if (poll(&pf, 1, (int)timeout_ms) == 0) {
			if (++tries > retries) {
				printf("result=timeout bytes=%llu\n", (unsigned long long)bytes);
				goto out;
			}
			timeouts++;
			/* the request again, or the last ACK */
			sendto(fd, pkt, last_len, 0, (struct sockaddr *)&srv, srvlen);
			continue;
		}
		fromlen = sizeof(from);
		n = recvfrom(fd, buf, sizeof(buf), 0, (struct sockaddr *)&from, &fromlen);
		if (n < 0)
			continue;
		if (!have_tid) {
			srv = from;
			srvlen = fromlen;
			have_tid = 1;
			if (intruder)
				intrude(&srv, srvlen);
		} else if (fromlen != srvlen || !same(&from, &srv, srvlen)) {
			continue;
		}
		if (tl_tftp_parse(buf, (size_t)n, &p, &code, NULL))
			continue;
		tries = 0;
		if (p.op == TL_TFTP_ERROR) {
			printf("result=error code=%u message=\"%s\"\n", p.code, p.msg);
			goto out;
		}
		if (p.op == TL_TFTP_OACK && expected == 1 && last_acked < 0) {
			if (p.opts.blksize)
				blksize = p.opts.blksize;
			if (p.opts.windowsize)
				window = p.opts.windowsize;
			printf("oack_blksize=%u oack_windowsize=%u oack_timeout=%u",
			       p.opts.blksize, p.opts.windowsize, p.opts.timeout);
			if (p.opts.has_tsize)
				printf(" oack_tsize=%llu", (unsigned long long)p.opts.tsize);
			printf("\n");
		} else if (p.op == TL_TFTP_OACK) {
			continue;
		} else if (p.op != TL_TFTP_DATA) {
			continue;
		} else if (p.block == (uint16_t)expected) {
			if (p.data_len > blksize) {
				printf("result=oversized-block block=%llu\n",
				       (unsigned long long)expected);
				goto out;
			}
			fwrite(p.data, 1, p.data_len, out);
			bytes += p.data_len;
			expected++;
			done = p.data_len < blksize;
			/* RFC 7440: acknowledge the end of each window */
			if (!done && ++inwin < window)
				continue;
		} else if ((uint16_t)(p.block - (uint16_t)expected) < 0x8000) {
			/* a later block: one went missing, ask for it once */
			if (last_acked == (int64_t)expected - 1)
				continue;
		} else if (p.block != (uint16_t)(expected - 1)) {
			/* An older duplicate: acknowledging it again would
			 * send the server back for nothing. Only a repeat of
			 * the latest block says our ACK was lost. */
			continue;
		}
		inwin = 0;
		last_acked = (int64_t)expected - 1;
		last_len = tl_tftp_put_ack(pkt, sizeof(pkt), (uint16_t)last_acked);
		sendto(fd, pkt, last_len, 0, (struct sockaddr *)&srv, srvlen);
		acks++;
	}
	/* Dally: the final ACK may be lost; answer a repeated last block. */
	for (struct pollfd pf = { fd, POLLIN, 0 }; dally_ms && poll(&pf, 1, (int)dally_ms) == 1;) {
		if (recv(fd, buf, sizeof(buf), 0) > 0)
			sendto(fd, pkt, last_len, 0, (struct sockaddr *)&srv, srvlen);
	}
	printf("result=ok bytes=%llu blocks=%llu acks=%llu timeouts=%llu\n",
	       (unsigned long long)bytes, (unsigned long long)(expected - 1),
	       (unsigned long long)acks, (unsigned long long)timeouts);
	rc = 0;
out:
	fclose(out);
	close(fd);
	return rc;
}
