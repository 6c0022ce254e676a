/* What a certificate's own DER says where wolfSSL cannot decode it or
 * decodes it leniently: the exact encoding of the validity times, and the
 * size of an RSA key too large for this wolfSSL. Only the outer structure
 * is walked, with lib/der.c; anything unexpected is "not known" here and
 * left to the decoder's own error. */
#ifndef TL_CERTDER_H
#define TL_CERTDER_H

#include <stddef.h>
#include <stdint.h>

/* 1, with a message naming the field, when a validity time is not in the
 * form RFC 5280 requires (UTCTime YYMMDDHHMMSSZ, GeneralizedTime
 * YYYYMMDDHHMMSSZ): a time without seconds, with fractions or an offset.
 * 0 when both are well formed or the DER cannot be walked. */
int tl_certder_time_problem(const uint8_t *der, size_t len, char *msg,
			    size_t n);

/* The modulus size of the certificate's RSA key, or 0 when it is not RSA
 * or cannot be read. */
int tl_certder_rsa_bits(const uint8_t *der, size_t len);

/* The subject Name of the certificate, its whole DER element (tag and
 * length included) inside der: what a CRL's issuer field repeats byte for
 * byte. -1 when the DER cannot be walked. */
int tl_certder_subject(const uint8_t *der, size_t len, const uint8_t **name,
		       size_t *name_len);

#endif
