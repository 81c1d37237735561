#include "tools/arrearsctl/command_line.h"

#include <algorithm>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"

namespace arrears::ctl {
namespace {

const FlagSpec* FindFlag(const std::vector<FlagSpec>& flags, absl::string_view name) {
  for (const FlagSpec& flag : flags) {
    if (flag.name == name) return &flag;
  }
  return nullptr;
}

const CommandSpec* FindCommand(absl::string_view name) {
  for (const CommandSpec& command : Commands()) {
    if (command.name == name) return &command;
  }
  return nullptr;
}

void AppendFlags(std::string& out, const std::vector<FlagSpec>& flags) {
  for (const FlagSpec& flag : flags) {
    const std::string shown =
        flag.takes_value ? absl::StrCat("--", flag.name, "=...") : absl::StrCat("--", flag.name);
    absl::StrAppendFormat(&out, "    %-26s %s\n", shown, flag.help);
  }
}

}  // namespace

const std::vector<FlagSpec>& GlobalFlags() {
  static const std::vector<FlagSpec>* const kFlags = new std::vector<FlagSpec>{
      {"data_dir", true,
       "run directory whose <service>.grpc-address and bootstrap files are "
       "used by default (default: data)"},
      {"overdue_address", true, "host:port of overdue-detection"},
      {"overdue_address_file", true, "file holding it"},
      {"strategy_address", true, "host:port of strategy-routing"},
      {"strategy_address_file", true, "file holding it"},
      {"contact_address", true, "host:port of contact-channels"},
      {"contact_address_file", true, "file holding it"},
      {"compliance_address", true, "host:port of compliance-auditing"},
      {"compliance_address_file", true, "file holding it"},
      {"bootstrap", true, "Kafka bootstrap servers"},
      {"bootstrap_file", true, "file holding them (default: <data_dir>/bootstrap)"},
      {"kafka_properties", true, "extra librdkafka properties k=v,k=v (SASL/TLS on real Kafka)"},
      {"production_kafka", false, "use librdkafka's defaults instead of the dev broker profile"},
      {"deadline", true, "deadline of each call, e.g. 10s (default 10s)"},
      {"json", false, "print responses as protobuf JSON"},
      {"help", false, "show help"},
  };
  return *kFlags;
}

const std::vector<CommandSpec>& Commands() {
  static const std::vector<CommandSpec>* const kCommands = new std::vector<CommandSpec>{
      {"publish-loan-events",
       "",
       0,
       0,
       {{"file", true,
         "JSON lines of arrears.loan.v1.LoanEvent (protobuf JSON); - = stdin "
         "(default)"},
        {"dry_run", false, "validate only, publish nothing"}},
       "Publish loan events to arrears.loan.events.v1, keyed by loan id. Every line is checked "
       "first; nothing is published unless all are valid. Event ids are derived from the "
       "content, so publishing the same lines again is deduplicated by the services."},
      {"publish-customer-events",
       "",
       0,
       0,
       {{"file", true, "JSON lines of arrears.customer.v1.CustomerEvent; - = stdin (default)"},
        {"dry_run", false, "validate only, publish nothing"}},
       "Publish customer events to arrears.customer.events.v1, keyed by customer id."},
      {"loan",
       "<loan_id>",
       1,
       1,
       {{"history", false, "also show bucket and class periods"}},
       "Show a loan's delinquency (OverdueService.GetLoanDelinquency)."},
      {"cases",
       "",
       0,
       0,
       {{"collector", true, "cases of this collector"},
        {"team", true, "cases of this team"},
        {"queue", true, "cases in this queue"},
        {"agency", true, "cases placed with this agency"},
        {"state", true, "open (default) or closed"},
        {"include_held", false, "include cases with an active hold"},
        {"page_size", true, "cases per page (default 50)"},
        {"all", false, "follow every page"}},
       "List collection cases by priority (StrategyService.ListCases)."},
      {"record-outcome",
       "",
       0,
       0,
       {{"attempt", true, "attempt id (empty for an inbound contact)"},
        {"customer", true, "customer id (required)"},
        {"outcome", true, "e.g. PROMISE_TO_PAY, REFUSED, ANSWERED (required)"},
        {"channel", true, "e.g. VOICE_CALL (required for inbound)"},
        {"direction", true, "OUTBOUND (default) or INBOUND"},
        {"counterparty", true, "DEBTOR, GUARANTOR, ..."},
        {"loans", true, "loan ids, comma-separated"},
        {"connected", false, "the call connected"},
        {"conversation", false, "an effective conversation took place"},
        {"promise_amount", true, "for PROMISE_TO_PAY, e.g. \"1234.56 CNY\""},
        {"promised_date", true, "for PROMISE_TO_PAY, YYYY-MM-DD"},
        {"reason", true, "outcome reason code"},
        {"at", true, "when it happened, RFC 3339 (default now)"},
        {"staff", true, "collector ids, comma-separated"},
        {"request_id", true, "idempotency key"}},
       "Record the outcome of a contact (ContactService.RecordOutcome)."},
      {"check-contact",
       "",
       0,
       0,
       {{"customer", true, "customer id (required)"},
        {"loans", true, "loan ids the contact is about, comma-separated"},
        {"channel", true, "e.g. SMS, VOICE_CALL (required)"},
        {"contact_point", true, "contact point id, e.g. phone-1"},
        {"counterparty", true, "DEBTOR (default), GUARANTOR, ..."},
        {"related_contact", true, "related contact id for a third party"},
        {"purpose", true, "COLLECTION (default), SERVICE_NOTICE, ..."},
        {"at", true, "proposed time, RFC 3339 (default now)"},
        {"language", true, "BCP 47 language of the message"},
        {"template", true, "template id"},
        {"agency", true, "agency making the contact"},
        {"check_id", true, "idempotency key (default: derived from the request)"}},
       "Ask compliance whether a contact may happen (ComplianceService.CheckContact). The "
       "decision is logged in the audit log like any other."},
      {"verify-audit",
       "",
       0,
       0,
       {{"tree_size", true, "verify the first N entries (default all)"}},
       "Re-hash the compliance audit log (ComplianceService.VerifyLog); exit status 1 when it "
       "does not verify."},
      {"overdue-report",
       "",
       0,
       0,
       {{"as_of", true, "business date YYYY-MM-DD (default: current)"},
        {"products", true, "product codes, comma-separated"},
        {"branches", true, "branch ids, comma-separated"}},
       "Print the overdue report: loans and amounts by bucket and product, roll rates "
       "(OverdueService.GetOverdueReport)."},
      {"close-day",
       "<YYYY-MM-DD>",
       1,
       1,
       {},
       "Close business days up to this date (OverdueService.CloseBusinessDay)."},
      {"help", "[command]", 0, 1, {}, "Show help."},
  };
  return *kCommands;
}

bool ParsedCommand::Has(absl::string_view flag) const { return flags.contains(std::string(flag)); }

std::string ParsedCommand::Get(absl::string_view flag, absl::string_view fallback) const {
  auto it = flags.find(std::string(flag));
  return it == flags.end() ? std::string(fallback) : it->second;
}

absl::StatusOr<ParsedCommand> ParseCommandLine(const std::vector<std::string>& args) {
  struct GivenFlag {
    std::string name;
    std::string value;
    bool has_value = false;
  };
  ParsedCommand parsed;
  // Checked once the command (and so its flags) is known.
  std::vector<GivenFlag> flags;
  for (const std::string& arg : args) {
    if (absl::StartsWith(arg, "--")) {
      const std::string body = arg.substr(2);
      const size_t equals = body.find('=');
      if (body.empty() || equals == 0) {
        return absl::InvalidArgumentError(absl::StrCat("\"", arg, "\": not a flag"));
      }
      if (equals == std::string::npos) {
        flags.push_back({body, "", false});
      } else {
        flags.push_back({body.substr(0, equals), body.substr(equals + 1), true});
      }
      continue;
    }
    if (parsed.spec == nullptr) {
      parsed.spec = FindCommand(arg);
      if (parsed.spec == nullptr) {
        return absl::InvalidArgumentError(
            absl::StrCat("unknown command \"", arg, "\" (arrearsctl help lists them)"));
      }
      continue;
    }
    parsed.arguments.push_back(arg);
  }
  const bool help = std::any_of(flags.begin(), flags.end(),
                                [](const GivenFlag& flag) { return flag.name == "help"; });
  if (parsed.spec == nullptr || help) {
    const CommandSpec* topic = parsed.spec;
    parsed.spec = FindCommand("help");
    parsed.arguments.clear();
    if (topic != nullptr && topic->name != "help") parsed.arguments.push_back(topic->name);
    return parsed;
  }
  for (const auto& [name, value, has_value] : flags) {
    const FlagSpec* flag = FindFlag(parsed.spec->flags, name);
    if (flag == nullptr) flag = FindFlag(GlobalFlags(), name);
    if (flag == nullptr) {
      return absl::InvalidArgumentError(
          absl::StrCat("--", name, ": unknown flag for \"", parsed.spec->name, "\""));
    }
    if (flag->takes_value && (!has_value || value.empty())) {
      return absl::InvalidArgumentError(
          absl::StrCat("--", name, ": needs a value (--", name, "=...)"));
    }
    if (!flag->takes_value && has_value) {
      return absl::InvalidArgumentError(absl::StrCat("--", name, ": takes no value"));
    }
    if (parsed.flags.contains(name)) {
      return absl::InvalidArgumentError(absl::StrCat("--", name, ": given twice"));
    }
    parsed.flags[name] = has_value ? value : "true";
  }
  const int count = static_cast<int>(parsed.arguments.size());
  if (count < parsed.spec->min_arguments || count > parsed.spec->max_arguments) {
    return absl::InvalidArgumentError(
        absl::StrCat(parsed.spec->name, ": expected ",
                     parsed.spec->arguments.empty() ? "no arguments" : parsed.spec->arguments,
                     ", got ", count, count == 1 ? " argument" : " arguments"));
  }
  return parsed;
}

std::string CommandUsage(const CommandSpec& spec) {
  std::string out = absl::StrCat("arrearsctl ", spec.name,
                                 spec.arguments.empty() ? "" : absl::StrCat(" ", spec.arguments),
                                 spec.flags.empty() ? "" : " [flags]", "\n  ", spec.help, "\n");
  if (!spec.flags.empty()) AppendFlags(out, spec.flags);
  return out;
}

std::string Usage() {
  std::string out =
      "arrearsctl: talk to the Arrears services (gRPC) and topics (Kafka).\n\n"
      "usage: arrearsctl [flags] <command> [arguments] [flags]\n\ncommands:\n";
  for (const CommandSpec& command : Commands()) {
    absl::StrAppendFormat(
        &out, "  %-24s %s\n",
        absl::StrCat(command.name, command.arguments.empty() ? "" : " ", command.arguments),
        command.help.substr(0, command.help.find(". ") + 1));
  }
  out += "\nflags of every command:\n";
  AppendFlags(out, GlobalFlags());
  out +=
      "\nexit status: 0 ok, 1 the call failed (the server's status is printed, naming the "
      "field), 2 usage error.\n";
  return out;
}

}  // namespace arrears::ctl
