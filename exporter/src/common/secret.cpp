#include "common/secret.h"

#include <openssl/crypto.h>

namespace usdcop {

bool ConstantTimeEquals(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  return CRYPTO_memcmp(a.data(), b.data(), a.size()) == 0;
}

bool operator==(const Secret& a, const Secret& b) { return ConstantTimeEquals(a.value_, b.value_); }

}  // namespace usdcop
