#include "portal/http_server.h"

#include <arpa/inet.h>
#include <microhttpd.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include <algorithm>
#include <cerrno>
#include <cstdarg>
#include <cstdio>
#include <cstring>
#include <exception>
#include <utility>

#include <fmt/format.h>

#include "core/log.h"
#include "core/strings.h"
#include "core/unique_fd.h"

namespace periscope::portal {
namespace {

// libmicrohttpd keeps a request's headers, its cookies (copied), the read
// buffer and the response headers in one memory pool per connection. The pool
// is sized well above max_header_bytes so that the exact limit is the one
// checked here (RequestState::header_bytes); headers so much larger that the
// pool overflows first get MHD's own 431 (or 414 when the request line alone
// does not fit).
size_t ConnectionMemoryLimit(size_t max_header_bytes) {
  return std::max<size_t>(32 * 1024, 2 * max_header_bytes + 16 * 1024);
}

// A chunked body over the cap is read on (and dropped) up to this much, so
// that the client gets its 413 at the end; a client that sends more is cut off
// without an answer (an answer cannot be queued while a body is arriving).
uint64_t DiscardLimit(size_t max_body_bytes) {
  return std::max<uint64_t>(uint64_t{1} << 20, uint64_t{4} * max_body_bytes);
}

// One request, from its request line (the URI log callback) to its end (the
// completion callback).
struct RequestState {
  std::string raw_uri;  // as sent: path and query, still percent-encoded
  bool headers_checked = false;
  bool too_large = false;  // the body went over the cap: dropped, answered 413
  uint64_t dropped_bytes = 0;
  std::string body;
};

struct HeaderCollector {
  std::map<std::string, std::string> headers;
  size_t bytes = 0;  // name ": " value CRLF, as parsed by MHD
};

MHD_Result CollectHeader(void* cls, MHD_ValueKind /*kind*/, const char* key, size_t key_size,
                         const char* value, size_t value_size) noexcept {
  auto* collector = static_cast<HeaderCollector*>(cls);
  collector->bytes += key_size + 2 + value_size + 2;
  try {
    collector->headers.emplace(AsciiLower(std::string_view(key, key_size)),
                               value == nullptr ? std::string() : std::string(value, value_size));
  } catch (...) {
    return MHD_NO;
  }
  return MHD_YES;
}

std::string ClientIp(MHD_Connection* connection) {
  const MHD_ConnectionInfo* info =
      MHD_get_connection_info(connection, MHD_CONNECTION_INFO_CLIENT_ADDRESS);
  if (info == nullptr || info->client_addr == nullptr) return "";
  char text[INET6_ADDRSTRLEN] = {};
  const sockaddr* addr = info->client_addr;
  if (addr->sa_family == AF_INET) {
    const auto* v4 = reinterpret_cast<const sockaddr_in*>(addr);
    if (inet_ntop(AF_INET, &v4->sin_addr, text, sizeof(text)) == nullptr) return "";
  } else if (addr->sa_family == AF_INET6) {
    const auto* v6 = reinterpret_cast<const sockaddr_in6*>(addr);
    if (IN6_IS_ADDR_V4MAPPED(&v6->sin6_addr)) {
      if (inet_ntop(AF_INET, &v6->sin6_addr.s6_addr[12], text, sizeof(text)) == nullptr) return "";
    } else if (inet_ntop(AF_INET6, &v6->sin6_addr, text, sizeof(text)) == nullptr) {
      return "";
    }
  }
  return text;
}

int HexValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

// The percent-decoded path ('+' stays '+'); false on a malformed escape or
// when the result is not UTF-8 text without control characters.
bool DecodePath(std::string_view raw, std::string* path) {
  path->clear();
  for (size_t i = 0; i < raw.size(); ++i) {
    if (raw[i] != '%') {
      path->push_back(raw[i]);
      continue;
    }
    if (i + 2 >= raw.size()) return false;
    int hi = HexValue(raw[i + 1]);
    int lo = HexValue(raw[i + 2]);
    if (hi < 0 || lo < 0) return false;
    path->push_back(static_cast<char>(hi * 16 + lo));
    i += 2;
  }
  return IsCleanUtf8Text(*path) && path->find('\t') == std::string::npos;
}

// The query's fields, a repeated name keeping the first (as Request::query
// promises); each field decoded as ParseQuery does. Not ok for a malformed one.
Status DecodeQuery(std::string_view raw, size_t max_field_bytes,
                   std::map<std::string, std::string>* query) {
  size_t start = 0;
  while (start < raw.size()) {
    size_t amp = raw.find('&', start);
    std::string_view pair =
        raw.substr(start, amp == std::string_view::npos ? std::string_view::npos : amp - start);
    start = amp == std::string_view::npos ? raw.size() : amp + 1;
    if (pair.empty()) continue;
    auto field = ParseQuery(pair, max_field_bytes);
    if (!field.ok()) return field.status();
    for (auto& [name, value] : *field) query->emplace(name, std::move(value));
  }
  return Status::Ok();
}

Response PlainResponse(int status, std::string_view text) {
  Response response;
  response.status = status;
  response.content_type = "text/plain; charset=utf-8";
  response.body = fmt::format("{}\n", text);
  return response;
}

// Queues `response`; false (nothing queued) when MHD refuses it: a header
// name or value it cannot send (CR, LF, a space in a name, Content-Length),
// a status outside 100..999.
bool TryQueue(MHD_Connection* connection, const Response& response, bool close) {
  MHD_Response* mhd = MHD_create_response_from_buffer(
      response.body.size(), const_cast<char*>(response.body.data()), MHD_RESPMEM_MUST_COPY);
  if (mhd == nullptr) return false;
  bool ok = true;
  if (!response.content_type.empty()) {
    ok = MHD_add_response_header(mhd, MHD_HTTP_HEADER_CONTENT_TYPE,
                                 response.content_type.c_str()) == MHD_YES;
  }
  for (const auto& [name, value] : response.headers) {
    if (!ok) break;
    if (value.empty()) continue;  // MHD sends no empty header; absent means the same
    ok = name.find('\0') == std::string::npos && value.find('\0') == std::string::npos &&
         MHD_add_response_header(mhd, name.c_str(), value.c_str()) == MHD_YES;
  }
  if (ok && close) {
    ok = MHD_add_response_header(mhd, MHD_HTTP_HEADER_CONNECTION, "close") == MHD_YES;
  }
  if (ok && (response.status < 100 || response.status > 999)) ok = false;
  if (ok) {
    ok = MHD_queue_response(connection, static_cast<unsigned int>(response.status), mhd) == MHD_YES;
  }
  MHD_destroy_response(mhd);
  return ok;
}

MHD_Result Queue(MHD_Connection* connection, const Response& response, bool close = false) {
  return TryQueue(connection, response, close) ? MHD_YES : MHD_NO;
}

}  // namespace

struct HttpServer::Impl {
  HttpServerOptions options;
  Handler handler;
  MHD_Daemon* daemon = nullptr;
  uint16_t port = 0;

