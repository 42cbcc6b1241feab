// SHA-256 through OpenSSL's EVP interface, for the digests of backup manifests. One object
// hashes one stream; objects are independent, each not thread-safe.
#pragma once

#include <openssl/evp.h>

#include <string>
#include <string_view>

namespace usdcop::sim {

class Sha256 {
 public:
  Sha256();
  ~Sha256();
  Sha256(const Sha256&) = delete;
  Sha256& operator=(const Sha256&) = delete;

  void Update(std::string_view data);
  // The digest of everything given so far as 64 lowercase hex digits, as sha256sum prints it;
  // "" when OpenSSL failed (out of memory). Call once.
  std::string HexDigest();

 private:
  EVP_MD_CTX* ctx_;
  bool ok_;
};

}  // namespace usdcop::sim
