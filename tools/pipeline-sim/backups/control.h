// The control endpoint of the simulated backups (no auth, JSON in and out, 400
// {"error", "field"} on bad input, unknown fields rejected):
//   POST /sim/backups/fault   {"fault", "layer"?, "file"?} -> {"fault", "layer", "set", "file",
//                             "detail"}
//   POST /sim/backups/create  {"layer"?}                   -> {"layer", "set", "dir"}
//   GET  /sim/backups/state
// 409 {"error", "field"} when backups are off (field "backups"), when the layer has no set to
// change (field "layer") or when there is nothing left to change in it or no free second to
// create a set in (field "set"); 503
// {"error", "field": "filesystem"} when the change on disk fails.
// Handlers are thread-safe; the writer must outlive the server.
#pragma once

#include <httplib.h>

#include "backups/writer.h"

namespace usdcop::sim {

class BackupControl {
 public:
  // `writer` is null when backups are off.
  explicit BackupControl(BackupWriter* writer) : writer_(writer) {}
  BackupControl(const BackupControl&) = delete;
  BackupControl& operator=(const BackupControl&) = delete;

  void Register(httplib::Server& server);

 private:
  using Request = httplib::Request;
  using Response = httplib::Response;

  void SetFault(const Request& req, Response& res);
  void Create(const Request& req, Response& res);
  void State(const Request& req, Response& res);
  // True when backups are on; otherwise answers 409 and is false.
  bool Enabled(Response& res) const;

  BackupWriter* const writer_;
};

}  // namespace usdcop::sim
