// The L0 ready signal as a flag file: {"ready": true, "timestamp": "<now>", "last_bar": "<bar>"},
// written atomically (temporary file, then rename) after each successful bar write.
// Thread-safe.
#pragma once

#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>

#include <nlohmann/json.hpp>

#include "common/mutex.h"
#include "shared/sim_time.h"
#include "shared/status.h"

namespace usdcop::sim {

// A time as the status endpoints write it (FormatIsoZ), or JSON null.
nlohmann::json TimeOrNull(const std::optional<Time>& t);

class ReadyFlag {
 public:
  explicit ReadyFlag(std::filesystem::path path) : path_(std::move(path)) {}
  ReadyFlag(const ReadyFlag&) = delete;
  ReadyFlag& operator=(const ReadyFlag&) = delete;

  // Creates the file's directory.
  Status Init();
  // An error when the file cannot be written.
  Status Write(Time last_bar);
  // path, writes, last_timestamp, last_bar: for GET /sim/market/state.
  nlohmann::json Describe() const;

 private:
  const std::filesystem::path path_;
  mutable Mutex mu_;  // also serialises the writes of the file
  int64_t writes_ GUARDED_BY(mu_) = 0;
  std::optional<Time> written_at_ GUARDED_BY(mu_);
  std::optional<Time> last_bar_ GUARDED_BY(mu_);
};

}  // namespace usdcop::sim
