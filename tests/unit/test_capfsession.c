/* capfd's session state machine against the phone's, in memory: every
 * operation with every authentication mode, the failures each status code
 * stands for, the phone vanishing at each step, hostile input. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "capfdb.h"
#include "client.h"
#include "devdb.h"
#include "lsc.h"
#include "pki.h"
#include "session.h"
#include "testutil.h"

static char dir[] = "/tmp/tl-capfsess-XXXXXX";
static tl_store store;
static tl_capf_srv srv;
static tl_cert *mfg_ca;
static tl_key *mfg_key;
static const tu_ident *mic_rsa_id, *mic_ec_id;
static time_t fake_now;

static time_t clock_fn(void)
{
	return fake_now;
}

/* A MIC for dev from the lab manufacturing CA (or self-signed). */
static tl_cert *make_mic(const char *cn, const tl_key *k, int self)
{
	tl_certspec s;
	tl_cert *c;
	tl_err e;

	memset(&s, 0, sizeof(s));
	s.cn = cn;
	s.o = "Lab Phones";
	s.not_before = time(NULL) - 3600;
	s.not_after = time(NULL) + 86400 * 365;
	s.hash_alg = TL_HASH_SHA256;
	s.key_usage = TL_KU_DIGITAL_SIGNATURE | TL_KU_KEY_ENCIPHERMENT;
	s.issuer = self ? NULL : mfg_ca;
	s.issuer_key = self ? NULL : mfg_key;
	if (tl_cert_make(&s, k, &c, &e))
		ck_abort_msg("%s", e.msg);
	return c;
}

/* This phone's MIC from the lab manufacturing CA, for id's key. */
static tl_cert *mic_for(const char *name, const tu_ident *id)
{
	char cn[40];

	snprintf(cn, sizeof(cn), "CP-8865-%s", name);
	return make_mic(cn, id->key, 0);
}

static void setup(void)
{
	tl_conf c;
	tl_err e;

	if (!mkdtemp(dir))
		abort();
	tl_conf_defaults(&c);
	snprintf(c.name, sizeof(c.name), "lab");
	c.key_bits = 1024;	/* fast fixtures; the profile does not depend on it */
	c.nnodes = tl_conf_parse_nodes("pub", c.nodes, &e);
	memcpy(c.tftp_nodes, c.nodes, sizeof(c.nodes));
	c.ntftp_nodes = 1;
	tu_database(&c);
	if (tl_pki_cluster_init(dir, &c, 1, NULL, &e) || tl_store_open(&store, dir, &e) ||
	    tl_store_identity_load(&store, "lab-manufacturing-CA", "lab", &mfg_ca,
				   &mfg_key, &e) ||
	    tl_capf_srv_load(&srv, &store, &store.conf.capf, NULL, &e)) {
		fprintf(stderr, "fixture: %s\n", e.msg);
		abort();
	}
	srv.clock = clock_fn;
	mic_rsa_id = tu_ident_get("mic-rsa", TL_KEY_RSA, 1024);
	mic_ec_id = tu_ident_get("mic-ec", TL_KEY_EC, 256);
}

/* A new device (its own name, so tests do not meet) with op scheduled. */
static void device(char name[16], const char *op, const char *mode,
		   const char *secret, const char *key)
{
	tl_device d;
	tl_err e;

	fake_now = time(NULL);
	/* Check runs each test in a child: count in the database, not here. */
	snprintf(name, 16, "SEP0000CAFE%04X", (unsigned)tl_dev_count(&store) + 1);
	tl_device_init(&d);
	memcpy(d.name, name, 16);
	snprintf(d.model, sizeof(d.model), "CP-8865");
	ck_assert_int_eq(tl_dev_put(&store, &d, 1, &e), 0);
	ck_assert_int_eq(tl_capf_schedule(&store, name, tl_capf_op_parse(op),
					  tl_capf_mode_parse(mode), secret, key,
					  fake_now + 7 * 86400, fake_now, &e), 0);
}

