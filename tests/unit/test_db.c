/* The database's function set (db.h) against the backend the test is
 * given: trustline.db, or with TRUSTLINE_TEST_PG_URL a PostgreSQL
 * database (make check-cluster runs this suite against both). */
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "alarm.h"
#include "capfdb.h"
#include "db.h"
#include "devdb.h"
#include "follow.h"
#include "loop.h"
#include "node.h"
#include "file.h"
#include "revstate.h"
#include "stmt.h"
#include "store.h"
#include "testutil.h"

static char dir[64];

static void fresh(tl_store *s)
{
	tl_conf c;
	tl_err e;

	strcpy(dir, "/tmp/tl-db-XXXXXX");
	ck_assert_ptr_nonnull(mkdtemp(dir));
	tl_conf_defaults(&c);
	snprintf(c.name, sizeof(c.name), "lab");
	c.nnodes = tl_conf_parse_nodes("pub", c.nodes, &e);
	tu_database(&c);
	ck_assert_msg(tl_store_create(s, dir, &c, &e) == 0, "%s", e.msg);
}

static void done(tl_store *s)
{
	char cmd[128];

	tl_store_close(s);
	snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
	system(cmd);
}

static tl_device dev(const char *name)
{
	tl_device d;

	tl_device_init(&d);
	snprintf(d.name, sizeof(d.name), "%s", name);
	snprintf(d.model, sizeof(d.model), "CP-8865");
	snprintf(d.description, sizeof(d.description), "it's \"quoted\" ? yes");
	return d;
}

static int count(void *arg, const tl_device *d)
{
	(*(int *)arg)++;
	return 0;
}

START_TEST(devices)
{
	static const uint8_t mic[] = { 0x30, 0x00, 0x27, 0x00, 0xff };
	tl_device d = dev("SEP001122334455"), got;
	tl_store s;
	tl_err e;
	int n = 0, added;
	const char csv[] = "name,model\nSEP0011223344AA,CP-7841\nSEP0011223344BB,CP-8811\n";
	const char bad[] = "name,model\nSEP0011223344CC,CP-7841\nSEPXX,CP-8811\n";

	fresh(&s);
	tl_device_set_blob(&d.mic, &d.mic_len, mic, sizeof(mic));
	ck_assert_msg(tl_dev_put(&s, &d, 1, &e) == 0, "%s", e.msg);
	ck_assert_int_eq(tl_dev_put(&s, &d, 1, &e), -1);
	ck_assert_ptr_nonnull(strstr(e.msg, "exists already"));
	ck_assert_int_eq(tl_dev_get(&s, "SEP001122334455", &got, &e), 0);
	ck_assert_str_eq(got.description, d.description);
	ck_assert_uint_eq(got.mic_len, sizeof(mic));
	ck_assert_mem_eq(got.mic, mic, sizeof(mic));
	ck_assert_ptr_null(got.lsc);
	ck_assert_int_eq(got.capf_deadline, 0);
	tl_device_free(&got);
	snprintf(d.model, sizeof(d.model), "CP-7841");
	ck_assert_int_eq(tl_dev_put(&s, &d, 0, &e), 0);
	ck_assert_int_eq(tl_dev_get(&s, "SEP001122334455", &got, &e), 0);
	ck_assert_str_eq(got.model, "CP-7841");
	tl_device_free(&got);
	ck_assert_int_eq(tl_dev_import_csv(&s, csv, strlen(csv), "a.csv", &added, &e), 0);
	ck_assert_int_eq(added, 2);
	ck_assert_int_eq(tl_dev_import_csv(&s, bad, strlen(bad), "b.csv", &added, &e), -1);
	ck_assert_int_eq(added, 0);
	ck_assert_int_eq(tl_dev_count(&s), 3);
	ck_assert_int_eq(tl_dev_each(&s, count, &n, &e), 0);
	ck_assert_int_eq(n, 3);
	ck_assert_int_eq(tl_dev_remove(&s, "SEP0011223344AA", &e), 0);
	ck_assert_int_eq(tl_dev_remove(&s, "SEP0011223344AA", &e), -1);
	ck_assert_int_eq(tl_dev_get(&s, "SEP0011223344AA", &got, &e), 1);
	ck_assert_int_eq(tl_dev_count(&s), 2);
	/* add, set, import, remove: one generation each */
	ck_assert_int_eq(tl_store_generation(&s), 4);
	tl_device_free(&d);
	done(&s);
}
END_TEST

