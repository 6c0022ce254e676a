/* What a phone reads in its configuration file (docs/protocols.md, Configuration file elements)
 * to go on booting: where TVS and CAPF are, how to authenticate to CAPF,
 * and whether the real configuration is encrypted to it. */
#ifndef TL_PHONECNF_H
#define TL_PHONECNF_H

#include <stddef.h>
#include <stdint.h>

#include "err.h"

#define TL_PHONECNF_SERVERS 5

typedef struct tl_phonecnf_server {
	char host[256];
	int port;
	int priority;
} tl_phonecnf_server;

typedef struct tl_phonecnf {
	tl_phonecnf_server tvs[TL_PHONECNF_SERVERS];	/* by priority */
	size_t ntvs;
	tl_phonecnf_server capf[TL_PHONECNF_SERVERS];	/* in order */
	size_t ncapf;
	int capf_auth_mode;	/* 1 string, 2 null, 3 LSC then MIC, 4 MIC; 0 none */
	int security_mode;	/* deviceSecurityMode, 0 absent */
	int encrypted;		/* encrConfig true: this is a stub */
	char cert_hash[64];	/* certHash, lower-case hex */
} tl_phonecnf;

/* Parses a configuration (<device> root). */
int tl_phonecnf_parse(const uint8_t *xml, size_t len, tl_phonecnf *c, tl_err *e);

#endif