  ~Impl() {
    if (daemon != nullptr) MHD_stop_daemon(daemon);
  }

  static void* StartRequest(void* /*cls*/, const char* uri, MHD_Connection* /*c*/) noexcept {
    try {
      auto state = std::make_unique<RequestState>();
      state->raw_uri = uri == nullptr ? "" : uri;
      return state.release();
    } catch (...) {
      return nullptr;  // Access() then refuses the request
    }
  }

  static void EndRequest(void* /*cls*/, MHD_Connection* /*c*/, void** con_cls,
                         MHD_RequestTerminationCode /*toe*/) noexcept {
    delete static_cast<RequestState*>(*con_cls);
    *con_cls = nullptr;
  }

  static void LogMhd(void* /*cls*/, const char* format, va_list args) noexcept {
    char text[512];
    int n = std::vsnprintf(text, sizeof(text), format, args);
    if (n <= 0) return;
    std::string_view message(text, std::min(static_cast<size_t>(n), sizeof(text) - 1));
    while (!message.empty() && (message.back() == '\n' || message.back() == '\r')) {
      message.remove_suffix(1);
    }
    LogInfo(fmt::format("portal: http: {}", CleanText(message, ' ')));
  }

  static MHD_Result Access(void* cls, MHD_Connection* connection, const char* /*url*/,
                           const char* method, const char* version, const char* upload_data,
                           size_t* upload_data_size, void** con_cls) noexcept {
    try {
      auto* impl = static_cast<Impl*>(cls);
      auto* state = static_cast<RequestState*>(*con_cls);
      if (state == nullptr) return MHD_NO;
      if (!state->headers_checked) {
        state->headers_checked = true;
        return impl->CheckHeaders(connection, *state, method, version);
      }
      if (*upload_data_size > 0) {
        impl->TakeBody(*state, std::string_view(upload_data, *upload_data_size));
        *upload_data_size = 0;
        if (state->dropped_bytes > DiscardLimit(impl->options.max_body_bytes)) return MHD_NO;
        return MHD_YES;
      }
      if (state->too_large) {
        return Queue(connection, impl->BodyTooLarge(), /*close=*/true);
      }
      return impl->Serve(connection, *state, method);
    } catch (...) {
      return MHD_NO;  // closes the connection (out of memory)
    }
  }

