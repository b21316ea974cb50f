// periscope-claim end to end, as support staff run it: a simulated copier
// fleet of two models (tests/support/claim_fleet.h) served by snmpsim,
// imported and polled by periscope-poller into a real SQLite store; two
// same-model peers whose agents are stopped after that poll (dead at claim
// time) and a peer serving garbage; the shipped etc/claim-rules.xml; the mail
// to the person in charge received by a real SMTP server (python3-aiosmtpd)
// on loopback. Expected statistics are computed here from the served values
// (ClaimServedValues), never from the claim tool's code.
#include <sys/stat.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <map>
#include <numeric>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include <fmt/format.h>
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "tests/support/agent_env.h"
#include "tests/support/claim_fleet.h"
#include "tests/support/fleet.h"
#include "tests/support/peripheral_fleet.h"
#include "tests/support/process.h"
#include "tests/support/smtp_server.h"
#include "tests/support/test_store.h"

namespace periscope::testing {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;
using json = nlohmann::json;

std::string ClaimBinary() { return BinaryDir() + "/claimtool/periscope-claim"; }
std::string PollerBinary() { return BinaryDir() + "/poller/periscope-poller"; }
std::string StoreBinary() { return BinaryDir() + "/store/periscope-store"; }

// The served number of `object` (instance as the claim tool reports it).
std::optional<double> Served(const ClaimCopier& c, const snmp::Oid& object,
                             const std::string& instance = "") {
  for (const ClaimServed& s : ClaimServedValues(c)) {
    if (s.object == object && s.instance == instance && !s.wrong_type) return s.number;
  }
  return std::nullopt;
}

struct Expected {
  double mean = 0, median = 0, sd = 0, z = 0;
  size_t n = 0;
};

// Straightforward definitions: sample sd (n - 1), median of the sorted copy.
Expected Compute(double claimed, std::vector<double> peers) {
  Expected e;
  e.n = peers.size();
  e.mean = std::accumulate(peers.begin(), peers.end(), 0.0) / static_cast<double>(e.n);
  double ss = 0;
  for (double p : peers) ss += (p - e.mean) * (p - e.mean);
  e.sd = std::sqrt(ss / static_cast<double>(e.n - 1));
  std::sort(peers.begin(), peers.end());
  e.median = e.n % 2 ? peers[e.n / 2] : (peers[e.n / 2 - 1] + peers[e.n / 2]) / 2;
  e.z = (claimed - e.mean) / e.sd;
  return e;
}

const json* FindStat(const json& claim, const std::string& item, const std::string& instance,
                     const std::string& measure = "value") {
  for (const json& s : claim["stats"]) {
    if (s["item"] == item && s["instance"] == instance && s["measure"] == measure) return &s;
  }
  return nullptr;
}

const json* FindDevice(const json& claim, const std::string& serial) {
  for (const json& d : claim["devices"]) {
    if (d["serial_number"] == serial) return &d;
  }
  return nullptr;
}

json ParseJson(const std::string& output) {
  // The JSON document is the whole stdout; stderr lines (the page's path)
  // come after it in the combined output.
  size_t start = output.find('{');
  size_t end = output.rfind('}');
  if (start == std::string::npos || end == std::string::npos) return json();
  return json::parse(output.substr(start, end + 1 - start), nullptr, false);
}

// Quoted-printable soft line breaks undone (the labels are plain ASCII).
std::string Unfold(std::string data) {
  for (size_t p; (p = data.find("=\r\n")) != std::string::npos;) data.erase(p, 3);
  return data;
}

// `text` fit for an XML attribute value (a PostgreSQL URI has '&').
std::string XmlAttr(std::string text) {
  for (size_t at = text.find('&'); at != std::string::npos; at = text.find('&', at + 1)) {
    text.replace(at, 1, "&amp;");
  }
  return text;
}

class ClaimCliTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    if (!HaveSnmpsim()) return;
    ClaimFleetSpec spec;
    spec.model_a_peers = 8;  // the last two die before the claim
    spec.model_b = 3;
    spec.garbage = true;
    fleet_ = new ClaimFleet(MakeClaimFleet(spec));
    // Copiers 7 and 8 (CPY-6000 peers) are served apart, to be stopped.
    for (size_t i = 0; i < fleet_->copiers.size(); ++i) {
      (i == 7 || i == 8 ? doomed_ : live_).push_back(i);
    }
    dir_ = new TempDir();
    live_dir_ = new TempDir();
    doomed_dir_ = new TempDir();
    live_sim_ = new PeripheralSim(*live_dir_);
    doomed_sim_ = new PeripheralSim(*doomed_dir_);
    auto agents_of = [](const std::vector<size_t>& which) {
      std::vector<ClaimCopier> copiers;
      for (size_t i : which) copiers.push_back(fleet_->copiers[i]);
      return ClaimCopierAgents(copiers);
    };
    if (!live_sim_->Serve(agents_of(live_))) {
      setup_error_ = "snmpsim: " + live_sim_->Log();
      return;
    }
    if (!doomed_sim_->Serve(agents_of(doomed_))) {
      setup_error_ = "snmpsim: " + doomed_sim_->Log();
      return;
    }
    setup_error_ = PrepareStore();
    if (setup_error_.empty()) {
      // A second poll after copies were made: the store then has a day's
      // copies per copier (the claimed one copies far more).
      for (size_t i = 0; i < fleet_->copiers.size(); ++i) {
        ClaimCopier& c = fleet_->copiers[i];
        const uint64_t copies = i == fleet_->claimed ? 5000 : 100 + 10 * i;
        c.life_count += copies;
        if (!c.tray_copies.empty()) c.tray_copies[0] += copies;
      }
      if (!live_sim_->Serve(agents_of(live_)) || !doomed_sim_->Serve(agents_of(doomed_))) {
        setup_error_ = "snmpsim: " + live_sim_->Log() + doomed_sim_->Log();
      } else {
        CommandResult poll = RunCommand({PollerBinary(), "-c", poller_config_});
        if (poll.exit_code != 0) setup_error_ = "second poll: " + poll.output;
      }
    }
    doomed_sim_->Stop();
    if (!setup_error_.empty()) return;
    smtp_dir_ = dir_->File("smtp");
    ::mkdir(smtp_dir_.c_str(), 0700);
    smtp_ = new SmtpServer(smtp_dir_, SmtpServerOptions{});
    if (!smtp_->Start()) setup_error_ = "smtp: " + smtp_->Log();
    WriteClaimConfig();
  }

  static void TearDownTestSuite() {
    delete smtp_;
    delete live_sim_;
    delete doomed_sim_;
    delete fleet_;
    delete live_dir_;
    delete doomed_dir_;
    delete dir_;
    smtp_ = nullptr;
    live_sim_ = doomed_sim_ = nullptr;
    fleet_ = nullptr;
    live_dir_ = doomed_dir_ = dir_ = nullptr;
    live_.clear();
    doomed_.clear();
  }

  void SetUp() override {
    if (!HaveSnmpsim()) GTEST_SKIP() << "snmpsim (snmpsimd) is not installed";
    ASSERT_EQ(setup_error_, "");
  }

  // The port agent copier `i` is served on.
  static int PortOf(size_t i) {
    auto pos = std::find(live_.begin(), live_.end(), i);
    if (pos != live_.end())
      return live_sim_->agents()[static_cast<size_t>(pos - live_.begin())].port;
    pos = std::find(doomed_.begin(), doomed_.end(), i);
    return doomed_sim_->agents()[static_cast<size_t>(pos - doomed_.begin())].port;
  }

  static std::string PrepareStore() {
    // An SQLite file, or a PostgreSQL database in the /pg run.
    db_ = TestStoreLocation(*dir_, "claims.db");
    if (db_.empty()) return "no store location (see the failure or skip above)";
    poller_config_ = dir_->File("poller.xml");
    WriteTextFile(poller_config_, fmt::format(R"(<periscope-poller>
  <database path="{}"/>
  <polling window="32" timeout-ms="500" retries="1" device-deadline-s="5"/>
  <profile name="v2" version="2c" community="public"/>
</periscope-poller>
)",
                                              XmlAttr(db_)));
    ::chmod(poller_config_.c_str(), 0600);
    std::string customers = "user_id,name,contact_person,email,phone,address,sales_email\n";
    std::map<std::string, bool> seen;
    std::string targets = "address,port,profile,customer_user_id,enabled,kind\n";
    for (size_t i = 0; i < fleet_->copiers.size(); ++i) {
      const ClaimCopier& c = fleet_->copiers[i];
      if (!seen[c.customer]) {
        customers += fmt::format("{},Customer {},,,,,sales@v.example\n", c.customer, c.customer);
        seen[c.customer] = true;
      }
      targets += fmt::format("127.0.0.1,{},v2,{},yes,printer\n", PortOf(i), c.customer);
    }
    WriteTextFile(dir_->File("staff.csv"), "name,email,role\nSales,sales@v.example,sales\n");
    WriteTextFile(dir_->File("customers.csv"), customers);
    WriteTextFile(dir_->File("targets.csv"), targets);
    CommandResult init = RunCommand({StoreBinary(), "--db", db_, "init"});
    if (init.exit_code != 0) return "init: " + init.output;
    for (const char* what : {"staff", "customers", "targets"}) {
      CommandResult r = RunCommand(
          {StoreBinary(), "--db", db_, "import", what, dir_->File(std::string(what) + ".csv")});
      if (r.exit_code != 0) return std::string(what) + ": " + r.output;
    }
    CommandResult poll = RunCommand({PollerBinary(), "-c", poller_config_});
    if (poll.exit_code != 0) return "poll: " + poll.output;
    return "";
  }

  static void WriteClaimConfig() {
    claim_config_ = dir_->File("claim.xml");
    WriteTextFile(claim_config_, fmt::format(R"(<periscope-claim>
  <database path="{}"/>
  <poller config="{}"/>
  <rules path="{}/etc/claim-rules.xml"/>
  <claim deadline-ms="4000"/>
  <output dir="{}"/>
  <mail from="claims@vendor.example" from-name="periscope claims">
    <smtp url="{}" local-relay="true" timeout-ms="10000"/>
  </mail>
</periscope-claim>
)",
                                             XmlAttr(db_), poller_config_, SourceDir(),
                                             dir_->File("pages"), smtp_->url()));
  }

  static CommandResult Claim(std::vector<std::string> args) {
    std::vector<std::string> argv = {ClaimBinary(), "--config", claim_config_};
    argv.insert(argv.end(), args.begin(), args.end());
    return RunCommand(argv);
  }

  static const ClaimCopier& Claimed() { return fleet_->copiers[fleet_->claimed]; }

  static ClaimFleet* fleet_;
  static std::vector<size_t> live_, doomed_;
  static TempDir *dir_, *live_dir_, *doomed_dir_;
  static PeripheralSim *live_sim_, *doomed_sim_;
  static SmtpServer* smtp_;
  static std::string smtp_dir_, db_, poller_config_, claim_config_, setup_error_;
};

