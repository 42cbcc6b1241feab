#include "support/control_client.h"

#include <gtest/gtest.h>
#include <httplib.h>
#include <openssl/sha.h>
#include <sqlite3.h>

namespace usdcop::testing {

std::string Sha256Hex(const std::string& text) {
  unsigned char d[SHA256_DIGEST_LENGTH];
  SHA256(reinterpret_cast<const unsigned char*>(text.data()), text.size(), d);
  static const char* hex = "0123456789abcdef";
  std::string out;
  for (unsigned char c : d) {
    out += hex[c >> 4];
    out += hex[c & 15];
  }
  return out;
}

std::string ControlTokenYaml(const std::string& name, const std::string& token,
                             const std::string& role) {
  return "    - {name: " + name + ", sha256: " + Sha256Hex(token) + ", role: " + role + "}\n";
}

int StartExporterWithControl(Stack& stack, std::vector<std::string> flags) {
  flags.push_back("--control.listen-address=127.0.0.1:0");
  stack.StartExporter(flags);
  auto port = stack.exporter().WaitForLog(
      "msg=\"control API listening\" address=127\\.0\\.0\\.1:([0-9]+)", std::chrono::seconds(5));
  EXPECT_TRUE(port) << stack.exporter().Log();
  return port ? std::stoi(*port) : 0;
}

namespace {

ControlReply ReplyOf(const httplib::Result& r) {
  ControlReply out;
  if (!r) return out;
  out.status = r->status;
  out.text = r->body;
  out.body = nlohmann::json::parse(r->body, nullptr, false);
  return out;
}

httplib::Client ClientOn(int port) {
  httplib::Client c("127.0.0.1", port);
  c.set_connection_timeout(std::chrono::seconds(3));
  c.set_read_timeout(std::chrono::seconds(20));
  return c;
}

}  // namespace

ControlReply ControlClient::Get(const std::string& path, const std::string& token) const {
  return ReplyOf(ClientOn(port_).Get(path, {{"Authorization", "Bearer " + token}}));
}

ControlReply ControlClient::Post(const std::string& path, const std::string& token,
                                 const std::string& body, const std::string& content_type) const {
  return ReplyOf(
      ClientOn(port_).Post(path, {{"Authorization", "Bearer " + token}}, body, content_type));
}

std::vector<std::string> QueryRow(const std::string& db_path, const std::string& sql) {
  sqlite3* db = nullptr;
  std::vector<std::string> out;
  if (sqlite3_open_v2(db_path.c_str(), &db, SQLITE_OPEN_READONLY, nullptr) == SQLITE_OK) {
    sqlite3_stmt* st = nullptr;
    if (sqlite3_prepare_v2(db, sql.c_str(), -1, &st, nullptr) == SQLITE_OK &&
        sqlite3_step(st) == SQLITE_ROW)
      for (int i = 0; i < sqlite3_column_count(st); ++i) {
        const auto* t = reinterpret_cast<const char*>(sqlite3_column_text(st, i));
        out.emplace_back(t ? t : "");
      }
    sqlite3_finalize(st);
  }
  sqlite3_close(db);
  return out;
}

int ExecSql(const std::string& db_path, const std::string& sql) {
  sqlite3* db = nullptr;
  int changed = -1;
  if (sqlite3_open_v2(db_path.c_str(), &db, SQLITE_OPEN_READWRITE, nullptr) == SQLITE_OK &&
      sqlite3_exec(db, sql.c_str(), nullptr, nullptr, nullptr) == SQLITE_OK)
    changed = sqlite3_changes(db);
  sqlite3_close(db);
  return changed;
}

}  // namespace usdcop::testing
