// Not a test: prints single-thread CheckContact throughput and latency for a
// debtor under both shipped packs with a realistic week of calls, so the
// engine's cost can be compared with a gRPC round trip (bench/ has the real
// benchmark). Usage: policy_microcheck <packs_dir> [iterations]
#include <algorithm>
#include <cstdio>
#include <string>
#include <vector>

#include "absl/strings/numbers.h"
#include "absl/time/clock.h"
#include "common/proto_convert/proto_convert.h"
#include "services/compliance_auditing/policy/in_memory_contact_history.h"
#include "services/compliance_auditing/policy/policy_engine.h"

namespace arrears::compliance::policy {
namespace {

int Run(const std::string& dir, int iterations) {
  auto engine = PolicyEngine::Load({dir + "/cn-default.yaml", dir + "/us-regf-default.yaml"},
                                   dir + "/screening-rules.yaml");
  if (!engine.ok()) {
    std::fprintf(stderr, "%s\n", std::string(engine.status().message()).c_str());
    return 1;
  }
  InMemoryContactHistory history;
  const absl::Time now = absl::FromUnixSeconds(1'777'903'200);  // 2026-05-04 14:00Z
  for (int c = 0; c < 1000; ++c) {
    const std::string customer = "cust-" + std::to_string(c);
    history.AddJurisdiction(customer, "CN");
    history.AddJurisdiction(customer, "US");
    history.AddTimeZone(customer, "America/New_York");
    for (int i = 0; i < 5; ++i) {
      CallRecord call;
      call.time = now - absl::Hours(26 * i + 1);
      call.contact_point_id = "phone-1";
      call.debt_ids = {"loan-" + std::to_string(c)};
      call.outcome = i % 3 == 0 ? CallOutcome::kConnected : CallOutcome::kUnanswered;
      history.AddCall(customer, call);
    }
  }
  std::vector<v1::CheckContactRequest> requests(1000);
  for (int c = 0; c < 1000; ++c) {
    auto& r = requests[c];
    r.set_check_id("chk");
    r.set_customer_id("cust-" + std::to_string(c));
    r.add_debt_ids("loan-" + std::to_string(c));
    r.set_channel(common::v1::CHANNEL_VOICE_CALL);
    r.mutable_contact_point()->set_contact_point_id("phone-1");
    r.set_counterparty(common::v1::COUNTERPARTY_DEBTOR);
    r.set_purpose(common::v1::CONTACT_PURPOSE_COLLECTION);
    *r.mutable_proposed_time() = ToTimestamp(now);
    r.set_call_recording_on(true);
  }
  std::vector<int64_t> latencies_ns;
  latencies_ns.reserve(iterations);
  int allowed = 0;
  const absl::Time start = absl::Now();
  for (int i = 0; i < iterations; ++i) {
    const absl::Time t0 = absl::Now();
    const v1::ContactDecision d = (*engine)->CheckContact(requests[i % 1000], history, now);
    latencies_ns.push_back(absl::ToInt64Nanoseconds(absl::Now() - t0));
    allowed += d.verdict() == v1::VERDICT_ALLOW;
  }
  const double seconds = absl::ToDoubleSeconds(absl::Now() - start);
  std::sort(latencies_ns.begin(), latencies_ns.end());
  std::printf("CheckContact (2 packs, 1 thread): %.0f/s  p50 %.1f us  p99 %.1f us  (%d allowed)\n",
              iterations / seconds, latencies_ns[iterations / 2] / 1e3,
              latencies_ns[iterations * 99 / 100] / 1e3, allowed);
  return 0;
}

}  // namespace
}  // namespace arrears::compliance::policy

int main(int argc, char** argv) {
  if (argc < 2) {
    std::fprintf(stderr, "usage: %s <packs_dir> [iterations]\n", argv[0]);
    return 2;
  }
  int iterations = 200000;
  if (argc > 2 && (!absl::SimpleAtoi(argv[2], &iterations) || iterations <= 0)) return 2;
  return arrears::compliance::policy::Run(argv[1], iterations);
}
