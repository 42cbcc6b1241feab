// Structured logging to stderr in logfmt or JSON, one line per event, like the Prometheus
// ecosystem's go-kit logs: `ts=... level=warn msg="probe failed" probe=pipeline reason=timeout`.
// Never pass a secret as a field value. Thread-safe: a line is written whole under a mutex.
#pragma once

#include <cstdio>
#include <initializer_list>
#include <optional>
#include <string>
#include <string_view>

#include "common/mutex.h"

namespace usdcop {

enum class LogLevel { kDebug, kInfo, kWarn, kError };
enum class LogFormat { kLogfmt, kJson };

std::optional<LogLevel> ParseLogLevel(std::string_view text);
std::optional<LogFormat> ParseLogFormat(std::string_view text);

struct LogField {
  std::string_view key;
  std::string value;
};

class Logger {
 public:
  explicit Logger(LogLevel level = LogLevel::kInfo, LogFormat format = LogFormat::kLogfmt,
                  std::FILE* out = stderr)
      : level_(level), format_(format), out_(out) {}
  Logger(const Logger&) = delete;
  Logger& operator=(const Logger&) = delete;

  bool Enabled(LogLevel level) const { return level >= level_; }
  void Log(LogLevel level, std::string_view msg, std::initializer_list<LogField> fields = {});
  void Debug(std::string_view msg, std::initializer_list<LogField> f = {}) {
    Log(LogLevel::kDebug, msg, f);
  }
  void Info(std::string_view msg, std::initializer_list<LogField> f = {}) {
    Log(LogLevel::kInfo, msg, f);
  }
  void Warn(std::string_view msg, std::initializer_list<LogField> f = {}) {
    Log(LogLevel::kWarn, msg, f);
  }
  void Error(std::string_view msg, std::initializer_list<LogField> f = {}) {
    Log(LogLevel::kError, msg, f);
  }

 private:
  const LogLevel level_;
  const LogFormat format_;
  std::FILE* const out_;
  Mutex mu_;  // serialises writes to out_
};

// One logfmt value, quoted and escaped where it needs to be.
std::string LogfmtValue(std::string_view value);

}  // namespace usdcop
