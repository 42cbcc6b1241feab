#include "control/session_table.h"

#include <openssl/crypto.h>
#include <openssl/rand.h>
#include <openssl/sha.h>

#include <algorithm>

#include "common/sha256.h"

namespace usdcop {
namespace {

std::string RawSha256Of(std::string_view text) {
  unsigned char d[SHA256_DIGEST_LENGTH];
  SHA256(reinterpret_cast<const unsigned char*>(text.data()), text.size(), d);
  return std::string(reinterpret_cast<const char*>(d), sizeof d);
}

}  // namespace

std::string RandomHex32() {
  unsigned char bytes[32];
  if (RAND_bytes(bytes, sizeof bytes) != 1) return "";
  return HexLower(bytes, sizeof bytes);
}

std::pair<std::string, Session> SessionTable::Create(const Caller& caller, std::string token_sha256,
                                                     Duration ttl) {
  std::string id = RandomHex32();
  std::string csrf = RandomHex32();
  if (id.empty() || csrf.empty()) return {"", Session{}};
  const SysTime now = clock_.Now();
  Session s{caller, std::move(token_sha256), std::move(csrf), now, now + ttl};
  MutexLock lock(mu_);
  DropExpired(now);
  while (sessions_.size() >= max_) {
    auto oldest = std::min_element(
        sessions_.begin(), sessions_.end(),
        [](const auto& a, const auto& b) { return a.second.created < b.second.created; });
    sessions_.erase(oldest);
  }
  sessions_[RawSha256Of(id)] = s;
  return {std::move(id), std::move(s)};
}

SessionTable::Map::iterator SessionTable::Lookup(std::string_view id) {
  if (id.size() != 64) return sessions_.end();
  const std::string key = RawSha256Of(id);
  auto match = sessions_.end();
  // Every key compared: no early exit.
  for (auto it = sessions_.begin(); it != sessions_.end(); ++it)
    if (CRYPTO_memcmp(it->first.data(), key.data(), key.size()) == 0) match = it;
  return match;
}

std::optional<Session> SessionTable::Find(std::string_view id) {
  MutexLock lock(mu_);
  auto it = Lookup(id);
  if (it == sessions_.end()) return std::nullopt;
  if (it->second.expires <= clock_.Now()) {
    sessions_.erase(it);
    return std::nullopt;
  }
  return it->second;
}

bool SessionTable::Remove(std::string_view id) {
  MutexLock lock(mu_);
  auto it = Lookup(id);
  if (it == sessions_.end()) return false;
  sessions_.erase(it);
  return true;
}

size_t SessionTable::Revoke(const std::vector<ControlTokenConfig>& tokens) {
  MutexLock lock(mu_);
  size_t revoked = 0;
  for (auto it = sessions_.begin(); it != sessions_.end();) {
    const Session& s = it->second;
    const bool kept = std::any_of(tokens.begin(), tokens.end(), [&s](const ControlTokenConfig& t) {
      return t.name == s.caller.name && t.role == s.caller.role && t.sha256 == s.token_sha256;
    });
    if (kept) {
      ++it;
    } else {
      it = sessions_.erase(it);
      ++revoked;
    }
  }
  return revoked;
}

size_t SessionTable::size() const {
  MutexLock lock(mu_);
  return sessions_.size();
}

void SessionTable::DropExpired(SysTime now) {
  std::erase_if(sessions_, [now](const auto& kv) { return kv.second.expires <= now; });
}

}  // namespace usdcop
