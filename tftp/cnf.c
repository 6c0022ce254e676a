#include "cnf.h"

#include <libxml/parser.h>
#include <libxml/tree.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "encconfig.h"
#include "signedfile.h"

/* The template used when the data directory has none: the elements a phone
 * needs to boot; the renderer fills in everything trust-related. */
static const char default_template[] =
	"<device>\n"
	"  <fullConfig>true</fullConfig>\n"
	"  <deviceProtocol>SIP</deviceProtocol>\n"
	"  <sshUserId/>\n"
	"  <devicePool>\n"
	"    <dateTimeSetting><dateTemplate>Y-M-D</dateTemplate>"
	"<timeZone>Greenwich Standard Time</timeZone></dateTimeSetting>\n"
	"    <callManagerGroup><members/></callManagerGroup>\n"
	"  </devicePool>\n"
	"  <loadInformation/>\n"
	"  <ipAddressMode>0</ipAddressMode>\n"
	"</device>\n";

/* The element `name` under parent, created (empty) when missing. */
static xmlNodePtr child(xmlNodePtr parent, const char *name)
{
	for (xmlNodePtr n = parent->children; n; n = n->next)
		if (n->type == XML_ELEMENT_NODE && !xmlStrcmp(n->name, BAD_CAST name))
			return n;
	return xmlNewChild(parent, NULL, BAD_CAST name, NULL);
}

static void set_text(xmlNodePtr parent, const char *name, const char *value)
{
	xmlNodePtr n = child(parent, name);

	xmlNodeSetContent(n, NULL);
	xmlNodeAddContent(n, BAD_CAST value);
}

/* Replaces the children of parent/name with a fresh empty element. */
static xmlNodePtr fresh(xmlNodePtr parent, const char *name)
{
	xmlNodePtr old = child(parent, name), n;

	n = xmlNewNode(NULL, BAD_CAST name);
	xmlReplaceNode(old, n);
	xmlFreeNode(old);
	return n;
}

static const char *capf_mode(const char *m)
{
	static const struct { const char *name, *code; } modes[] = {
		{ "string", "1" }, { "null", "2" }, { "lsc", "3" }, { "mic", "4" },
	};

	for (size_t i = 0; i < sizeof(modes) / sizeof(modes[0]); i++)
		if (!strcmp(m, modes[i].name))
			return modes[i].code;
	return "2";
}

static const char *model_load(const char *model)
{
	/* a plausible firmware image per family; templates override it */
	if (!strncmp(model, "CP-88", 5))
		return "sip88xx.14-2-1-0201-16";
	if (!strncmp(model, "CP-78", 5))
		return "sip78xx.14-2-1-0201-16";
	if (!strncmp(model, "CP-79", 5))
		return "SCCP75.9-4-2SR4-3S";
	return "";
}

