#include "testutil.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "conf.h"
#include "metrics.h"

/* Who may GET /metrics: loopback always, others only when listed. */
START_TEST(peers_allowed)
{
	ck_assert_int_eq(tl_metrics_peer_allowed("127.0.0.1:4000", ""), 1);
	ck_assert_int_eq(tl_metrics_peer_allowed("127.8.9.10:4000", NULL), 1);
	ck_assert_int_eq(tl_metrics_peer_allowed("[::1]:4000", ""), 1);
	ck_assert_int_eq(tl_metrics_peer_allowed("[::ffff:127.0.0.1]:4000", ""), 1);
	ck_assert_int_eq(tl_metrics_peer_allowed("10.0.0.5:4000", ""), 0);
	ck_assert_int_eq(tl_metrics_peer_allowed("10.0.0.5:4000", "10.0.0.6,10.0.0.5"), 1);
	ck_assert_int_eq(tl_metrics_peer_allowed("10.0.0.50:4000", "10.0.0.5"), 0);
	ck_assert_int_eq(tl_metrics_peer_allowed("[2001:db8::1]:80", "[2001:db8::1]"), 1);
	ck_assert_int_eq(tl_metrics_peer_allowed("[2001:db8::2]:80", "2001:db8::1"), 0);
}
END_TEST

static char *render(const tl_metrics *m, const tl_metric *d, size_t n)
{
	char *text = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&text, &len);

	ck_assert_ptr_nonnull(f);
	tl_metrics_write(f, m, d, n);
	tl_metrics_label(f, "a\\b\"c\nd");
	fclose(f);
	return text;
}

/* Slots written in forked children are summed by the parent; one HELP and
 * TYPE per family; label values escaped. */
START_TEST(slots_summed_across_fork)
{
	struct slot { uint64_t a, b; };
	static const tl_metric d[] = {
		{ "x_total", "counter", "X", "k=\"1\"", offsetof(struct slot, a) },
		{ "x_total", "counter", "X", "k=\"2\"", offsetof(struct slot, b) },
	};
	tl_metrics m;
	tl_err e;
	char *text;

	ck_assert_int_eq(tl_metrics_map(&m, sizeof(struct slot), 3, &e), 0);
	for (int i = 0; i < 3; i++) {
		pid_t p = fork();

		if (p == 0) {
			struct slot *s = tl_metrics_slot(&m, i);

			s->a += (uint64_t)i + 1;
			s->b += 10;
			_exit(0);
		}
		ck_assert_int_gt(p, 0);
		ck_assert_int_eq(waitpid(p, NULL, 0), p);
	}
	text = render(&m, d, 2);
	ck_assert_str_eq(text, "# HELP x_total X\n# TYPE x_total counter\n"
			 "x_total{k=\"1\"} 6\nx_total{k=\"2\"} 30\n"
			 "a\\\\b\\\"c\\nd");
	free(text);
}
END_TEST

/* metrics_listen: a port alone is loopback; an address and port, IPv6 in
 * brackets; anything else refused with a message. */
START_TEST(listen_values)
{
	char addr[64];
	int port;
	tl_err e;

	ck_assert_int_eq(tl_conf_metrics_listen("9102", addr, sizeof(addr), &port, &e), 0);
	ck_assert_str_eq(addr, "127.0.0.1");
	ck_assert_int_eq(port, 9102);
	ck_assert_int_eq(tl_conf_metrics_listen("192.0.2.10:0", addr, sizeof(addr), &port,
						&e), 0);
	ck_assert_str_eq(addr, "192.0.2.10");
	ck_assert_int_eq(port, 0);
	ck_assert_int_eq(tl_conf_metrics_listen("[::1]:9102", addr, sizeof(addr), &port,
						&e), 0);
	ck_assert_str_eq(addr, "[::1]");
	ck_assert_int_eq(tl_conf_metrics_listen("localhost:9102", addr, sizeof(addr), &port,
						&e), -1);
	ck_assert_ptr_nonnull(strstr(e.msg, "numeric"));
	ck_assert_int_eq(tl_conf_metrics_listen("[::1]", addr, sizeof(addr), &port, &e), -1);
	ck_assert_int_eq(tl_conf_metrics_listen("127.0.0.1:65536", addr, sizeof(addr), &port,
						&e), -1);
	ck_assert_int_eq(tl_conf_metrics_listen(":9102", addr, sizeof(addr), &port, &e), -1);
	ck_assert_int_eq(tl_conf_metrics_listen("127.0.0.1:", addr, sizeof(addr), &port,
						&e), -1);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("metrics");
	TCase *tc = tcase_create("metrics");

	tcase_add_test(tc, peers_allowed);
	tcase_add_test(tc, slots_summed_across_fork);
	tcase_add_test(tc, listen_values);
	suite_add_tcase(s, tc);
	return tu_run(s);
}
