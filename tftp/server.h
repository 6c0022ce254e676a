/* The TFTP server on a tl_loop: one listening UDP socket, and for every
 * transfer a socket of its own (the transfer ID), a retransmission timer
 * and a few hundred bytes of state; the file's bytes are the namespace's,
 * shared, never copied. Read requests only. */
#ifndef TL_TFTP_SERVER_H
#define TL_TFTP_SERVER_H

#include "err.h"
#include "loop.h"
#include "namespace.h"
#include "tsrecord.h"

typedef struct tl_tftp_cfg {
	const char *listen;	/* numeric address; NULL or "" every address */
	int port;
	int reuseport;		/* several processes on one port */
	unsigned max_blksize;	/* blksize and windowsize are clamped to these */
	unsigned max_windowsize;
	unsigned timeout_s;	/* first retransmission when the client set none */
	unsigned retries;	/* retransmissions before a transfer is given up */
	unsigned max_transfers;	/* more requests are dropped (the client retries) */
	unsigned per_client_rate;	/* requests per second per address; 0 none */
	unsigned summary_s;	/* seconds between summary log lines; 0 none */
} tl_tftp_cfg;

/* The settings of a [tftp] section. */
void tl_tftp_cfg_from_conf(tl_tftp_cfg *c, const tl_conf_tftp *t);

typedef struct tl_tftp_server tl_tftp_server;

/* Binds the listening socket at once (so privileges can be dropped after)
 * and serves from ns when the loop runs. */
tl_tftp_server *tl_tftp_server_new(tl_loop *l, tl_tftp_ns *ns,
				   const tl_tftp_cfg *c, tl_err *e);
/* Records every completed transfer's trust state in r (tsrecord.h). */
void tl_tftp_server_record(tl_tftp_server *s, tl_tsrec *r);
/* The bound port (useful with port 0). */
int tl_tftp_server_port(const tl_tftp_server *s);
/* New limits after a reload (the address and port stay). */
void tl_tftp_server_set_limits(tl_tftp_server *s, const tl_tftp_cfg *c);
/* Stops taking requests; done(arg) runs once no transfer is left. Those
 * still running after grace_ms get an error and end. */
void tl_tftp_server_drain(tl_tftp_server *s, unsigned grace_ms, tl_ev_fn done,
			  void *arg);
/* Logs the summary line now. */
void tl_tftp_server_summary(tl_tftp_server *s);
/* Ends every transfer and frees the server. */
void tl_tftp_server_free(tl_tftp_server *s);

#endif
