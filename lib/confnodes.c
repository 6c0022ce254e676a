/* The names and values that trustline.conf and the commands share
 * (conf.h): node lists and host names, a node's FQDN, key and TLS version
 * specifications. */
#include "conf.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "x509.h"

int tl_conf_parse_tls(const char *s)
{
	static const char *const v[] = { "1.0", "1.1", "1.2", "1.3" };

	for (int i = 0; i < 4; i++)
		if (!strcmp(s, v[i]))
			return 10 + i;
	return -1;
}

int tl_conf_parse_key(const char *s, int *type, int *bits, tl_err *e)
{
	char *end;
	long b;

	if (strncasecmp(s, "rsa:", 4) == 0)
		*type = TL_KEY_RSA;
	else if (strncasecmp(s, "ec:", 3) == 0)
		*type = TL_KEY_EC;
	else
		return tl_fail(e, "key \"%s\": write rsa:BITS or ec:256 / ec:384", s);
	b = strtol(strchr(s, ':') + 1, &end, 10);
	if (*end || b <= 0)
		return tl_fail(e, "key \"%s\": the size after ':' is not a number", s);
	*bits = (int)b;
	return 0;
}

int tl_conf_check_hostname(const char *what, const char *name, size_t len,
			   tl_err *e)
{
	size_t label = 0;

	if (len == 0)
		return tl_fail(e, "%s is empty", what);
	if (len >= sizeof(((tl_conf *)0)->domain))
		return tl_fail(e, "%s \"%.*s\" is longer than %zu characters", what,
			       (int)len, name, sizeof(((tl_conf *)0)->domain) - 1);
	/* RFC 1123 labels: they become certificate CNs and SANs, and phones
	 * compare them with the names they were given */
	for (size_t i = 0; i <= len; i++) {
		char ch = i < len ? name[i] : '.';

		if (ch == '.') {
			if (label == 0 || label > 63 || name[i - 1] == '-' ||
			    name[i - label] == '-')
				return tl_fail(e, "%s \"%.*s\" is not a DNS name: each "
					       "dot-separated label holds 1 to 63 letters, "
					       "digits or inner '-'", what, (int)len, name);
			label = 0;
		} else if (ch == '-' || (ch >= 'a' && ch <= 'z') ||
			   (ch >= 'A' && ch <= 'Z') || (ch >= '0' && ch <= '9')) {
			label++;
		} else {
			return tl_fail(e, "%s \"%.*s\" may hold only letters, digits, "
				       "'-' and '.'", what, (int)len, name);
		}
	}
	return 0;
}

int tl_conf_parse_nodes(const char *s, char out[][64], tl_err *e)
{
	int n = 0;

	while (*s) {
		size_t len = strcspn(s, ", ");

		if (len > 0) {
			if (n == TL_MAX_NODES)
				return tl_fail(e, "more than %d nodes", TL_MAX_NODES);
			if (len >= 64)
				return tl_fail(e, "node name \"%.*s\" is too long",
					       (int)len, s);
			if (tl_conf_check_hostname("node name", s, len, e))
				return -1;
			memcpy(out[n], s, len);
			out[n][len] = 0;
			for (int i = 0; i < n; i++)
				if (!strcasecmp(out[i], out[n]))
					return tl_fail(e, "node %s is named twice", out[n]);
			n++;
		}
		s += len;
		while (*s == ',' || *s == ' ')
			s++;
	}
	return n;
}

static int find(char list[][64], int n, const char *node)
{
	for (int i = 0; i < n; i++)
		if (strcasecmp(list[i], node) == 0)
			return 1;
	return 0;
}

int tl_conf_is_publisher(const tl_conf *c, const char *node)
{
	return c->nnodes > 0 && strcasecmp(c->nodes[0], node) == 0;
}

int tl_conf_has_node(const tl_conf *c, const char *node)
{
	return find((char (*)[64])c->nodes, c->nnodes, node);
}

int tl_conf_is_tftp(const tl_conf *c, const char *node)
{
	return find((char (*)[64])c->tftp_nodes, c->ntftp_nodes, node);
}

const char *tl_conf_tftp_node(const tl_conf *c)
{
	return c->tftp.node[0] ? c->tftp.node : c->tftp_nodes[0];
}

int tl_conf_check_tftp_node(const tl_conf *c, const char *node, tl_err *e)
{
	char names[TL_MAX_NODES * 66] = "";
	size_t n = 0;

	if (tl_conf_is_tftp(c, node))
		return 0;
	for (int i = 0; i < c->ntftp_nodes; i++)
		n += (size_t)snprintf(names + n, sizeof(names) - n, "%s%s", i ? ", " : "",
				      c->tftp_nodes[i]);
	return tl_fail(e, "%s is not a TFTP node of this cluster; the TFTP nodes "
		       "are %s (a node added without --tftp serves no files)", node,
		       names);
}

void tl_conf_fqdn(const tl_conf *c, const char *node, char *out, size_t n)
{
	if (c->domain[0] && strchr(node, '.') == NULL)
		snprintf(out, n, "%s.%s", node, c->domain);
	else
		snprintf(out, n, "%s", node);
}