static void reschedule(const char *name, const char *op, const char *mode,
		       const char *secret, const char *key)
{
	tl_err e;

	ck_assert_int_eq(tl_capf_schedule(&store, name, tl_capf_op_parse(op),
					  tl_capf_mode_parse(mode), secret, key,
					  fake_now + 7 * 86400, fake_now, &e), 0);
}

static int status_of(const char *name)
{
	tl_device d;
	tl_err e;
	int st;

	ck_assert_int_eq(tl_dev_get(&store, name, &d, &e), 0);
	st = d.lsc_status;
	tl_device_free(&d);
	return st;
}

static int has_lsc(const char *name)
{
	tl_device d;
	tl_err e;
	int has;

	ck_assert_int_eq(tl_dev_get(&store, name, &d, &e), 0);
	has = d.lsc != NULL;
	tl_device_free(&d);
	return has;
}

static void phone(tl_capf_phone *p, const char *name)
{
	tl_capf_phone_init(p);
	p->device = name;
	p->capf = srv.capf;
}

static void with_mic(tl_capf_phone *p, const tl_cert *c, const tu_ident *id)
{
	p->cert = c;
	p->cert_key = id->key;
	p->cert_type = TL_CAPF_CERT_MIC;
}

/* What happens between the two sides. */
enum { CUT_NONE = -1, TIMEOUT = 1000 };
typedef void (*tamper_fn)(tl_buf *to_phone, int step);

/* Runs one session in memory. The server's messages go to the phone;
 * after the phone's cut-th answer the connection drops instead (cut >=
 * TIMEOUT: it times out). Returns the server's END_SESSION reason, or -1
 * when none was sent. */
static int converse(tl_capf_phone *p, int cut, tamper_fn tamper, tl_capf_sess *out_s)
{
	tl_capf_sess s;
	tl_buf to_phone, to_srv;
	tl_err e;
	int step = 0;

	tl_capf_sess_init(&s, &srv, "192.0.2.7:50000");
	tl_buf_init(&to_phone);
	ck_assert_int_eq(tl_capf_sess_start(&s, &to_phone, &e), 0);
	for (;;) {
		size_t at = 0, used;
		tl_capf_msg m;
		int rc = 0;

		if (tamper)
			tamper(&to_phone, step);
		tl_buf_init(&to_srv);
		while (at < to_phone.len && rc == 0) {
			ck_assert_int_eq(tl_capf_decode(to_phone.p + at, to_phone.len - at,
							&m, &used, &e), 1);
			rc = tl_capf_phone_step(p, &m, &to_srv, &e);
			ck_assert_msg(rc >= 0, "phone: %s", e.msg);
			at += used;
		}
		tl_buf_free(&to_phone);
		if (rc == 1 || s.state == TL_CAPF_S_DONE) {
			tl_buf_free(&to_srv);
			break;
		}
		if (cut % TIMEOUT == step++) {
			tl_capf_sess_closed(&s, cut >= TIMEOUT);
			tl_buf_free(&to_srv);
			break;
		}
		tl_buf_init(&to_phone);
		ck_assert_int_eq(tl_capf_sess_input(&s, to_srv.p, to_srv.len, &to_phone),
				 (long)to_srv.len);
		tl_buf_free(&to_srv);
	}
	if (out_s)
		*out_s = s;
	return s.end_reason;
}

/* ---- every operation with every authentication mode ---- */

static void install(const char *name, tl_capf_phone *p, const char *mode,
		    const tl_cert *mic)
{
	phone(p, name);
	with_mic(p, mic, mic_rsa_id);
	p->auth_string = "12345678";
	reschedule(name, "install", mode, !strcmp(mode, "string") ? "12345678" : "",
		   "ec:256");
	ck_assert_int_eq(converse(p, CUT_NONE, NULL, NULL), TL_CAPF_SUCCESS);
	ck_assert_int_eq(status_of(name), TL_LSC_UPGRADE_OK);
	ck_assert(p->stored && p->lsc && has_lsc(name));
}

