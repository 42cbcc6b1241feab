// The exporter's durable state: one SQLite file in WAL mode at --storage.path, created on first
// start. Probes keep what must survive a restart here (the runs already counted, scan
// watermarks), as small JSON documents under (namespace, key). Thread-safe: one connection
// behind a mutex; every Put is its own committed transaction. WAL with synchronous=NORMAL: a
// committed write survives the process being killed (kill -9); only a power cut or a kernel
// crash may lose the last transactions.
#pragma once

#include <sqlite3.h>

#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>

#include "common/status.h"

namespace usdcop {

class StateStore {
 public:
  // Opens (creating the file and its directory if needed) and migrates the schema.
  static Result<std::unique_ptr<StateStore>> Open(const std::string& path);
  ~StateStore();
  StateStore(const StateStore&) = delete;
  StateStore& operator=(const StateStore&) = delete;

  const std::string& path() const { return path_; }

  Result<std::optional<std::string>> Get(std::string_view ns, std::string_view key);
  Status Put(std::string_view ns, std::string_view key, std::string_view value);
  Status Delete(std::string_view ns, std::string_view key);

 private:
  StateStore(std::string path, sqlite3* db) : path_(std::move(path)), db_(db) {}
  Status Exec(const char* sql);
  Status Error(std::string_view what);

  const std::string path_;
  std::mutex mu_;
  sqlite3* db_;  // guarded by mu_
};

}  // namespace usdcop