ClaimFleet* ClaimCliTest::fleet_ = nullptr;
std::vector<size_t> ClaimCliTest::live_, ClaimCliTest::doomed_;
TempDir *ClaimCliTest::dir_ = nullptr, *ClaimCliTest::live_dir_ = nullptr,
        *ClaimCliTest::doomed_dir_ = nullptr;
PeripheralSim *ClaimCliTest::live_sim_ = nullptr, *ClaimCliTest::doomed_sim_ = nullptr;
SmtpServer* ClaimCliTest::smtp_ = nullptr;
std::string ClaimCliTest::smtp_dir_, ClaimCliTest::db_, ClaimCliTest::poller_config_,
    ClaimCliTest::claim_config_, ClaimCliTest::setup_error_;

TEST_F(ClaimCliTest, AFaintCopiesComplaintFlagsTheOutlyingDensityAgainstSameModelPeers) {
  const auto started = std::chrono::steady_clock::now();
  CommandResult r =
      Claim({"--customer", Claimed().customer, "--device", Claimed().serial, "--symptom",
             "Copies come out faint since Monday / コピーがかすれる", "--format", "json"});
  const auto wall = std::chrono::steady_clock::now() - started;
  // Two peers are dead: the claim is complete all the same (the claimed
  // device answered), so the exit status is 0.
  ASSERT_EQ(r.exit_code, 0) << r.output;
  json claim = ParseJson(r.output);
  ASSERT_TRUE(claim.is_object()) << r.output;
  EXPECT_EQ(claim["claim"]["category"], "image-quality");
  EXPECT_EQ(claim["claim"]["model"], kClaimModelA);
  EXPECT_THAT(claim["claim"]["matched_terms"].get<std::string>(), HasSubstr("faint"));
  EXPECT_EQ(claim["claim"]["in_charge"]["email"], "copier-service@vendor.example");

  // Peers: every CPY-6000 but the claimed one, never a CPY-4500.
  std::vector<std::string> expected_serials;
  for (const ClaimCopier& c : fleet_->copiers) {
    if (c.model == kClaimModelA) expected_serials.push_back(c.serial);
  }
  std::vector<std::string> got_serials;
  for (const json& d : claim["devices"]) got_serials.push_back(d["serial_number"]);
  EXPECT_THAT(got_serials, ::testing::UnorderedElementsAreArray(expected_serials));
  EXPECT_EQ(claim["devices"][0]["serial_number"], Claimed().serial);
  EXPECT_EQ(claim["devices"][0]["role"], "claimed");

  // The dead peers are listed with their reason; the claim did not wait
  // for them past its deadline.
  for (size_t i : doomed_) {
    const json* d = FindDevice(claim, fleet_->copiers[i].serial);
    ASSERT_NE(d, nullptr);
    EXPECT_FALSE((*d)["answered"].get<bool>());
    EXPECT_THAT((*d)["error_class"].get<std::string>(), ::testing::AnyOf("timeout", "deadline"));
  }
  EXPECT_LT(std::chrono::duration_cast<std::chrono::milliseconds>(wall).count(), 4000 + 2000);

  // The image density: the claimed device's value against the live,
  // well-behaved CPY-6000 peers, computed here from what they serve.
  const snmp::Oid density = ClaimVendorOid(kVendorDensity);
  std::vector<double> peers;
  for (size_t i : live_) {
    const ClaimCopier& c = fleet_->copiers[i];
    if (i == fleet_->claimed || c.model != kClaimModelA || c.garbage) continue;
    peers.push_back(*Served(c, density));
  }
  ASSERT_GE(peers.size(), 3u);
  const double claimed_density = *Served(Claimed(), density);
  Expected e = Compute(claimed_density, peers);
  const json* s = FindStat(claim, "image-density", "");
  ASSERT_NE(s, nullptr) << claim["stats"].dump();
  EXPECT_EQ((*s)["n"].get<size_t>(), e.n);
  EXPECT_NEAR((*s)["claimed_number"].get<double>(), claimed_density, 1e-9);
  EXPECT_NEAR((*s)["mean"].get<double>(), e.mean, 1e-9);
  EXPECT_NEAR((*s)["median"].get<double>(), e.median, 1e-9);
  EXPECT_NEAR((*s)["sd"].get<double>(), e.sd, 1e-9);
  EXPECT_NEAR((*s)["z"].get<double>(), e.z, 1e-9);
  EXPECT_TRUE((*s)["flagged"].get<bool>());
  // Flagged items come first: every flagged statistic precedes every other.
  bool seen_unflagged = false;
  for (const json& stat : claim["stats"]) {
    if (!stat["flagged"].get<bool>()) seen_unflagged = true;
    EXPECT_FALSE(seen_unflagged && stat["flagged"].get<bool>()) << stat.dump();
  }

  // Copies per day from the stored history (two polls today): the claimed
  // copier against every CPY-6000 peer with history, the two dead now
  // included, the garbage one (its life count is not a number) not.
  std::vector<double> copies_per_day;
  for (size_t i = 0; i < fleet_->copiers.size(); ++i) {
    const ClaimCopier& c = fleet_->copiers[i];
    if (i == fleet_->claimed || c.model != kClaimModelA || c.garbage) continue;
    copies_per_day.push_back(static_cast<double>(100 + 10 * i));
  }
  Expected rate = Compute(5000, copies_per_day);
  const json* per_day = FindStat(claim, "copies", "", "per_day");
  ASSERT_NE(per_day, nullptr) << claim["stats"].dump();
  EXPECT_EQ((*per_day)["n"].get<size_t>(), rate.n);
  EXPECT_NEAR((*per_day)["claimed_number"].get<double>(), 5000, 1e-9);
  EXPECT_NEAR((*per_day)["mean"].get<double>(), rate.mean, 1e-9);
  EXPECT_NEAR((*per_day)["sd"].get<double>(), rate.sd, 1e-9);
  EXPECT_TRUE((*per_day)["flagged"].get<bool>());

  // The exposure setting is within the peers' spread: not flagged.
  const json* exposure = FindStat(claim, "exposure", "");
  ASSERT_NE(exposure, nullptr);
  EXPECT_FALSE((*exposure)["flagged"].get<bool>());

  // The garbage peer answered, but its wrongly typed vendor values were
  // refused (listed) and are in no statistic.
  ASSERT_TRUE(fleet_->garbage.has_value());
  const std::string garbage_serial = fleet_->copiers[*fleet_->garbage].serial;
  bool refused = false;
  for (const json& v : claim["values"]) {
    const json* d = FindDevice(claim, garbage_serial);
    ASSERT_NE(d, nullptr);
    if (v["device_id"] == (*d)["device_id"] && v["item"] == "image-density") {
      EXPECT_THAT(v["problem"].get<std::string>(), HasSubstr("OCTET STRING"));
      refused = true;
    }
  }
  EXPECT_TRUE(refused);

  // The mail reached the person in charge, flagged item first.
  ASSERT_TRUE(WaitFor([] { return smtp_->ReceivedCount() >= 1; }, std::chrono::seconds(10)));
  std::vector<ReceivedMail> mails = smtp_->Received();
  const ReceivedMail* mine = nullptr;
  const std::string id = std::to_string(claim["claim"]["id"].get<int64_t>());
  for (const ReceivedMail& m : mails) {
    if (m.data.find("claim #" + id + "]") != std::string::npos) mine = &m;
  }
  ASSERT_NE(mine, nullptr);
  EXPECT_THAT(mine->rcpt_to, ::testing::ElementsAre("copier-service@vendor.example"));
  const std::string body = Unfold(mine->data);
  const size_t density_at = body.find("Image density measurement");
  const size_t exposure_at = body.find("Exposure setting");
  ASSERT_NE(density_at, std::string::npos);
  ASSERT_NE(exposure_at, std::string::npos);
  EXPECT_LT(density_at, exposure_at);

  // A later look shows the evidence as it was.
  CommandResult shown = Claim({"show", id, "--format", "json"});
  ASSERT_EQ(shown.exit_code, 0) << shown.output;
  EXPECT_EQ(ParseJson(shown.output), claim);
  CommandResult listed = Claim({"list", "--customer", Claimed().customer});
  ASSERT_EQ(listed.exit_code, 0) << listed.output;
  EXPECT_THAT(listed.output, HasSubstr(Claimed().serial));
  EXPECT_THAT(listed.output, HasSubstr("image-quality"));
}

