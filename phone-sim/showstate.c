/* phone-sim show: what the phone's flash holds, as lines or one JSON
 * object. */
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "flash.h"
#include "json.h"
#include "phonecnf.h"
#include "phonesim.h"
#include "show.h"

static void show_cert(const char *what, const tl_cert *c)
{
	uint8_t md5[TL_HASH_MAX];
	char *serial, *hash, exp[32];
	struct tm tm;

	if (c == NULL) {
		if (tl_sim_json)
			printf(",\"%s\":null", what);
		else
			printf("%-4s none\n", what);
		return;
	}
	tl_hash(TL_HASH_MD5, c->der, c->der_len, md5);
	serial = tl_hex(c->serial, c->serial_len, 1);
	hash = tl_hex(md5, 16, 0);
	gmtime_r(&c->not_after, &tm);
	strftime(exp, sizeof(exp), "%Y-%m-%dT%H:%M:%SZ", &tm);
	if (tl_sim_json) {
		printf(",\"%s\":{\"subject\":", what);
		tl_json_str(stdout, c->subject);
		printf(",\"issuer\":");
		tl_json_str(stdout, c->issuer);
		printf(",\"serial\":\"%s\",\"md5\":\"%s\",\"not_after\":\"%s\"}",
		       serial ? serial : "", hash ? hash : "", exp);
	} else {
		printf("%-4s %s serial %s issuer %s, expires %s, MD5 %s\n", what,
		       c->subject, serial ? serial : "?", c->issuer, exp, hash ? hash : "?");
	}
	free(serial);
	free(hash);
}

int tl_sim_show(int argc, char **argv)
{
	const char *state = NULL;
	tl_phonecnf cfg;
	tl_flash f;
	tl_err e;
	int rc = tl_sim_state_only(argc, argv, "show", &state, 1), have_cfg;
	time_t now = time(NULL);

	if (rc >= 0)
		return rc;
	if (tl_flash_load(&f, state, NULL, NULL, &e))
		return tl_sim_fail(EXIT_ERROR, "%s", e.msg);
	have_cfg = f.config && tl_phonecnf_parse(f.config, f.config_len, &cfg, &e) == 0;
	if (tl_sim_json) {
		printf("{\"phone\":\"SEP%s\",\"model\":", f.mac);
		tl_json_str(stdout, f.model);
		printf(",\"rollback\":%s,\"ctl\":", f.phone.rollback ? "true" : "false");
		if (f.phone.has_ctl)
			tl_tlist_json(stdout, &f.phone.ctl, "CTL", -1, NULL);
		else
			printf("null");
		printf(",\"itl\":");
		if (f.phone.has_itl)
			tl_tlist_json(stdout, &f.phone.itl, "ITL", -1, NULL);
		else
			printf("null");
	} else {
		printf("phone SEP%s model %s\n", f.mac, f.model);
		if (f.phone.has_ctl) {
			printf("CTL  installed, %zu records, signed by %s\n", f.phone.ctl.nrec,
			       f.phone.ctl.hdr.signer_name);
			tl_tlist_brief(stdout, &f.phone.ctl, -1);
		} else {
			printf("CTL  none\n");
		}
		if (f.phone.has_itl) {
			printf("ITL  installed, %zu records, signed by %s%s\n", f.phone.itl.nrec,
			       f.phone.itl.hdr.signer_name,
			       f.phone.rollback ? " (rollback ITL)" : "");
			tl_tlist_brief(stdout, &f.phone.itl, -1);
		} else {
			printf("ITL  none\n");
		}
	}
	show_cert("MIC", f.mic);
	show_cert("LSC", f.lsc);
	if (tl_sim_json) {
		printf(",\"config\":");
		if (have_cfg)
			printf("{\"bytes\":%zu,\"security_mode\":%d,\"tvs_servers\":%zu,"
			       "\"capf_servers\":%zu,\"capf_auth_mode\":%d}", f.config_len,
			       cfg.security_mode, cfg.ntvs, cfg.ncapf, cfg.capf_auth_mode);
		else
			printf("null");
		printf(",\"tvs_cache\":[");
	} else if (have_cfg) {
		printf("CONF %zu bytes, deviceSecurityMode %d, CAPF auth mode %d\n",
		       f.config_len, cfg.security_mode, cfg.capf_auth_mode);
		for (size_t i = 0; i < cfg.ntvs; i++)
			printf("     TVS %d %s:%d\n", cfg.tvs[i].priority, cfg.tvs[i].host,
			       cfg.tvs[i].port);
		for (size_t i = 0; i < cfg.ncapf; i++)
			printf("     CAPF %s:%d\n", cfg.capf[i].host, cfg.capf[i].port);
	} else {
		printf("CONF none\n");
	}
	for (size_t i = 0, n = 0; i < f.phone.ncache; i++) {
		const tl_tvs_cached *c = &f.phone.cache[i];
		char *h;

		if (c->expires <= now)
			continue;
		h = tl_hex(c->sha256, 32, 0);
		if (tl_sim_json)
			printf("%s{\"sha256\":\"%s\",\"expires_in\":%lld,\"roles\":[", n ? "," : "",
			       h ? h : "", (long long)(c->expires - now));
		else
			printf("TVS cache %s expires in %llds roles", h ? h : "?",
			       (long long)(c->expires - now));
		for (size_t j = 0; j < c->nroles; j++)
			printf(tl_sim_json ? "%s\"%s\"" : "%s%s",
			       tl_sim_json ? (j ? "," : "") : (j ? "," : " "),
			       tl_role_short(c->roles[j]));
		printf(tl_sim_json ? "]}" : "\n");
		free(h);
		n++;
	}
	if (tl_sim_json)
		printf("]}\n");
	tl_flash_free(&f);
	return EXIT_OK;
}
