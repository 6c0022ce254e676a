#include "err.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

int tl_fail(tl_err *e, const char *fmt, ...)
{
	va_list ap;

	if (e == NULL)
		return -1;
	va_start(ap, fmt);
	vsnprintf(e->msg, sizeof(e->msg), fmt, ap);
	va_end(ap);
	return -1;
}

int tl_wrap(tl_err *e, const char *fmt, ...)
{
	char prefix[256];
	size_t plen, olen;
	va_list ap;

	if (e == NULL)
		return -1;
	va_start(ap, fmt);
	vsnprintf(prefix, sizeof(prefix) - 2, fmt, ap);
	va_end(ap);
	strcat(prefix, ": ");
	plen = strlen(prefix);
	olen = strnlen(e->msg, sizeof(e->msg) - 1);
	if (plen + olen >= sizeof(e->msg))
		olen = sizeof(e->msg) - 1 - plen;
	memmove(e->msg + plen, e->msg, olen);
	memcpy(e->msg, prefix, plen);
	e->msg[plen + olen] = 0;
	return -1;
}
