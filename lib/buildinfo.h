/* What a program's --version says: its version, the wolfSSL it runs and
 * whether that wolfSSL's assembly is in use on this CPU. */
#ifndef TL_BUILDINFO_H
#define TL_BUILDINFO_H

/* Three lines on stdout: "PROG VERSION", then tl_print_wolfssl's. */
void tl_print_version(const char *prog);
/* Two lines on stdout: the wolfSSL version and build, and the CPU
 * features its assembly uses, found or not. */
void tl_print_wolfssl(void);

#endif
