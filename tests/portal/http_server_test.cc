#include "portal/http_server.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <atomic>
#include <cerrno>
#include <chrono>
#include <map>
#include <stdexcept>
#include <string>
#include <thread>

#include <fmt/format.h>

#include "core/strings.h"
#include "core/unique_fd.h"
#include "tests/support/process.h"

namespace periscope::portal {
namespace {

using std::chrono::milliseconds;
using std::chrono::seconds;
using std::chrono::steady_clock;

// ---- a tiny HTTP/1.1 client on raw sockets ----

struct RawResponse {
  int status = 0;                              // 0: no status line came (refused, reset, timed out)
  std::map<std::string, std::string> headers;  // names lower-case
  std::string body;
  bool closed = false;  // the server closed the connection after it
};

// A connection to `address` (IPv4 or IPv6 literal) from `source` (or any).
// Invalid when connect() fails.
UniqueFd Connect(const std::string& address, uint16_t port, const std::string& source = "") {
  sockaddr_storage addr{};
  socklen_t size = 0;
  auto* v4 = reinterpret_cast<sockaddr_in*>(&addr);
  auto* v6 = reinterpret_cast<sockaddr_in6*>(&addr);
  if (inet_pton(AF_INET, address.c_str(), &v4->sin_addr) == 1) {
    v4->sin_family = AF_INET;
    v4->sin_port = htons(port);
    size = sizeof(sockaddr_in);
  } else if (inet_pton(AF_INET6, address.c_str(), &v6->sin6_addr) == 1) {
    v6->sin6_family = AF_INET6;
    v6->sin6_port = htons(port);
    size = sizeof(sockaddr_in6);
  } else {
    return UniqueFd();
  }
  UniqueFd fd(::socket(addr.ss_family, SOCK_STREAM | SOCK_CLOEXEC, 0));
  if (!fd.valid()) return fd;
  if (!source.empty()) {
    sockaddr_in from{};
    from.sin_family = AF_INET;
    if (inet_pton(AF_INET, source.c_str(), &from.sin_addr) != 1 ||
        ::bind(fd.get(), reinterpret_cast<sockaddr*>(&from), sizeof(from)) != 0) {
      return UniqueFd();
    }
  }
  if (::connect(fd.get(), reinterpret_cast<sockaddr*>(&addr), size) != 0) return UniqueFd();
  return fd;
}

bool SendAll(int fd, std::string_view data) {
  while (!data.empty()) {
    ssize_t n = ::send(fd, data.data(), data.size(), MSG_NOSIGNAL);
    if (n < 0) {
      if (errno == EINTR) continue;
      return false;
    }
    data.remove_prefix(static_cast<size_t>(n));
  }
  return true;
}

// Reads up to `max` bytes, waiting at most `timeout`: "" and *eof set when
// the peer closed (or reset) the connection; "" alone on a timeout.
std::string ReadSome(int fd, milliseconds timeout, bool* eof) {
  *eof = false;
  pollfd p{fd, POLLIN, 0};
  int ready = ::poll(&p, 1, static_cast<int>(timeout.count()));
  if (ready <= 0) return "";
  char buffer[65536];
  ssize_t n = ::recv(fd, buffer, sizeof(buffer), 0);
  if (n <= 0) {
    *eof = true;  // 0: closed; <0: reset (data that came before it is read first)
    return "";
  }
  return std::string(buffer, static_cast<size_t>(n));
}

// Reads one response (Content-Length framed, as the server sends them).
RawResponse ReadResponse(int fd, milliseconds timeout = milliseconds(5000)) {
  RawResponse response;
  std::string data;
  auto deadline = steady_clock::now() + timeout;
  size_t header_end = std::string::npos;
  size_t want = std::string::npos;
  while (steady_clock::now() < deadline) {
    if (header_end == std::string::npos) {
      header_end = data.find("\r\n\r\n");
      if (header_end != std::string::npos) {
        size_t line_end = data.find("\r\n");
        std::string_view status_line(data.data(), line_end);
        if (status_line.size() >= 12) {
          response.status = std::stoi(std::string(status_line.substr(9, 3)));
        }
        size_t pos = line_end + 2;
        while (pos < header_end) {
          size_t end = data.find("\r\n", pos);
          std::string_view line(data.data() + pos, end - pos);
          size_t colon = line.find(':');
          if (colon != std::string_view::npos) {
            response.headers.emplace(AsciiLower(line.substr(0, colon)),
                                     std::string(TrimWhitespace(line.substr(colon + 1))));
          }
          pos = end + 2;
        }
        auto length = response.headers.find("content-length");
        want = length == response.headers.end() ? 0 : std::stoul(length->second);
      }
    }
    if (header_end != std::string::npos && data.size() >= header_end + 4 + want) {
      response.body = data.substr(header_end + 4, want);
      break;
    }
    bool eof = false;
    auto left = std::chrono::duration_cast<milliseconds>(deadline - steady_clock::now());
    std::string more = ReadSome(fd, std::max(left, milliseconds(1)), &eof);
    if (eof) {
      response.closed = true;
      if (header_end == std::string::npos) response.status = 0;
      break;
    }
    data += more;
  }
  if (!response.closed && response.status != 0) {
    // A connection the server closes right after the response.
    auto close = response.headers.find("connection");
    if (close != response.headers.end() && AsciiLower(close->second) == "close") {
      bool eof = false;
      (void)ReadSome(fd, milliseconds(2000), &eof);
      response.closed = eof;
    }
  }
  return response;
}

RawResponse Exchange(const std::string& address, uint16_t port, const std::string& request) {
  UniqueFd fd = Connect(address, port);
  if (!fd.valid()) return RawResponse();
  // A server that refuses early may close before all is sent: its answer is
  // still there to read.
  (void)SendAll(fd.get(), request);
  return ReadResponse(fd.get());
}

std::string Get(std::string_view target, std::string_view extra_headers = "") {
  return fmt::format("GET {} HTTP/1.1\r\nHost: test\r\n{}\r\n", target, extra_headers);
}

std::string Post(std::string_view target, std::string_view body) {
  return fmt::format(
      "POST {} HTTP/1.1\r\nHost: test\r\nContent-Type: application/x-www-form-urlencoded\r\n"
      "Content-Length: {}\r\n\r\n{}",
      target, body.size(), body);
}

std::string Chunked(std::string_view target, size_t chunks, size_t chunk_bytes, char fill) {
  std::string request =
      fmt::format("POST {} HTTP/1.1\r\nHost: test\r\nTransfer-Encoding: chunked\r\n\r\n", target);
  for (size_t i = 0; i < chunks; ++i) {
    request += fmt::format("{:x}\r\n{}\r\n", chunk_bytes, std::string(chunk_bytes, fill));
  }
  return request + "0\r\n\r\n";
}

// ---- the server under test, with an echoing handler ----

class HttpServerTest : public ::testing::Test {
 protected:
  HttpServerTest() {
    options_.address = "127.0.0.1";
    options_.port = 0;
    options_.threads = 2;
    options_.max_connections = 64;
    options_.max_connections_per_ip = 16;
    options_.idle_timeout_s = 1;
    options_.max_header_bytes = 8 * 1024;
    options_.max_body_bytes = 16 * 1024;
  }

