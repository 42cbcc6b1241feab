// SHA-256 of a string by OpenSSL's one-shot EVP_Digest: the reference the tests hold the
// streamed hasher and the manifests they write to.
#pragma once

#include <openssl/evp.h>

#include <string>

#include "common/sha256.h"

namespace usdcop {

inline std::string ReferenceSha256(const std::string& bytes) {
  unsigned char md[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  if (EVP_Digest(bytes.data(), bytes.size(), md, &len, EVP_sha256(), nullptr) != 1) return "";
  return HexLower(md, len);
}

}  // namespace usdcop
