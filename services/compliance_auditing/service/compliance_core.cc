#include "services/compliance_auditing/service/compliance_core.h"

#include <algorithm>
#include <optional>
#include <utility>

#include "absl/strings/escaping.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/synchronization/notification.h"
#include "arrears/compliance/v1/decision_events.pb.h"
#include "common/proto_convert/proto_convert.h"
#include "common/runtime/trace_context.h"
#include "common/status/status_macros.h"
#include "common/time/civil_date.h"
#include "common/topics/topics.h"
#include "services/compliance_auditing/audit/audit_export.h"
#include "services/compliance_auditing/audit/sqlite_audit_schema.h"
#include "services/compliance_auditing/policy/history_convert.h"
#include "services/compliance_auditing/service/audit_records.h"
#include "services/compliance_auditing/service/decision_event_bytes.h"
#include "services/compliance_auditing/service/decision_feed.h"
#include "services/compliance_auditing/service/field_checks.h"

namespace arrears::compliance::service {
namespace {

// The rules look back at most 7 local days (plus zone offsets) from the
// proposed time, and only forward from it.
constexpr absl::Duration kHistoryWindow = absl::Hours(24 * 9);
constexpr size_t kMaxTextBytes = size_t{64} * 1024;
constexpr size_t kMaxContactValueBytes = 1024;
constexpr int kDefaultComplaintPage = 100;
constexpr int kMaxComplaintPage = 1000;
// Preferences recorded through the API, kept until revoked.
constexpr absl::string_view kApiSource = "api";

absl::Status CheckEnum(absl::string_view field, bool valid, int value) {
  if (valid) return absl::OkStatus();
  return absl::InvalidArgumentError(absl::StrCat(field, ": unknown value ", value));
}

absl::Status CheckText(absl::string_view field, absl::string_view text, size_t max_bytes) {
  if (text.size() <= max_bytes) return absl::OkStatus();
  return absl::InvalidArgumentError(absl::StrCat(field, ": longer than ", max_bytes, " bytes"));
}

absl::Status CheckCheckContactRequest(const v1::CheckContactRequest& r) {
  ARREARS_RETURN_IF_ERROR(CheckId("check_id", r.check_id(), false));
  ARREARS_RETURN_IF_ERROR(CheckId("customer_id", r.customer_id(), false));
  ARREARS_RETURN_IF_ERROR(CheckIds("debt_ids", r.debt_ids()));
  ARREARS_RETURN_IF_ERROR(
      CheckEnum("channel", common::v1::Channel_IsValid(r.channel()), r.channel()));
  ARREARS_RETURN_IF_ERROR(
      CheckId("contact_point.contact_point_id", r.contact_point().contact_point_id(), false));
  ARREARS_RETURN_IF_ERROR(
      CheckText("contact_point.value", r.contact_point().value(), kMaxContactValueBytes));
  ARREARS_RETURN_IF_ERROR(CheckEnum(
      "counterparty", common::v1::Counterparty_IsValid(r.counterparty()), r.counterparty()));
  ARREARS_RETURN_IF_ERROR(CheckId("related_contact_id", r.related_contact_id(), false));
  ARREARS_RETURN_IF_ERROR(
      CheckEnum("purpose", common::v1::ContactPurpose_IsValid(r.purpose()), r.purpose()));
  ARREARS_RETURN_IF_ERROR(CheckText("message_text", r.message_text(), kMaxTextBytes));
  ARREARS_RETURN_IF_ERROR(CheckId("template_id", r.template_id(), false));
  ARREARS_RETURN_IF_ERROR(CheckId("language", r.language(), false));
  if (r.field_visit().staff_count() < 0) {
    return absl::InvalidArgumentError("field_visit.staff_count: must not be negative");
  }
  ARREARS_RETURN_IF_ERROR(CheckId("agency_id", r.agency_id(), false));
  ARREARS_RETURN_IF_ERROR(CheckIds("candidate_time_zones", r.candidate_time_zones()));
  ARREARS_RETURN_IF_ERROR(CheckId("attempt_id", r.attempt_id(), false));
  ARREARS_RETURN_IF_ERROR(CheckId("request_id", r.request_id(), false));
  return CheckId("actor", r.actor(), false);
}

// The id of a resource a request creates: derived from the request_id when
// there is one (a retry creates the same resource), else fresh.
std::string ResourceId(absl::string_view request_id, absl::string_view kind,
                       ids::IdGenerator& ids) {
  return request_id.empty() ? ids.NewId() : ids::DeriveId(request_id, kind);
}

std::string CurrentTraceparent() {
  std::optional<runtime::TraceContext> trace = runtime::CurrentTraceContext();
  return trace.has_value() ? trace->ToTraceparent() : std::string();
}

std::string EncodeToken(absl::string_view value) { return absl::WebSafeBase64Escape(value); }

absl::StatusOr<std::string> DecodeToken(absl::string_view field, absl::string_view token) {
  std::string value;
  if (!absl::WebSafeBase64Unescape(token, &value)) {
    return absl::InvalidArgumentError(absl::StrCat(field, ": malformed"));
  }
  return value;
}

// The preference, validated the way the rules will read it.
absl::Status CheckPreferenceConverts(const v1::Preference& p) {
  absl::Status status;
  switch (p.type()) {
    case v1::Preference::TYPE_DO_NOT_CONTACT:
      status = policy::OptOutFromProto(p).status();
      break;
    case v1::Preference::TYPE_AGREED_CONTACT_TIME:
      status = policy::AgreedContactTimeFromProto(p).status();
      break;
    case v1::Preference::TYPE_PRIOR_CONSENT:
      status = policy::PriorConsentFromProto(p).status();
      break;
    case v1::Preference::TYPE_CEASE_COMMUNICATION:
      status = policy::CeaseRequestFromProto(p).status();
      break;
    case v1::Preference::TYPE_THIRD_PARTY_REFUSAL:
      if (p.related_contact_id().empty()) {
        status = absl::InvalidArgumentError("preference.related_contact_id: required");
      }
      break;
    default:
      status = absl::InvalidArgumentError("preference.type: required");
  }
  return status;
}

}  // namespace

std::vector<store::Migration> ComplianceMigrations() {
  constexpr int kFirst = store::kFirstServiceMigrationVersion;
  // The audit log's batched indexes, node layout and entry columns came after
  // the history and request records (a database created before them has
  // those versions).
  std::vector<store::Migration> migrations = audit::AuditLogSchemaMigrations(
      kFirst, /*index_version=*/kFirst + 3, /*node_layout_version=*/kFirst + 4,
      /*entry_columns_version=*/kFirst + 5);
  for (store::Migration& m : history::HistoryMigrations(kFirst + 1)) {
    migrations.push_back(std::move(m));
  }
  for (store::Migration& m : RequestRecordMigrations(kFirst + 2)) {
    migrations.push_back(std::move(m));
  }
  for (store::Migration& m : DecisionFeedMigrations(kFirst + 6)) {
    migrations.push_back(std::move(m));
  }
  std::sort(
      migrations.begin(), migrations.end(),
      [](const store::Migration& a, const store::Migration& b) { return a.version < b.version; });
  return migrations;
}

store::SqliteOptions ComplianceDatabaseOptions(store::SqliteSynchronous synchronous) {
  store::SqliteOptions options;
  options.checkpoint_pages = 10'000;
  options.synchronous = synchronous;
  return options;
}

absl::StatusOr<std::unique_ptr<ComplianceCore>> ComplianceCore::Create(
    ComplianceCoreDeps deps, ComplianceCoreOptions options) {
  if (deps.engine == nullptr || deps.history == nullptr || deps.audit == nullptr ||
      deps.grievances == nullptr || deps.terms == nullptr || deps.requests == nullptr ||
      !deps.run || deps.clock == nullptr || deps.ids == nullptr) {
    return absl::InvalidArgumentError("compliance core: every dependency is required");
  }
  if (options.export_chunk_bytes == 0) {
    return absl::InvalidArgumentError("export_chunk_bytes: must be positive");
  }
  return std::unique_ptr<ComplianceCore>(new ComplianceCore(std::move(deps), std::move(options)));
}

uint64_t ComplianceCore::audit_size() const { return deps_.audit->log().size(); }

int64_t ComplianceCore::decisions(v1::Verdict verdict) const {
  const size_t i = static_cast<size_t>(verdict);
  return i < verdict_counts_.size() ? verdict_counts_[i].load(std::memory_order_relaxed) : 0;
}

// --- Decisions ---

// One CheckContact: evaluated on a history snapshot, then recorded in the
// commit queue's group transaction, then answered.
class ComplianceCore::DecisionUnit final : public CommitQueue::Unit {
 public:
  DecisionUnit(ComplianceCore* core, const v1::CheckContactRequest* request, DecisionCallback done)
      : core_(core),
        request_(*request),
        done_(std::move(done)),
        now_(core->deps_.clock->Now()),
        check_key_(request->check_id().empty() ? std::string()
                                               : absl::StrCat("check:", request->check_id())),
        traceparent_(CurrentTraceparent()) {}