TEST_F(ClaimCliTest, AClaimOnTheOtherModelUsesOnlyThatModelsPeers) {
  size_t b = fleet_->copiers.size();
  for (size_t i = 0; i < fleet_->copiers.size(); ++i) {
    if (fleet_->copiers[i].model == kClaimModelB) {
      b = i;
      break;
    }
  }
  ASSERT_LT(b, fleet_->copiers.size());
  const ClaimCopier& copier = fleet_->copiers[b];
  CommandResult r = Claim({"--customer", copier.customer, "--device", copier.serial, "--category",
                           "image-quality", "--no-mail", "--format", "json"});
  ASSERT_EQ(r.exit_code, 0) << r.output;
  json claim = ParseJson(r.output);
  ASSERT_TRUE(claim.is_object()) << r.output;
  size_t model_b = 0;
  for (const ClaimCopier& c : fleet_->copiers) model_b += c.model == kClaimModelB;
  ASSERT_EQ(claim["devices"].size(), model_b);
  for (const json& d : claim["devices"]) {
    bool is_b = false;
    for (const ClaimCopier& c : fleet_->copiers) {
      if (c.serial == d["serial_number"]) is_b = c.model == kClaimModelB;
    }
    EXPECT_TRUE(is_b) << d.dump();
  }
  EXPECT_TRUE(claim["claim"]["outbox_id"].is_null()) << "--no-mail queues nothing";
}

