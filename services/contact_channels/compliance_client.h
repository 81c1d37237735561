// ComplianceClient: the contact channel service's side of the compliance
// auditing service's gRPC API. It is the production ComplianceGate (every
// contact attempt is checked with CheckContact) and TemplateScreener (every
// template is screened with ScreenMessage when registered).
//
// Where the service is: a fixed "host:port" (--compliance_address) or a file
// the compliance service publishes its bound address in
// (--compliance_address_file, read with runtime::ReadPublishedFile). The file
// is read when the first call needs it and again after any call that fails
// with UNAVAILABLE, so the client follows a compliance service that starts
// after it or restarts on another port. While the file is not published the
// calls fail with Unavailable naming it.
//
// Contract:
//  - Every call has a deadline (Options::deadline). UNAVAILABLE, a missed
//    deadline or any other RPC error is returned as an error (the gRPC code
//    kept), which the dispatcher treats as "no answer": the contact waits
//    and is checked again; it is never sent unchecked.
//  - A decision with VERDICT_UNSPECIFIED, or a DEFER without defer_until, is
//    not an answer either: Internal error.
//  - The CheckContactRequest carries the contact point's raw value and the
//    rendered text (compliance never logs or publishes them) and the
//    dispatcher's check_id as the idempotency key.
//  - Screening sends subject and body as one text, "subject\nbody", and
//    names the field of the first match by its offset.
// Thread-safe: calls may run concurrently (gRPC stubs are thread-safe; the
// address cache is guarded).
#ifndef ARREARS_SERVICES_CONTACT_CHANNELS_COMPLIANCE_CLIENT_H_
#define ARREARS_SERVICES_CONTACT_CHANNELS_COMPLIANCE_CLIENT_H_

#include <memory>
#include <string>

#include "absl/base/thread_annotations.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "arrears/compliance/v1/compliance_service.grpc.pb.h"
#include "services/contact_channels/compliance_gate.h"
#include "services/contact_channels/template_screener.h"

namespace arrears::contact {

// The request CheckContact gets for `plan`; `actor` names the asker in the
// compliance audit log.
compliance::v1::CheckContactRequest ToCheckContactRequest(const ContactAttemptPlan& plan,
                                                          absl::string_view actor);
// The request ScreenMessage gets for a template: "subject\nbody" (or the
// body alone), screened as read by an unrelated third party when the
// template is flagged third_party_readable.
compliance::v1::ScreenMessageRequest ToScreenMessageRequest(const v1::Template& message_template);
// The gate's view of a decision; Internal for one that is not an answer.
absl::StatusOr<GateDecision> GateDecisionFromProto(const compliance::v1::ContactDecision& decision);

class ComplianceClient final : public ComplianceGate, public TemplateScreener {
 public:
  struct Options {
    // Exactly one of these: "host:port", or the file holding it.
    std::string address;
    std::string address_file;
    // Per call.
    absl::Duration deadline = absl::Seconds(2);
    // Who asks, for the compliance audit log.
    std::string actor = "contact-channels";
  };

  // InvalidArgument naming the option when neither or both addresses are
  // given or the deadline is not positive. Does not connect.
  static absl::StatusOr<std::unique_ptr<ComplianceClient>> Create(Options options);

  absl::StatusOr<GateDecision> CheckContact(const ContactAttemptPlan& plan) override;
  absl::StatusOr<ScreeningResult> Screen(const v1::Template& message_template) override;

  // The address calls currently go to; empty until the file was read.
  std::string current_address() const;

 private:
  explicit ComplianceClient(Options options) : options_(std::move(options)) {}

  // The stub for the current address, reading the address file if needed.
  absl::StatusOr<std::shared_ptr<compliance::v1::ComplianceService::Stub>> Stub();
  // After an UNAVAILABLE answer: re-read the address file before the next call.
  void ForgetAddressIfFromFile();

  const Options options_;
  mutable absl::Mutex mu_;
  std::string address_ ABSL_GUARDED_BY(mu_);
  std::shared_ptr<compliance::v1::ComplianceService::Stub> stub_ ABSL_GUARDED_BY(mu_);
};

}  // namespace arrears::contact

#endif  // ARREARS_SERVICES_CONTACT_CHANNELS_COMPLIANCE_CLIENT_H_