  void StartServer() {
    auto server = HttpServer::Start(options_, [this](const Request& r) { return Echo(r); });
    ASSERT_TRUE(server.ok()) << server.status().ToString();
    server_ = std::move(*server);
  }

  // Answers with the request's fields, one per line; "/throw" throws, "/slow"
  // takes 500 ms.
  Response Echo(const Request& request) {
    ++calls_;
    if (request.path == "/throw") throw std::runtime_error("handler bug");
    if (request.path == "/slow") {
      in_slow_ = true;
      std::this_thread::sleep_for(milliseconds(500));
      slow_done_ = true;
    }
    Response response;
    response.content_type = "text/plain; charset=utf-8";
    response.body =
        fmt::format("method={}\npath={}\nip={}\n", request.method, request.path, request.client_ip);
    for (const auto& [k, v] : request.query) response.body += fmt::format("query.{}={}\n", k, v);
    for (const auto& [k, v] : request.headers) {
      response.body += fmt::format("header.{}={}\n", k, v);
    }
    response.body += "body=" + request.body;
    response.AddHeader("Set-Cookie", "a=1; Path=/");
    response.AddHeader("Set-Cookie", "b=2; Path=/");
    response.AddHeader("X-Body-Bytes", std::to_string(request.body.size()));
    return response;
  }