START_TEST(capf)
{
	const tu_ident *id = tu_ident_get("SEP001122334455", TL_KEY_RSA, 1024);
	tl_device d = dev("SEP001122334455"), got;
	tl_store s;
	tl_err e;
	long lid, until;
	int n;

	fresh(&s);
	ck_assert_int_eq(tl_dev_put(&s, &d, 1, &e), 0);
	ck_assert_int_eq(tl_capf_schedule(&s, "SEP00112233FFFF", TL_CAPF_OP_INSTALL,
					  TL_CAPF_MODE_NULL, "", "rsa:2048", 0, 100, &e), 1);
	ck_assert_msg(tl_capf_schedule(&s, d.name, TL_CAPF_OP_INSTALL, TL_CAPF_MODE_STRING,
				       "1234", "rsa:2048", 500, 100, &e) == 0, "%s", e.msg);
	ck_assert_int_eq(tl_capf_batch_begin(&s, &e), 0);
	ck_assert_int_eq(tl_capf_lsc_issued(&s, d.name, id->cert, 110, &lid, &e), 0);
	ck_assert_int_gt(lid, 0);
	ck_assert_int_eq(tl_capf_batch_end(&s, &e), 0);
	ck_assert_int_eq(tl_capf_recover(&s, 120, &n, &e), 0);
	ck_assert_int_eq(n, 1);
	ck_assert_int_eq(tl_capf_lsc_confirmed(&s, lid, d.name, 130, &e), 0);
	ck_assert_int_eq(tl_dev_get(&s, d.name, &got, &e), 0);
	ck_assert_int_eq(got.lsc_status, TL_LSC_UPGRADE_OK);
	ck_assert_str_eq(got.capf_operation, "none");
	ck_assert_uint_eq(got.lsc_len, id->cert->der_len);
	ck_assert_mem_eq(got.lsc, id->cert->der, got.lsc_len);
	tl_device_free(&got);
	for (int i = 0; i < 2; i++)
		ck_assert_int_eq(tl_capf_auth_failed(&s, d.name, 200 + i, 3, 60, &until,
						     &e), 0);
	ck_assert_int_eq(tl_capf_auth_failed(&s, d.name, 203, 3, 60, &until, &e), 1);
	ck_assert_int_eq(tl_capf_locked(&s, d.name, 204, &until), 1);
	ck_assert_int_eq(until, 263);
	ck_assert_int_eq(tl_capf_auth_ok(&s, d.name, &e), 0);
	ck_assert_int_eq(tl_capf_lsc_revoke(&s, d.name, 300, &n, &e), 0);
	ck_assert_int_eq(n, 1);
	ck_assert_int_eq(tl_capf_lsc_is_revoked(&s, d.name, "no:such", &e), 0);
	tl_device_free(&d);
	done(&s);
}
END_TEST

static int first_alarm(void *arg, const tl_alarm *a)
{
	snprintf(arg, 512, "%s", a->detail);
	return 1;
}

static void audit_row(void *arg, long ts, const char *user, const char *action,
		      const char *object, const char *old_fp, const char *new_fp)
{
	ck_assert_ptr_null(old_fp);
	(*(int *)arg)++;
}

START_TEST(alarms_revocation_audit)
{
	char detail[512] = "";
	tl_rev r = { .status = TL_REV_GOOD }, got;
	tl_store s;
	tl_err e;
	int rows = 0;

	fresh(&s);
	ck_assert_int_eq(tl_alarm_raise(&s, "CRLChanged", "ca", "info", "one", &e), 1);
	ck_assert_int_eq(tl_alarm_raise(&s, "CRLChanged", "ca", "info", "two", &e), 0);
	ck_assert_int_eq(tl_alarm_each(&s, NULL, first_alarm, detail, &e), 0);
	ck_assert_str_eq(detail, "two");
	ck_assert_int_eq(tl_alarm_clear(&s, "CRLChanged", "ca", &e), 1);
	ck_assert_int_eq(tl_alarm_clear(&s, "CRLChanged", "ca", &e), 0);
	snprintf(r.method, sizeof(r.method), "ocsp");
	r.checked = 1000;
	ck_assert_int_eq(tl_revstate_get(&s, "ab", &got), 1);
	ck_assert_int_eq(tl_revstate_put(&s, "ab", "CallManager/pub", &r, &e), 0);
	r.checked = 2000;
	ck_assert_int_eq(tl_revstate_put(&s, "ab", "CallManager/pub", &r, &e), 0);
	ck_assert_int_eq(tl_revstate_get(&s, "ab", &got), 0);
	ck_assert_int_eq(got.checked, 2000);
	ck_assert_int_eq(tl_store_audit(&s, "test", "x", NULL, NULL, &e), 0);
	ck_assert_int_eq(tl_store_audit_each(&s, audit_row, &rows, &e), 0);
	ck_assert_int_eq(rows, 1);
	done(&s);
}
END_TEST

/* A change on one connection wakes another's notification fd (PostgreSQL);
 * SQLite has none, and its servers watch the generation file. */
