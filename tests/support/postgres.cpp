#include "support/postgres.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <pwd.h>
#include <signal.h>
#include <sys/socket.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <random>
#include <stdexcept>

namespace usdcop::testing {
namespace {

const std::string kBin = "/usr/lib/postgresql/15/bin/";

}  // namespace

std::vector<std::string> PostgresCluster::AsOwner(std::vector<std::string> argv) const {
  if (::geteuid() != 0) return argv;
  argv.insert(argv.begin(), {"runuser", "-u", "postgres", "--"});
  return argv;
}

PostgresCluster::PostgresCluster() {
  char tmpl[] = "/tmp/usdcop_pg_XXXXXX";
  dir_ = mkdtemp(tmpl);
  data_ = dir_ + "/data";
  if (::geteuid() == 0) {
    passwd* pw = getpwnam("postgres");
    if (!pw) throw std::runtime_error("no postgres user (apt-get install postgresql)");
    if (::chown(dir_.c_str(), pw->pw_uid, pw->pw_gid) != 0)
      throw std::runtime_error("chown " + dir_);
  }
  CommandResult init =
      RunCommand(AsOwner({kBin + "initdb", "-D", data_, "-U", "postgres", "--auth-local=trust",
                          "--auth-host=scram-sha-256", "-E", "UTF8", "--locale=C"}),
                 "", std::chrono::seconds(60));
  if (init.exit_code != 0) throw std::runtime_error("initdb failed:\n" + init.output);
  port_ = FreeLowPort();
  Start();
}

PostgresCluster::~PostgresCluster() {
  Stop();
  std::filesystem::remove_all(dir_);
}

void PostgresCluster::Start() {
  server_ = std::make_unique<Process>(
      AsOwner({kBin + "postgres", "-D", data_, "-k", dir_, "-c", "listen_addresses=127.0.0.1", "-p",
               std::to_string(port_), "-c", "fsync=off", "-c", "max_connections=50"}),
      dir_ + "/server.log");
  bool ready = Eventually(
      [&] {
        return RunCommand({kBin + "pg_isready", "-h", dir_, "-p", std::to_string(port_)}, "")
                   .exit_code == 0;
      },
      std::chrono::seconds(20));
  if (!ready) throw std::runtime_error("postgres did not start:\n" + server_->Log());
}

void PostgresCluster::Stop() {
  if (!server_) return;
  // SIGINT is PostgreSQL's fast shutdown; sent to the postmaster itself (its PID is the first
  // line of postmaster.pid), not to runuser in front of it.
  std::ifstream pid_file(data_ + "/postmaster.pid");
  pid_t pid = 0;
  if (pid_file >> pid && pid > 0)
    ::kill(pid, SIGINT);
  else
    server_->Signal(SIGINT);
  if (!server_->WaitExit(std::chrono::seconds(15))) server_->Stop();
  server_.reset();
}

CommandResult PostgresCluster::Sql(const std::string& sql, const std::string& db) const {
  return RunCommand({kBin + "psql", "-h", dir_, "-p", std::to_string(port_), "-U", "postgres", "-d",
                     db, "-v", "ON_ERROR_STOP=1", "-q", "-c", sql},
                    "", std::chrono::seconds(60));
}

void PostgresCluster::CreateDatabase(const std::string& db, const std::string& user,
                                     const std::string& password) const {
  for (const std::string& sql : {"CREATE ROLE " + user + " LOGIN PASSWORD '" + password + "'",
                                 "CREATE DATABASE " + db + " OWNER " + user}) {
    CommandResult r = Sql(sql);
    if (r.exit_code != 0) throw std::runtime_error(sql + ": " + r.output);
  }
}

}  // namespace usdcop::testing