START_TEST(every_operation_and_mode)
{
	static const char *const modes[] = { "null", "string", "mic", "lsc" };
	const char *mode = modes[_i];
	tl_capf_phone p, q;
	tl_cert *mic_rsa;
	tl_device d;
	char name[16];
	tl_err e;

	device(name, "none", "null", "", "ec:256");
	mic_rsa = mic_for(name, mic_rsa_id);
	/* install: by this mode (lsc mode without an LSC yet: the MIC) */
	install(name, &p, mode, mic_rsa);
	/* install again (upgrade): in lsc mode the phone now shows its LSC */
	phone(&q, name);
	if (!strcmp(mode, "lsc")) {
		q.cert = p.lsc;
		q.cert_key = p.key;
		q.cert_type = TL_CAPF_CERT_LSC;
	} else {
		with_mic(&q, mic_rsa, mic_rsa_id);
	}
	q.auth_string = "12345678";
	reschedule(name, "install", mode, !strcmp(mode, "string") ? "12345678" : "",
		   "ec:384");
	ck_assert_int_eq(converse(&q, CUT_NONE, NULL, NULL), TL_CAPF_SUCCESS);
	ck_assert_int_eq(status_of(name), TL_LSC_UPGRADE_OK);
	ck_assert_int_eq(tl_dev_get(&store, name, &d, &e), 0);
	ck_assert_uint_eq(d.lsc_len, q.lsc->der_len);
	ck_assert_mem_eq(d.lsc, q.lsc->der, d.lsc_len);
	ck_assert_str_eq(d.capf_operation, "none");
	tl_device_free(&d);
	tl_capf_phone_free(&p);
	/* fetch (troubleshoot) */
	phone(&p, name);
	if (!strcmp(mode, "lsc")) {
		p.cert = q.lsc;
		p.cert_key = q.key;
		p.cert_type = TL_CAPF_CERT_LSC;
	} else {
		with_mic(&p, mic_rsa, mic_rsa_id);
	}
	p.auth_string = "12345678";
	reschedule(name, "fetch", mode, !strcmp(mode, "string") ? "12345678" : "", "ec:256");
	ck_assert_int_eq(converse(&p, CUT_NONE, NULL, NULL), TL_CAPF_SUCCESS);
	ck_assert(p.fetched);
	ck_assert_int_eq(status_of(name), TL_LSC_FETCH_OK);
	/* delete */
	reschedule(name, "delete", mode, !strcmp(mode, "string") ? "12345678" : "", "ec:256");
	ck_assert_int_eq(converse(&p, CUT_NONE, NULL, NULL), TL_CAPF_SUCCESS);
	ck_assert(p.deleted);
	ck_assert_int_eq(status_of(name), TL_LSC_DELETE_OK);
	ck_assert(!has_lsc(name));
	/* nothing pending */
	ck_assert_int_eq(converse(&p, CUT_NONE, NULL, NULL), TL_CAPF_NO_ACTION);
	tl_capf_phone_free(&p);
	tl_capf_phone_free(&q);
	tl_cert_free(mic_rsa);
}
END_TEST

START_TEST(keys_rsa_and_ec)
{
	static const char *const keys[] = { "rsa:1024", "rsa:2048", "ec:256", "ec:384",
					    "ec:521" };
	tl_capf_phone p;
	char name[16];
	int type, bits;
	tl_err e;

	device(name, "install", "null", "", keys[_i]);
	phone(&p, name);
	ck_assert_int_eq(converse(&p, CUT_NONE, NULL, NULL), TL_CAPF_SUCCESS);
	ck_assert_int_eq(tl_conf_parse_key(keys[_i], &type, &bits, &e), 0);
	ck_assert_int_eq(p.lsc->key_type, type);
	ck_assert_int_eq(p.lsc->key_bits, bits);
	ck_assert_int_eq(tl_lsc_check(p.lsc, srv.capf, name, p.key, &e), 0);
	ck_assert_int_eq(status_of(name), TL_LSC_UPGRADE_OK);
	tl_capf_phone_free(&p);
}
END_TEST

