// Authentication of the simulated Airflow: basic auth (API v1) and bearer tokens issued by
// POST /auth/token (API v2). TokenStore is thread-safe.
#pragma once

#include <chrono>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>

#include <httplib.h>

#include "common/mutex.h"

namespace usdcop::sim {

struct Credentials {
  std::string username = "admin";
  std::string password = "admin";
};

// Compares in time that depends only on the lengths.
bool ConstantTimeEquals(std::string_view a, std::string_view b);
bool CredentialsMatch(const Credentials& expected, std::string_view username,
                      std::string_view password);

// The user and password of "Authorization: Basic ...", if the request has that header.
std::optional<Credentials> BasicAuthCredentials(const httplib::Request& req);
// True when the request carries "Authorization: Basic ..." with the expected credentials.
bool BasicAuthMatches(const httplib::Request& req, const Credentials& expected);
// The token of "Authorization: Bearer <token>", if any.
std::optional<std::string> BearerToken(const httplib::Request& req);

class TokenStore {
 public:
  explicit TokenStore(std::chrono::seconds ttl) : ttl_(ttl) {}
  TokenStore(const TokenStore&) = delete;
  TokenStore& operator=(const TokenStore&) = delete;

  // A new random token, valid for the TTL.
  std::string Issue();
  bool Valid(const std::string& token) const;
  size_t size() const;

 private:
  using Clock = std::chrono::steady_clock;
  void DropExpired(Clock::time_point now) REQUIRES(mu_);

  const std::chrono::seconds ttl_;
  mutable Mutex mu_;
  std::unordered_map<std::string, Clock::time_point> expiry_ GUARDED_BY(mu_);
};

}  // namespace usdcop::sim
