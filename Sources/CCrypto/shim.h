/* OpenSSL's libcrypto for Swift: the EVP digest interface and, for module signatures, CMS
 * (PKCS#7) signing and parsing, PEM/DER key and certificate reading, memory BIOs and the error
 * queue. OpenSSL's STACK_OF accessors are function-like macros, which Swift does not import; the
 * static inline functions below wrap the two this project needs. */
#ifndef KLP_SPLIT_CCRYPTO_SHIM_H
#define KLP_SPLIT_CCRYPTO_SHIM_H
#include <openssl/bio.h>
#include <openssl/cms.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/objects.h>
#include <openssl/pem.h>
#include <openssl/x509.h>

/* sk_CMS_SignerInfo_num(CMS_get0_SignerInfos(cms)); 0 when there is no SignedData. */
static inline int klp_cms_signer_count(CMS_ContentInfo *cms) {
    STACK_OF(CMS_SignerInfo) *infos = CMS_get0_SignerInfos(cms);
    return infos ? sk_CMS_SignerInfo_num(infos) : 0;
}

/* sk_CMS_SignerInfo_value(CMS_get0_SignerInfos(cms), index). */
static inline CMS_SignerInfo *klp_cms_signer(CMS_ContentInfo *cms, int index) {
    STACK_OF(CMS_SignerInfo) *infos = CMS_get0_SignerInfos(cms);
    return infos ? sk_CMS_SignerInfo_value(infos, index) : NULL;
}

/* BIO_get_mem_data(bio, &data): the bytes written to a memory BIO so far. */
static inline long klp_bio_mem_data(BIO *bio, char **data) {
    return BIO_get_mem_data(bio, data);
}
#endif