  // The decision on a snapshot of the history (a reader connection, off the
  // committing thread), then into the queue.
  void Evaluate() {
    const ComplianceCoreDeps& deps = core_->deps_;
    const absl::Time proposed =
        request_.has_proposed_time() ? FromTimestamp(request_.proposed_time()) : now_;
    absl::StatusOr<std::unique_ptr<policy::InMemoryContactHistory>> history = deps.history->Load(
        request_.customer_id(),
        std::vector<std::string>(request_.debt_ids().begin(), request_.debt_ids().end()),
        proposed - kHistoryWindow, now_);
    if (!history.ok()) {
      Done(history.status());
      return;
    }
    decision_ = deps.engine->CheckContact(request_, **history, now_);
    decision_.set_decision_id(deps.ids->NewId());
    // What recording needs, built here rather than on the queue's thread
    // (one thread commits for every caller): the record, whose clear payload
    // is the event published too.
    record_ = DecisionRecord(request_, decision_);
    record_.record.set_traceparent(traceparent_);
    // The personal data's encryption too (AES-GCM and a random nonce, ~10%
    // of the commit thread's time per decision when done there).
    if (core_->options_.seal_before_queueing) {
      if (absl::Status sealed = deps.audit->log().Seal(record_); !sealed.ok()) {
        Done(std::move(sealed));
        return;
      }
    }
    core_->queue_.Submit(this);
  }

