#include "factory/responder.h"

#include <arpa/inet.h>
#include <microhttpd.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include <algorithm>
#include <cstring>
#include <utility>

#include <fmt/format.h>

#include "core/files.h"
#include "core/strings.h"
#include "reports/inquiry_message.h"

namespace periscope::factory {
namespace {

using reports::AnswerStatus;
using reports::SiteAnswer;

constexpr size_t kMaxStockFileBytes = 4 << 20;
constexpr size_t kMaxRememberedInquiries = 100000;

std::vector<std::string_view> SplitCommas(std::string_view line) {
  std::vector<std::string_view> fields;
  size_t start = 0;
  while (true) {
    size_t comma = line.find(',', start);
    fields.push_back(TrimWhitespace(line.substr(start, comma - start)));
    if (comma == std::string_view::npos) break;
    start = comma + 1;
  }
  return fields;
}

Status LineError(std::string_view name, int line, std::string_view field, std::string_view why) {
  return InvalidArgumentError(fmt::format("{}:{}: field '{}': {}", name, line, field, why));
}

HttpReply ErrorReply(int status_code, std::string_view message) {
  HttpReply reply;
  reply.status_code = status_code;
  reply.body = reports::BuildErrorXml(message);
  return reply;
}

HttpReply TooLarge() {
  return ErrorReply(413, fmt::format("request over {} bytes", kMaxRequestBytes));
}

}  // namespace

Result<std::vector<StockItem>> ParseStockCsv(std::string_view content, std::string_view name) {
  std::vector<StockItem> stock;
  bool header_seen = false;
  size_t columns = 0;
  int line_number = 0;
  size_t pos = 0;
  if (content.substr(0, 3) == "\xEF\xBB\xBF") pos = 3;
  while (pos < content.size()) {
    size_t end = content.find('\n', pos);
    std::string_view line =
        content.substr(pos, end == std::string_view::npos ? content.npos : end - pos);
    pos = end == std::string_view::npos ? content.size() : end + 1;
    ++line_number;
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    std::string_view trimmed = TrimWhitespace(line);
    if (trimmed.empty() || trimmed.front() == '#') continue;
    if (!IsCleanUtf8Text(line)) {
      return InvalidArgumentError(fmt::format(
          "{}:{}: not clean UTF-8 text (control characters or bad encoding)", name, line_number));
    }
    std::vector<std::string_view> fields = SplitCommas(trimmed);
    if (!header_seen) {
      std::vector<std::string_view> want = {"product_number", "quantity", "retailer",
                                            "delivery_days"};
      bool ok = fields.size() >= 4 && fields.size() <= 5 &&
                std::equal(want.begin(), want.end(), fields.begin()) &&
                (fields.size() == 4 || fields[4] == "answer");
      if (!ok) {
        return InvalidArgumentError(
            fmt::format("{}:{}: header must be product_number,quantity,retailer,delivery_days"
                        "[,answer]",
                        name, line_number));
      }
      header_seen = true;
      columns = fields.size();
      continue;
    }
    if (fields.size() != columns) {
      return InvalidArgumentError(fmt::format("{}:{}: {} fields, the header has {}", name,
                                              line_number, fields.size(), columns));
    }
    StockItem item;
    item.line = line_number;
    item.product_number = std::string(fields[0]);
    if (item.product_number.empty() ||
        item.product_number.size() > reports::kMaxProductNumberBytes) {
      return LineError(name, line_number, "product_number",
                       fmt::format("must be 1 to {} bytes", reports::kMaxProductNumberBytes));
    }
    auto quantity = ParseUint64(fields[1]);
    if (!quantity || *quantity > INT32_MAX) {
      return LineError(name, line_number, "quantity",
                       fmt::format("'{}' is not a count in 0..{}", fields[1], INT32_MAX));
    }
    item.quantity = static_cast<int64_t>(*quantity);
    item.retailer = std::string(fields[2]);
    if (item.retailer.empty() || item.retailer.size() > reports::kMaxPlaceBytes) {
      return LineError(name, line_number, "retailer",
                       fmt::format("must be 1 to {} bytes", reports::kMaxPlaceBytes));
    }
    auto days = ParseUint64(fields[3]);
    if (!days || *days > 3650) {
      return LineError(name, line_number, "delivery_days",
                       fmt::format("'{}' is not a number of days in 0..3650", fields[3]));
    }
    item.delivery_days = static_cast<int>(*days);
    if (columns == 5) {
      if (fields[4] == "later") {
        item.answer_later = true;
      } else if (!fields[4].empty()) {
        return LineError(name, line_number, "answer",
                         fmt::format("'{}' is not empty or 'later'", fields[4]));
      }
    }
    for (const StockItem& other : stock) {
      if (other.product_number == item.product_number) {
        return LineError(
            name, line_number, "product_number",
            fmt::format("'{}' already listed on line {}", item.product_number, other.line));
      }
    }
    stock.push_back(std::move(item));
  }
  if (!header_seen) return InvalidArgumentError(fmt::format("{}: no header line", name));
  return stock;
}

Result<std::vector<StockItem>> LoadStockFile(const std::string& path) {
  auto content = ReadFileBounded(path, kMaxStockFileBytes);
  if (!content.ok()) return content.status();
  return ParseStockCsv(*content, path);
}

Responder::Responder(std::string site, std::vector<StockItem> stock, const Clock& clock)
    : site_(std::move(site)), stock_(std::move(stock)), clock_(clock) {}

HttpReply Responder::Handle(std::string_view method, std::string_view path, std::string_view body) {
  if (path != "/inquiry") return ErrorReply(404, "no such resource; POST to /inquiry");
  if (method != "POST") {
    HttpReply reply = ErrorReply(405, "only POST is allowed");
    reply.allow = "POST";
    return reply;
  }
  if (body.size() > kMaxRequestBytes) return TooLarge();
  auto request = reports::ParseInquiryXml(body, "request");
  if (!request.ok()) return ErrorReply(400, request.status().message());

  SiteAnswer answer;
  answer.inquiry_key = request->inquiry_key;
  answer.site = site_;
  auto item = std::find_if(stock_.begin(), stock_.end(), [&](const StockItem& s) {
    return s.product_number == request->product_number;
  });
  if (item == stock_.end()) {
    answer.status = AnswerStatus::kUnknownProduct;
    answer.message =
        fmt::format("product number '{}' is not made at site {}", request->product_number, site_);
  } else {
    bool pending = false;
    if (item->answer_later) {
      std::lock_guard<std::mutex> lock(mu_);
      if (asked_once_.size() >= kMaxRememberedInquiries) asked_once_.clear();
      pending = asked_once_.insert(request->inquiry_key).second;
    }
    if (pending) {
      answer.status = AnswerStatus::kPending;
      answer.message = "stock is being checked; ask again with the same id";
    } else {
      answer.status = AnswerStatus::kAnswered;
      answer.in_stock = item->quantity >= request->quantity;
      answer.quantity_available = item->quantity;
      answer.retailer = item->retailer;
      answer.delivery_date =
          DateFromDays(DaysFromDate(LocalDate(clock_.Now())) + item->delivery_days);
      answer.message = *answer.in_stock ? "from stock" : "made to order";
    }
  }
  if (Status s = reports::ValidateAnswer(answer); !s.ok()) {
    return ErrorReply(500, s.message());
  }
  HttpReply reply;
  reply.body = reports::BuildAnswerXml(answer);
  return reply;
}

// ---- the HTTP server ----

struct ResponderServer::Daemon {
  MHD_Daemon* mhd = nullptr;
  ~Daemon() {
    if (mhd != nullptr) MHD_stop_daemon(mhd);
  }
};

namespace {

// One request's body as it arrives.
struct Upload {
  std::string body;
  bool too_large = false;
};

MHD_Result Queue(MHD_Connection* connection, const HttpReply& reply) {
  MHD_Response* response = MHD_create_response_from_buffer(
      reply.body.size(), const_cast<char*>(reply.body.data()), MHD_RESPMEM_MUST_COPY);
  if (response == nullptr) return MHD_NO;
  MHD_add_response_header(response, MHD_HTTP_HEADER_CONTENT_TYPE, reply.content_type.c_str());
  if (!reply.allow.empty()) MHD_add_response_header(response, "Allow", reply.allow.c_str());
  MHD_Result result =
      MHD_queue_response(connection, static_cast<unsigned int>(reply.status_code), response);
  MHD_destroy_response(response);
  return result;
}

MHD_Result HandleRequest(void* cls, MHD_Connection* connection, const char* url, const char* method,
                         const char* /*version*/, const char* upload_data, size_t* upload_data_size,
                         void** con_cls) noexcept {
  try {
    auto* responder = static_cast<Responder*>(cls);
    if (*con_cls == nullptr) {
      auto upload = std::make_unique<Upload>();
      std::string_view m(method);
      if (m == "POST") {
        const char* length =
            MHD_lookup_connection_value(connection, MHD_HEADER_KIND, "Content-Length");
        if (length != nullptr) {
          auto bytes = ParseUint64(length);
          if (bytes && *bytes > kMaxRequestBytes) upload->too_large = true;
        }
      }
      *con_cls = upload.release();
      auto* up = static_cast<Upload*>(*con_cls);
      // Answer at once when the body need not be read.
      if (up->too_large) return Queue(connection, TooLarge());
      if (m != "POST") return Queue(connection, responder->Handle(m, url, ""));
      return MHD_YES;
    }
    auto* upload = static_cast<Upload*>(*con_cls);
    if (*upload_data_size > 0) {
      if (upload->body.size() + *upload_data_size > kMaxRequestBytes) {
        upload->too_large = true;
        upload->body.clear();
      } else if (!upload->too_large) {
        upload->body.append(upload_data, *upload_data_size);
      }
      *upload_data_size = 0;
      return MHD_YES;
    }
    if (upload->too_large) return Queue(connection, TooLarge());
    return Queue(connection, responder->Handle(method, url, upload->body));
  } catch (...) {
    return MHD_NO;
  }
}

void RequestDone(void* /*cls*/, MHD_Connection* /*connection*/, void** con_cls,
                 MHD_RequestTerminationCode /*toe*/) noexcept {
  delete static_cast<Upload*>(*con_cls);
  *con_cls = nullptr;
}

}  // namespace

Result<std::unique_ptr<ResponderServer>> ResponderServer::Start(Responder& responder,
                                                                const std::string& listen) {
  size_t colon = listen.rfind(':');
  if (colon == std::string::npos) {
    return InvalidArgumentError(fmt::format("--listen '{}': expected HOST:PORT", listen));
  }
  std::string host = listen.substr(0, colon);
  auto port = ParseUint64(std::string_view(listen).substr(colon + 1));
  if (!port || *port > 65535) {
    return InvalidArgumentError(fmt::format("--listen '{}': port is not in 0..65535", listen));
  }
  std::unique_ptr<ResponderServer> server(new ResponderServer());
  sockaddr_in v4{};
  sockaddr_in6 v6{};
  sockaddr* addr = nullptr;
  if (host.size() >= 2 && host.front() == '[' && host.back() == ']') {
    host = host.substr(1, host.size() - 2);
    v6.sin6_family = AF_INET6;
    v6.sin6_port = htons(static_cast<uint16_t>(*port));
    if (inet_pton(AF_INET6, host.c_str(), &v6.sin6_addr) != 1) {
      return InvalidArgumentError(fmt::format("--listen '{}': not an IPv6 address", listen));
    }
    addr = reinterpret_cast<sockaddr*>(&v6);
    server->ipv6_ = true;
  } else {
    v4.sin_family = AF_INET;
    v4.sin_port = htons(static_cast<uint16_t>(*port));
    if (inet_pton(AF_INET, host.c_str(), &v4.sin_addr) != 1) {
      return InvalidArgumentError(
          fmt::format("--listen '{}': not an IPv4 address (use [addr] for IPv6)", listen));
    }
    addr = reinterpret_cast<sockaddr*>(&v4);
  }
  server->host_ = host;
  unsigned int flags = MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_AUTO | MHD_USE_ERROR_LOG;
  if (server->ipv6_) flags |= MHD_USE_IPv6;
  server->daemon_ = std::make_unique<Daemon>();
  server->daemon_->mhd = MHD_start_daemon(
      flags, static_cast<uint16_t>(*port), nullptr, nullptr, &HandleRequest, &responder,
      MHD_OPTION_SOCK_ADDR, addr, MHD_OPTION_NOTIFY_COMPLETED, &RequestDone, nullptr,
      MHD_OPTION_CONNECTION_TIMEOUT, 30u, MHD_OPTION_CONNECTION_LIMIT, 64u, MHD_OPTION_END);
  if (server->daemon_->mhd == nullptr) {
    return UnavailableError(fmt::format("--listen '{}': cannot listen there", listen));
  }
  const MHD_DaemonInfo* info = MHD_get_daemon_info(server->daemon_->mhd, MHD_DAEMON_INFO_BIND_PORT);
  server->port_ = info != nullptr ? info->port : static_cast<int>(*port);
  return server;
}

ResponderServer::~ResponderServer() = default;

std::string ResponderServer::url() const {
  return ipv6_ ? fmt::format("http://[{}]:{}/inquiry", host_, port_)
               : fmt::format("http://{}:{}/inquiry", host_, port_);
}

}  // namespace periscope::factory