TEST_F(ClaimCliTest, AnUnknownDeviceListsTheCustomersDevices) {
  CommandResult r = Claim({"--customer", Claimed().customer, "--device", "NO-SUCH-SERIAL",
                           "--symptom", "faint copies"});
  EXPECT_EQ(r.exit_code, 2) << r.output;
  EXPECT_THAT(r.output, HasSubstr("NO-SUCH-SERIAL"));
  EXPECT_THAT(r.output, HasSubstr(Claimed().serial));
}

TEST_F(ClaimCliTest, AnUnmatchedSymptomListsTheClosestCategoriesAndStoresNothing) {
  CommandResult before = Claim({"list", "--format", "json"});
  ASSERT_EQ(before.exit_code, 0) << before.output;
  CommandResult r = Claim({"--customer", Claimed().customer, "--device", Claimed().serial,
                           "--symptom", "pepar jamm in the second drawer"});
  EXPECT_EQ(r.exit_code, 2) << r.output;
  EXPECT_THAT(r.output, HasSubstr("matched no category"));
  EXPECT_THAT(r.output, HasSubstr("paper-jam"));
  CommandResult after = Claim({"list", "--format", "json"});
  EXPECT_EQ(after.output, before.output);
}

TEST_F(ClaimCliTest, AMailThatCannotBeSentStaysQueuedAndGoesWithTheNextClaim) {
  // The same claim config but an SMTP port where nothing listens, retrying
  // after 1 s.
  const std::string down_config = dir_->File("claim-smtp-down.xml");
  std::string text = ReadTextFile(claim_config_);
  const std::string url = smtp_->url();
  text.replace(text.find(url), url.size(), fmt::format("smtp://127.0.0.1:{}", FreeTcpPort()));
  text.replace(text.find("from-name="), 0, "first-retry-delay-s=\"1\" ");
  WriteTextFile(down_config, text);
  const size_t before = smtp_->ReceivedCount();
  CommandResult down =
      RunCommand({ClaimBinary(), "--config", down_config, "--customer", Claimed().customer,
                  "--device", Claimed().serial, "--category", "supplies", "--format", "json"});
  EXPECT_EQ(down.exit_code, 1) << down.output;
  EXPECT_THAT(down.output, HasSubstr("to retry later"));
  const json queued = ParseJson(down.output);
  ASSERT_TRUE(queued.is_object()) << down.output;
  EXPECT_FALSE(queued["claim"]["outbox_id"].is_null()) << "stored and queued all the same";
  std::this_thread::sleep_for(std::chrono::milliseconds(1100));
  CommandResult next = Claim({"--customer", Claimed().customer, "--device", Claimed().serial,
                              "--category", "paper-jam", "--format", "json"});
  ASSERT_EQ(next.exit_code, 0) << next.output;
  const json sent = ParseJson(next.output);
  ASSERT_TRUE(
      WaitFor([&] { return smtp_->ReceivedCount() >= before + 2; }, std::chrono::seconds(10)));
  std::vector<ReceivedMail> mails = smtp_->Received();
  std::vector<std::string> subjects;
  for (size_t i = before; i < mails.size(); ++i) {
    for (const json* c : {&queued, &sent}) {
      const std::string tag = fmt::format("claim #{}]", (*c)["claim"]["id"].get<int64_t>());
      if (mails[i].data.find(tag) != std::string::npos) subjects.push_back(tag);
    }
  }
  EXPECT_EQ(subjects.size(), 2u) << "both claims' mails arrived, each once";
}

