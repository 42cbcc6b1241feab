// HTTP basic authentication against bcrypt hashes: the `basic_auth_users` of the Prometheus
// exporter-toolkit's web config, checked with libxcrypt's crypt_rn. Passwords and Authorization
// headers are never logged, stored or returned; only SHA-256 digests of successful checks are
// kept, so that a scrape every 15 s pays bcrypt once rather than each time.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_set>

#include "common/mutex.h"

namespace usdcop {

// The users of a web config. Immutable once built; thread-safe to read.
struct BasicAuthUsers {
  std::map<std::string, std::string, std::less<>> hashes;  // user -> bcrypt hash
  // What an unknown user's password is checked against: a bcrypt hash of the highest cost in
  // `hashes`, so that an unknown user costs the same work as a known one with a wrong password.
  std::string dummy_hash;

  bool empty() const { return hashes.empty(); }
};

// True if `hash` is a bcrypt hash: $2a$, $2b$ or $2y$, a cost from 04 to 31, then 53 characters
// of salt and digest in bcrypt's base64 alphabet (what `htpasswd -nBC 10 ""` prints).
bool IsBcryptHash(std::string_view hash);
// The cost of a hash for which IsBcryptHash holds.
int BcryptCost(std::string_view hash);
// A well-formed bcrypt hash of `cost` that no configured user has (see BasicAuthUsers).
std::string DummyBcryptHash(int cost);
// `users` with dummy_hash set from its hashes.
BasicAuthUsers MakeBasicAuthUsers(std::map<std::string, std::string, std::less<>> hashes);

// crypt_rn(password, setting): the hash, or nullopt when libxcrypt refuses the setting or the
// password holds a NUL byte (crypt would hash only what precedes it).
std::optional<std::string> BcryptHash(std::string_view password, const std::string& setting);
// True if `password` hashes to `hash`; the two hashes are compared in constant time.
bool BcryptMatches(std::string_view password, const std::string& hash);

// The user and password of an `Authorization: Basic <base64(user:password)>` header value;
// nullopt when it is absent, another scheme, or not base64 of a user, a colon and a password.
struct BasicCredentials {
  std::string user;
  std::string password;
};
std::optional<BasicCredentials> ParseBasicAuthorization(std::string_view header);

// Decides whether an Authorization header value names a user of `users` with the right password.
// Thread-safe. bcrypt runs one check at a time (it is CPU-bound by design: a flood of wrong
// passwords then takes one core, not all), and the servers call Allows only from a bounded
// worker pool, never from an I/O thread; successes are cached, keyed by the SHA-256 of user,
// configured hash and password, so a changed hash (a reload) no longer matches its old entries.
class BasicAuthenticator {
 public:
  BasicAuthenticator() = default;
  BasicAuthenticator(const BasicAuthenticator&) = delete;
  BasicAuthenticator& operator=(const BasicAuthenticator&) = delete;

  bool Allows(const BasicAuthUsers& users, std::string_view authorization);
  // Without bcrypt: true when these credentials succeeded before (cached); false when only
  // Allows (bcrypt) can tell.
  bool AllowsCached(const BasicAuthUsers& users, const BasicCredentials& credentials);

  // The bcrypt work done so far: checks run, and their rounds (2^cost each). What the tests hold
  // the cache, the one-at-a-time rule and the unknown user's dummy check against, without timing.
  struct Work {
    uint64_t checks = 0;
    uint64_t rounds = 0;
  };
  Work BcryptWork() const EXCLUDES(bcrypt_mu_);

  // Successful checks kept at most; the cache is emptied when full (a few users, one entry each).
  static constexpr size_t kMaxCached = 256;

 private:
  // The cache key of credentials against a user's configured hash (or the dummy hash).
  static std::string Key(const BasicCredentials& credentials, const std::string& hash);
  bool Cached(const std::string& key) EXCLUDES(cache_mu_);
  void Remember(const std::string& key) EXCLUDES(cache_mu_);

  mutable Mutex bcrypt_mu_ ACQUIRED_BEFORE(cache_mu_);  // one bcrypt at a time
  Work work_ GUARDED_BY(bcrypt_mu_);
  Mutex cache_mu_;
  std::unordered_set<std::string> cache_ GUARDED_BY(cache_mu_);  // digests of successful checks
};

}  // namespace usdcop