  // The first call: the request line and headers are in. Refuses what is over
  // a limit before any body is read.
  MHD_Result CheckHeaders(MHD_Connection* connection, RequestState& state, const char* method,
                          const char* version) {
    HeaderCollector collector;
    MHD_get_connection_values_n(connection, MHD_HEADER_KIND, &CollectHeader, &collector);
    size_t request_line_bytes =
        std::strlen(method) + 1 + state.raw_uri.size() + 1 + std::strlen(version) + 2;
    if (request_line_bytes + collector.bytes > options.max_header_bytes) {
      return Queue(connection,
                   PlainResponse(431, fmt::format("request header fields over {} bytes",
                                                  options.max_header_bytes)),
                   /*close=*/true);
    }
    const char* length =
        MHD_lookup_connection_value(connection, MHD_HEADER_KIND, MHD_HTTP_HEADER_CONTENT_LENGTH);
    if (length != nullptr) {
      auto bytes = ParseUint64(TrimWhitespace(length));
      if (bytes && *bytes > options.max_body_bytes) {
        return Queue(connection, BodyTooLarge(), /*close=*/true);
      }
    }
    return MHD_YES;
  }

  void TakeBody(RequestState& state, std::string_view data) const {
    if (!state.too_large && state.body.size() + data.size() > options.max_body_bytes) {
      state.too_large = true;
      state.dropped_bytes = state.body.size();
      state.body.clear();
      state.body.shrink_to_fit();
    }
    if (state.too_large) {
      state.dropped_bytes += data.size();
    } else {
      state.body.append(data);
    }
  }

  Response BodyTooLarge() const {
    return PlainResponse(413, fmt::format("request body over {} bytes", options.max_body_bytes));
  }

