// A real PostgreSQL 15 cluster for tests: initdb in a temporary directory, a free loopback
// port, password authentication over TCP (scram-sha-256) and trust on its own Unix socket for
// set-up. As root it runs as the `postgres` user (PostgreSQL refuses root). Stopped by PID.
// Not thread-safe.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "support/ports.h"
#include "support/process.h"

namespace usdcop::testing {

class PostgresCluster {
 public:
  // Starts the cluster; throws std::runtime_error (with initdb's or postgres's output) on failure.
  PostgresCluster();
  ~PostgresCluster();

  int port() const { return port_; }
  // Runs SQL through psql on the cluster's socket as the superuser, in database `db`.
  CommandResult Sql(const std::string& sql, const std::string& db = "postgres") const;
  // Creates a login role with a password and a database it owns.
  void CreateDatabase(const std::string& db, const std::string& user,
                      const std::string& password) const;
  // Stops the server (fast shutdown) and starts it again on the same port.
  void Stop();
  void Start();

 private:
  std::vector<std::string> AsOwner(std::vector<std::string> argv) const;

  std::string dir_;
  std::string data_;
  int port_ = 0;
  std::unique_ptr<Process> server_;
};

}  // namespace usdcop::testing