/* The phone answers a KEY_GEN_REQUEST for something else than asked. */
static void ask_other_size(tl_buf *to_phone, int step)
{
	tl_capf_msg m;
	tl_buf b;
	size_t used;
	tl_err e;

	if (tl_capf_decode(to_phone->p, to_phone->len, &m, &used, &e) != 1 ||
	    m.command != TL_CAPF_KEY_GEN_REQUEST)
		return;
	m.key_type = TL_KEY_EC;
	m.has_key_size = 0;
	m.has_curve = 1;
	m.curve = 1;
	tl_buf_init(&b);
	ck_assert_int_eq(tl_capf_encode(&m, &b, &e), 0);
	tl_buf_free(to_phone);
	*to_phone = b;
}

START_TEST(wrong_key_is_14)
{
	tl_capf_phone p;
	char name[16];

	device(name, "install", "null", "", "ec:256");
	phone(&p, name);
	ck_assert_int_eq(converse(&p, CUT_NONE, ask_other_size, NULL),
			 TL_CAPF_INVALID_ELEMENT);
	ck_assert_int_eq(status_of(name), 14);
	ck_assert(!has_lsc(name));
	tl_capf_phone_free(&p);
}
END_TEST

/* ---- authentication failures ---- */

START_TEST(certificate_failures)
{
	tl_capf_phone p;
	tl_cert *other;
	char name[16], cn[40];

	device(name, "install", "mic", "", "ec:256");
	snprintf(cn, sizeof(cn), "CP-8865-%s", name);
	other = make_mic(cn, mic_rsa_id->key, 1);
	/* no certificate: invalid credentials */
	phone(&p, name);
	ck_assert_int_eq(converse(&p, CUT_NONE, NULL, NULL), TL_CAPF_INVALID_ELEMENT);
	ck_assert_int_eq(status_of(name), 12);
	/* a self-signed "MIC": invalid MIC */
	with_mic(&p, other, mic_rsa_id);
	ck_assert_int_eq(converse(&p, CUT_NONE, NULL, NULL), TL_CAPF_INVALID_ELEMENT);
	ck_assert_int_eq(status_of(name), 11);
	tl_cert_free(other);
	/* the lab CA's MIC, signed with another key: invalid MIC */
	other = make_mic(cn, mic_rsa_id->key, 0);
	p.cert = other;
	p.cert_key = mic_ec_id->key;
	ck_assert_int_eq(converse(&p, CUT_NONE, NULL, NULL), TL_CAPF_INVALID_ELEMENT);
	ck_assert_int_eq(status_of(name), 11);
	/* another phone's MIC */
	tl_cert_free(other);
	other = make_mic("CP-8865-SEP999999999999", mic_ec_id->key, 0);
	with_mic(&p, other, mic_ec_id);
	ck_assert_int_eq(converse(&p, CUT_NONE, NULL, NULL), TL_CAPF_INVALID_ELEMENT);
	ck_assert_int_eq(status_of(name), 11);
	tl_cert_free(other);
	/* an EC MIC of this phone: accepted */
	other = make_mic(cn, mic_ec_id->key, 0);
	with_mic(&p, other, mic_ec_id);
	ck_assert_int_eq(converse(&p, CUT_NONE, NULL, NULL), TL_CAPF_SUCCESS);
	ck_assert_int_eq(status_of(name), 3);
	/* MIC only, and the phone shows its LSC: invalid credentials */
	reschedule(name, "install", "mic", "", "ec:256");
	p.cert = p.lsc;
	p.cert_key = p.key;
	p.cert_type = TL_CAPF_CERT_LSC;
	p.lsc = NULL;
	p.key = NULL;
	ck_assert_int_eq(converse(&p, CUT_NONE, NULL, NULL), TL_CAPF_INVALID_ELEMENT);
	ck_assert_int_eq(status_of(name), 12);
	/* LSC first, and the "LSC" is not from this CAPF: invalid LSC */
	reschedule(name, "install", "lsc", "", "ec:256");
	tl_cert_free((tl_cert *)p.cert);
	tl_key_free((tl_key *)p.cert_key);
	p.cert = other;
	p.cert_key = mic_ec_id->key;
	ck_assert_int_eq(converse(&p, CUT_NONE, NULL, NULL), TL_CAPF_INVALID_ELEMENT);
	ck_assert_int_eq(status_of(name), 9);
	/* with a SUDI from the manufacturer as well: accepted; signed by the
	 * wrong key: invalid credentials */
	p.cert_type = TL_CAPF_CERT_MIC;
	p.sudi = other;
	p.sudi_key = mic_ec_id->key;
	ck_assert_int_eq(converse(&p, CUT_NONE, NULL, NULL), TL_CAPF_SUCCESS);
	reschedule(name, "install", "lsc", "", "ec:256");
	p.sudi_key = mic_rsa_id->key;
	ck_assert_int_eq(converse(&p, CUT_NONE, NULL, NULL), TL_CAPF_INVALID_ELEMENT);
	ck_assert_int_eq(status_of(name), 12);
	tl_cert_free(other);
	tl_capf_phone_free(&p);
}
END_TEST