static void fill(xmlNodePtr root, tl_store *s, const tl_device *d)
{
	const tl_conf *c = &s->conf;
	char fqdn[192], prio[16];
	xmlNodePtr tvs, capf, pool, group, n;
	xmlChar *load;

	set_text(root, "deviceProtocol", d->protocol);
	set_text(root, "deviceSecurityMode", d->profile == TL_PROFILE_ENCRYPTED ? "3" :
		 d->profile == TL_PROFILE_AUTH ? "2" : "1");
	set_text(root, "transportLayerProtocol",
		 d->profile == TL_PROFILE_NONSECURE ? "2" : "3");
	load = xmlNodeGetContent(child(root, "loadInformation"));
	if (load == NULL || !load[0])
		set_text(root, "loadInformation", model_load(d->model));
	xmlFree(load);
	/* TVS: every node, lower priority first, at most 5 (docs/protocols.md) */
	tvs = fresh(root, "TVS");
	n = xmlNewChild(tvs, NULL, BAD_CAST "members", NULL);
	for (int i = 0; i < c->nnodes && i < 5; i++) {
		xmlNodePtr m = xmlNewChild(n, NULL, BAD_CAST "member", NULL);

		snprintf(prio, sizeof(prio), "%d", i);
		xmlNewProp(m, BAD_CAST "priority", BAD_CAST prio);
		xmlNewChild(m, NULL, BAD_CAST "port", BAD_CAST "2445");
		tl_conf_fqdn(c, c->nodes[i], fqdn, sizeof(fqdn));
		xmlNewTextChild(m, NULL, BAD_CAST "address", BAD_CAST fqdn);
	}
	set_text(root, "capfAuthMode", capf_mode(d->capf_auth_mode));
	capf = fresh(root, "capfList");
	n = xmlNewChild(capf, NULL, BAD_CAST "capf", NULL);
	xmlNewChild(n, NULL, BAD_CAST "phonePort", BAD_CAST "3804");
	tl_conf_fqdn(c, c->nodes[0], fqdn, sizeof(fqdn));
	xmlNewTextChild(n, NULL, BAD_CAST "processNodeName", BAD_CAST fqdn);
	/* the call-manager group: every node, in order */
	pool = child(root, "devicePool");
	group = child(pool, "callManagerGroup");
	n = fresh(group, "members");
	for (int i = 0; i < c->nnodes; i++) {
		xmlNodePtr m = xmlNewChild(n, NULL, BAD_CAST "member", NULL), cm, ports;

		snprintf(prio, sizeof(prio), "%d", i);
		xmlNewProp(m, BAD_CAST "priority", BAD_CAST prio);
		cm = xmlNewChild(m, NULL, BAD_CAST "callManager", NULL);
		ports = xmlNewChild(cm, NULL, BAD_CAST "ports", NULL);
		xmlNewChild(ports, NULL, BAD_CAST "sipPort", BAD_CAST "5060");
		xmlNewChild(ports, NULL, BAD_CAST "sipSecurePort", BAD_CAST "5061");
		tl_conf_fqdn(c, c->nodes[i], fqdn, sizeof(fqdn));
		xmlNewTextChild(cm, NULL, BAD_CAST "processNodeName", BAD_CAST fqdn);
	}
}

int tl_cnf_render(tl_store *s, const tl_device *d, tl_buf *out, tl_err *e)
{
	char path[1200];
	xmlDocPtr doc;
	xmlNodePtr root;
	xmlChar *mem = NULL;
	int size = 0;

	tl_store_path(s, path, sizeof(path), "templates/%s.cnf.xml", d->template_name);
	if (access(path, F_OK) == 0)
		doc = xmlReadFile(path, NULL, XML_PARSE_NONET | XML_PARSE_NOBLANKS);
	else if (!strcmp(d->template_name, "default"))
		doc = xmlReadMemory(default_template, sizeof(default_template) - 1,
				    "default.cnf.xml", NULL, XML_PARSE_NONET | XML_PARSE_NOBLANKS);
	else
		return tl_fail(e, "%s: template %s not found (%s)", d->name,
			       d->template_name, path);
	if (doc == NULL)
		return tl_fail(e, "%s: template %s is not well-formed XML", d->name,
			       d->template_name);
	root = xmlDocGetRootElement(doc);
	if (root == NULL || xmlStrcmp(root->name, BAD_CAST "device")) {
		xmlFreeDoc(doc);
		return tl_fail(e, "%s: template %s: the root element must be <device>",
			       d->name, d->template_name);
	}
	fill(root, s, d);
	xmlDocDumpFormatMemoryEnc(doc, &mem, &size, "UTF-8", 1);
	xmlFreeDoc(doc);
	if (mem == NULL)
		return tl_fail(e, "%s: cannot serialise the configuration", d->name);
	tl_buf_init(out);
	tl_buf_add(out, mem, (size_t)size);
	xmlFree(mem);
	return tl_buf_ok(out, e);
}

int tl_cnf_signer_load(tl_store *s, tl_cnf_signer *sg, tl_err *e)
{
	memset(sg, 0, sizeof(*sg));
	if (tl_store_identity_load(s, "CallManager", tl_conf_tftp_node(&s->conf),
				   &sg->cert, &sg->key, e))
		return tl_wrap(e, "TFTP node %s's CallManager certificate signs "
			       "configurations", tl_conf_tftp_node(&s->conf));
	return 0;
}

