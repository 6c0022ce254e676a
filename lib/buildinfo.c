#include <wolfssl/options.h>
#include <wolfssl/ssl.h>

#include "buildinfo.h"

#include <stdio.h>
#if defined(__x86_64__) || defined(__i386__)
#include <cpuid.h>
#endif

/* The make variable WOLFSSL: fast links the build of scripts/wolfssl.sh
 * statically, system Debian's shared libwolfssl. */
#ifdef TRUSTLINE_WOLFSSL_FAST
#define BUILD_KIND "trustline fast build"
#else
#define BUILD_KIND "system library"
#endif

static const char *const configured[] = {
#ifdef WOLFSSL_SP_X86_64_ASM
	"sp-asm",
#endif
#ifdef USE_INTEL_SPEEDUP
	"intelasm",
#endif
#ifdef WOLFSSL_AESNI
	"aesni",
#endif
	NULL
};

/* The bits wolfSSL's own cpuid.c reads to pick its paths: AES-NI for AES,
 * AVX2 for AES-GCM and SHA-2, BMI2 with ADX for SP's RSA and ECC (without
 * them SP runs its plain x86-64 assembly). <cpuid.h> rather than
 * __builtin_cpu_supports, which clang's lacks "adx". */
struct cpu {
	int aesni, avx2, bmi2, adx;
};

static struct cpu cpu_detect(void)
{
	struct cpu c = { 0 };
#if defined(__x86_64__) || defined(__i386__)
	unsigned a, b, cx, d;
	if (__get_cpuid(1, &a, &b, &cx, &d))
		c.aesni = !!(cx & bit_AES);
	if (__get_cpuid_count(7, 0, &a, &b, &cx, &d)) {
		c.avx2 = !!(b & bit_AVX2);
		c.bmi2 = !!(b & bit_BMI2);
		c.adx = !!(b & bit_ADX);
	}
#endif
	return c;
}

void tl_print_version(const char *prog)
{
	printf("%s %s\n", prog, TRUSTLINE_VERSION);
	tl_print_wolfssl();
}

void tl_print_wolfssl(void)
{
	static const char *const yn[] = { "no", "yes" };
	struct cpu c = cpu_detect();
	size_t n;

	printf("wolfSSL %s, %s", wolfSSL_lib_version(), BUILD_KIND);
	for (n = 0; configured[n]; n++)
		printf("%s%s", n ? ", " : " (", configured[n]);
	puts(n ? ")" : "");
	printf("CPU: AES-NI %s, AVX2 %s, BMI2 %s, ADX %s; ", yn[c.aesni], yn[c.avx2],
	       yn[c.bmi2], yn[c.adx]);
	if (n == 0)
		puts("this wolfSSL has no assembly");
	else if (c.aesni && c.avx2 && c.bmi2 && c.adx)
		puts("its assembly is in use");
	else
		puts("its assembly is partly in use (C or plain x86-64 where a feature is missing)");
}