START_TEST(string_and_lockout)
{
	tl_capf_phone p;
	tl_capf_sess s;
	char name[16];

	device(name, "install", "string", "4711", "ec:256");
	phone(&p, name);
	p.auth_string = "4712";
	for (int i = 0; i < 4; i++) {
		ck_assert_int_eq(converse(&p, CUT_NONE, NULL, NULL), TL_CAPF_INVALID_ELEMENT);
		ck_assert_int_eq(status_of(name), 10);
	}
	/* the 5th within 10 minutes locks; then even the right one fails */
	fake_now += 60;
	ck_assert_int_eq(converse(&p, CUT_NONE, NULL, NULL), TL_CAPF_INVALID_ELEMENT);
	p.auth_string = "4711";
	fake_now += 9 * 60;
	ck_assert_int_eq(converse(&p, CUT_NONE, NULL, &s), TL_CAPF_INVALID_ELEMENT);
	ck_assert_int_eq(s.status, 10);
	/* a prefix, a longer string, an empty one are wrong too */
	fake_now += 61;
	p.auth_string = "471";
	ck_assert_int_eq(converse(&p, CUT_NONE, NULL, NULL), TL_CAPF_INVALID_ELEMENT);
	p.auth_string = "47111";
	ck_assert_int_eq(converse(&p, CUT_NONE, NULL, NULL), TL_CAPF_INVALID_ELEMENT);
	p.auth_string = NULL;
	ck_assert_int_eq(converse(&p, CUT_NONE, NULL, NULL), TL_CAPF_INVALID_ELEMENT);
	/* the lock has expired: the right string works */
	p.auth_string = "4711";
	ck_assert_int_eq(converse(&p, CUT_NONE, NULL, NULL), TL_CAPF_SUCCESS);
	ck_assert_int_eq(status_of(name), 3);
	tl_capf_phone_free(&p);
	/* failures spread wider than the window never lock */
	device(name, "install", "string", "4711", "ec:256");
	phone(&p, name);
	for (int i = 0; i < 8; i++) {
		p.auth_string = "0000";
		ck_assert_int_eq(converse(&p, CUT_NONE, NULL, NULL), TL_CAPF_INVALID_ELEMENT);
		fake_now += 3 * 60;
	}
	p.auth_string = "4711";
	ck_assert_int_eq(converse(&p, CUT_NONE, NULL, NULL), TL_CAPF_SUCCESS);
	/* a device in string mode without a string set accepts nothing */
	device(name, "install", "string", "", "ec:256");
	p.device = name;
	p.auth_string = "";
	ck_assert_int_eq(converse(&p, CUT_NONE, NULL, NULL), TL_CAPF_INVALID_ELEMENT);
	ck_assert_int_eq(status_of(name), 10);
	tl_capf_phone_free(&p);
}
END_TEST