TEST_F(ClaimCliTest, AnOversizedSymptomIsRefusedNamingItsBound) {
  CommandResult r = Claim({"--customer", Claimed().customer, "--device", Claimed().serial,
                           "--symptom", std::string(5000, 'x') + " faint"});
  EXPECT_EQ(r.exit_code, 2) << r.output;
  EXPECT_THAT(r.output, HasSubstr("symptom: at most 2000 bytes"));
}

TEST_F(ClaimCliTest, AClaimFileNamesTheDeviceByTargetAndIndex) {
  const std::string file = dir_->File("claim-file.xml");
  WriteTextFile(file,
                fmt::format(R"(<claim customer="{}" device="127.0.0.1:{}:{}">
  <symptom>Paper jam in tray 2 / 紙詰まり</symptom>
</claim>
)",
                            Claimed().customer, PortOf(fleet_->claimed), Claimed().device_index));
  CommandResult r = Claim({"--file", file, "--no-mail", "--format", "json"});
  ASSERT_EQ(r.exit_code, 0) << r.output;
  json claim = ParseJson(r.output);
  ASSERT_TRUE(claim.is_object()) << r.output;
  EXPECT_EQ(claim["claim"]["category"], "paper-jam");
  EXPECT_EQ(claim["devices"][0]["serial_number"], Claimed().serial);
  // Copies per paper-feed stage: one statistic per tray.
  size_t trays = 0;
  for (const json& s : claim["stats"]) trays += s["item"] == "tray-copies";
  EXPECT_EQ(trays, Claimed().tray_copies.size());
}

