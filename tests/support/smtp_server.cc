#include "tests/support/smtp_server.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <set>
#include <sstream>

namespace periscope::testing {

int FreeTcpPort() {
  static std::set<int> given;
  while (true) {
    UniqueFd fd(::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0));
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    addr.sin_port = 0;
    if (::bind(fd.get(), reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) continue;
    socklen_t len = sizeof addr;
    ::getsockname(fd.get(), reinterpret_cast<sockaddr*>(&addr), &len);
    int port = ntohs(addr.sin_port);
    if (given.insert(port).second) return port;
  }
}

SelfSignedCert MakeSelfSignedCert(const std::string& dir) {
  SelfSignedCert cert{dir + "/cert.pem", dir + "/key.pem", ""};
  CommandResult r =
      RunCommand({"openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout",
                  cert.key_file, "-out", cert.cert_file, "-days", "2", "-subj", "/CN=localhost",
                  "-addext", "subjectAltName=IP:127.0.0.1,DNS:localhost"});
  if (r.exit_code != 0) {
    cert.error = "openssl req failed (" + std::to_string(r.exit_code) + "): " + r.output;
    cert.cert_file.clear();
    cert.key_file.clear();
  }
  return cert;
}

SmtpServer::SmtpServer(std::string dir, SmtpServerOptions options)
    : dir_(std::move(dir)),
      options_(std::move(options)),
      port_(options_.port != 0 ? options_.port : FreeTcpPort()) {}

SmtpServer::~SmtpServer() { Stop(); }

bool SmtpServer::Start() {
  Stop();
  std::vector<std::string> argv = {"/usr/bin/python3",
                                   SourceDir() + "/tests/support/smtp_sink.py",
                                   "--port",
                                   std::to_string(port_),
                                   "--dir",
                                   dir_};
  if (!options_.cert_file.empty()) {
    argv.insert(argv.end(), {"--tls", options_.cert_file, options_.key_file});
  }
  if (!options_.username.empty()) {
    argv.insert(argv.end(), {"--auth", options_.username + ":" + options_.password});
  }
  std::filesystem::create_directories(dir_);
  std::filesystem::remove(dir_ + "/server.log");
  process_ = std::make_unique<Process>(argv, dir_ + "/server.log");
  return WaitFor([&] { return process_->Running() && Log().find("ready") != std::string::npos; },
                 std::chrono::seconds(15));
}

void SmtpServer::Stop() {
  if (process_) process_->Stop();
  process_.reset();
}

std::string SmtpServer::url() const { return "smtp://127.0.0.1:" + std::to_string(port_); }

std::vector<ReceivedMail> SmtpServer::Received() const {
  std::vector<ReceivedMail> mails;
  for (int n = 1;; ++n) {
    std::string base = dir_ + "/" + std::to_string(n);
    if (!std::filesystem::exists(base + ".eml")) break;
    ReceivedMail mail;
    mail.data = ReadTextFile(base + ".eml");
    std::istringstream env(ReadTextFile(base + ".env"));
    std::string line;
    while (std::getline(env, line)) {
      if (line.rfind("from ", 0) == 0) mail.mail_from = line.substr(5);
      if (line.rfind("to ", 0) == 0) mail.rcpt_to.push_back(line.substr(3));
    }
    mails.push_back(std::move(mail));
  }
  return mails;
}

std::string SmtpServer::Log() const { return ReadTextFile(dir_ + "/server.log"); }

}  // namespace periscope::testing
