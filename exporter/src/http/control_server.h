// The side port: the control API over HTTP(S). It turns each request into a ControlRequest and
// the answer back into JSON over HTTP, and knows nothing else of the API. With a web config it
// serves HTTPS with the config's TLS settings and headers (WebGate); basic-auth credentials are
// verified here and handed to the API, which maps users to roles. Bodies over 64 KiB are not
// read: a Content-Length above it is refused before the body, a longer chunked body by httplib's
// payload limit; both answer 413 as JSON. Thread-safe; a fixed pool of connection threads.
#pragma once

#include <httplib.h>

#include <functional>
#include <memory>
#include <thread>

#include "common/log.h"
#include "common/status.h"
#include "control/api_types.h"
#include "http/listen_address.h"
#include "http/web_gate.h"

namespace usdcop {

class ControlServer {
 public:
  using Handler = std::function<ControlResponse(const ControlRequest&)>;
  ControlServer(Handler handler, Logger& log, size_t max_connections, std::shared_ptr<const WebConfig> web = nullptr);
  ~ControlServer();
  ControlServer(const ControlServer&) = delete;
  ControlServer& operator=(const ControlServer&) = delete;

  Result<int> Start(const ListenAddress& address);
  void Stop();
  Status UpdateWebConfig(std::shared_ptr<const WebConfig> web) { return gate_.Update(std::move(web)); }

 private:
  void Serve(const httplib::Request& req, httplib::Response& res, bool body_too_large);

  Handler handler_;
  Logger& log_;
  WebGate gate_;
  std::unique_ptr<httplib::Server> server_;
  std::thread thread_;
  int listen_fd_ = -1;
};

}  // namespace usdcop