  // The request is complete: builds the Request and calls the handler.
  MHD_Result Serve(MHD_Connection* connection, RequestState& state, const char* method) {
    Request request;
    request.method = method;
    std::string_view raw(state.raw_uri);
    size_t question = raw.find('?');
    std::string_view raw_path = raw.substr(0, question);
    std::string_view raw_query =
        question == std::string_view::npos ? std::string_view() : raw.substr(question + 1);
    if (!DecodePath(raw_path, &request.path)) {
      return Queue(connection, PlainResponse(400, "malformed path"), /*close=*/true);
    }
    if (Status s = DecodeQuery(raw_query, options.max_header_bytes, &request.query); !s.ok()) {
      return Queue(connection, PlainResponse(400, "malformed query: " + s.message()),
                   /*close=*/true);
    }
    HeaderCollector collector;
    MHD_get_connection_values_n(connection, MHD_HEADER_KIND, &CollectHeader, &collector);
    request.headers = std::move(collector.headers);
    request.body = std::move(state.body);
    request.client_ip = ClientIp(connection);

    Response response;
    try {
      response = handler(request);
    } catch (const std::exception& e) {
      LogError(fmt::format("portal: {} {}: the handler failed: {}", request.method,
                           CleanText(TruncateUtf8(request.path, 200), '?'),
                           CleanText(e.what(), ' ')));
      response = PlainResponse(500, "internal server error");
    } catch (...) {
      LogError(fmt::format("portal: {} {}: the handler failed (not a std::exception)",
                           request.method, CleanText(TruncateUtf8(request.path, 200), '?')));
      response = PlainResponse(500, "internal server error");
    }
    if (TryQueue(connection, response, /*close=*/false)) return MHD_YES;
    LogError(fmt::format(
        "portal: {} {}: cannot send the handler's response (status {}; a header "
        "with CR or LF, or an invalid status)",
        request.method, CleanText(TruncateUtf8(request.path, 200), '?'), response.status));
    return Queue(connection, PlainResponse(500, "internal server error"), /*close=*/true);
  }
};

namespace {

// Why binding `addr` fails, for the error message of Start (MHD reports no
// cause): the bind error, or "" when a bind works.
std::string BindProblem(const sockaddr* addr, socklen_t size) {
  UniqueFd fd(::socket(addr->sa_family, SOCK_STREAM | SOCK_CLOEXEC, 0));
  if (!fd.valid()) return fmt::format("socket: {}", std::strerror(errno));
  int one = 1;
  (void)setsockopt(fd.get(), SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
  if (addr->sa_family == AF_INET6) {
    (void)setsockopt(fd.get(), IPPROTO_IPV6, IPV6_V6ONLY, &one, sizeof(one));
  }
  if (::bind(fd.get(), addr, size) == 0) return "";
  switch (errno) {
    case EADDRINUSE:
      return "address in use";
    case EADDRNOTAVAIL:
      return "address not available on this host";
    case EACCES:
      return "permission denied";
    default:
      return std::strerror(errno);
  }
}

}  // namespace

Result<std::unique_ptr<HttpServer>> HttpServer::Start(const HttpServerOptions& options,
                                                      Handler handler) {
  std::string where = HostPort(options.address, options.port);
  if (options.threads == 0 || options.max_connections == 0 || options.max_connections_per_ip == 0 ||
      options.idle_timeout_s == 0) {
    return InvalidArgumentError(fmt::format(
        "{}: threads, max_connections, max_connections_per_ip and idle_timeout_s must be "
        "at least 1",
        where));
  }
  sockaddr_in v4{};
  sockaddr_in6 v6{};
  const sockaddr* addr = nullptr;
  socklen_t addr_size = 0;
  bool ipv6 = false;
  if (inet_pton(AF_INET, options.address.c_str(), &v4.sin_addr) == 1) {
    v4.sin_family = AF_INET;
    v4.sin_port = htons(options.port);
    addr = reinterpret_cast<const sockaddr*>(&v4);
    addr_size = sizeof(v4);
  } else if (inet_pton(AF_INET6, options.address.c_str(), &v6.sin6_addr) == 1) {
    v6.sin6_family = AF_INET6;
    v6.sin6_port = htons(options.port);
    addr = reinterpret_cast<const sockaddr*>(&v6);
    addr_size = sizeof(v6);
    ipv6 = true;
  } else {
    return InvalidArgumentError(
        fmt::format("listen address '{}': not a literal IPv4 or IPv6 address",
                    CleanText(TruncateUtf8(options.address, 100), '?')));
  }

  auto impl = std::make_unique<Impl>();
  impl->options = options;
  impl->handler = std::move(handler);
  unsigned int flags = MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_EPOLL | MHD_USE_ERROR_LOG;
  if (ipv6) flags |= MHD_USE_IPv6;
  // A pool of one thread is MHD's single polling thread (it refuses a size of 1).
  MHD_OptionItem thread_pool[] = {
      {options.threads > 1 ? MHD_OPTION_THREAD_POOL_SIZE : MHD_OPTION_END,
       static_cast<intptr_t>(options.threads), nullptr},
      {MHD_OPTION_END, 0, nullptr}};
  impl->daemon = MHD_start_daemon(
      flags, options.port, nullptr, nullptr, &Impl::Access, impl.get(), MHD_OPTION_EXTERNAL_LOGGER,
      &Impl::LogMhd, nullptr,         //
      MHD_OPTION_SOCK_ADDR, addr,     //
      MHD_OPTION_ARRAY, thread_pool,  //
      MHD_OPTION_CONNECTION_LIMIT, static_cast<unsigned int>(options.max_connections),
      MHD_OPTION_PER_IP_CONNECTION_LIMIT, static_cast<unsigned int>(options.max_connections_per_ip),
      MHD_OPTION_CONNECTION_TIMEOUT, static_cast<unsigned int>(options.idle_timeout_s),
      MHD_OPTION_CONNECTION_MEMORY_LIMIT, ConnectionMemoryLimit(options.max_header_bytes),
      MHD_OPTION_URI_LOG_CALLBACK, &Impl::StartRequest, nullptr,  //
      MHD_OPTION_NOTIFY_COMPLETED, &Impl::EndRequest, nullptr,    //
      MHD_OPTION_END);
  if (impl->daemon == nullptr) {
    std::string problem = BindProblem(addr, addr_size);
    if (!problem.empty()) return UnavailableError(fmt::format("{}: {}", where, problem));
    return InternalError(fmt::format("{}: libmicrohttpd cannot start the HTTP server", where));
  }
  const MHD_DaemonInfo* info = MHD_get_daemon_info(impl->daemon, MHD_DAEMON_INFO_BIND_PORT);
  impl->port = info != nullptr && info->port != 0 ? info->port : options.port;
  return std::unique_ptr<HttpServer>(new HttpServer(std::move(impl)));
}

HttpServer::HttpServer(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}

HttpServer::~HttpServer() = default;

uint16_t HttpServer::port() const { return impl_->port; }

std::string HttpServer::url() const {
  return fmt::format("http://{}", HostPort(impl_->options.address, impl_->port));
}

}  // namespace periscope::portal
