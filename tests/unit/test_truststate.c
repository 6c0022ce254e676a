/* The trust-state tables (db/truststate.c): a trust list fetched by an
 * address becomes the phone's whose configuration that address completed
 * within TL_TS_PAIR_S, in whichever order the two were committed; older
 * news changes nothing; "since" keeps the start of a run of the same bytes;
 * tvsd's answers are kept to the last TL_TS_TVS_KEEP. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "truststate.h"
#include "testutil.h"

static void fresh(tl_store *s)
{
	char dir[] = "/tmp/tl-ts-XXXXXX";
	tl_conf c;
	tl_err e;

	ck_assert_ptr_nonnull(mkdtemp(dir));
	tl_conf_defaults(&c);
	tu_database(&c);
	snprintf(c.name, sizeof(c.name), "lab");
	c.nnodes = tl_conf_parse_nodes("pub", c.nodes, &e);
	ck_assert_int_eq(tl_store_create(s, dir, &c, &e), 0);
}

static tl_ts_file file(const char *name, char sha, const char *addr, time_t t)
{
	tl_ts_file f;

	memset(&f, 0, sizeof(f));
	snprintf(f.file, sizeof(f.file), "%s", name);
	memset(f.sha256, sha, 64);
	snprintf(f.mode, sizeof(f.mode), "signed");
	snprintf(f.address, sizeof(f.address), "%s", addr);
	snprintf(f.via, sizeof(f.via), "tftp");
	f.time = t;
	return f;
}

static void put(tl_store *s, enum tl_ts_kind k, const char *dev, tl_ts_file f)
{
	tl_err e;

	ck_assert_int_eq(tl_truststate_begin(s, &e), 0);
	ck_assert_int_eq(tl_truststate_put(s, k, dev, &f, &e), 0);
	ck_assert_int_eq(tl_truststate_end(s, 0, &e), 0);
}

START_TEST(pairs_lists_by_address)
{
	const time_t t = 1800000000;
	tl_truststate st;
	tl_store s;
	tl_err e;

	fresh(&s);
	/* the list first, then the configuration from the same address */
	put(&s, TL_TS_ITL, NULL, file("ITLFile.tlv", 'a', "192.0.2.1", t));
	put(&s, TL_TS_CONFIG, "SEP000000000001",
	    file("SEP000000000001.cnf.xml.sgn", 'c', "192.0.2.1", t + 2));
	ck_assert_int_eq(tl_truststate_get(&s, "SEP000000000001", &st, &e), 1);
	ck_assert(st.has[TL_TS_ITL] && st.f[TL_TS_ITL].sha256[0] == 'a');
	ck_assert_str_eq(st.config_mode, "signed");
	/* committed the other way round (another worker's batch) */
	put(&s, TL_TS_CONFIG, "SEP000000000002",
	    file("SEP000000000002.cnf.xml.sgn", 'c', "192.0.2.2", t + 5));
	put(&s, TL_TS_CTL, NULL, file("CTLFile.tlv", 'b', "192.0.2.2", t + 4));
	ck_assert_int_eq(tl_truststate_get(&s, "SEP000000000002", &st, &e), 1);
	ck_assert(st.has[TL_TS_CTL] && st.f[TL_TS_CTL].sha256[0] == 'b');
	ck_assert(!st.has[TL_TS_ITL]);
	/* too far apart: not the same boot */
	put(&s, TL_TS_ITL, NULL, file("ITLFile.tlv", 'd', "192.0.2.2",
				      t + 5 + TL_TS_PAIR_S + 1));
	ck_assert_int_eq(tl_truststate_get(&s, "SEP000000000002", &st, &e), 1);
	ck_assert(!st.has[TL_TS_ITL]);
	/* an unknown phone */
	ck_assert_int_eq(tl_truststate_get(&s, "SEP0000000000FF", &st, &e), 0);
	tl_store_close(&s);
}
END_TEST

START_TEST(since_and_older_news)
{
	const time_t t = 1800000000;
	const char *dev = "SEP000000000003";
	tl_truststate st;
	tl_store s;
	tl_err e;

	fresh(&s);
	put(&s, TL_TS_CONFIG, dev, file("SEP000000000003.cnf.xml", 'c', "192.0.2.3", t));
	put(&s, TL_TS_CONFIG, dev, file("SEP000000000003.cnf.xml", 'c', "192.0.2.3", t + 60));
	ck_assert_int_eq(tl_truststate_get(&s, dev, &st, &e), 1);
	ck_assert_int_eq(st.f[TL_TS_CONFIG].since, t);
	ck_assert_int_eq(st.f[TL_TS_CONFIG].time, t + 60);
	/* an older record arriving late changes nothing */
	put(&s, TL_TS_CONFIG, dev, file("SEP000000000003.cnf.xml", 'e', "192.0.2.9", t + 30));
	ck_assert_int_eq(tl_truststate_get(&s, dev, &st, &e), 1);
	ck_assert_int_eq(st.f[TL_TS_CONFIG].sha256[0], 'c');
	/* new bytes start a new run */
	put(&s, TL_TS_CONFIG, dev, file("SEP000000000003.cnf.xml", 'f', "192.0.2.3", t + 90));
	ck_assert_int_eq(tl_truststate_get(&s, dev, &st, &e), 1);
	ck_assert_int_eq(st.f[TL_TS_CONFIG].since, t + 90);
	tl_store_close(&s);
}
END_TEST

static int count(void *arg, const tl_ts_tvs *q)
{
	(*(int *)arg)++;
	return 0;
}

static int names(void *arg, const tl_truststate *st)
{
	strcat(arg, st->device);
	strcat(arg, " ");
	return 0;
}

START_TEST(tvs_bounded)
{
	char all[200] = "";
	tl_store s;
	tl_ts_tvs q;
	tl_err e;
	int n = 0;

	fresh(&s);
	memset(&q, 0, sizeof(q));
	snprintf(q.device, sizeof(q.device), "SEP000000000004");
	snprintf(q.command, sizeof(q.command), "verify");
	snprintf(q.verdict, sizeof(q.verdict), "valid");
	ck_assert_int_eq(tl_truststate_begin(&s, &e), 0);
	for (int i = 0; i < TL_TS_TVS_KEEP + 5; i++) {
		q.time = 1800000000 + i;
		ck_assert_int_eq(tl_truststate_put_tvs(&s, &q, &e), 0);
	}
	ck_assert_int_eq(tl_truststate_end(&s, 0, &e), 0);
	ck_assert_int_eq(tl_truststate_tvs_each(&s, q.device, count, &n, &e), 0);
	ck_assert_int_eq(n, TL_TS_TVS_KEEP);
	put(&s, TL_TS_CONFIG, "SEP000000000001",
	    file("SEP000000000001.cnf.xml", 'c', "192.0.2.1", 1800000000));
	/* each: a phone with only answers is listed too */
	ck_assert_int_eq(tl_truststate_each(&s, names, all, &e), 0);
	ck_assert_str_eq(all, "SEP000000000001 SEP000000000004 ");
	tl_store_close(&s);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("truststate");
	TCase *tc = tcase_create("truststate");

	tcase_add_test(tc, pairs_lists_by_address);
	tcase_add_test(tc, since_and_older_news);
	tcase_add_test(tc, tvs_bounded);
	suite_add_tcase(s, tc);
	return tu_run(s);
}
