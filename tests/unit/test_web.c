/* trustline-web's request parser, form fields, HTML escaping and sessions. */
#include "testutil.h"
#include <stdio.h>
#include <string.h>

#include "html.h"
#include "httpreq.h"
#include "websession.h"

static long parse(const char *s, tl_hreq *r)
{
	return tl_hreq_parse((const uint8_t *)s, strlen(s), r);
}

START_TEST(request_line_and_headers)
{
	const char *get = "GET /certificate%2Fx?id=tomcat/cucm1&a=b+c%21 HTTP/1.1\r\n"
			  "host: x\r\ncookie: other=1; tlweb=abc\r\n\r\nNEXT";
	char v[64];
	tl_hreq r;

	ck_assert_int_eq(parse(get, &r), (long)strlen(get) - 4);
	ck_assert_str_eq(r.method, "GET");
	ck_assert_str_eq(r.path, "/certificate/x");
	ck_assert_int_eq(r.close, 0);
	ck_assert_int_eq(tl_hreq_query(&r, "a", v, sizeof(v)), 1);
	ck_assert_str_eq(v, "b c!");
	ck_assert_int_eq(tl_hreq_query(&r, "id", v, sizeof(v)), 1);
	ck_assert_str_eq(v, "tomcat/cucm1");
	ck_assert_int_eq(tl_hreq_query(&r, "i", v, sizeof(v)), 0);
	ck_assert_int_eq(tl_hreq_cookie(&r, "tlweb", v, sizeof(v)), 1);
	ck_assert_str_eq(v, "abc");
	/* incomplete: more is needed */
	ck_assert_int_eq(parse("GET / HTTP/1.1\r\nHost: x\r\n", &r), 0);
	ck_assert_int_eq(parse("GET / HTTP/1.0\n\n", &r), 16);
	ck_assert_int_eq(r.close, 1);
	ck_assert_int_eq(parse("GET / HTTP/2.0\r\n\r\n", &r), -505);
	ck_assert_int_eq(parse("GET nopath HTTP/1.1\r\n\r\n", &r), -400);
	ck_assert_int_eq(parse("GET /%00 HTTP/1.1\r\n\r\n", &r), -400);
	ck_assert_int_eq(parse("POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n", &r),
			 -411);
	ck_assert_int_eq(parse("POST / HTTP/1.1\r\nContent-Length: 2000000\r\n\r\n", &r),
			 -413);
	ck_assert_int_eq(parse("POST / HTTP/1.1\r\nContent-Length: 1\r\n"
			       "Content-Length: 1\r\n\r\nx", &r), -400);
}
END_TEST

START_TEST(forms)
{
	const char *post = "POST /device HTTP/1.1\r\nContent-Type: application/"
			   "x-www-form-urlencoded\r\nContent-Length: 28\r\n\r\n"
			   "name=SEP%41&csrf=t&x=1234567";
	const char *body = "--XY\r\nContent-Disposition: form-data; name=\"csrf\"\r\n\r\n"
			   "tok\r\n--XY\r\nContent-Disposition: form-data; name=\"file\"\r\n"
			   "\r\nA\r\nB\r\n--XY--\r\n";
	char mp[512];
	const uint8_t *p;
	char v[64];
	size_t n;
	tl_hreq r;

	ck_assert_int_gt(parse(post, &r), 0);
	ck_assert_int_eq(tl_hreq_field(&r, "name", v, sizeof(v)), 1);
	ck_assert_str_eq(v, "SEPA");
	ck_assert_int_eq(tl_hreq_field(&r, "x", v, 4), -1);	/* too long */
	ck_assert_int_eq(tl_hreq_field(&r, "nam", v, sizeof(v)), 0);
	snprintf(mp, sizeof(mp), "POST /u HTTP/1.1\r\nContent-Type: multipart/form-data; "
		 "boundary=XY\r\nContent-Length: %zu\r\n\r\n%s", strlen(body), body);
	ck_assert_int_eq(parse(mp, &r), (long)strlen(mp));
	ck_assert_int_eq(tl_hreq_field(&r, "csrf", v, sizeof(v)), 1);
	ck_assert_str_eq(v, "tok");
	ck_assert_int_eq(tl_hreq_file(&r, "file", &p, &n), 1);
	ck_assert_uint_eq(n, 4);
	ck_assert_int_eq(memcmp(p, "A\r\nB", 4), 0);
	ck_assert_int_eq(tl_hreq_file(&r, "nope", &p, &n), 0);
}
END_TEST

START_TEST(escaping)
{
	tl_buf b;

	tl_buf_init(&b);
	h_fmt(&b, "<td title=\"%s\">%d</td>", "\"><script>&'", 7);
	h_url(&b, "a b/é");
	tl_buf_add(&b, "", 1);
	ck_assert_str_eq((char *)b.p, "<td title=\"&quot;&gt;&lt;script&gt;&amp;&#39;\">7"
			 "</td>a%20b%2F%C3%A9");
	tl_buf_free(&b);
}
END_TEST

START_TEST(sessions)
{
	static tl_sessions t;
	tl_session *s, *again;
	char id[65];
	tl_err e;

	s = tl_sess_new(&t, "alice", 1000, &e);
	ck_assert_ptr_nonnull(s);
	ck_assert_uint_eq(strlen(s->id), 64);
	ck_assert_str_ne(s->id, s->csrf);
	memcpy(id, s->id, sizeof(id));
	ck_assert_ptr_eq(tl_sess_find(&t, id, 2000), s);
	ck_assert(tl_sess_csrf_ok(s, s->csrf));
	ck_assert(!tl_sess_csrf_ok(s, id));
	ck_assert(!tl_sess_csrf_ok(s, ""));
	/* idle too long */
	ck_assert_ptr_null(tl_sess_find(&t, id, 2000 + TL_SESS_IDLE_S * 1000ull));
	again = tl_sess_new(&t, "bob", 5000, &e);
	memcpy(id, again->id, sizeof(id));
	tl_sess_end(again);
	ck_assert_ptr_null(tl_sess_find(&t, id, 5001));
	ck_assert_ptr_null(tl_sess_find(&t, "", 5001));
}
END_TEST

int main(void)
{
	Suite *s = suite_create("web");
	TCase *tc = tcase_create("web");

	tcase_add_test(tc, request_line_and_headers);
	tcase_add_test(tc, forms);
	tcase_add_test(tc, escaping);
	tcase_add_test(tc, sessions);
	suite_add_tcase(s, tc);
	return tu_run(s);
}
