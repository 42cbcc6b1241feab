// A bcrypt hash made at test time with libxcrypt: crypt_gensalt_rn("$2b$", cost) with a random
// salt from the OS, then crypt_rn, as `htpasswd -nBC <cost>` would make it; and the check a
// server makes of a password against it. Link -lcrypt.
#pragma once

#include <crypt.h>

#include <memory>
#include <stdexcept>
#include <string>

namespace usdcop::testing {

inline std::string MakeBcryptHash(const std::string& password, int cost = 4) {
  char setting[CRYPT_GENSALT_OUTPUT_SIZE];
  if (crypt_gensalt_rn("$2b$", cost, nullptr, 0, setting, sizeof setting) == nullptr)
    throw std::runtime_error("crypt_gensalt_rn failed");
  auto data = std::make_unique<crypt_data>();
  const char* hash = crypt_rn(password.c_str(), setting, data.get(), sizeof(crypt_data));
  if (hash == nullptr) throw std::runtime_error("crypt_rn failed");
  return hash;
}

// True if `password` hashes to `hash`: crypt_rn with the hash as its setting, the work a server
// does for each password it has not seen succeed before.
inline bool CheckBcryptPassword(const std::string& password, const std::string& hash) {
  auto data = std::make_unique<crypt_data>();
  const char* out = crypt_rn(password.c_str(), hash.c_str(), data.get(), sizeof(crypt_data));
  return out != nullptr && hash == out;
}

}  // namespace usdcop::testing