START_TEST(changes)
{
	tl_device d = dev("SEP001122334455");
	tl_store a, b;
	tl_err e;
	int fd, n = 0;

	fresh(&a);
	ck_assert_msg(tl_store_open(&b, dir, &e) == 0, "%s", e.msg);
	fd = tl_db_changes_fd(tl_store_db(&b));
	if (!tl_db_shared(tl_store_db(&b))) {
		ck_assert_int_eq(fd, -1);
	} else {
		ck_assert_int_ge(fd, 0);
		ck_assert_int_eq(tl_db_changes_drain(tl_store_db(&b)), 0);
		ck_assert_int_eq(tl_dev_put(&a, &d, 1, &e), 0);
		for (int i = 0; i < 50 && n == 0; i++) {
			struct pollfd p = { fd, POLLIN, 0 };

			if (poll(&p, 1, 100) > 0)
				n = tl_db_changes_drain(tl_store_db(&b));
		}
		ck_assert_int_ge(n, 1);
		ck_assert_int_eq(tl_store_generation(&b), 1);
	}
	tl_store_close(&b);
	done(&a);
}
END_TEST

/* The node table (PostgreSQL only): a row gets the generation and the
 * time; a node without a row is no error and adds none. */
START_TEST(node_seen)
{
	tl_store s;
	tl_err e;
	long v = 0;

	fresh(&s);
	if (tl_db_shared(tl_store_db(&s))) {
		ck_assert_int_ge(tl_db_run(tl_store_db(&s), NULL, &e, "INSERT INTO node"
					   " VALUES ('sub1', 'tftp', 0, 0)", ""), 0);
		ck_assert_msg(tl_node_seen(tl_store_db(&s), "sub1", 7, 1700000000, &e) == 0,
			      "%s", e.msg);
		tl_db_run(tl_store_db(&s), &v, &e, "SELECT generation FROM node"
			  " WHERE name = 'sub1'", "");
		ck_assert_int_eq(v, 7);
		tl_db_run(tl_store_db(&s), &v, &e, "SELECT last_seen FROM node"
			  " WHERE name = 'sub1'", "");
		ck_assert_int_eq(v, 1700000000);
		ck_assert_int_eq(tl_node_seen(tl_store_db(&s), "nosuch", 1, 1, &e), 0);
		tl_db_run(tl_store_db(&s), &v, &e, "SELECT count(*) FROM node", "");
		ck_assert_int_eq(v, 1);
	}
	done(&s);
}
END_TEST

struct seen {
	tl_loop *l;
	int changed;
};

static void changed(void *arg)
{
	struct seen *w = arg;

	w->changed++;
	tl_loop_stop(w->l);
}

static void give_up(void *arg)
{
	tl_loop_stop(arg);
}

/* A follower is told of a change made on another connection, through its
 * loop; with SQLite there is nothing to follow. */
START_TEST(follow)
{
	tl_device d = dev("SEP001122334466");
	struct seen w = { NULL, 0 };
	tl_follow *f;
	tl_ev *t;
	tl_store s;
	tl_err e;

	fresh(&s);
	ck_assert_ptr_nonnull(w.l = tl_loop_new(&e));
	ck_assert_msg(tl_follow_open(&f, w.l, &s.conf, "pub", changed, &w, &e) == 0,
		      "%s", e.msg);
	if (!tl_db_shared(tl_store_db(&s))) {
		ck_assert_ptr_null(f);
	} else {
		ck_assert_ptr_nonnull(f);
		tl_follow_loaded(f, tl_store_generation(&s));
		ck_assert_int_eq(tl_dev_put(&s, &d, 1, &e), 0);
		/* bounded: the loop ends by the change or after 10 s */
		ck_assert_ptr_nonnull(t = tl_ev_timer(w.l, give_up, w.l, &e));
		tl_ev_arm(t, 10000);
		ck_assert_int_eq(tl_loop_run(w.l, &e), 0);
		ck_assert_int_ge(w.changed, 1);
		tl_ev_free(t);
		tl_follow_free(f);
	}
	tl_loop_free(w.l);
	done(&s);
}
END_TEST

/* What a chrooted tftpd may connect to: decided from the URL alone, no
 * server needed. HOME is an empty directory: no ~/.pgpass. */