  absl::Status Apply(store::Transaction& txn, store::OutboxWriter& /*outbox*/) override {
    const ComplianceCoreDeps& deps = core_->deps_;
    recorded_ = false;
    replayed_.reset();
    if (!check_key_.empty()) {
      v1::ContactDecision stored;
      ARREARS_ASSIGN_OR_RETURN(const bool found, deps.requests->Find(txn, check_key_, stored));
      if (found) {
        ARREARS_ASSIGN_OR_RETURN(replayed_, StoredDecision(txn, std::move(stored)));
        return absl::OkStatus();
      }
    }
    // Written with the group's other records before the commit (staging);
    // the index is final now.
    ARREARS_ASSIGN_OR_RETURN(const uint64_t index, deps.audit->Stage(txn, record_));
    decision_.set_audit_index(index);
    if (!check_key_.empty()) {
      // Only a pointer to the audit entry, which holds the decision (see
      // StoredDecision): a few bytes rather than a second copy of it.
      v1::ContactDecision pointer;
      pointer.set_audit_index(index);
      ARREARS_RETURN_IF_ERROR(deps.requests->Put(txn, check_key_, pointer));
    }
    // The decision's event is published from this audit entry
    // (DecisionFeed), not enqueued here a second time.
    recorded_ = true;
    return absl::OkStatus();
  }

  // The decision answered to the check_id's first request. Stored as a
  // pointer (no decision_id, only the audit index) it is read from the audit
  // entry, staged in this transaction or committed: its clear payload is the
  // decision event. Records written before pointers hold the whole decision.
  absl::StatusOr<v1::ContactDecision> StoredDecision(store::Transaction& txn,
                                                     v1::ContactDecision stored) const {
    if (!stored.decision_id().empty()) return stored;
    const uint64_t index = stored.audit_index();
    ARREARS_ASSIGN_OR_RETURN(const v1::AuditRecord record,
                             core_->deps_.audit->ReadRecord(txn, index));
    v1::ComplianceDecisionEvent event;
    if (record.kind() != v1::AUDIT_RECORD_KIND_DECISION ||
        !event.ParseFromString(record.payload()) || event.decision().decision_id().empty()) {
      return absl::DataLossError(absl::StrCat("the decision recorded for ", check_key_,
                                              " at audit entry ", index, " is unreadable"));
    }
    v1::ContactDecision decision = std::move(*event.mutable_decision());
    decision.set_audit_index(index);
    return decision;
  }

  void Done(absl::Status status) override {
    if (status.ok() && recorded_) core_->CountVerdict(decision_.verdict());
    if (status.ok()) {
      done_(replayed_.has_value() ? *std::move(replayed_) : std::move(decision_));
    } else {
      done_(std::move(status));
    }
    delete this;
  }

