#include "http/basic_auth.h"

#include <crypt.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>

#include <algorithm>
#include <cctype>
#include <memory>
#include <regex>

#include "common/secret.h"
#include "common/sha256.h"

namespace usdcop {
namespace {

// Length-prefixed, so that ("ab", "c") and ("a", "bc") give different cache keys.
void AppendField(std::string& out, std::string_view field) {
  out += std::to_string(field.size());
  out += ':';
  out += field;
}

}  // namespace

bool IsBcryptHash(std::string_view hash) {
  static const std::regex kBcrypt(R"(^\$2[aby]\$(0[4-9]|[12][0-9]|3[01])\$[./A-Za-z0-9]{53}$)");
  return std::regex_match(hash.begin(), hash.end(), kBcrypt);
}

int BcryptCost(std::string_view hash) { return (hash[4] - '0') * 10 + (hash[5] - '0'); }

std::string DummyBcryptHash(int cost) {
  std::string two_digits = (cost < 10 ? "0" : "") + std::to_string(cost);
  // A zero salt and a digest that bcrypt does not produce for any password we know of.
  return "$2b$" + two_digits + "$" + std::string(22, '.') + "usdcopExporterUnknownUserDummy.";
}

BasicAuthUsers MakeBasicAuthUsers(std::map<std::string, std::string, std::less<>> hashes) {
  int cost = 4;
  for (const auto& [user, hash] : hashes) cost = std::max(cost, BcryptCost(hash));
  BasicAuthUsers users;
  users.hashes = std::move(hashes);
  users.dummy_hash = DummyBcryptHash(cost);
  return users;
}

std::optional<std::string> BcryptHash(std::string_view password, const std::string& setting) {
  if (password.find('\0') != std::string_view::npos) return std::nullopt;
  std::string phrase(password);
  auto data = std::make_unique<crypt_data>();  // value-initialised: zeroed, as crypt_rn requires
  const char* out = crypt_rn(phrase.c_str(), setting.c_str(), data.get(), sizeof(crypt_data));
  std::optional<std::string> hash;
  if (out != nullptr) hash = std::string(out);
  OPENSSL_cleanse(phrase.data(), phrase.size());
  OPENSSL_cleanse(data.get(), sizeof(crypt_data));
  return hash;
}

bool BcryptMatches(std::string_view password, const std::string& hash) {
  std::optional<std::string> computed = BcryptHash(password, hash);
  return computed && ConstantTimeEquals(*computed, hash);
}

std::optional<BasicCredentials> ParseBasicAuthorization(std::string_view header) {
  constexpr std::string_view kScheme = "basic ";  // the scheme is case-insensitive (RFC 7617)
  if (header.size() <= kScheme.size()) return std::nullopt;
  for (size_t i = 0; i < kScheme.size(); ++i)
    if (std::tolower(static_cast<unsigned char>(header[i])) != kScheme[i]) return std::nullopt;
  std::string_view encoded = header.substr(kScheme.size());
  while (!encoded.empty() && encoded.front() == ' ') encoded.remove_prefix(1);
  if (encoded.empty() || encoded.size() % 4 != 0) return std::nullopt;
  std::string decoded(encoded.size() / 4 * 3, '\0');
  int n = EVP_DecodeBlock(reinterpret_cast<unsigned char*>(decoded.data()),
                          reinterpret_cast<const unsigned char*>(encoded.data()),
                          static_cast<int>(encoded.size()));
  if (n < 0) return std::nullopt;
  // EVP_DecodeBlock counts the bytes the padding stands for.
  n -= static_cast<int>(encoded.size() - encoded.find_last_not_of('=') - 1);
  decoded.resize(static_cast<size_t>(std::max(n, 0)));
  size_t colon = decoded.find(':');
  if (colon == std::string::npos) return std::nullopt;
  BasicCredentials credentials{decoded.substr(0, colon), decoded.substr(colon + 1)};
  OPENSSL_cleanse(decoded.data(), decoded.size());
  return credentials;
}

std::string BasicAuthenticator::Key(const BasicCredentials& credentials, const std::string& hash) {
  std::string material;
  AppendField(material, credentials.user);
  AppendField(material, hash);
  material += credentials.password;
  std::string key = Sha256Hex(material);
  OPENSSL_cleanse(material.data(), material.size());
  return key;
}

bool BasicAuthenticator::AllowsCached(const BasicAuthUsers& users,
                                      const BasicCredentials& credentials) {
  auto it = users.hashes.find(credentials.user);
  return it != users.hashes.end() && Cached(Key(credentials, it->second));
}

bool BasicAuthenticator::Allows(const BasicAuthUsers& users, std::string_view authorization) {
  std::optional<BasicCredentials> credentials = ParseBasicAuthorization(authorization);
  if (!credentials) return false;
  auto it = users.hashes.find(credentials->user);
  const bool known = it != users.hashes.end();
  const std::string& hash = known ? it->second : users.dummy_hash;
  const std::string key = Key(*credentials, hash);
  bool matches = known && Cached(key);
  if (!matches) {
    MutexLock lock(bcrypt_mu_);
    // Clients that connect at once with the same credentials wait here for the first one's check.
    matches = known && Cached(key);
    if (!matches) {
      matches = BcryptMatches(credentials->password, hash);
      ++work_.checks;
      if (IsBcryptHash(hash)) work_.rounds += uint64_t{1} << BcryptCost(hash);
    }
    if (known && matches) Remember(key);
  }
  OPENSSL_cleanse(credentials->password.data(), credentials->password.size());
  return known && matches;
}

BasicAuthenticator::Work BasicAuthenticator::BcryptWork() const {
  MutexLock lock(bcrypt_mu_);
  return work_;
}

void BasicAuthenticator::Remember(const std::string& key) {
  MutexLock lock(cache_mu_);
  if (cache_.size() >= kMaxCached) cache_.clear();
  cache_.insert(key);
}

bool BasicAuthenticator::Cached(const std::string& key) {
  MutexLock lock(cache_mu_);
  return cache_.count(key) != 0;
}

}  // namespace usdcop
