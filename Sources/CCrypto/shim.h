/* OpenSSL's libcrypto for Swift: the EVP digest interface (and, for module signatures, CMS). */
#ifndef KLP_SPLIT_CCRYPTO_SHIM_H
#define KLP_SPLIT_CCRYPTO_SHIM_H
#include <openssl/evp.h>
#endif
