// Test support: a real SMTP server on loopback (tests/support/smtp_sink.py,
// Debian's python3-aiosmtpd) that keeps every message it accepts.
#ifndef PERISCOPE_TESTS_SUPPORT_SMTP_SERVER_H_
#define PERISCOPE_TESTS_SUPPORT_SMTP_SERVER_H_

#include <memory>
#include <string>
#include <vector>

#include "tests/support/process.h"

namespace periscope::testing {

// A TCP port on 127.0.0.1 that was free a moment ago, never the same twice
// in one process. Not thread-safe.
int FreeTcpPort();

// A self-signed certificate for 127.0.0.1 and localhost (openssl req), usable
// as SmtpConfig::ca_file. Empty strings and `error` set when openssl failed.
struct SelfSignedCert {
  std::string cert_file, key_file, error;
};
SelfSignedCert MakeSelfSignedCert(const std::string& dir);

struct SmtpServerOptions {
  int port = 0;  // 0: a free port
  // Offer (and require) STARTTLS with this certificate and key.
  std::string cert_file, key_file;
  // Require AUTH (after STARTTLS) with these credentials.
  std::string username, password;
};

// One received message: the envelope and the DATA as the server got it
// (after SMTP dot-unstuffing).
struct ReceivedMail {
  std::string mail_from;
  std::vector<std::string> rcpt_to;
  std::string data;
};

// The server runs from Start() until Stop() or destruction (SIGTERM, then
// SIGKILL). Recipients starting with "reject" get 550, "busy" 451.
// Messages are kept in `dir`, which must exist and stay empty otherwise.
class SmtpServer {
 public:
  SmtpServer(std::string dir, SmtpServerOptions options);
  ~SmtpServer();
  SmtpServer(const SmtpServer&) = delete;
  SmtpServer& operator=(const SmtpServer&) = delete;

  // Starts it and waits up to 15 s for "ready"; false (see Log()) otherwise.
  bool Start();
  void Stop();
  int port() const { return port_; }
  std::string url() const;  // "smtp://127.0.0.1:<port>"
  // Messages accepted so far, in arrival order.
  std::vector<ReceivedMail> Received() const;
  size_t ReceivedCount() const { return Received().size(); }
  std::string Log() const;

 private:
  std::string dir_;
  SmtpServerOptions options_;
  int port_;
  std::unique_ptr<Process> process_;
};

}  // namespace periscope::testing

#endif  // PERISCOPE_TESTS_SUPPORT_SMTP_SERVER_H_