TEST_F(ClaimCliTest, TheTerminalTableMarksTheLikelyCause) {
  CommandResult r = Claim({"--customer", Claimed().customer, "--device", Claimed().serial,
                           "--category", "image-quality", "--no-mail"});
  ASSERT_EQ(r.exit_code, 0) << r.output;
  EXPECT_THAT(r.output, HasSubstr("likely cause"));
  EXPECT_THAT(r.output, HasSubstr("Image density measurement"));
  EXPECT_THAT(r.output, Not(HasSubstr("\x1b")));
}

// Storage devices served by the real periscope-subagent under a private
// snmpd over AgentX, polled by periscope-poller: a backup complaint about one
// disk array compared with four arrays of the same model on the same host.
// The backup items are the subagent's configured <item>s; the expected
// figures come from the values configured here.
TEST(ClaimStorageTest, ABackupComplaintComparesTheSubagentsItemsWithSameModelArrays) {
  TempDir dir;
  Snmpd snmpd(dir);
  const std::vector<int> age_s = {900000, 86000, 85000, 87000, 86500};  // device 1 claimed
  const std::vector<std::string> result = {"failed: tape 3 offline", "ok", "ok", "ok",
                                           "ok (1 file skipped)"};
  std::string devices;
  for (size_t i = 0; i < age_s.size(); ++i) {
    devices += fmt::format(R"(  <device index="{0}" type="diskArray">
    <model>PSA-2000</model>
    <serial-number>SN-S{0}</serial-number>
    <mount>/</mount>
    <item name="backup.last-result" value="{1}"/>
    <item name="backup.age-s" value="{2}" unit="s"/>
  </device>
)",
                           i + 1, result[i], age_s[i]);
  }
  devices += R"(  <device index="6" type="diskArray">
    <model>PSA-9000</model>
    <serial-number>SN-OTHER</serial-number>
    <mount>/</mount>
    <item name="backup.age-s" value="1" unit="s"/>
  </device>
)";
  const std::string subagent_config = dir.File("subagent.xml");
  WriteTextFile(subagent_config,
                SubagentConfigXml(snmpd.agentx_socket(), dir.File("state"), 1, 2, devices));
  Subagent subagent(dir, subagent_config);
  ASSERT_TRUE(snmpd.Start()) << snmpd.Log();
  subagent.Start();
  std::string db;
  PERISCOPE_TEST_STORE_OR_RETURN(db, dir, "s.db");
  const std::string poller_config = dir.File("poller.xml");
  WriteTextFile(poller_config, fmt::format(R"(<periscope-poller>
  <database path="{}"/>
  <polling timeout-ms="1000" retries="1"/>
  <profile name="v2" version="2c" community="{}"/>
</periscope-poller>
)",
                                           XmlAttr(db), kRoCommunity));
  ::chmod(poller_config.c_str(), 0600);
  WriteTextFile(dir.File("staff.csv"), "name,email,role\nSales,sales@v.example,sales\n");
  WriteTextFile(dir.File("customers.csv"),
                "user_id,name,contact_person,email,phone,address,sales_email\n"
                "cust-s,Storage Customer,,,,,sales@v.example\n");
  WriteTextFile(dir.File("targets.csv"), fmt::format("address,port,profile,customer_user_id\n"
                                                     "127.0.0.1,{},v2,cust-s\n",
                                                     snmpd.port()));
  ASSERT_EQ(RunCommand({StoreBinary(), "--db", db, "init"}).exit_code, 0);
  for (const char* what : {"staff", "customers", "targets"}) {
    CommandResult r = RunCommand(
        {StoreBinary(), "--db", db, "import", what, dir.File(std::string(what) + ".csv")});
    ASSERT_EQ(r.exit_code, 0) << what << ": " << r.output;
  }
  // The subagent serves its devices once it has sampled; poll until all six
  // are stored.
  ASSERT_TRUE(WaitFor(
      [&] {
        RunCommand({PollerBinary(), "-c", poller_config});
        CommandResult h =
            RunCommand({StoreBinary(), "--db", db, "history", "--customer", "cust-s"});
        return h.output.find("SN-OTHER") != std::string::npos &&
               h.output.find("SN-S5") != std::string::npos;
      },
      std::chrono::seconds(30)))
      << subagent.Log() << snmpd.Log();

  const std::string claim_config = dir.File("claim.xml");
  WriteTextFile(claim_config, fmt::format(R"(<periscope-claim>
  <database path="{}"/>
  <poller config="{}"/>
  <rules path="{}/etc/claim-rules.xml"/>
  <output dir="{}"/>
  <mail directory="{}"/>
</periscope-claim>
)",
                                          XmlAttr(db), poller_config, SourceDir(),
                                          dir.File("pages"), dir.File("mail")));
  CommandResult r = RunCommand(
      {ClaimBinary(), "--config", claim_config, "--customer", "cust-s", "--device", "SN-S1",
       "--symptom", "Last night's backup did not finish / バックアップが失敗", "--format", "json"});
  ASSERT_EQ(r.exit_code, 0) << r.output;
  json claim = ParseJson(r.output);
  ASSERT_TRUE(claim.is_object()) << r.output;
  EXPECT_EQ(claim["claim"]["category"], "backup-failure");
  EXPECT_EQ(claim["claim"]["in_charge"]["email"], "storage-support@vendor.example");
  ASSERT_EQ(claim["devices"].size(), age_s.size()) << "PSA-9000 is no peer";
  for (const json& d : claim["devices"]) EXPECT_NE(d["serial_number"], "SN-OTHER");

  std::vector<double> peers(age_s.begin() + 1, age_s.end());
  Expected e = Compute(age_s[0], peers);
  const json* age = FindStat(claim, "backup-age", "");
  ASSERT_NE(age, nullptr) << claim["stats"].dump();
  EXPECT_EQ((*age)["n"].get<size_t>(), e.n);
  EXPECT_NEAR((*age)["claimed_number"].get<double>(), age_s[0], 1e-9);
  EXPECT_NEAR((*age)["mean"].get<double>(), e.mean, 1e-9);
  EXPECT_NEAR((*age)["median"].get<double>(), e.median, 1e-9);
  EXPECT_NEAR((*age)["sd"].get<double>(), e.sd, 1e-9);
  EXPECT_NEAR((*age)["z"].get<double>(), e.z, 1e-9);
  EXPECT_TRUE((*age)["flagged"].get<bool>());

  const json* last = FindStat(claim, "backup-last-result", "");
  ASSERT_NE(last, nullptr);
  EXPECT_EQ((*last)["claimed_text"], result[0]);
  EXPECT_EQ((*last)["most_common"], "ok");
  EXPECT_EQ((*last)["most_common_count"].get<int>(), 3);
  EXPECT_TRUE((*last)["differs"].get<bool>());

  // The mail to the storage desk went to the .eml directory (no SMTP set).
  CommandResult listed = RunCommand({"/bin/ls", dir.File("mail")});
  EXPECT_THAT(listed.output, HasSubstr(".eml"));
}

}  // namespace
}  // namespace periscope::testing
