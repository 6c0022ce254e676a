#include "phonecnf.h"

#include <ctype.h>
#include <libxml/parser.h>
#include <libxml/tree.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static xmlNodePtr child(xmlNodePtr parent, const char *name)
{
	for (xmlNodePtr n = parent ? parent->children : NULL; n; n = n->next)
		if (n->type == XML_ELEMENT_NODE && !xmlStrcmp(n->name, BAD_CAST name))
			return n;
	return NULL;
}

/* The trimmed text of parent/name into out; "" when absent. */
static void text(xmlNodePtr parent, const char *name, char *out, size_t n)
{
	xmlNodePtr c = child(parent, name);
	xmlChar *s = c ? xmlNodeGetContent(c) : NULL;
	const char *p = s ? (const char *)s : "";
	size_t len;

	while (isspace((unsigned char)*p))
		p++;
	snprintf(out, n, "%s", p);
	len = strlen(out);
	while (len && isspace((unsigned char)out[len - 1]))
		out[--len] = 0;
	xmlFree(s);
}

static int by_priority(const void *a, const void *b)
{
	const tl_phonecnf_server *x = a, *y = b;

	return (x->priority > y->priority) - (x->priority < y->priority);
}

static void tvs_members(xmlNodePtr root, tl_phonecnf *c)
{
	xmlNodePtr members = child(child(root, "TVS"), "members");
	char port[16];

	for (xmlNodePtr m = members ? members->children : NULL;
	     m && c->ntvs < TL_PHONECNF_SERVERS; m = m->next) {
		tl_phonecnf_server *s = &c->tvs[c->ntvs];
		xmlChar *prio;

		if (m->type != XML_ELEMENT_NODE || xmlStrcmp(m->name, BAD_CAST "member"))
			continue;
		text(m, "address", s->host, sizeof(s->host));
		text(m, "port", port, sizeof(port));
		s->port = atoi(port) > 0 ? atoi(port) : 2445;
		prio = xmlGetProp(m, BAD_CAST "priority");
		s->priority = prio ? atoi((const char *)prio) : (int)c->ntvs;
		xmlFree(prio);
		if (s->host[0])
			c->ntvs++;
	}
	qsort(c->tvs, c->ntvs, sizeof(c->tvs[0]), by_priority);
}

static void capf_list(xmlNodePtr root, tl_phonecnf *c)
{
	xmlNodePtr list = child(root, "capfList");
	char port[16];

	for (xmlNodePtr n = list ? list->children : NULL;
	     n && c->ncapf < TL_PHONECNF_SERVERS; n = n->next) {
		tl_phonecnf_server *s = &c->capf[c->ncapf];

		if (n->type != XML_ELEMENT_NODE || xmlStrcmp(n->name, BAD_CAST "capf"))
			continue;
		text(n, "processNodeName", s->host, sizeof(s->host));
		text(n, "phonePort", port, sizeof(port));
		s->port = atoi(port) > 0 ? atoi(port) : 3804;
		s->priority = (int)c->ncapf;
		if (s->host[0])
			c->ncapf++;
	}
}

int tl_phonecnf_parse(const uint8_t *xml, size_t len, tl_phonecnf *c, tl_err *e)
{
	xmlDocPtr doc;
	xmlNodePtr root;
	char v[64];

	memset(c, 0, sizeof(*c));
	if (len > INT32_MAX)
		return tl_fail(e, "configuration too large");
	doc = xmlReadMemory((const char *)xml, (int)len, "config.xml", NULL,
			    XML_PARSE_NONET | XML_PARSE_NOERROR | XML_PARSE_NOWARNING);
	if (doc == NULL)
		return tl_fail(e, "the configuration is not well-formed XML");
	root = xmlDocGetRootElement(doc);
	if (root == NULL || xmlStrcmp(root->name, BAD_CAST "device")) {
		xmlFreeDoc(doc);
		return tl_fail(e, "the configuration's root is not <device>");
	}
	tvs_members(root, c);
	capf_list(root, c);
	text(root, "capfAuthMode", v, sizeof(v));
	c->capf_auth_mode = atoi(v) >= 1 && atoi(v) <= 4 ? atoi(v) : 0;
	text(root, "deviceSecurityMode", v, sizeof(v));
	c->security_mode = atoi(v);
	text(root, "encrConfig", v, sizeof(v));
	c->encrypted = !strcasecmp(v, "true") || !strcmp(v, "1");
	text(root, "certHash", c->cert_hash, sizeof(c->cert_hash));
	for (char *p = c->cert_hash; *p; p++)
		*p = (char)tolower((unsigned char)*p);
	xmlFreeDoc(doc);
	return 0;
}
