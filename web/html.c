#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "html.h"

void h_raw(tl_buf *b, const char *markup)
{
	tl_buf_add(b, markup, strlen(markup));
}

void h_esc(tl_buf *b, const char *text)
{
	for (const char *p = text ? text : ""; *p; p++) {
		switch (*p) {
		case '&': h_raw(b, "&amp;"); break;
		case '<': h_raw(b, "&lt;"); break;
		case '>': h_raw(b, "&gt;"); break;
		case '"': h_raw(b, "&quot;"); break;
		case '\'': h_raw(b, "&#39;"); break;
		default: tl_buf_add(b, p, 1);
		}
	}
}

void h_fmt(tl_buf *b, const char *fmt, ...)
{
	char num[32];
	va_list ap;

	va_start(ap, fmt);
	for (const char *p = fmt; *p; p++) {
		if (*p != '%') {
			tl_buf_add(b, p, 1);
			continue;
		}
		switch (*++p) {
		case 's': h_esc(b, va_arg(ap, const char *)); break;
		case 'd': snprintf(num, sizeof(num), "%d", va_arg(ap, int)); h_raw(b, num); break;
		case 'u': snprintf(num, sizeof(num), "%u", va_arg(ap, unsigned)); h_raw(b, num); break;
		case 'l':
			p++;	/* %ld */
			snprintf(num, sizeof(num), "%ld", va_arg(ap, long));
			h_raw(b, num);
			break;
		case '%': h_raw(b, "%"); break;
		default: p--; break;	/* a stray '%' at the end */
		}
		if (!*p)
			break;
	}
	va_end(ap);
}

void h_url(tl_buf *b, const char *value)
{
	char enc[4];

	for (const unsigned char *p = (const unsigned char *)(value ? value : ""); *p; p++) {
		if ((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') ||
		    (*p >= '0' && *p <= '9') || strchr("-._~", *p)) {
			tl_buf_add(b, p, 1);
		} else {
			snprintf(enc, sizeof(enc), "%%%02X", *p);
			h_raw(b, enc);
		}
	}
}

void h_json_text(tl_buf *b, const json_t *v)
{
	char num[32];

	if (json_is_string(v))
		h_esc(b, json_string_value(v));
	else if (json_is_integer(v)) {
		snprintf(num, sizeof(num), "%lld", (long long)json_integer_value(v));
		h_raw(b, num);
	} else if (json_is_true(v))
		h_raw(b, "yes");
	else if (json_is_false(v))
		h_raw(b, "no");
	else if (json_is_array(v)) {
		size_t i;
		json_t *x;

		json_array_foreach(v, i, x) {
			if (i)
				h_raw(b, ", ");
			h_json_text(b, x);
		}
	}
}

static void cell(tl_buf *b, const json_t *row, const h_col *c)
{
	if (c->link) {
		h_fmt(b, "<a href=\"%s", c->link);
		h_url(b, json_string_value(json_object_get(row, c->link_key)));
		h_raw(b, "\">");
		h_json_text(b, json_object_get(row, c->key));
		h_raw(b, "</a>");
	} else {
		h_json_text(b, json_object_get(row, c->key));
	}
}

void h_table(tl_buf *b, const json_t *rows, const h_col *cols, size_t ncols)
{
	size_t i;
	json_t *row;

	h_raw(b, "<table class=\"list\"><tr>");
	for (size_t k = 0; k < ncols; k++)
		h_fmt(b, "<th>%s</th>", cols[k].label);
	h_raw(b, "</tr>\n");
	json_array_foreach(rows, i, row) {
		h_raw(b, "<tr>");
		for (size_t k = 0; k < ncols; k++) {
			h_raw(b, "<td>");
			cell(b, row, &cols[k]);
			h_raw(b, "</td>");
		}
		h_raw(b, "</tr>\n");
	}
	if (json_array_size(rows) == 0)
		h_fmt(b, "<tr><td colspan=\"%u\">No records found.</td></tr>", (unsigned)ncols);
	h_raw(b, "</table>\n");
}

void h_fields(tl_buf *b, const json_t *obj, const h_col *cols, size_t ncols)
{
	h_raw(b, "<table class=\"fields\">");
	for (size_t k = 0; k < ncols; k++) {
		h_fmt(b, "<tr><th>%s</th><td>", cols[k].label);
		cell(b, obj, &cols[k]);
		h_raw(b, "</td></tr>\n");
	}
	h_raw(b, "</table>\n");
}
