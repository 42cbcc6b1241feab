// The status page's login sessions (docs/status-page.md): a viewer or operator token exchanged
// once for a cookie. In memory only (a restart logs everyone out). Each session holds the caller
// (the token's name and role), the token's SHA-256 (never the token), its CSRF token and its
// absolute expiry (no sliding). At most kMaxSessions: a new one beyond drops the oldest. A
// reload revokes the sessions whose token (name, SHA-256, role) is no longer configured.
// Ids and CSRF tokens are 32 bytes of the OS's CSPRNG (RAND_bytes), as 64 hex digits; an id is
// looked up by its SHA-256 compared in constant time, so a lookup's timing tells nothing of the
// ids held. Time is the Clock's wall time (expires_at is shown as Unix seconds). Thread-safe.
#pragma once

#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/clock.h"
#include "common/mutex.h"
#include "common/units.h"
#include "control/tokens.h"

namespace usdcop {

struct Session {
  Caller caller;
  std::string token_sha256;  // 32 bytes, as ControlTokenConfig::sha256
  std::string csrf_token;    // 64 hex digits
  SysTime created;
  SysTime expires;
};

class SessionTable {
 public:
  static constexpr size_t kMaxSessions = 1000;

  // `clock` outlives the table.
  explicit SessionTable(const Clock& clock, size_t max_sessions = kMaxSessions)
      : clock_(clock), max_(max_sessions) {}
  SessionTable(const SessionTable&) = delete;
  SessionTable& operator=(const SessionTable&) = delete;

  // A new session of `caller` lasting `ttl`; its id (for the cookie) and the session. Empty id
  // when the CSPRNG fails.
  std::pair<std::string, Session> Create(const Caller& caller, std::string token_sha256,
                                         Duration ttl);
  // The live session of `id`; nullopt when there is none or it has expired (then it is dropped).
  std::optional<Session> Find(std::string_view id);
  // Ends a session; true when there was one.
  bool Remove(std::string_view id);
  // Drops the sessions whose token is not in `tokens` with the same name, SHA-256 and role; how
  // many.
  size_t Revoke(const std::vector<ControlTokenConfig>& tokens);
  size_t size() const;

 private:
  // By the SHA-256 of the id.
  using Map = std::map<std::string, Session>;
  Map::iterator Lookup(std::string_view id) REQUIRES(mu_);
  void DropExpired(SysTime now) REQUIRES(mu_);

  const Clock& clock_;
  const size_t max_;
  mutable Mutex mu_;
  Map sessions_ GUARDED_BY(mu_);
};

// 32 bytes of the OS's CSPRNG as 64 hex digits; "" when it fails.
std::string RandomHex32();

}  // namespace usdcop