 private:
  ComplianceCore* const core_;
  // Valid until done_ runs (the caller's contract).
  const v1::CheckContactRequest& request_;
  const DecisionCallback done_;
  const absl::Time now_;
  const std::string check_key_;
  const std::string traceparent_;
  // The decision made (its audit index set by Apply) and its audit record.
  v1::ContactDecision decision_;
  audit::AuditAppend record_;
  // The answer stored for an earlier request with the same check_id.
  std::optional<v1::ContactDecision> replayed_;
  bool recorded_ = false;
};

void ComplianceCore::CountVerdict(v1::Verdict verdict) {
  const size_t i = static_cast<size_t>(verdict);
  if (i < verdict_counts_.size()) verdict_counts_[i].fetch_add(1, std::memory_order_relaxed);
}

void ComplianceCore::CheckContactAsync(const v1::CheckContactRequest* request,
                                       DecisionCallback done) {
  if (absl::Status valid = CheckCheckContactRequest(*request); !valid.ok()) {
    done(std::move(valid));
    return;
  }
  // Evaluated on the caller's thread (a read transaction on a reader
  // connection, some microseconds); only recording waits for the queue.
  (new DecisionUnit(this, request, std::move(done)))->Evaluate();
}

absl::StatusOr<v1::ContactDecision> ComplianceCore::CheckContact(
    const v1::CheckContactRequest& request) {
  absl::StatusOr<v1::ContactDecision> result;
  absl::Notification answered;
  CheckContactAsync(&request, [&](absl::StatusOr<v1::ContactDecision> decision) {
    result = std::move(decision);
    answered.Notify();
  });
  answered.WaitForNotification();
  return result;
}

absl::StatusOr<v1::ScreenMessageResponse> ComplianceCore::ScreenMessage(
    const v1::ScreenMessageRequest& request) {
  ARREARS_RETURN_IF_ERROR(CheckText("text", request.text(), kMaxTextBytes));
  ARREARS_RETURN_IF_ERROR(CheckId("language", request.language(), false));
  ARREARS_RETURN_IF_ERROR(
      CheckEnum("channel", common::v1::Channel_IsValid(request.channel()), request.channel()));
  ARREARS_RETURN_IF_ERROR(CheckEnum("counterparty",
                                    common::v1::Counterparty_IsValid(request.counterparty()),
                                    request.counterparty()));
  ARREARS_RETURN_IF_ERROR(CheckEnum(
      "purpose", common::v1::ContactPurpose_IsValid(request.purpose()), request.purpose()));
  ARREARS_RETURN_IF_ERROR(CheckId("template_id", request.template_id(), false));
  ARREARS_RETURN_IF_ERROR(CheckIds("pack_ids", request.pack_ids()));
  v1::ScreenMessageResponse response = deps_.engine->ScreenMessage(request);
  response.set_screening_id(deps_.ids->NewId());
  ARREARS_RETURN_IF_ERROR(
      queue_.Run([&](store::Transaction& txn, store::OutboxWriter&) -> absl::Status {
        ARREARS_ASSIGN_OR_RETURN(const uint64_t index,
                                 deps_.audit->Append(txn, ScreeningRecord(request, response)));
        response.set_audit_index(index);
        return absl::OkStatus();
      }));
  return response;
}

// --- Preferences, disputes, complaints ---

absl::StatusOr<v1::Preference> ComplianceCore::RecordPreference(
    const v1::RecordPreferenceRequest& request) {
  ARREARS_RETURN_IF_ERROR(CheckId("request_id", request.request_id(), false));
  v1::Preference preference = request.preference();
  ARREARS_RETURN_IF_ERROR(CheckId("preference.customer_id", preference.customer_id()));
  ARREARS_RETURN_IF_ERROR(CheckId("preference.preference_id", preference.preference_id(), false));
  ARREARS_RETURN_IF_ERROR(CheckEnum(
      "preference.type", v1::Preference::Type_IsValid(preference.type()), preference.type()));
  ARREARS_RETURN_IF_ERROR(CheckEnum("preference.channel",
                                    common::v1::Channel_IsValid(preference.channel()),
                                    preference.channel()));
  ARREARS_RETURN_IF_ERROR(
      CheckId("preference.contact_point_id", preference.contact_point_id(), false));
  ARREARS_RETURN_IF_ERROR(CheckIds("preference.debt_ids", preference.debt_ids()));
  ARREARS_RETURN_IF_ERROR(
      CheckId("preference.related_contact_id", preference.related_contact_id(), false));
  ARREARS_RETURN_IF_ERROR(
      CheckId("preference.revokes_preference_id", preference.revokes_preference_id(), false));
  ARREARS_RETURN_IF_ERROR(CheckId("preference.source", preference.source(), false));
  ARREARS_RETURN_IF_ERROR(CheckId("preference.evidence_ref", preference.evidence_ref(), false));
  ARREARS_RETURN_IF_ERROR(CheckId("preference.recorded_by", preference.recorded_by(), false));

  const absl::Time now = deps_.clock->Now();
  if (preference.preference_id().empty()) {
    preference.set_preference_id(ResourceId(request.request_id(), "preference", *deps_.ids));
  }
  preference.set_name(absl::StrCat("customers/", preference.customer_id(), "/preferences/",
                                   preference.preference_id()));
  *preference.mutable_create_time() = ToTimestamp(now);
  const bool revocation = !preference.revokes_preference_id().empty();
  if (!revocation) {
    if (!preference.has_start_time() && preference.type() != v1::Preference::TYPE_PRIOR_CONSENT) {
      *preference.mutable_start_time() = ToTimestamp(now);
    }
    ARREARS_RETURN_IF_ERROR(CheckPreferenceConverts(preference));
  }
  const std::string key = request.request_id().empty()
                              ? std::string()
                              : absl::StrCat("preference:", request.request_id());
  ARREARS_RETURN_IF_ERROR(
      deps_.run([&](store::Transaction& txn, store::OutboxWriter&) -> absl::Status {
        if (!key.empty()) {
          v1::Preference stored;
          ARREARS_ASSIGN_OR_RETURN(const bool found, deps_.requests->Find(txn, key, stored));
          if (found) {
            preference = std::move(stored);
            return absl::OkStatus();
          }
        }
        if (revocation) {
          ARREARS_ASSIGN_OR_RETURN(
              const std::optional<v1::Preference> target,
              deps_.history->GetPreference(txn, preference.revokes_preference_id()));
          if (!target.has_value()) {
            return absl::NotFoundError(absl::StrCat(
                "preference.revokes_preference_id: ", preference.revokes_preference_id(),
                " does not exist"));
          }
          if (target->customer_id() != preference.customer_id()) {
            return absl::InvalidArgumentError(
                "preference.revokes_preference_id: belongs to another customer");
          }
          ARREARS_RETURN_IF_ERROR(
              deps_.history->SetPreferenceActive(txn, preference.revokes_preference_id(), false));
        }
        ARREARS_RETURN_IF_ERROR(
            deps_.history->PutPreference(txn, preference, kApiSource, /*active=*/!revocation));
        ARREARS_RETURN_IF_ERROR(deps_.audit->Append(txn, PreferenceRecord(preference)).status());
        return key.empty() ? absl::OkStatus() : deps_.requests->Put(txn, key, preference);
      }));
  return preference;
}

absl::StatusOr<v1::Dispute> ComplianceCore::RegisterDispute(
    const v1::RegisterDisputeRequest& request) {
  ARREARS_RETURN_IF_ERROR(CheckId("request_id", request.request_id(), false));
  v1::Dispute dispute = request.dispute();
  ARREARS_RETURN_IF_ERROR(CheckId("dispute.customer_id", dispute.customer_id()));
  if (dispute.debt_ids().empty()) {
    return absl::InvalidArgumentError("dispute.debt_ids: at least one debt is required");
  }
  ARREARS_RETURN_IF_ERROR(CheckIds("dispute.debt_ids", dispute.debt_ids()));
  ARREARS_RETURN_IF_ERROR(CheckId("dispute.dispute_type", dispute.dispute_type(), false));
  ARREARS_RETURN_IF_ERROR(CheckEnum("dispute.received_via",
                                    common::v1::Channel_IsValid(dispute.received_via()),
                                    dispute.received_via()));
  ARREARS_RETURN_IF_ERROR(CheckId("dispute.registered_by", dispute.registered_by(), false));
  ARREARS_RETURN_IF_ERROR(CheckId("dispute.evidence_ref", dispute.evidence_ref(), false));
  const absl::Time now = deps_.clock->Now();
  dispute.set_dispute_id(ResourceId(request.request_id(), "dispute", *deps_.ids));
  if (!dispute.has_receive_time()) *dispute.mutable_receive_time() = ToTimestamp(now);
  dispute.clear_audit_index();
  v1::Dispute result;
  ARREARS_RETURN_IF_ERROR(
      deps_.run([&](store::Transaction& txn, store::OutboxWriter&) -> absl::Status {
        ARREARS_ASSIGN_OR_RETURN(result,
                                 deps_.grievances->OpenDispute(txn, dispute, dispute.dispute_id()));
        return absl::OkStatus();
      }));
  return result;
}

absl::StatusOr<v1::Dispute> ComplianceCore::ResolveDispute(
    const v1::ResolveDisputeRequest& request) {
  std::string dispute_id;
  ARREARS_RETURN_IF_ERROR(ParseResourceName("name", request.name(), "disputes", dispute_id));
  if (request.resolution() == v1::Dispute::RESOLUTION_UNSPECIFIED ||
      !v1::Dispute::Resolution_IsValid(request.resolution())) {
    return absl::InvalidArgumentError("resolution: required");
  }
  if (request.resolution() == v1::Dispute::RESOLUTION_VERIFIED &&
      !request.has_verification_sent_time()) {
    return absl::InvalidArgumentError(
        "verification_sent_time: required for RESOLUTION_VERIFIED (collection resumes once the "
        "verification was sent)");
  }
  ARREARS_RETURN_IF_ERROR(CheckId("resolved_by", request.resolved_by(), false));
  ARREARS_RETURN_IF_ERROR(CheckId("evidence_ref", request.evidence_ref(), false));
  const absl::Time now = deps_.clock->Now();
  v1::Dispute result;
  ARREARS_RETURN_IF_ERROR(
      deps_.run([&](store::Transaction& txn, store::OutboxWriter&) -> absl::Status {
        ARREARS_ASSIGN_OR_RETURN(result,
                                 deps_.grievances->ResolveDispute(txn, request, dispute_id, now));
        return absl::OkStatus();
      }));
  return result;
}

absl::StatusOr<v1::Complaint> ComplianceCore::RegisterComplaint(
    const v1::RegisterComplaintRequest& request) {
  ARREARS_RETURN_IF_ERROR(CheckId("request_id", request.request_id(), false));
  v1::Complaint complaint = request.complaint();
  ARREARS_RETURN_IF_ERROR(CheckId("complaint.customer_id", complaint.customer_id()));
  ARREARS_RETURN_IF_ERROR(CheckIds("complaint.debt_ids", complaint.debt_ids()));
  ARREARS_RETURN_IF_ERROR(CheckId("complaint.category", complaint.category()));
  ARREARS_RETURN_IF_ERROR(CheckEnum("complaint.complainant",
                                    common::v1::Counterparty_IsValid(complaint.complainant()),
                                    complaint.complainant()));
  ARREARS_RETURN_IF_ERROR(CheckEnum("complaint.received_via",
                                    common::v1::Channel_IsValid(complaint.received_via()),
                                    complaint.received_via()));
  ARREARS_RETURN_IF_ERROR(CheckId("complaint.agency_id", complaint.agency_id(), false));
  ARREARS_RETURN_IF_ERROR(CheckIds("complaint.staff_ids", complaint.staff_ids()));
  ARREARS_RETURN_IF_ERROR(CheckIds("complaint.attempt_ids", complaint.attempt_ids()));
  ARREARS_RETURN_IF_ERROR(CheckId("complaint.regulator_ref", complaint.regulator_ref(), false));
  ARREARS_RETURN_IF_ERROR(CheckId("complaint.registered_by", complaint.registered_by(), false));
  const absl::Time now = deps_.clock->Now();
  complaint.set_complaint_id(ResourceId(request.request_id(), "complaint", *deps_.ids));
  if (!complaint.has_receive_time()) *complaint.mutable_receive_time() = ToTimestamp(now);
  complaint.clear_audit_index();
  v1::Complaint result;
  ARREARS_RETURN_IF_ERROR(
      deps_.run([&](store::Transaction& txn, store::OutboxWriter&) -> absl::Status {
        ARREARS_ASSIGN_OR_RETURN(
            result, deps_.grievances->OpenComplaint(txn, complaint, complaint.complaint_id(), now));
        return absl::OkStatus();
      }));
  return result;
}

absl::StatusOr<v1::Complaint> ComplianceCore::ResolveComplaint(
    const v1::ResolveComplaintRequest& request) {
  std::string complaint_id;
  ARREARS_RETURN_IF_ERROR(ParseResourceName("name", request.name(), "complaints", complaint_id));
  ARREARS_RETURN_IF_ERROR(CheckId("resolution", request.resolution()));
  ARREARS_RETURN_IF_ERROR(CheckId("resolved_by", request.resolved_by(), false));
  const absl::Time now = deps_.clock->Now();
  v1::Complaint result;
  ARREARS_RETURN_IF_ERROR(
      deps_.run([&](store::Transaction& txn, store::OutboxWriter&) -> absl::Status {
        ARREARS_ASSIGN_OR_RETURN(
            result, deps_.grievances->ResolveComplaint(txn, request, complaint_id, now));
        return absl::OkStatus();
      }));
  return result;
}

absl::StatusOr<v1::ListComplaintsResponse> ComplianceCore::ListComplaints(
    const v1::ListComplaintsRequest& request) {
  ARREARS_RETURN_IF_ERROR(CheckId("customer_id", request.customer_id(), false));
  if (request.page_size() < 0) {
    return absl::InvalidArgumentError("page_size: must not be negative");
  }
  history::ComplaintQuery query;
  query.customer_id = request.customer_id();
  query.overdue_only = request.overdue_only();
  query.now = deps_.clock->Now();
  query.page_size = request.page_size() == 0 ? kDefaultComplaintPage
                                             : std::min(request.page_size(), kMaxComplaintPage);
  if (!request.page_token().empty()) {
    ARREARS_ASSIGN_OR_RETURN(query.after_complaint_id,
                             DecodeToken("page_token", request.page_token()));
  }
  ++query.page_size;  // one more tells whether there is a next page
  ARREARS_ASSIGN_OR_RETURN(std::vector<v1::Complaint> complaints,
                           deps_.history->ListComplaints(query));
  v1::ListComplaintsResponse response;
  const size_t page = static_cast<size_t>(query.page_size - 1);
  if (complaints.size() > page) {
    complaints.resize(page);
    response.set_next_page_token(EncodeToken(complaints.back().complaint_id()));
  }
  for (v1::Complaint& complaint : complaints) {
    Grievances::Decorate(complaint, query.now);
    *response.add_complaints() = std::move(complaint);
  }
  return response;
}

// --- Audit log ---

absl::StatusOr<v1::AuditEntry> ComplianceCore::GetAuditEntry(
    const v1::GetAuditEntryRequest& request) {
  std::string index_text;
  ARREARS_RETURN_IF_ERROR(ParseResourceName("name", request.name(), "auditEntries", index_text));
  uint64_t index = 0;
  if (!absl::SimpleAtoi(index_text, &index)) {
    return absl::InvalidArgumentError("name: expected \"auditEntries/{index}\" with a number");
  }
  if (request.reveal_personal_data() && !options_.allow_reveal_personal_data) {
    return absl::PermissionDeniedError("reveal_personal_data: not permitted for this caller");
  }
  return deps_.audit->log().GetEntry(index, request.reveal_personal_data());
}

absl::StatusOr<v1::QueryAuditResponse> ComplianceCore::QueryAudit(
    const v1::QueryAuditRequest& request) {
  audit::AuditQuery query;
  query.customer_id = request.customer_id();
  query.loan_id = request.loan_id();
  for (const int kind : request.kinds()) {
    query.kinds.push_back(static_cast<v1::AuditRecordKind>(kind));
  }
  if (request.has_start_time()) query.start_time = FromTimestamp(request.start_time());
  if (request.has_end_time()) query.end_time = FromTimestamp(request.end_time());
  if (request.page_size() < 0) {
    return absl::InvalidArgumentError("page_size: must not be negative");
  }
  query.page_size = std::min(request.page_size(), audit::AuditLog::kMaxPageSize);
  query.page_token = request.page_token();
  ARREARS_ASSIGN_OR_RETURN(audit::AuditPage page, deps_.audit->log().Query(query));
  v1::QueryAuditResponse response;
  for (v1::AuditEntry& entry : page.entries) *response.add_entries() = std::move(entry);
  response.set_next_page_token(std::move(page.next_page_token));
  return response;
}

absl::StatusOr<uint64_t> ComplianceCore::LatestCheckpointSize(absl::string_view field) {
  ARREARS_ASSIGN_OR_RETURN(const std::optional<v1::SignedCheckpoint> latest,
                           deps_.audit->log().LatestCheckpoint());
  if (!latest.has_value()) {
    return absl::FailedPreconditionError(
        absl::StrCat(field, ": 0 means the latest checkpoint's size, and there is none yet"));
  }
  return latest->size();
}

absl::StatusOr<v1::InclusionProof> ComplianceCore::GetInclusionProof(
    const v1::GetInclusionProofRequest& request) {
  uint64_t tree_size = request.tree_size();
  if (tree_size == 0) {
    ARREARS_ASSIGN_OR_RETURN(tree_size, LatestCheckpointSize("tree_size"));
  }
  return deps_.audit->log().InclusionProof(request.leaf_index(), tree_size);
}

absl::StatusOr<v1::ConsistencyProof> ComplianceCore::GetConsistencyProof(
    const v1::GetConsistencyProofRequest& request) {
  if (request.first_size() == 0) {
    return absl::InvalidArgumentError("first_size: must be positive");
  }
  uint64_t second_size = request.second_size();
  if (second_size == 0) {
    ARREARS_ASSIGN_OR_RETURN(second_size, LatestCheckpointSize("second_size"));
  }
  return deps_.audit->log().ConsistencyProof(request.first_size(), second_size);
}

absl::StatusOr<v1::SignedCheckpoint> ComplianceCore::GetCheckpoint(
    const v1::GetCheckpointRequest& request) {
  if (!request.sign_now()) {
    ARREARS_ASSIGN_OR_RETURN(std::optional<v1::SignedCheckpoint> latest,
                             deps_.audit->log().LatestCheckpoint());
    if (latest.has_value()) return *std::move(latest);
  }
  ARREARS_ASSIGN_OR_RETURN(std::optional<v1::SignedCheckpoint> signed_now,
                           PublishCheckpoint(/*force=*/true));
  return *std::move(signed_now);
}

absl::StatusOr<v1::VerifyLogResponse> ComplianceCore::VerifyLog(
    const v1::VerifyLogRequest& request) {
  audit::VerifyOptions options;
  options.tree_size = request.tree_size();
  if (request.has_trusted_checkpoint()) options.trusted_checkpoint = request.trusted_checkpoint();
  ARREARS_ASSIGN_OR_RETURN(const audit::VerifyReport report, deps_.audit->log().Verify(options));
  v1::VerifyLogResponse response;
  response.set_ok(report.ok);
  response.set_entries_verified(report.entries_verified);
  if (report.first_bad_index.has_value()) response.set_first_bad_index(*report.first_bad_index);
  response.set_problem(report.problem);
  response.set_root_hash(report.root_hash.ToString());
  response.set_checkpoint_matches(report.checkpoint_matches);
  return response;
}

absl::Status ComplianceCore::ExportAudit(
    const v1::ExportAuditRequest& request,
    absl::FunctionRef<absl::Status(const v1::ExportAuditChunk&)> emit) {
  if (!v1::ExportFormat_IsValid(request.format())) {
    return absl::InvalidArgumentError(
        absl::StrCat("format: unknown value ", static_cast<int>(request.format())));
  }
  if (request.reveal_personal_data() && !options_.allow_reveal_personal_data) {
    return absl::PermissionDeniedError("reveal_personal_data: not permitted for this caller");
  }
  audit::ExportOptions options;
  options.customer_id = request.customer_id();
  options.loan_id = request.loan_id();
  for (const int kind : request.kinds()) {
    options.kinds.push_back(static_cast<v1::AuditRecordKind>(kind));
  }
  if (request.has_start_date()) {
    ARREARS_ASSIGN_OR_RETURN(const absl::CivilDay start,
                             CivilDayFromProto(request.start_date(), "start_date"));
    options.start_time = time::StartOfDay(start, absl::UTCTimeZone());
  }
  if (request.has_end_date()) {
    ARREARS_ASSIGN_OR_RETURN(const absl::CivilDay end,
                             CivilDayFromProto(request.end_date(), "end_date"));
    options.end_time = time::StartOfDay(end + 1, absl::UTCTimeZone());
  }
  options.include_proofs = request.include_proofs();
  options.reveal_personal_data = request.reveal_personal_data();
  const bool csv = request.format() == v1::EXPORT_FORMAT_CSV;
  options.format = csv ? audit::ExportFormat::kCsv : audit::ExportFormat::kJsonLines;

  v1::ExportAuditChunk chunk;
  bool first = true;
  const absl::Time now = deps_.clock->Now();
  const std::string base_name =
      absl::StrCat("audit-export-", absl::FormatTime("%Y%m%dT%H%M%SZ", now, absl::UTCTimeZone()));
  const std::string file_name = absl::StrCat(base_name, csv ? ".csv" : ".jsonl");
  auto flush = [&]() -> absl::Status {
    if (first) {
      chunk.set_content_type(std::string(csv ? audit::kCsvContentType : audit::kExportContentType));
      chunk.set_file_name(file_name);
      first = false;
    }
    absl::Status status = emit(chunk);
    chunk.Clear();
    return status;
  };
  ARREARS_ASSIGN_OR_RETURN(
      const audit::ExportSummary summary,
      deps_.audit->log().Export(options, [&](absl::string_view line) -> absl::Status {
        chunk.mutable_data()->append(line.data(), line.size());
        if (chunk.data().size() >= options_.export_chunk_bytes) return flush();
        return absl::OkStatus();
      }));
  *chunk.mutable_checkpoint() = summary.checkpoint;
  chunk.set_entry_count(summary.entry_count);
  chunk.set_file_sha256(summary.file_sha256.ToString());
  audit::ManifestInfo manifest;
  manifest.file_name = file_name;
  manifest.generated_at = now;
  for (const policy::PolicyPack& pack : deps_.engine->packs()) {
    manifest.packs.emplace_back(pack.pack_id, pack.version);
  }
  ARREARS_ASSIGN_OR_RETURN(
      *chunk.mutable_manifest(),
      audit::BuildExportManifest(summary, options, manifest, deps_.audit->signer()));
  chunk.set_manifest_file_name(absl::StrCat(base_name, ".manifest.json"));
  return flush();
}

// --- Periodic jobs ---

absl::StatusOr<std::optional<v1::SignedCheckpoint>> ComplianceCore::PublishCheckpoint(bool force) {
  std::optional<v1::SignedCheckpoint> checkpoint;
  ARREARS_RETURN_IF_ERROR(
      deps_.run([&](store::Transaction& txn, store::OutboxWriter& outbox) -> absl::Status {
        ARREARS_ASSIGN_OR_RETURN(checkpoint, deps_.audit->CheckpointIfGrown(txn, force));
        if (!checkpoint.has_value()) return absl::OkStatus();
        const absl::Time signed_at = FromTimestamp(checkpoint->timestamp());
        events::Event event;
        event.topic = topics::Spec(topics::v1::TOPIC_AUDIT_CHECKPOINTS).name();
        event.key = checkpoint->log_id();
        event.envelope.id = ids::DeriveTimeOrderedId(
            checkpoint->log_id(),
            absl::StrCat("checkpoint/", checkpoint->size(), "/", absl::ToUnixNanos(signed_at)),
            signed_at);
        event.envelope.type = std::string(v1::SignedCheckpoint::descriptor()->full_name());
        event.envelope.source = options_.event_source;
        event.envelope.time = signed_at;
        checkpoint->SerializeToString(&event.payload);
        return outbox.Enqueue(event);
      }));
  return checkpoint;
}

absl::StatusOr<std::vector<std::string>> ComplianceCore::EnforceRetention() {
  ARREARS_ASSIGN_OR_RETURN(const std::vector<std::string> due,
                           deps_.audit->log().RetentionDue(
                               [&](absl::string_view customer_id) -> std::optional<absl::Duration> {
                                 absl::StatusOr<std::vector<std::string>> jurisdictions =
                                     deps_.history->Jurisdictions(customer_id);
                                 // Unknown (or unreadable now): keep; the next sweep decides.
                                 if (!jurisdictions.ok()) return std::nullopt;
                                 return deps_.terms->Retention(*jurisdictions);
                               }));
  std::vector<std::string> erased;
  for (const std::string& customer_id : due) {
    ARREARS_RETURN_IF_ERROR(
        deps_.run([&](store::Transaction& txn, store::OutboxWriter&) -> absl::Status {
          return deps_.audit->EraseDebtor(txn, customer_id, "retention").status();
        }));
    erased.push_back(customer_id);
  }
  return erased;
}

absl::StatusOr<int64_t> ComplianceCore::OverdueComplaints() {
  return deps_.history->CountOverdueComplaints(deps_.clock->Now());
}

}  // namespace arrears::compliance::service
