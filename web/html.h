/* HTML output for trustline-web: the one place markup is written. Markup
 * comes from the program's own string literals; every value goes through
 * the escaping below. */
#ifndef TL_HTML_H
#define TL_HTML_H

#include <jansson.h>

#include "tlv.h"

/* Literal markup, never data. */
void h_raw(tl_buf *b, const char *markup);
/* Text, escaped for an element's content or a quoted attribute. */
void h_esc(tl_buf *b, const char *text);
/* Markup with values: %s (escaped), %d, %ld, %u and %% only. */
void h_fmt(tl_buf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* A value in a URL's query, percent-encoded (then HTML-escaped). */
void h_url(tl_buf *b, const char *value);
/* A JSON value as text: strings as they are, numbers, true/false, "" for null. */
void h_json_text(tl_buf *b, const json_t *v);

/* A table of an array of objects: one column per entry. A column with
 * link makes its cell a link to link followed by the URL-encoded value of
 * the member link_key. */
typedef struct h_col {
	const char *key, *label;
	const char *link, *link_key;
} h_col;
void h_table(tl_buf *b, const json_t *rows, const h_col *cols, size_t ncols);
/* An object's members as a two-column table of labels and values. */
void h_fields(tl_buf *b, const json_t *obj, const h_col *cols, size_t ncols);

#endif
