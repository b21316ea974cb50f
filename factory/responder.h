// The reference manufacturing-site responder (seed 001 figure 6, steps e1-e4):
// answers stock and delivery inquiries (reports/inquiry_message.h) from a
// stock file, over HTTP on loopback by default. Used by the demo and tests.
//
// Stock file: CSV with the header `product_number,quantity,retailer,
// delivery_days[,answer]`; '#' lines and blank lines are skipped; fields hold
// no commas or quotes. `answer` is empty or `later`: the first request of each
// inquiry (by ID) for such a product is answered "pending", later requests
// with the same ID are answered for real (to exercise late answers).
#ifndef PERISCOPE_FACTORY_RESPONDER_H_
#define PERISCOPE_FACTORY_RESPONDER_H_

#include <cstdint>
#include <memory>
#include <mutex>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "core/clock.h"
#include "core/status.h"

namespace periscope::factory {

// Largest request body accepted (413 above it).
inline constexpr size_t kMaxRequestBytes = 64 * 1024;

struct StockItem {
  std::string product_number;
  int64_t quantity = 0;
  std::string retailer;
  int delivery_days = 0;  // 0..3650
  bool answer_later = false;
  int line = 0;
};

// Parses a stock file's content; errors are InvalidArgument "name:line: why".
// A product listed twice is an error.
Result<std::vector<StockItem>> ParseStockCsv(std::string_view content, std::string_view name);
Result<std::vector<StockItem>> LoadStockFile(const std::string& path);

struct HttpReply {
  int status_code = 200;
  std::string content_type = "application/xml; charset=utf-8";
  std::string body;
  std::string allow;  // the Allow header for 405
};

// Answers requests from the stock (steps e2-e3). Thread-safe.
class Responder {
 public:
  // REQUIRES: `site` is a valid site name; `clock` outlives the responder.
  Responder(std::string site, std::vector<StockItem> stock, const Clock& clock);

  // One HTTP request: POST /inquiry with an inquiry message gives 200 and an
  // answer (status unknown-product for a product not in stock); a bad message
  // gives 400 with an <error> body; another path 404; another method 405.
  HttpReply Handle(std::string_view method, std::string_view path, std::string_view body);

  const std::string& site() const { return site_; }

 private:
  std::string site_;
  std::vector<StockItem> stock_;
  const Clock& clock_;
  std::mutex mu_;
  std::set<std::string> asked_once_;  // inquiry IDs answered "pending" (guarded by mu_)
};

// An HTTP server around a Responder (libmicrohttpd, its own polling thread).
// Stops on destruction. The Responder must outlive it.
class ResponderServer {
 public:
  // `listen` is "HOST:PORT" with HOST an IPv4 address or "[IPv6]"; port 0
  // picks a free one. Unavailable when the address cannot be bound.
  static Result<std::unique_ptr<ResponderServer>> Start(Responder& responder,
                                                        const std::string& listen);
  ~ResponderServer();
  ResponderServer(const ResponderServer&) = delete;
  ResponderServer& operator=(const ResponderServer&) = delete;

  int port() const { return port_; }
  // "http://127.0.0.1:PORT/inquiry" (brackets around IPv6 hosts).
  std::string url() const;

 private:
  ResponderServer() = default;
  struct Daemon;
  std::unique_ptr<Daemon> daemon_;
  std::string host_;
  bool ipv6_ = false;
  int port_ = 0;
};

}  // namespace periscope::factory

#endif  // PERISCOPE_FACTORY_RESPONDER_H_