void tl_cnf_signer_free(tl_cnf_signer *sg)
{
	tl_cert_free(sg->cert);
	tl_key_free(sg->key);
	memset(sg, 0, sizeof(*sg));
}

void tl_cnf_file_free(tl_cnf_file *f)
{
	tl_buf_free(&f->data);
}

static int sign_into(const tl_cnf_signer *sg, const char *filename,
		     const uint8_t *body, size_t len, tl_cnf_file *f, tl_err *e)
{
	tl_signopts o;

	memset(&o, 0, sizeof(o));
	o.version[0] = 1;
	o.signer = sg->cert;
	o.key = sg->key;
	o.hash_alg = TL_HASH_SHA1;
	o.filename = filename;
	o.timestamp = (uint32_t)time(NULL);
	o.body = body;
	o.body_len = len;
	o.defer_signature = sg->defer;
	snprintf(f->name, sizeof(f->name), "%s", filename);
	return tl_sfile_sign(&o, &f->data, e);
}

int tl_cnf_files(tl_store *s, const tl_cnf_signer *sg, const tl_device *d,
		 int serve_unsigned, tl_cnf_file out[3], char *warning,
		 size_t wlen, tl_err *e)
{
	char sgn[64], enc[64];
	tl_cert *dev = NULL;
	tl_encopts eo;
	tl_buf xml;
	int n = 0;

	warning[0] = 0;
	memset(out, 0, 3 * sizeof(*out));
	if (tl_cnf_render(s, d, &xml, e))
		return -1;
	snprintf(sgn, sizeof(sgn), "%s.cnf.xml.sgn", d->name);
	snprintf(enc, sizeof(enc), "%s.cnf.xml.enc.sgn", d->name);
	if (d->profile != TL_PROFILE_ENCRYPTED) {
		if (sign_into(sg, sgn, xml.p, xml.len, &out[n], e))
			goto fail;
		n++;
		if (serve_unsigned && d->profile == TL_PROFILE_NONSECURE) {
			snprintf(out[n].name, sizeof(out[n].name), "%s.cnf.xml", d->name);
			tl_buf_add(&out[n].data, xml.p, xml.len);
			n++;
		}
		tl_buf_free(&xml);
		return n;
	}
	/* the phone's key: its LSC, else its MIC */
	if ((d->lsc && tl_cert_from_der(d->lsc, d->lsc_len, &dev, e) == 0) ||
	    (d->mic && tl_cert_from_der(d->mic, d->mic_len, &dev, e) == 0)) {
		memset(&eo, 0, sizeof(eo));
		eo.signer = sg->cert;
		eo.key = sg->key;
		eo.device = dev;
		eo.hash_alg = TL_HASH_SHA1;
		eo.timestamp = (uint32_t)time(NULL);
		eo.xml = xml.p;
		eo.xml_len = xml.len;
		eo.filename = sgn;
		eo.defer_signature = sg->defer;
		snprintf(out[0].name, sizeof(out[0].name), "%s", sgn);
		if (tl_enc_stub(&eo, d->name, &out[0].data, e))
			goto fail;
		n = 1;
		eo.filename = enc;
		snprintf(out[1].name, sizeof(out[1].name), "%s", enc);
		if (tl_enc_build(&eo, &out[1].data, e))
			goto fail;
		n = 2;
	} else {
		snprintf(warning, wlen, "%s: encrypted profile but no LSC or MIC is "
			 "known: nothing is served until CAPF installs an LSC or the "
			 "MIC is recorded (trustline device set %s --mic PEM)",
			 d->name, d->name);
	}
	tl_cert_free(dev);
	tl_buf_free(&xml);
	return n;
fail:
	tl_cert_free(dev);
	tl_buf_free(&xml);
	for (int i = 0; i < 3; i++)
		tl_cnf_file_free(&out[i]);
	return tl_wrap(e, "%s", d->name);
}
