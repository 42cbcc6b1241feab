// Settings every pipeline-sim server shares: thread pool, TCP_NODELAY, keep-alive, body limit,
// JSON bodies for errors no handler answered, exceptions turned into 500, one log line per
// request (the vendor API's apikey values redacted). Call before serving.
#pragma once

#include <httplib.h>

namespace usdcop::sim {

void ConfigureServer(httplib::Server& server, int threads, bool log_requests);

}  // namespace usdcop::sim
