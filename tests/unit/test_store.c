#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "store.h"
#include "testutil.h"

static const tu_ident *a, *b;

static void fresh(tl_store *s, char *dir)
{
	tl_conf c;
	tl_err e;

	strcpy(dir, "/tmp/tl-store-XXXXXX");
	ck_assert_ptr_nonnull(mkdtemp(dir));
	tl_conf_defaults(&c);
	snprintf(c.name, sizeof(c.name), "lab");
	c.nnodes = tl_conf_parse_nodes("pub,sub", c.nodes, &e);
	tu_database(&c);
	ck_assert_int_eq(tl_store_create(s, dir, &c, &e), 0);
}

static void expect_pair(const char *dir, const tu_ident *id)
{
	tl_store s;
	tl_cert *c;
	tl_key *k;
	tl_err e;

	/* opening runs the recovery of an interrupted replacement */
	ck_assert_msg(tl_store_open(&s, dir, &e) == 0, "%s", e.msg);
	ck_assert_int_eq(tl_store_identity_load(&s, "CallManager", "pub", &c, &k, &e), 0);
	ck_assert_mem_eq(c->der, id->cert->der, c->der_len);
	ck_assert_int_eq(tl_key_matches(k, c, &e), 0);
	tl_cert_free(c);
	tl_key_free(k);
	tl_store_close(&s);
}

/* A failure between writing the key and the certificate leaves the old
 * pair intact and matching. */
START_TEST(crash_before_commit_keeps_old_pair)
{
	char dir[64], cmd[128];
	tl_store s;
	tl_err e;

	fresh(&s, dir);
	ck_assert_int_eq(tl_store_identity_save(&s, "CallManager", "pub", a->cert,
						a->key, &e), 0);
	tl_store_fault = 1;
	ck_assert_int_eq(tl_store_identity_save(&s, "CallManager", "pub", b->cert,
						b->key, &e), -1);
	tl_store_fault = 0;
	tl_store_close(&s);
	expect_pair(dir, a);
	snprintf(cmd, sizeof(cmd), "test -z \"$(ls %s/certs/CallManager | grep -v '^pub\\.')\"", dir);
	ck_assert_int_eq(system(cmd), 0);
	snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
	system(cmd);
}
END_TEST

/* Once the new pair is committed, a crash rolls forward to it. */
START_TEST(crash_after_commit_rolls_forward)
{
	char dir[64], cmd[128];
	tl_store s;
	tl_err e;

	fresh(&s, dir);
	ck_assert_int_eq(tl_store_identity_save(&s, "CallManager", "pub", a->cert,
						a->key, &e), 0);
	tl_store_fault = 2;
	ck_assert_int_eq(tl_store_identity_save(&s, "CallManager", "pub", b->cert,
						b->key, &e), -1);
	tl_store_fault = 0;
	tl_store_close(&s);
	expect_pair(dir, b);
	snprintf(cmd, sizeof(cmd), "test ! -e %s/certs/CallManager/pub.commit", dir);
	ck_assert_int_eq(system(cmd), 0);
	snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
	system(cmd);
}
END_TEST

static void count_rows(void *arg, long ts, const char *user, const char *action,
		       const char *object, const char *old_fp, const char *new_fp)
{
	(*(int *)arg)++;
	ck_assert_str_eq(action, "regenerate");
	ck_assert_uint_eq(strlen(old_fp), 64);
	ck_assert_uint_eq(strlen(new_fp), 64);
}

START_TEST(audit_state_generation)
{
	char dir[64], cmd[128], v[16];
	tl_store s;
	tl_err e;
	int rows = 0;

	fresh(&s, dir);
	ck_assert_int_eq(tl_store_audit(&s, "regenerate", "CallManager/pub", a->cert,
					 b->cert, &e), 0);
	ck_assert_int_eq(tl_store_audit_each(&s, count_rows, &rows, &e), 0);
	ck_assert_int_eq(rows, 1);
	ck_assert_int_eq(tl_store_generation(&s), 0);
	ck_assert_int_eq(tl_store_bump(&s, &e), 0);
	ck_assert_int_eq(tl_store_bump(&s, &e), 0);
	ck_assert_int_eq(tl_store_generation(&s), 2);
	ck_assert_int_eq(tl_store_get(&s, "nothing", v, sizeof(v)), 0);
	tl_store_close(&s);
	snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
	system(cmd);
}
END_TEST

static int conf_error(const char *text, const char *want)
{
	char path[] = "/tmp/tl-conf-XXXXXX";
	int fd = mkstemp(path);
	tl_conf c;
	tl_err e;
	int rc;

	ck_assert_int_eq(write(fd, text, strlen(text)), (ssize_t)strlen(text));
	close(fd);
	rc = tl_conf_load(&c, path, &e);
	unlink(path);
	if (want)
		ck_assert_msg(rc == -1 && strstr(e.msg, want), "\"%s\": %s", text,
			      rc ? e.msg : "accepted");
	return rc;
}

START_TEST(conf_rules)
{
	ck_assert_int_eq(conf_error("[cluster]\nname=lab\nnodes=a,b\n[pki]\nkey=ec:384\n", NULL), 0);
	conf_error("[cluster]\nname=lab\nnodes=a\ncolour=blue\n", "line 4");
	conf_error("[cluster]\nnodes=a\n[pki]\nyears=abc\n", "years");
	conf_error("[cluster]\nnodes=a\n[nonsense]\nx=1\n", "nonsense");
	conf_error("[cluster]\nname=lab\n", "nodes is missing");
	conf_error("[cluster]\nnodes=a\ntftp_nodes=b\n", "not in nodes");
	conf_error("[cluster]\nnodes=a/b\n", "letters");
	/* a key set again, in the same section or a repeated one */
	conf_error("[cluster]\nnodes=a\nnodes=b\n", "line 3: [cluster] nodes: set again; "
		   "line 2 sets it first");
	conf_error("[cluster]\nnodes=a\n[tvs]\nport=1\n[pki]\nyears=2\n[tvs]\nport=2\n",
		   "line 8: [tvs] port: set again; line 4");
	conf_error("[cluster]\nname=lab\n  domain=x\nnodes=a\n", "indented line");
	ck_assert_int_eq(conf_error("[cluster]\nnodes=a\n[tvs]\nport=1\n[capf]\nport=2\n",
				    NULL), 0);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("store");
	TCase *tc = tcase_create("store");

	a = tu_ident_get("cm-pub", TL_KEY_RSA, 1024);
	b = tu_ident_get("cm-pub-new", TL_KEY_RSA, 1024);
	tcase_add_test(tc, crash_before_commit_keeps_old_pair);
	tcase_add_test(tc, crash_after_commit_rolls_forward);
	tcase_add_test(tc, audit_state_generation);
	tcase_add_test(tc, conf_rules);
	suite_add_tcase(s, tc);
	return tu_run(s);
}