START_TEST(chroot_urls)
{
	static const struct { const char *url; const char *why; } cases[] = {
		{ "trustline.db", NULL },
		{ "postgresql://127.0.0.1/trustline", NULL },
		{ "postgresql://[::1]:5433,127.0.0.2/trustline", NULL },
		{ "postgresql://db.example/trustline?hostaddr=192.0.2.7", NULL },
		{ "postgresql:///trustline", "Unix socket" },
		{ "postgresql://%2Fvar%2Frun%2Fpostgresql/trustline", "Unix socket" },
		{ "postgresql://127.0.0.1/trustline?host=/run/pg", "Unix socket" },
		{ "postgresql://db.example/trustline", "/etc/hosts" },
		{ "postgresql://127.0.0.1,localhost/trustline", "localhost" },
		{ "service=cluster", "service file" },
		{ "postgresql://127.0.0.1/t?service=x", "service file" },
	};
	char home[] = "/tmp/tl-home-XXXXXX", pgpass[64], cmd[96];
	tl_err e;

	ck_assert_ptr_nonnull(mkdtemp(home));
	setenv("HOME", home, 1);
	unsetenv("PGHOST");
	unsetenv("PGHOSTADDR");
	unsetenv("PGPASSFILE");
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		int rc = tl_db_chroot_prepare(cases[i].url, "", &e);

		if (cases[i].why == NULL)
			ck_assert_msg(rc == 0, "%s: %s", cases[i].url, e.msg);
		else
			ck_assert_msg(rc == -1 && strstr(e.msg, cases[i].why), "%s: %s",
				      cases[i].url, rc ? e.msg : "accepted");
	}
	/* libpq's password file would be read inside: refused, unless the
	 * password comes from [database] password_file (kept open) */
	snprintf(pgpass, sizeof(pgpass), "%s/.pgpass", home);
	ck_assert(tl_write_file(pgpass, "*:*:*:*:secret\n", 15, 0600, &e) == 0);
	ck_assert_int_eq(tl_db_chroot_prepare("postgresql://127.0.0.1/t", "", &e), -1);
	ck_assert_msg(strstr(e.msg, "password_file") != NULL, "%s", e.msg);
	ck_assert_msg(tl_db_chroot_prepare("postgresql://127.0.0.1/t", pgpass, &e) == 0,
		      "%s", e.msg);
	ck_assert_int_eq(tl_db_chroot_prepare("postgresql://127.0.0.1/t",
					      "/nonexistent/pw", &e), -1);
	ck_assert_msg(strstr(e.msg, "password_file") != NULL, "%s", e.msg);
	snprintf(cmd, sizeof(cmd), "rm -rf %s", home);
	system(cmd);
}
END_TEST

/* The node table (PostgreSQL only): a node added once, what it reports,
 * and a store opened afterwards naming it among its nodes. */
START_TEST(nodes)
{
	tl_store a, b;
	tl_node *l;
	size_t n, i;
	void *der;
	size_t len;
	tl_err e;

	fresh(&a);
	if (!tl_db_shared(tl_store_db(&a))) {
		/* SQLite has no such table: an error, not a row */
		ck_assert_int_eq(tl_node_insert(tl_store_db(&a), "n1", "tvs", &e), -1);
		done(&a);
		return;
	}
	ck_assert_int_eq(tl_node_insert(tl_store_db(&a), "unit-n1", "tftp,tvs", &e), 0);
	ck_assert_int_eq(tl_node_insert(tl_store_db(&a), "unit-n1", "tvs", &e), 1);
	ck_assert_int_eq(tl_node_insert(tl_store_db(&a), "unit-n2", "tvs", &e), 0);
	ck_assert_int_eq(tl_node_seen(tl_store_db(&a), "unit-n1", 5, 1000, &e), 0);
	ck_assert_int_eq(tl_node_list(tl_store_db(&a), &l, &n, &e), 0);
	for (i = 0; i < n && strcmp(l[i].name, "unit-n1"); i++)
		;
	ck_assert_uint_lt(i, n);
	ck_assert_str_eq(l[i].services, "tftp,tvs");
	ck_assert_int_eq(l[i].generation, 5);
	ck_assert_int_eq(l[i].last_seen, 1000);
	free(l);
	ck_assert_msg(tl_store_open(&b, dir, &e) == 0, "%s", e.msg);
	ck_assert_str_eq(b.conf.nodes[0], "pub");
	ck_assert(tl_conf_has_node(&b.conf, "unit-n1"));
	ck_assert(tl_conf_is_tftp(&b.conf, "unit-n1"));
	ck_assert(tl_conf_has_node(&b.conf, "unit-n2"));
	ck_assert(!tl_conf_is_tftp(&b.conf, "unit-n2"));
	ck_assert_int_eq(tl_db_identity_get(tl_store_db(&b), "TVS", "unit-n1", &der,
					    &len, &e), 0);
	ck_assert(!tl_store_identity_exists(&b, "TVS", "unit-n1"));
	tl_store_close(&b);
	done(&a);
}
END_TEST

int main(void)
{
	Suite *su = suite_create("db");
	TCase *tc = tcase_create("db");

	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, devices);
	tcase_add_test(tc, capf);
	tcase_add_test(tc, alarms_revocation_audit);
	tcase_add_test(tc, changes);
	tcase_add_test(tc, node_seen);
	tcase_add_test(tc, follow);
	tcase_add_test(tc, chroot_urls);
	tcase_add_test(tc, nodes);
	suite_add_tcase(su, tc);
	return tu_run(su);
}