START_TEST(unknown_pending_late)
{
	static const char *const ops[] = { "install", "delete", "fetch" };
	static const int late[] = { 17, 25, 33 };
	tl_capf_phone p;
	char name[16];

	phone(&p, "SEP00000000DEAD");
	ck_assert_int_eq(converse(&p, CUT_NONE, NULL, NULL), TL_CAPF_UNKNOWN_DEVICE);
	phone(&p, "not-a-phone");
	ck_assert_int_eq(converse(&p, CUT_NONE, NULL, NULL), TL_CAPF_UNKNOWN_DEVICE);
	device(name, "none", "null", "", "ec:256");
	phone(&p, name);
	ck_assert_int_eq(converse(&p, CUT_NONE, NULL, NULL), TL_CAPF_NO_ACTION);
	ck_assert_int_eq(status_of(name), TL_LSC_NONE);
	for (int i = 0; i < 3; i++) {
		device(name, ops[i], "null", "", "ec:256");
		phone(&p, name);
		fake_now += 7 * 86400 + 1;
		ck_assert_int_eq(converse(&p, CUT_NONE, NULL, NULL), TL_CAPF_INVALID_ELEMENT);
		ck_assert_int_eq(status_of(name), late[i]);
		ck_assert(!p.stored && !p.deleted && !p.fetched && p.key == NULL);
	}
}
END_TEST

/* ---- the phone going away at each step ---- */

START_TEST(disconnect_each_step)
{
	static const char *const ops[] = { "install", "fetch", "delete" };
	static const int comm[] = { 13, 30, 22 };
	tl_capf_phone p;
	tl_cert *mic;
	char name[16];
	int steps = _i == 0 ? 3 : 2;

	for (int cut = 0; cut < steps; cut++) {
		tl_capf_sess s;

		device(name, ops[_i], "null", "", "ec:256");
		phone(&p, name);
		mic = mic_for(name, mic_ec_id);
		with_mic(&p, mic, mic_ec_id);
		ck_assert_int_eq(converse(&p, cut, NULL, &s), -1);
		/* before the phone named itself nothing is known to record */
		ck_assert_int_eq(status_of(name), cut == 0 ? TL_LSC_PENDING : comm[_i]);
		ck_assert(!has_lsc(name));
		tl_capf_phone_free(&p);
		tl_cert_free(mic);
	}
	if (_i == 0) {
		/* timing out during key generation */
		device(name, "install", "null", "", "ec:256");
		phone(&p, name);
		ck_assert_int_eq(converse(&p, TIMEOUT + 1, NULL, NULL), -1);
		ck_assert_int_eq(status_of(name), 14);
		tl_capf_phone_free(&p);
	}
}
END_TEST

static int newest_state(void *arg, long id, const char *serial, long not_after,
			const char *state, long issued)
{
	snprintf(arg, 16, "%s", state);
	return 1;
}

/* The state of the device's newest capf_lsc row. */
static void lsc_state(const char *name, char state[16])
{
	tl_err e;

	state[0] = 0;
	ck_assert_int_eq(tl_capf_lscs(&store, name, newest_state, state, &e), 0);
}

START_TEST(store_refused_and_crash)
{
	tl_capf_phone p;
	tl_capf_sess s;
	tl_buf to_phone, to_srv;
	char name[16], state[16];
	tl_err e;
	int n;

	/* the phone expects another CAPF: it refuses the LSC, status 6 */
	device(name, "install", "null", "", "ec:256");
	phone(&p, name);
	p.capf = mfg_ca;
	ck_assert_int_eq(converse(&p, CUT_NONE, NULL, NULL), TL_CAPF_INVALID_ELEMENT);
	ck_assert_int_eq(status_of(name), TL_LSC_UPGRADE_FAILED);
	ck_assert(!has_lsc(name) && !p.stored);
	lsc_state(name, state);
	ck_assert_str_eq(state, "failed");
	tl_capf_phone_free(&p);
	/* a crash between STORE_CERT_REQUEST and its answer: the LSC was
	 * committed as issued; recovery marks it unconfirmed, status 13 */
	device(name, "install", "null", "", "ec:256");
	phone(&p, name);
	tl_capf_sess_init(&s, &srv, "test");
	tl_buf_init(&to_phone);
	ck_assert_int_eq(tl_capf_sess_start(&s, &to_phone, &e), 0);
	for (int i = 0; i < 2; i++) {
		size_t used, at = 0;
		tl_capf_msg m;

		tl_buf_init(&to_srv);
		while (at < to_phone.len) {
			ck_assert_int_eq(tl_capf_decode(to_phone.p + at, to_phone.len - at,
							&m, &used, &e), 1);
			ck_assert_int_eq(tl_capf_phone_step(&p, &m, &to_srv, &e), 0);
			at += used;
		}
		tl_buf_free(&to_phone);
		tl_buf_init(&to_phone);
		tl_capf_sess_input(&s, to_srv.p, to_srv.len, &to_phone);
		tl_buf_free(&to_srv);
	}
	tl_buf_free(&to_phone);
	ck_assert_int_eq(s.state, TL_CAPF_S_STORE);
	ck_assert_int_eq(status_of(name), TL_LSC_PENDING);
	ck_assert(!has_lsc(name));
	/* (the process dies here: no tl_capf_sess_closed) */
	ck_assert_int_eq(tl_capf_recover(&store, fake_now, &n, &e), 0);
	ck_assert_int_ge(n, 1);
	ck_assert_int_eq(status_of(name), 13);
	ck_assert(!has_lsc(name));
	lsc_state(name, state);
	ck_assert_str_eq(state, "unconfirmed");
	tl_capf_phone_free(&p);
}
END_TEST

