#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cnf.h"
#include "encconfig.h"
#include "signedfile.h"
#include "testutil.h"

static const tu_ident *cm, *mic;
static char dir[64];

/* A data directory whose TFTP node's CallManager identity is cm. */
static void setup(tl_store *s)
{
	tl_conf c;
	tl_err e;

	tl_conf_defaults(&c);
	snprintf(c.name, sizeof(c.name), "lab");
	snprintf(c.domain, sizeof(c.domain), "lab.example");
	c.nnodes = tl_conf_parse_nodes("pub,sub1,sub2", c.nodes, &e);
	memcpy(c.tftp_nodes, c.nodes, sizeof(c.nodes));
	c.ntftp_nodes = 1;
	strcpy(dir, "/tmp/tl-cnf-XXXXXX");
	ck_assert_ptr_nonnull(mkdtemp(dir));
	tu_database(&c);
	ck_assert_int_eq(tl_store_create(s, dir, &c, &e), 0);
	ck_assert_int_eq(tl_store_identity_save(s, "CallManager", "pub", cm->cert,
						cm->key, &e), 0);
}

static void teardown(tl_store *s)
{
	char cmd[128];

	tl_store_close(s);
	snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
	ck_assert_int_eq(system(cmd), 0);
}

static void device(tl_device *d, int profile)
{
	tl_device_init(d);
	snprintf(d->name, sizeof(d->name), "SEP001122334455");
	snprintf(d->model, sizeof(d->model), "CP-8865");
	d->profile = profile;
	snprintf(d->capf_auth_mode, sizeof(d->capf_auth_mode), "string");
}

static int has(const tl_buf *b, const char *s)
{
	return memmem(b->p, b->len, s, strlen(s)) != NULL;
}

START_TEST(render_trust_elements)
{
	tl_store s;
	tl_device d;
	tl_buf x;
	tl_err e;

	setup(&s);
	device(&d, TL_PROFILE_AUTH);
	ck_assert_int_eq(tl_cnf_render(&s, &d, &x, &e), 0);
	ck_assert(has(&x, "<deviceSecurityMode>2</deviceSecurityMode>"));
	ck_assert(has(&x, "<transportLayerProtocol>3</transportLayerProtocol>"));
	ck_assert(has(&x, "<member priority=\"2\">"));
	ck_assert(has(&x, "<address>sub2.lab.example</address>"));
	ck_assert(has(&x, "<port>2445</port>"));
	ck_assert(has(&x, "<capfAuthMode>1</capfAuthMode>"));
	ck_assert(has(&x, "<processNodeName>pub.lab.example</processNodeName>"));
	ck_assert(has(&x, "<sipSecurePort>5061</sipSecurePort>"));
	tl_buf_free(&x);
	snprintf(d.template_name, sizeof(d.template_name), "missing");
	ck_assert_int_eq(tl_cnf_render(&s, &d, &x, &e), -1);
	ck_assert_ptr_nonnull(strstr(e.msg, "template missing not found"));
	teardown(&s);
}
END_TEST

static void check_signed(const tl_cnf_file *f, const char *name)
{
	tl_sfile h;
	tl_pub *pub;
	tl_err e;

	ck_assert_str_eq(f->name, name);
	ck_assert_int_eq(tl_sfile_parse(&h, f->data.p, f->data.len, name, &e), 0);
	ck_assert_str_eq(h.filename, name);
	ck_assert_int_eq(tl_pub_from_cert(cm->cert, &pub, &e), 0);
	ck_assert_int_eq(tl_sfile_verify(&h, pub, &e), 0);
	tl_pub_free(pub);
}

START_TEST(files_per_profile)
{
	tl_cnf_signer sg;
	tl_cnf_file f[3];
	tl_store s;
	tl_device d;
	char warn[300];
	tl_err e;
	tl_sfile h;
	uint8_t *xml;
	size_t xml_len;

	setup(&s);
	ck_assert_int_eq(tl_cnf_signer_load(&s, &sg, &e), 0);
	device(&d, TL_PROFILE_NONSECURE);
	ck_assert_int_eq(tl_cnf_files(&s, &sg, &d, 0, f, warn, sizeof(warn), &e), 1);
	check_signed(&f[0], "SEP001122334455.cnf.xml.sgn");
	tl_cnf_file_free(&f[0]);
	ck_assert_int_eq(tl_cnf_files(&s, &sg, &d, 1, f, warn, sizeof(warn), &e), 2);
	ck_assert_str_eq(f[1].name, "SEP001122334455.cnf.xml");
	tl_cnf_file_free(&f[0]);
	tl_cnf_file_free(&f[1]);

	device(&d, TL_PROFILE_ENCRYPTED);
	ck_assert_int_eq(tl_cnf_files(&s, &sg, &d, 1, f, warn, sizeof(warn), &e), 0);
	ck_assert_ptr_nonnull(strstr(warn, "no LSC or MIC"));
	tl_device_set_blob(&d.mic, &d.mic_len, mic->cert->der, mic->cert->der_len);
	ck_assert_int_eq(tl_cnf_files(&s, &sg, &d, 1, f, warn, sizeof(warn), &e), 2);
	check_signed(&f[0], "SEP001122334455.cnf.xml.sgn");
	ck_assert(has(&f[0].data, "<encrConfig>true</encrConfig>"));
	check_signed(&f[1], "SEP001122334455.cnf.xml.enc.sgn");
	ck_assert_int_eq(tl_sfile_parse(&h, f[1].data.p, f[1].data.len, "enc", &e), 0);
	ck_assert_int_eq(tl_enc_decrypt(&h, mic->key, &xml, &xml_len, &e), 0);
	ck_assert_ptr_nonnull(strstr((char *)xml, "<deviceSecurityMode>3</deviceSecurityMode>"));
	free(xml);
	tl_cnf_file_free(&f[0]);
	tl_cnf_file_free(&f[1]);
	tl_device_free(&d);
	tl_cnf_signer_free(&sg);
	teardown(&s);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("cnf");
	TCase *tc = tcase_create("cnf");

	cm = tu_ident_get("pub.lab.example", TL_KEY_RSA, 1024);
	mic = tu_ident_get("CP-8865-SEP001122334455", TL_KEY_RSA, 1024);
	tcase_add_test(tc, render_trust_elements);
	tcase_add_test(tc, files_per_profile);
	suite_add_tcase(s, tc);
	return tu_run(s);
}
