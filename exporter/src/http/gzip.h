// gzip (RFC 1952) through zlib, for serving the cached exposition compressed. Thread-safe.
#pragma once

#include <string>
#include <string_view>

namespace usdcop {

// The gzip encoding of `data`; "" only if zlib fails (out of memory).
std::string Gzip(std::string_view data);

// True if an Accept-Encoding header value accepts gzip ("gzip", "gzip, deflate", not "gzip;q=0").
bool AcceptsGzip(std::string_view accept_encoding);

}  // namespace usdcop
