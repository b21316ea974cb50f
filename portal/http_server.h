// An HTTP/1.1 server on libmicrohttpd with explicit limits, serving one
// Handler. The only file that includes microhttpd.h is http_server.cc.
//
// Limits, each answered without calling the handler:
// - headers (request line + all header lines) over `max_header_bytes`: 431;
// - a body over `max_body_bytes` (Content-Length, or counted as it arrives
//   when chunked): 413, the connection closed;
// - a client that sends nothing for `idle_timeout_s` (a slow or stalled
//   client, slowloris): the connection is closed;
// - more than `max_connections` connections in all, or
//   `max_connections_per_ip` from one address: refused at accept.
// The handler runs on one of `threads` worker threads; several may run at
// once. It must not throw (an exception is caught and answered 500, logged).
#ifndef PERISCOPE_PORTAL_HTTP_SERVER_H_
#define PERISCOPE_PORTAL_HTTP_SERVER_H_

#include <cstdint>
#include <memory>
#include <string>

#include "core/status.h"
#include "portal/http.h"

namespace periscope::portal {

struct HttpServerOptions {
  std::string address = "127.0.0.1";  // a literal IPv4 or IPv6 address
  uint16_t port = 0;                  // 0: a free port (see HttpServer::port)
  unsigned threads = 4;
  unsigned max_connections = 1024;
  unsigned max_connections_per_ip = 64;
  unsigned idle_timeout_s = 15;
  size_t max_header_bytes = 8 * 1024;
  size_t max_body_bytes = 16 * 1024;
};

class HttpServer {
 public:
  // Binds and starts serving. Errors name the address and port
  // (Unavailable "127.0.0.1:8080: address in use").
  static Result<std::unique_ptr<HttpServer>> Start(const HttpServerOptions& options,
                                                   Handler handler);
  ~HttpServer();  // stops: no handler runs after it returns
  HttpServer(const HttpServer&) = delete;
  HttpServer& operator=(const HttpServer&) = delete;

  uint16_t port() const;
  // "http://127.0.0.1:PORT" ("http://[::1]:PORT").
  std::string url() const;

 private:
  struct Impl;
  explicit HttpServer(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace periscope::portal

#endif  // PERISCOPE_PORTAL_HTTP_SERVER_H_
