/* Errors: every failing call fills a tl_err with a message that names the
 * input and, for parsers, the byte offset. */
#ifndef TL_ERR_H
#define TL_ERR_H

typedef struct tl_err {
	char msg[512];
} tl_err;

/* Sets e->msg (when e is not NULL) and returns -1, so callers can write
 * `return tl_fail(e, ...)`. */
int tl_fail(tl_err *e, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/* Prefixes the existing message: "<prefix>: <old message>". Returns -1. */
int tl_wrap(tl_err *e, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

#endif
