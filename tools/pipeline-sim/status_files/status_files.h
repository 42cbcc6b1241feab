// Layer status files, as a pipeline layer without Airflow writes them:
// <state-dir>/status/<layer>.json holding {"status", "updated_at", "records"}. Writes are
// atomic (temporary file, then rename). Thread-safe: each write uses its own temporary file.
//   POST   /sim/status-files/{layer}  {"status", "records", "updated_at"} -> {"path"}
//   DELETE /sim/status-files/{layer}                                     -> {"path", "deleted"}
#pragma once

#include <atomic>
#include <cstdint>
#include <filesystem>
#include <string>

#include <httplib.h>
#include <nlohmann/json.hpp>

#include "shared/status.h"

namespace usdcop::sim {

class StatusFiles {
 public:
  explicit StatusFiles(std::filesystem::path state_dir);
  StatusFiles(const StatusFiles&) = delete;
  StatusFiles& operator=(const StatusFiles&) = delete;

  // Creates the status directory.
  Status Init();
  std::filesystem::path PathFor(const std::string& layer) const;

  // An error when the file cannot be written.
  Status Write(const std::string& layer, const nlohmann::json& content);
  // True when a file was there.
  bool Remove(const std::string& layer);
  void RemoveAll();
  // Every status file and its content (null when unreadable), for GET /sim/state.
  nlohmann::json Describe() const;

  void Register(httplib::Server& server);

 private:
  void Post(const httplib::Request& req, httplib::Response& res);
  void Delete(const httplib::Request& req, httplib::Response& res);

  const std::filesystem::path dir_;
  std::atomic<uint64_t> temp_counter_{0};
};

}  // namespace usdcop::sim
