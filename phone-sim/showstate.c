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
		printf("%-4s none\n", what);
		return;
	}
	tl_hash(TL_HASH_MD5, c->der, c->der_len, md5);
	serial = tl_hex(c->serial, c->serial_len, 1);
	hash = tl_hex(md5, 16, 0);
	gmtime_r(&c->not_after, &tm);
	strftime(exp, sizeof(exp), "%Y-%m-%dT%H:%M:%SZ", &tm);
	printf("%-4s %s serial %s issuer %s, expires %s, MD5 %s\n", what,
	       c->subject, serial ? serial : "?", c->issuer, exp, hash ? hash : "?");
	free(serial);
	free(hash);
}

static json_t *cert_json(const tl_cert *c)
{
	uint8_t md5[TL_HASH_MAX];
	json_t *o;

	if (c == NULL)
		return json_null();
	o = tl_json_cert(c);
	tl_hash(TL_HASH_MD5, c->der, c->der_len, md5);
	json_object_set_new(o, "md5", tl_json_hexstr(md5, 16, 0));
	return o;
}

static json_t *list_json(int has, const tl_tlist *l, const char *kind)
{
	return has ? tl_tlist_json(l, kind, -1, NULL) : json_null();
}

/* The flash as one object; the cache holds only answers still valid. */
static int show_json(const tl_flash *f, const tl_phonecnf *cfg, int have_cfg,
		     time_t now)
{
	json_t *o = json_object(), *conf = json_null(), *cache = json_array();
	char phone[32];

	snprintf(phone, sizeof(phone), "SEP%s", f->mac);
	json_object_set_new(o, "phone", json_string(phone));
	json_object_set_new(o, "model", tl_json_text(f->model));
	json_object_set_new(o, "rollback", json_boolean(f->phone.rollback));
	json_object_set_new(o, "ctl", list_json(f->phone.has_ctl, &f->phone.ctl, "CTL"));
	json_object_set_new(o, "itl", list_json(f->phone.has_itl, &f->phone.itl, "ITL"));
	json_object_set_new(o, "MIC", cert_json(f->mic));
	json_object_set_new(o, "LSC", cert_json(f->lsc));
	if (have_cfg) {
		conf = json_object();
		json_object_set_new(conf, "bytes", json_integer((json_int_t)f->config_len));
		json_object_set_new(conf, "security_mode", json_integer(cfg->security_mode));
		json_object_set_new(conf, "tvs_servers", json_integer((json_int_t)cfg->ntvs));
		json_object_set_new(conf, "capf_servers", json_integer((json_int_t)cfg->ncapf));
		json_object_set_new(conf, "capf_auth_mode", json_integer(cfg->capf_auth_mode));
	}
	json_object_set_new(o, "config", conf);
	for (size_t i = 0; i < f->phone.ncache; i++) {
		const tl_tvs_cached *c = &f->phone.cache[i];
		json_t *e, *roles;

		if (c->expires <= now)
			continue;
		e = json_object();
		roles = json_array();
		json_object_set_new(e, "sha256", tl_json_hexstr(c->sha256, 32, 0));
		json_object_set_new(e, "expires", tl_json_time(c->expires));
		json_object_set_new(e, "expires_in", json_integer((json_int_t)(c->expires - now)));
		for (size_t j = 0; j < c->nroles; j++)
			json_array_append_new(roles, json_string(tl_role_short(c->roles[j])));
		json_object_set_new(e, "roles", roles);
		json_array_append_new(cache, e);
	}
	json_object_set_new(o, "tvs_cache", cache);
	return tl_json_print(o) ? EXIT_ERROR : EXIT_OK;
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
		rc = show_json(&f, &cfg, have_cfg, now);
		tl_flash_free(&f);
		return rc;
	}
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
	show_cert("MIC", f.mic);
	show_cert("LSC", f.lsc);
	if (have_cfg) {
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
	for (size_t i = 0; i < f.phone.ncache; i++) {
		const tl_tvs_cached *c = &f.phone.cache[i];
		char *h;

		if (c->expires <= now)
			continue;
		h = tl_hex(c->sha256, 32, 0);
		printf("TVS cache %s expires in %llds roles", h ? h : "?",
		       (long long)(c->expires - now));
		for (size_t j = 0; j < c->nroles; j++)
			printf("%s%s", j ? "," : " ", tl_role_short(c->roles[j]));
		printf("\n");
		free(h);
	}
	tl_flash_free(&f);
	return EXIT_OK;
}
