#include "common/log.h"

#include <chrono>
#include <nlohmann/json.hpp>

#include "common/units.h"

namespace usdcop {
namespace {

std::string_view LevelName(LogLevel level) {
  switch (level) {
    case LogLevel::kDebug:
      return "debug";
    case LogLevel::kInfo:
      return "info";
    case LogLevel::kWarn:
      return "warn";
    case LogLevel::kError:
      return "error";
  }
  return "info";
}

std::string Now() {
  auto now =
      std::chrono::time_point_cast<std::chrono::microseconds>(std::chrono::system_clock::now());
  std::string ts = FormatTimestamp(now);  // ...HH:MM:SS.uuuuuuZ: keep milliseconds, as go-kit
  return ts.size() > 24 ? ts.substr(0, 23) + "Z" : ts;
}

}  // namespace

std::optional<LogLevel> ParseLogLevel(std::string_view text) {
  for (LogLevel l : {LogLevel::kDebug, LogLevel::kInfo, LogLevel::kWarn, LogLevel::kError})
    if (text == LevelName(l)) return l;
  return std::nullopt;
}

std::optional<LogFormat> ParseLogFormat(std::string_view text) {
  if (text == "logfmt") return LogFormat::kLogfmt;
  if (text == "json") return LogFormat::kJson;
  return std::nullopt;
}

std::string LogfmtValue(std::string_view value) {
  bool needs_quotes = value.empty();
  for (char c : value)
    if (c <= ' ' || c == '=' || c == '"' || c == '\\') needs_quotes = true;
  if (!needs_quotes) return std::string(value);
  std::string out = "\"";
  for (char c : value) {
    switch (c) {
      case '"':
        out += "\\\"";
        break;
      case '\\':
        out += "\\\\";
        break;
      case '\n':
        out += "\\n";
        break;
      case '\r':
        out += "\\r";
        break;
      case '\t':
        out += "\\t";
        break;
      default:
        out += c;
    }
  }
  return out + "\"";
}

void Logger::Log(LogLevel level, std::string_view msg, std::initializer_list<LogField> fields) {
  if (!Enabled(level)) return;
  std::string line;
  if (format_ == LogFormat::kJson) {
    nlohmann::ordered_json j;
    j["ts"] = Now();
    j["level"] = LevelName(level);
    j["msg"] = msg;
    for (const LogField& f : fields) j[std::string(f.key)] = f.value;
    line = j.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
  } else {
    line = "ts=" + Now() + " level=" + std::string(LevelName(level)) + " msg=" + LogfmtValue(msg);
    for (const LogField& f : fields) line += " " + std::string(f.key) + "=" + LogfmtValue(f.value);
  }
  line += '\n';
  MutexLock lock(mu_);
  std::fwrite(line.data(), 1, line.size(), out_);
  std::fflush(out_);
}

}  // namespace usdcop
