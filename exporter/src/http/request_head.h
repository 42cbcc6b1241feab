// A request's head as the HTTP server (http_server.cpp) reads it, apart from sockets: Beast's
// parser with the server's limits, and what the server takes from a parsed head, checked against
// its bounds (README, "The front door"). The unit tests and the fuzz target http_request drive it
// with bytes. Pure functions; thread-safe.
#pragma once

#include <boost/beast/http/empty_body.hpp>
#include <boost/beast/http/parser.hpp>
#include <cstdint>
#include <string_view>

#include "http/http_server.h"

namespace usdcop {

using HeadParser = boost::beast::http::request_parser<boost::beast::http::empty_body>;

// Makes `parser`, new for the next request, take a head of at most `max_header_bytes` and a body
// of any declared length: the route's limit is checked once the head is known (CheckHead).
void LimitHead(HeadParser& parser, std::size_t max_header_bytes);

// The answer to a head that went over the parser's limit, given the bytes read so far: 414 while
// its request line has not ended (no CRLF yet), 431 after.
int OverLimitStatus(std::string_view read);

// What a parsed head asks for.
struct Head {
  int refuse = 0;  // 414 for a target over max_line, 431 for a field over it or more than
                   // max_fields fields; 0: taken
  bool head_request = false;  // HEAD: answered as GET, without the body
  bool keep_alive = false;
  bool has_body = false;       // chunked, or a declared length above 0
  std::uint64_t declared = 0;  // the declared length; 0 when none
};

// Checks the head `parser` has parsed against `options` and, unless it is refused, fills
// `request`'s method (GET for HEAD), target, path and headers.
Head CheckHead(const HeadParser& parser, const HttpServerOptions& options, ServerRequest& request);

}  // namespace usdcop
