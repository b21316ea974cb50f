#include "mail/mailer.h"

namespace periscope::mail {

Mailer::~Mailer() = default;

bool IsTransientMailError(const Status& status) {
  return status.code() == StatusCode::kUnavailable;
}

}  // namespace periscope::mail
