// The simulator's one error style: errors are values. A Status is OK or an Error; a Result<T>
// is a T or the Error that explains its absence; both are [[nodiscard]], shaped like the
// exporter's common/status.h. An Error carries what kind of failure it is (the control endpoints
// answer it with that kind's HTTP status), the request field or place at fault, and a message for
// humans; a startup error's message names the flag. std::optional is kept for pure parsers and
// lookups whose only failure is "not one" (ParseIsoTime, ParseListenAddress, FindRun).
// The exporter's usdcop::Status is not reused: its Reason set is the `reason` label of the probe
// metrics, and the simulator's errors are answers to test requests, not probe failures.
// Values: copyable, not synchronised.
#pragma once

#include <optional>
#include <string>
#include <utility>
#include <variant>

namespace usdcop::sim {

enum class ErrorKind {
  kBadInput,  // a request or a flag is wrong: 400
  kConflict,  // the state does not allow it now (nothing to change, exists already): 409
  kIo,        // a file, the database or a socket failed: 503
};

// The HTTP status a control endpoint answers an error of that kind with.
inline int HttpStatusOf(ErrorKind kind) {
  switch (kind) {
    case ErrorKind::kBadInput:
      return 400;
    case ErrorKind::kConflict:
      return 409;
    case ErrorKind::kIo:
      return 503;
  }
  return 500;
}

struct Error {
  ErrorKind kind = ErrorKind::kIo;
  // The request's field at fault ("body" for the body as a whole), or the resource that failed
  // ("filesystem", "database"); empty where nobody reads it (startup errors, logs).
  std::string field;
  std::string message;
};

inline Error BadInput(std::string field, std::string message) {
  return {ErrorKind::kBadInput, std::move(field), std::move(message)};
}
inline Error Conflict(std::string field, std::string message) {
  return {ErrorKind::kConflict, std::move(field), std::move(message)};
}
inline Error IoError(std::string field, std::string message) {
  return {ErrorKind::kIo, std::move(field), std::move(message)};
}

class [[nodiscard]] Status {
 public:
  Status() = default;                                // OK
  Status(Error error) : error_(std::move(error)) {}  // NOLINT: implicit by design

  static Status Ok() { return Status(); }

  bool ok() const { return !error_.has_value(); }
  // Only meaningful when !ok().
  const Error& error() const { return *error_; }
  const std::string& message() const { return error_->message; }

 private:
  std::optional<Error> error_;
};

// A value or the Error that explains its absence.
template <typename T>
class [[nodiscard]] Result {
 public:
  Result(T value) : v_(std::move(value)) {}      // NOLINT: implicit by design
  Result(Error error) : v_(std::move(error)) {}  // NOLINT: implicit by design
  // Must not be OK.
  Result(const Status& status) : v_(status.error()) {}  // NOLINT: implicit by design

  bool ok() const { return v_.index() == 0; }
  const T& value() const& { return std::get<0>(v_); }
  T& value() & { return std::get<0>(v_); }
  T&& value() && { return std::get<0>(std::move(v_)); }
  const T* operator->() const { return &value(); }
  T* operator->() { return &value(); }
  const T& operator*() const& { return value(); }
  T& operator*() & { return value(); }
  // Only meaningful when !ok().
  const Error& error() const { return std::get<1>(v_); }
  const std::string& message() const { return error().message; }
  Status status() const { return ok() ? Status::Ok() : Status(error()); }

 private:
  std::variant<T, Error> v_;
};

}  // namespace usdcop::sim
