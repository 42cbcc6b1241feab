#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <fstream>

#include "app/config.h"
#include "support/temp_dir.h"

namespace usdcop {
namespace {

using namespace std::chrono_literals;
using ::testing::HasSubstr;

class WebSocketConfigTest : public ::testing::Test {
 protected:
  ConfigLoad Load(const std::string& section) {
    std::string path = dir_.File("config.yml");
    std::ofstream(path) << "probes:\n  websocket:\n" << section;
    return LoadConfigFile(path);
  }
  static std::string All(const ConfigLoad& load) {
    std::string out;
    for (const std::string& e : load.errors) out += e + "\n";
    return out;
  }

  TempDir dir_;
};

TEST_F(WebSocketConfigTest, LoadsTheDesignDocumentsExampleWithDefaults) {
  ConfigLoad load = Load(
      "    {interval: 15s, timeout: 5s, url: ws://127.0.0.1:8080/ws, status_url: "
      "http://127.0.0.1:8080/health}\n");
  ASSERT_TRUE(load.config) << All(load);
  const WebSocketProbeConfig& w = *load.config->probes.Get<WebSocketKind>();
  EXPECT_EQ(w.interval, 15s);
  EXPECT_EQ(w.timeout, 5s);
  EXPECT_EQ(w.url, "ws://127.0.0.1:8080/ws");
  EXPECT_EQ(w.status_url, "http://127.0.0.1:8080/health");
  EXPECT_EQ(w.connect_timeout, 2s);
  EXPECT_EQ(w.handshake_timeout, 2s);
  EXPECT_EQ(w.read_timeout, 5s);
  EXPECT_EQ(w.ca_file, "");
  EXPECT_EQ(w.subscribe, "");
}

TEST_F(WebSocketConfigTest, PhaseDefaultsShrinkToAShortTimeout) {
  ConfigLoad load = Load("    {timeout: 1s, url: 'wss://feed.example.com/ws?channel=usdcop'}\n");
  ASSERT_TRUE(load.config) << All(load);
  const WebSocketProbeConfig& w = *load.config->probes.Get<WebSocketKind>();
  EXPECT_EQ(w.connect_timeout, 1s);
  EXPECT_EQ(w.handshake_timeout, 1s);
  EXPECT_EQ(w.read_timeout, 1s);
}

TEST_F(WebSocketConfigTest, TakesEveryField) {
  std::ofstream(dir_.File("ca.pem")) << "-----BEGIN CERTIFICATE-----\n";
  ConfigLoad load = Load(
      "    interval: 30s\n    timeout: 10s\n    url: wss://127.0.0.1:8443/ws\n    status_url: "
      "https://127.0.0.1:8443/status\n"
      "    connect_timeout: 1s\n    handshake_timeout: 3s\n    read_timeout: 8s\n    ca_file: "
      "ca.pem\n"
      "    subscribe: '{\"action\": \"subscribe\"}'\n");
  ASSERT_TRUE(load.config) << All(load);
  const WebSocketProbeConfig& w = *load.config->probes.Get<WebSocketKind>();
  EXPECT_EQ(w.connect_timeout, 1s);
  EXPECT_EQ(w.handshake_timeout, 3s);
  EXPECT_EQ(w.read_timeout, 8s);
  EXPECT_EQ(w.ca_file, dir_.File("ca.pem"));
  EXPECT_EQ(w.subscribe, "{\"action\": \"subscribe\"}");
}

TEST_F(WebSocketConfigTest, ErrorsNameTheFieldAndWhatToDo) {
  struct Case {
    const char* yaml;
    const char* says;
  } cases[] = {
      {"    {timeout: 5s}\n", "probes.websocket.url: is required"},
      {"    {url: http://127.0.0.1:8080/ws}\n",
       "probes.websocket.url: \"http://127.0.0.1:8080/ws\" is not a ws:// or wss:// URL"},
      {"    {url: 'ws://user:secret@127.0.0.1/ws'}\n",
       "probes.websocket.url: has credentials in it"},
      {"    {url: ws://127.0.0.1/ws, status_url: ws://127.0.0.1/status}\n",
       "probes.websocket.status_url: \"ws://127.0.0.1/status\" is not an http://"},
      {"    {url: ws://127.0.0.1/ws, timeout: 5s, read_timeout: 6s}\n",
       "probes.websocket.read_timeout: must not be longer than timeout (5s)"},
      {"    {url: ws://127.0.0.1/ws, ca_file: missing.pem}\n",
       "probes.websocket.ca_file: cannot read"},
      {"    {url: ws://127.0.0.1/ws, cafile: x}\n", "cafile"},
      {"    {url: ws://127.0.0.1/ws, interval: 5s, timeout: 5s}\n", "timeout"},
  };
  for (const Case& c : cases) {
    ConfigLoad load = Load(c.yaml);
    EXPECT_FALSE(load.config) << c.yaml;
    EXPECT_THAT(All(load), HasSubstr(c.says)) << c.yaml;
  }
}

TEST_F(WebSocketConfigTest, TheCredentialIsNotQuotedBack) {
  ConfigLoad load = Load("    {url: 'wss://user:planted-ws-secret@127.0.0.1/ws'}\n");
  ASSERT_FALSE(load.config);
  EXPECT_THAT(All(load), ::testing::Not(HasSubstr("planted-ws-secret")));
}

}  // namespace
}  // namespace usdcop
