// PLACEHOLDER until the store helper lands PollWriter::RecordPeripherals.
#include "store/poll_writer.h"

namespace periscope::store {

Status PollWriter::RecordPeripherals(int64_t, int64_t, int64_t,
                                     const std::vector<PeripheralRecord>&,
                                     const std::vector<PollWarning>&) {
  return Status(StatusCode::kInternal, "RecordPeripherals: not yet");
}

}  // namespace periscope::store
