// Errors as values: a Status carries a Reason from a fixed set and a message for humans.
// The Reason becomes the `reason` label of usdcop_probe_errors_total, so its set is closed and
// the label's cardinality bounded. Status and Result are values: copyable, not synchronised.
#pragma once

#include <array>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <variant>

namespace usdcop {

enum class Reason {
  kTimeout,      // the deadline passed
  kConnect,      // could not resolve or connect
  kTls,          // TLS handshake or certificate
  kHttpStatus,   // a peer answered with an unexpected HTTP status
  kParse,        // a peer's answer was not what its format promises
  kQuery,        // a database query failed
  kIo,           // a local file could not be read or written
  kOverlap,      // the previous run was still going when this one was due
  kCancelled,    // the exporter is shutting down
  kRateLimited,  // a peer said we asked too often (HTTP 429 or its error JSON); we back off
  kAuth,         // a peer refused our credentials (HTTP 401)
  kHandshake,    // a WebSocket upgrade was refused or broken (the message has the HTTP status)
  kClosed,       // a peer closed the connection before it sent what we waited for
  kInternal,     // a bug of ours: an exception escaped a probe
};

inline constexpr std::array kAllReasons = {
    Reason::kTimeout,   Reason::kConnect,     Reason::kTls,  Reason::kHttpStatus,
    Reason::kParse,     Reason::kQuery,       Reason::kIo,   Reason::kOverlap,
    Reason::kCancelled, Reason::kRateLimited, Reason::kAuth, Reason::kHandshake,
    Reason::kClosed,    Reason::kInternal};

// The label value: "timeout", "connect", "tls", "http_status", ...
std::string_view ReasonName(Reason reason);

class [[nodiscard]] Status {
 public:
  Status() = default;  // OK
  Status(Reason reason, std::string message) : error_(Error{reason, std::move(message)}) {}

  static Status Ok() { return Status(); }

  bool ok() const { return !error_.has_value(); }
  // Only meaningful when !ok().
  Reason reason() const { return error_->reason; }
  const std::string& message() const { return error_->message; }
  // "reason: message", or "ok".
  std::string ToString() const;

 private:
  struct Error {
    Reason reason;
    std::string message;
  };
  std::optional<Error> error_;
};

// Folds `s` into `into`: the first failure keeps its reason, later messages are appended
// ("L0: ...; L3: ..."). An OK `s` changes nothing.
void MergeInto(Status& into, const Status& s);

// A value or the Status that explains its absence.
template <typename T>
class [[nodiscard]] Result {
 public:
  Result(T value) : v_(std::move(value)) {}         // NOLINT: implicit by design
  Result(Status status) : v_(std::move(status)) {}  // NOLINT: must not be OK

  bool ok() const { return std::holds_alternative<T>(v_); }
  const T& value() const& { return std::get<T>(v_); }
  T& value() & { return std::get<T>(v_); }
  T&& value() && { return std::get<T>(std::move(v_)); }
  const T* operator->() const { return &value(); }
  const T& operator*() const { return value(); }
  Status status() const { return ok() ? Status::Ok() : std::get<Status>(v_); }

 private:
  std::variant<T, Status> v_;
};

}  // namespace usdcop