/* ---- hostile input ---- */

START_TEST(malformed_and_truncated)
{
	static const uint8_t garbage[] = "\x54\x02\0\0\0\x01\0\0";
	tl_capf_sess s;
	tl_buf out;
	tl_err e;
	tl_capf_msg m;
	size_t used;
	uint8_t trunc[] = { 0x55, 0x02, 0, 0, 0, 0, 0, 0x20, 0x0d, 0x00 };

	/* not CAPF at all */
	tl_capf_sess_init(&s, &srv, "test");
	tl_buf_init(&out);
	ck_assert_int_eq(tl_capf_sess_start(&s, &out, &e), 0);
	out.len = 0;
	ck_assert_int_eq(tl_capf_sess_input(&s, garbage, 8, &out), 8);
	ck_assert_int_eq(s.state, TL_CAPF_S_DONE);
	ck_assert_int_eq(tl_capf_decode(out.p, out.len, &m, &used, &e), 1);
	ck_assert_int_eq(m.command, TL_CAPF_END_SESSION);
	ck_assert_int_eq(m.reason, TL_CAPF_INVALID_ELEMENT);
	tl_buf_free(&out);
	/* a message cut short: nothing consumed, then the phone is gone */
	tl_capf_sess_init(&s, &srv, "test");
	tl_buf_init(&out);
	ck_assert_int_eq(tl_capf_sess_start(&s, &out, &e), 0);
	trunc[2] = (uint8_t)(s.id >> 24);
	trunc[5] = (uint8_t)s.id;
	out.len = 0;
	ck_assert_int_eq(tl_capf_sess_input(&s, trunc, sizeof(trunc), &out), 0);
	ck_assert_uint_eq(out.len, 0);
	tl_capf_sess_closed(&s, 0);
	tl_buf_free(&out);
}
END_TEST

/* A message the session does not expect there, or with another session
 * id, once the phone has named itself: the operation fails (6) with
 * reason 7. */
