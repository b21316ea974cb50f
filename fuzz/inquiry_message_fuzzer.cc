// Fuzzes the inquiry XML (docs/inquiry.md) as the reference site reads a
// request and as periscope-report reads a site's answer. Besides memory errors
// it checks that anything accepted is valid and survives a build-and-parse
// round trip unchanged.
#include <cstdint>
#include <string>
#include <string_view>

#include "fuzz/fuzz_check.h"
#include "reports/inquiry_message.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace periscope;  // NOLINT(google-build-using-namespace)
  std::string_view xml(reinterpret_cast<const char*>(data), size);
  auto request = reports::ParseInquiryXml(xml, "fuzz-request.xml");
  if (request.ok()) {
    FUZZ_CHECK(reports::ValidateInquiry(*request).ok());
    auto again = reports::ParseInquiryXml(reports::BuildInquiryXml(*request), "again.xml");
    FUZZ_CHECK(again.ok());
    FUZZ_CHECK(again->inquiry_key == request->inquiry_key);
    FUZZ_CHECK(again->product_number == request->product_number);
    FUZZ_CHECK(again->quantity == request->quantity);
    FUZZ_CHECK(again->delivery_place == request->delivery_place);
    FUZZ_CHECK(again->requested_by == request->requested_by);
    FUZZ_CHECK(again->customer_reference == request->customer_reference);
  } else {
    FUZZ_CHECK(!request.status().message().empty());
  }
  auto answer = reports::ParseAnswerXml(xml, "fuzz-answer.xml");
  if (answer.ok()) {
    FUZZ_CHECK(reports::ValidateAnswer(*answer).ok());
    auto again = reports::ParseAnswerXml(reports::BuildAnswerXml(*answer), "again.xml");
    FUZZ_CHECK(again.ok());
    FUZZ_CHECK(again->inquiry_key == answer->inquiry_key);
    FUZZ_CHECK(again->site == answer->site);
    FUZZ_CHECK(again->status == answer->status);
    FUZZ_CHECK(again->in_stock == answer->in_stock);
    FUZZ_CHECK(again->quantity_available == answer->quantity_available);
    FUZZ_CHECK(again->retailer == answer->retailer);
    FUZZ_CHECK(again->delivery_date == answer->delivery_date);
    FUZZ_CHECK(again->message == answer->message);
  }
  return 0;
}