  uint16_t port() const { return server_->port(); }

  HttpServerOptions options_;
  std::unique_ptr<HttpServer> server_;
  std::atomic<int> calls_{0};
  std::atomic<bool> in_slow_{false};
  std::atomic<bool> slow_done_{false};
};

TEST_F(HttpServerTest, ReportsItsPortAndUrl) {
  StartServer();
  EXPECT_NE(port(), 0);
  EXPECT_EQ(server_->url(), fmt::format("http://127.0.0.1:{}", port()));
}

TEST_F(HttpServerTest, GetPassesPathQueryHeadersAndCookiesDecoded) {
  StartServer();
  RawResponse r = Exchange(
      "127.0.0.1", port(),
      Get("/products/%E6%97%A5%20x+y?x=1&name=a+b%26c&x=2&empty=&",
          "Cookie: session=abc; lang=ja\r\nX-Mixed-CASE: Value 1\r\nx-mixed-case: second\r\n"));
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_NE(r.body.find("method=GET\n"), std::string::npos) << r.body;
  EXPECT_NE(r.body.find("path=/products/日 x+y\n"), std::string::npos) << r.body;
  EXPECT_NE(r.body.find("ip=127.0.0.1\n"), std::string::npos) << r.body;
  EXPECT_NE(r.body.find("query.x=1\n"), std::string::npos) << r.body;  // the first x
  EXPECT_EQ(r.body.find("query.x=2"), std::string::npos) << r.body;
  EXPECT_NE(r.body.find("query.name=a b&c\n"), std::string::npos) << r.body;
  EXPECT_NE(r.body.find("query.empty=\n"), std::string::npos) << r.body;
  EXPECT_NE(r.body.find("header.cookie=session=abc; lang=ja\n"), std::string::npos) << r.body;
  EXPECT_NE(r.body.find("header.x-mixed-case=Value 1\n"), std::string::npos) << r.body;
  EXPECT_EQ(r.body.find("second"), std::string::npos) << r.body;
  EXPECT_NE(r.body.find("header.host=test\n"), std::string::npos) << r.body;
  EXPECT_EQ(r.headers["content-type"], "text/plain; charset=utf-8");
  EXPECT_FALSE(r.closed);  // keep-alive
}

TEST_F(HttpServerTest, ResponseHeadersRepeatAndKeepAliveServesTheNextRequest) {
  StartServer();
  UniqueFd fd = Connect("127.0.0.1", port());
  ASSERT_TRUE(fd.valid());
  ASSERT_TRUE(SendAll(fd.get(), Get("/one")));
  // RawResponse keeps the first header of a name; the raw text shows both.
  bool eof = false;
  std::string raw;
  auto deadline = steady_clock::now() + seconds(5);
  while (raw.find("body=") == std::string::npos && !eof && steady_clock::now() < deadline) {
    raw += ReadSome(fd.get(), milliseconds(500), &eof);
  }
  EXPECT_NE(raw.find("Set-Cookie: a=1; Path=/\r\n"), std::string::npos) << raw;
  EXPECT_NE(raw.find("Set-Cookie: b=2; Path=/\r\n"), std::string::npos) << raw;
  ASSERT_TRUE(SendAll(fd.get(), Get("/two")));
  RawResponse second = ReadResponse(fd.get());
  EXPECT_EQ(second.status, 200);
  EXPECT_NE(second.body.find("path=/two\n"), std::string::npos) << second.body;
  EXPECT_EQ(calls_, 2);
}

TEST_F(HttpServerTest, PostFormBodyArrivesIntact) {
  StartServer();
  std::string body = "csrf=tok&message=";
  for (int i = 0; body.size() < 12000; ++i) body += fmt::format("%E6%97%A5+{}%0D%0A", i);
  RawResponse r = Exchange("127.0.0.1", port(), Post("/contact", body));
  ASSERT_EQ(r.status, 200);
  EXPECT_EQ(r.headers["x-body-bytes"], std::to_string(body.size()));
  EXPECT_NE(r.body.find("method=POST\n"), std::string::npos);
  EXPECT_TRUE(r.body.ends_with("body=" + body));
}

TEST_F(HttpServerTest, ChunkedBodyUnderTheCapArrivesIntact) {
  StartServer();
  RawResponse r = Exchange("127.0.0.1", port(), Chunked("/upload", 3, 1000, 'z'));
  ASSERT_EQ(r.status, 200);
  EXPECT_EQ(r.headers["x-body-bytes"], "3000");
  EXPECT_TRUE(r.body.ends_with("body=" + std::string(3000, 'z')));
}

TEST_F(HttpServerTest, BodyExactlyAtTheCapIsAccepted) {
  StartServer();
  std::string body(options_.max_body_bytes, 'b');
  RawResponse r = Exchange("127.0.0.1", port(), Post("/contact", body));
  ASSERT_EQ(r.status, 200);
  EXPECT_EQ(r.headers["x-body-bytes"], std::to_string(body.size()));
}

TEST_F(HttpServerTest, ContentLengthOverTheCapIs413BeforeTheBodyAndClosed) {
  StartServer();
  UniqueFd fd = Connect("127.0.0.1", port());
  ASSERT_TRUE(fd.valid());
  // Only the headers: the answer must come without the body being sent.
  ASSERT_TRUE(
      SendAll(fd.get(), fmt::format("POST /contact HTTP/1.1\r\nHost: test\r\nContent-Length: {}\r\n"
                                    "\r\n",
                                    options_.max_body_bytes + 1)));
  RawResponse r = ReadResponse(fd.get());
  EXPECT_EQ(r.status, 413);
  EXPECT_EQ(AsciiLower(r.headers["connection"]), "close");
  EXPECT_TRUE(r.closed);
  EXPECT_EQ(calls_, 0);
}

TEST_F(HttpServerTest, ChunkedBodyOverTheCapIs413AndClosed) {
  StartServer();
  RawResponse r = Exchange("127.0.0.1", port(), Chunked("/upload", 20, 1024, 'z'));
  EXPECT_EQ(r.status, 413);
  EXPECT_EQ(AsciiLower(r.headers["connection"]), "close");
  EXPECT_TRUE(r.closed);
  EXPECT_EQ(calls_, 0);
  // The server is fine afterwards.
  EXPECT_EQ(Exchange("127.0.0.1", port(), Get("/")).status, 200);
}

TEST_F(HttpServerTest, EndlessChunkedBodyIsCutOff) {
  StartServer();
  UniqueFd fd = Connect("127.0.0.1", port());
  ASSERT_TRUE(fd.valid());
  ASSERT_TRUE(SendAll(fd.get(),
                      "POST /upload HTTP/1.1\r\nHost: test\r\nTransfer-Encoding: chunked\r\n\r\n"));
  std::string chunk = fmt::format("{:x}\r\n{}\r\n", 16384, std::string(16384, 'z'));
  bool cut_off = false;
  for (int i = 0; i < 1000 && !cut_off; ++i) cut_off = !SendAll(fd.get(), chunk);  // 16 MiB
  EXPECT_TRUE(cut_off);
  EXPECT_EQ(calls_, 0);
}

TEST_F(HttpServerTest, HeadersJustUnderTheCapAreServed) {
  StartServer();
  std::string filler(options_.max_header_bytes - 200, 'h');
  RawResponse r = Exchange("127.0.0.1", port(), Get("/", "X-Filler: " + filler + "\r\n"));
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(calls_, 1);
}

TEST_F(HttpServerTest, HeadersOverTheCapAre431AndNeverReachTheHandler) {
  StartServer();
  std::string filler(options_.max_header_bytes + 100, 'h');
  RawResponse r = Exchange("127.0.0.1", port(), Get("/", "X-Filler: " + filler + "\r\n"));
  EXPECT_EQ(r.status, 431);
  EXPECT_TRUE(r.closed);
  // Many small headers count as well.
  std::string many;
  for (int i = 0; many.size() < options_.max_header_bytes; ++i) {
    many += fmt::format("X-H{}: {}\r\n", i, std::string(40, 'v'));
  }
  EXPECT_EQ(Exchange("127.0.0.1", port(), Get("/", many)).status, 431);
  // A long query counts too (the request line is part of the headers).
  EXPECT_EQ(Exchange("127.0.0.1", port(), Get("/?q=" + std::string(options_.max_header_bytes, 'q')))
                .status,
            431);
  EXPECT_EQ(calls_, 0);
}

TEST_F(HttpServerTest, HugeHeaderIs431FromLibmicrohttpdItself) {
  StartServer();
  // Far beyond the connection's memory pool: MHD refuses it while reading.
  std::string filler(64 * 1024, 'h');
  RawResponse r = Exchange("127.0.0.1", port(), Get("/", "X-Filler: " + filler + "\r\n"));
  EXPECT_EQ(r.status, 431);
  EXPECT_EQ(calls_, 0);
  EXPECT_EQ(Exchange("127.0.0.1", port(), Get("/")).status, 200);
}

TEST_F(HttpServerTest, MalformedPathOrQueryIs400) {
  StartServer();
  EXPECT_EQ(Exchange("127.0.0.1", port(), Get("/x?a=%zz")).status, 400);
  EXPECT_EQ(Exchange("127.0.0.1", port(), Get("/x?a=%FF")).status, 400);
  EXPECT_EQ(Exchange("127.0.0.1", port(), Get("/%zz")).status, 400);
  EXPECT_EQ(Exchange("127.0.0.1", port(), Get("/a%0Ab")).status, 400);
  EXPECT_EQ(calls_, 0);
}

TEST_F(HttpServerTest, StalledClientIsDisconnectedWhileOthersAreServed) {
  StartServer();
  UniqueFd slow = Connect("127.0.0.1", port());
  ASSERT_TRUE(slow.valid());
  auto start = steady_clock::now();
  ASSERT_TRUE(SendAll(slow.get(), "GET / HTTP/1.1\r\nHost: te"));  // ... and nothing more
  // Others are served meanwhile.
  for (int i = 0; i < 3; ++i) {
    EXPECT_EQ(Exchange("127.0.0.1", port(), Get("/other")).status, 200);
  }
  bool eof = false;
  std::string data = ReadSome(slow.get(), milliseconds(5000), &eof);
  auto elapsed = steady_clock::now() - start;
  EXPECT_TRUE(eof) << "not disconnected; got '" << data << "'";
  EXPECT_GE(elapsed, milliseconds(900));
  EXPECT_LT(elapsed, milliseconds(4000));
  EXPECT_EQ(calls_, 3);
}

TEST_F(HttpServerTest, ConnectionsOverThePerAddressLimitAreRefused) {
  options_.max_connections_per_ip = 2;
  options_.idle_timeout_s = 30;
  StartServer();
  // Three connections from 127.0.0.1: two are served, one is closed at accept.
  UniqueFd held[3];
  for (auto& fd : held) {
    fd = Connect("127.0.0.1", port());
    ASSERT_TRUE(fd.valid());
    std::this_thread::sleep_for(milliseconds(100));
  }
  int served = 0;
  for (auto& fd : held) {
    if (!SendAll(fd.get(), Get("/"))) continue;
    if (ReadResponse(fd.get(), milliseconds(2000)).status == 200) ++served;
  }
  EXPECT_EQ(served, 2);
  // Another address is not affected.
  UniqueFd other = Connect("127.0.0.1", port(), "127.0.0.2");
  ASSERT_TRUE(other.valid()) << "cannot connect from 127.0.0.2";
  ASSERT_TRUE(SendAll(other.get(), Get("/")));
  RawResponse r = ReadResponse(other.get());
  EXPECT_EQ(r.status, 200);
  EXPECT_NE(r.body.find("ip=127.0.0.2\n"), std::string::npos) << r.body;
  // Once the held connections are gone, 127.0.0.1 is served again.
  for (auto& fd : held) fd.reset();
  EXPECT_TRUE(testing::WaitFor(
      [&] { return Exchange("127.0.0.1", port(), Get("/again")).status == 200; }, seconds(5)));
}

TEST_F(HttpServerTest, ConnectionsOverTheTotalLimitAreRefused) {
  options_.threads = 1;  // MHD splits the total among its threads
  options_.max_connections = 2;
  options_.idle_timeout_s = 30;
  StartServer();
  UniqueFd a = Connect("127.0.0.1", port());
  UniqueFd b = Connect("127.0.0.1", port(), "127.0.0.2");
  ASSERT_TRUE(a.valid() && b.valid());
  std::this_thread::sleep_for(milliseconds(200));
  // A third is not served while the two are held (closed, or left waiting).
  RawResponse third = [&] {
    UniqueFd c = Connect("127.0.0.1", port(), "127.0.0.3");
    if (!c.valid() || !SendAll(c.get(), Get("/"))) return RawResponse();
    return ReadResponse(c.get(), milliseconds(1000));
  }();
  EXPECT_NE(third.status, 200);
  a.reset();
  b.reset();
  EXPECT_TRUE(testing::WaitFor(
      [&] { return Exchange("127.0.0.1", port(), Get("/again")).status == 200; }, seconds(5)));
}

TEST_F(HttpServerTest, HandlerExceptionIs500AndTheServerGoesOn) {
  StartServer();
  RawResponse r = Exchange("127.0.0.1", port(), Get("/throw"));
  EXPECT_EQ(r.status, 500);
  EXPECT_EQ(r.body.find("handler bug"), std::string::npos);  // no internals to the client
  EXPECT_EQ(Exchange("127.0.0.1", port(), Get("/fine")).status, 200);
}

TEST_F(HttpServerTest, ResponseTheServerCannotSendIs500) {
  auto server = HttpServer::Start(options_, [](const Request&) {
    Response response;
    response.AddHeader("Location", "/x\r\nSet-Cookie: injected=1");
    return response;
  });
  ASSERT_TRUE(server.ok()) << server.status().ToString();
  RawResponse r = Exchange("127.0.0.1", (*server)->port(), Get("/"));
  EXPECT_EQ(r.status, 500);
  EXPECT_EQ(r.headers.count("set-cookie"), 0u);
}

TEST_F(HttpServerTest, DestructorWaitsForTheRunningHandler) {
  StartServer();
  std::thread client([&] { (void)Exchange("127.0.0.1", port(), Get("/slow")); });
  ASSERT_TRUE(testing::WaitFor([&] { return in_slow_.load(); }, seconds(5)));
  server_.reset();
  EXPECT_TRUE(slow_done_);
  client.join();
}

TEST_F(HttpServerTest, ServesIpv6Loopback) {
  {
    UniqueFd probe(::socket(AF_INET6, SOCK_STREAM | SOCK_CLOEXEC, 0));
    sockaddr_in6 addr{};
    addr.sin6_family = AF_INET6;
    addr.sin6_addr = in6addr_loopback;
    if (!probe.valid() ||
        ::bind(probe.get(), reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) != 0) {
      GTEST_SKIP() << "no IPv6 loopback (::1) on this host";
    }
  }
  options_.address = "::1";
  StartServer();
  EXPECT_EQ(server_->url(), fmt::format("http://[::1]:{}", port()));
  RawResponse r = Exchange("::1", port(), Get("/v6?a=1"));
  ASSERT_EQ(r.status, 200);
  EXPECT_NE(r.body.find("ip=::1\n"), std::string::npos) << r.body;
  EXPECT_NE(r.body.find("query.a=1\n"), std::string::npos) << r.body;
  // Not reachable over IPv4.
  EXPECT_EQ(Exchange("127.0.0.1", port(), Get("/")).status, 0);
}

TEST_F(HttpServerTest, StartOnAPortInUseFailsNamingIt) {
  StartServer();
  HttpServerOptions same = options_;
  same.port = port();
  auto second = HttpServer::Start(same, [](const Request&) { return Response(); });
  ASSERT_FALSE(second.ok());
  EXPECT_EQ(second.status().code(), StatusCode::kUnavailable);
  EXPECT_NE(second.status().message().find(fmt::format("127.0.0.1:{}", port())), std::string::npos)
      << second.status().message();
  EXPECT_NE(second.status().message().find("in use"), std::string::npos)
      << second.status().message();
  // The first server is unharmed.
  EXPECT_EQ(Exchange("127.0.0.1", port(), Get("/")).status, 200);
}

TEST_F(HttpServerTest, StartRefusesAHostNameOrZeroLimits) {
  options_.address = "localhost";
  auto named = HttpServer::Start(options_, [](const Request&) { return Response(); });
  ASSERT_FALSE(named.ok());
  EXPECT_EQ(named.status().code(), StatusCode::kInvalidArgument);
  EXPECT_NE(named.status().message().find("localhost"), std::string::npos);
  options_.address = "127.0.0.1";
  options_.threads = 0;
  auto no_threads = HttpServer::Start(options_, [](const Request&) { return Response(); });
  EXPECT_EQ(no_threads.status().code(), StatusCode::kInvalidArgument);
}

}  // namespace
}  // namespace periscope::portal