START_TEST(protocol_errors)
{
	static const int cmds[] = { TL_CAPF_STORE_CERT_RESPONSE, TL_CAPF_KEY_GEN_RESPONSE };
	tl_capf_phone p;
	tl_capf_sess s;
	tl_capf_msg m, r;
	tl_buf out, in;
	char name[16];
	size_t used;
	tl_err e;

	for (int i = 0; i < 2; i++) {
		device(name, "install", "null", "", "ec:256");
		phone(&p, name);
		tl_capf_sess_init(&s, &srv, "test");
		tl_buf_init(&out);
		ck_assert_int_eq(tl_capf_sess_start(&s, &out, &e), 0);
		ck_assert_int_eq(tl_capf_decode(out.p, out.len, &m, &used, &e), 1);
		ck_assert_uint_eq(m.session, s.id);
		ck_assert(m.has_version && m.version == 3 && m.has_auth_type && m.auth_type == 0);
		tl_buf_init(&in);
		ck_assert_int_eq(tl_capf_phone_step(&p, &m, &in, &e), 0);
		tl_buf_free(&out);
		tl_buf_init(&out);
		tl_capf_sess_input(&s, in.p, in.len, &out);
		tl_buf_free(&in);
		ck_assert_int_eq(s.state, TL_CAPF_S_KEYGEN);
		memset(&r, 0, sizeof(r));
		r.command = (uint8_t)cmds[i];
		/* the second: the right command, another session's id */
		r.session = i ? s.id + 1 : s.id;
		tl_buf_init(&in);
		ck_assert_int_eq(tl_capf_encode(&r, &in, &e), 0);
		out.len = 0;
		ck_assert_int_eq(tl_capf_sess_input(&s, in.p, in.len, &out), (long)in.len);
		ck_assert_int_eq(s.state, TL_CAPF_S_DONE);
		ck_assert_int_eq(tl_capf_decode(out.p, out.len, &m, &used, &e), 1);
		ck_assert_int_eq(m.command, TL_CAPF_END_SESSION);
		ck_assert_int_eq(m.reason, TL_CAPF_INVALID_ELEMENT);
		ck_assert_int_eq(status_of(name), TL_LSC_UPGRADE_FAILED);
		/* whatever the phone says after END_SESSION is ignored */
		ck_assert_int_eq(tl_capf_sess_input(&s, in.p, in.len, &out), (long)in.len);
		tl_buf_free(&in);
		tl_buf_free(&out);
		tl_capf_phone_free(&p);
	}
}
END_TEST

/* The status texts of docs/certificates.md, and the codes each failure maps to. */
START_TEST(status_codes)
{
	ck_assert_str_eq(tl_lsc_status_text(10), "Upgrade Failed: Invalid Authentication String");
	ck_assert_str_eq(tl_lsc_status_text(16), "Upgrade Failed: CA Rejected Connection");
	ck_assert_str_eq(tl_lsc_status_text(22), "Delete Failed: Phone Communication Failure");
	ck_assert_str_eq(tl_lsc_status_text(25), "Delete Failed: User Initiated Request Late/Timeout");
	ck_assert_str_eq(tl_lsc_status_text(33), "Troubleshoot Failed: User Initiated Request Late/Timeout");
	ck_assert_str_eq(tl_lsc_status_text(34), "unknown");
	for (int op = TL_CAPF_OP_INSTALL; op <= TL_CAPF_OP_DELETE; op++)
		for (int why = TL_WHY_LSC; why <= TL_WHY_LATE; why++) {
			int code = tl_lsc_failure(op, why);

			ck_assert_int_ge(code, 9);
			ck_assert_int_le(code, 33);
			ck_assert_ptr_nonnull(strstr(tl_lsc_status_text(code),
				op == TL_CAPF_OP_INSTALL ? "Upgrade" :
				op == TL_CAPF_OP_DELETE ? "Delete" : "Troubleshoot"));
		}
	ck_assert_int_eq(tl_lsc_failure(TL_CAPF_OP_FETCH, TL_WHY_OTHER), 8);
}
END_TEST

int main(void)
{
	Suite *su = suite_create("capfsession");
	TCase *tc = tcase_create("session");

	setup();
	tcase_add_loop_test(tc, every_operation_and_mode, 0, 4);
	tcase_add_loop_test(tc, keys_rsa_and_ec, 0, 5);
	tcase_add_test(tc, wrong_key_is_14);
	tcase_add_test(tc, certificate_failures);
	tcase_add_test(tc, string_and_lockout);
	tcase_add_test(tc, unknown_pending_late);
	tcase_add_loop_test(tc, disconnect_each_step, 0, 3);
	tcase_add_test(tc, store_refused_and_crash);
	tcase_add_test(tc, malformed_and_truncated);
	tcase_add_test(tc, protocol_errors);
	tcase_add_test(tc, status_codes);
	suite_add_tcase(su, tc);
	return tu_run(su);
}
