// The control API of the usdcop_exporter under test: tokens for its config (by SHA-256), the side
// port it says it listens on, calls with a bearer token, and reads of its state store (the audit
// log). Not thread-safe.
#pragma once

#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "support/stack.h"

namespace usdcop::testing {

// Lowercase hex of the SHA-256 of `text`, as control.tokens[].sha256 and backup manifests take it.
std::string Sha256Hex(const std::string& text);
// One control.tokens entry: "    - {name: NAME, sha256: <of token>, role: ROLE}\n".
std::string ControlTokenYaml(const std::string& name, const std::string& token,
                             const std::string& role);

// Starts the exporter of `stack` (its config.yml) with the side port on any free port; the port,
// or 0 when the log never said (a failure is recorded in the test).
int StartExporterWithControl(Stack& stack, std::vector<std::string> flags = {});

struct ControlReply {
  int status = 0;       // 0: no answer
  nlohmann::json body;  // discarded when not JSON
  std::string text;
};

// Calls on 127.0.0.1:port, each on a new connection, 3 s to connect and 20 s to answer.
class ControlClient {
 public:
  explicit ControlClient(int port = 0) : port_(port) {}
  ControlReply Get(const std::string& path, const std::string& token) const;
  // `content_type` as the caller's client sends it (curl -d without -H: form-urlencoded).
  ControlReply Post(const std::string& path, const std::string& token, const std::string& body,
                    const std::string& content_type = "application/json") const;

 private:
  int port_;
};

// The first row of `sql` on the SQLite file `db_path` (read-only), columns as text; empty when
// none.
std::vector<std::string> QueryRow(const std::string& db_path, const std::string& sql);
// Runs one statement that changes `db_path` (the exporter stopped); the rows it changed, -1 on an
// error.
int ExecSql(const std::string& db_path, const std::string& sql);

}  // namespace usdcop::testing
