// The embedded default channel configuration against its two contracts:
// every template the default strategy names exists for that step's channel
// in every supported language and renders with what strategy routing sends,
// and every default template passes the real compliance content screening
// (the compliance service's policy packs and screening rules), so none is
// rejected when the service seeds it at startup.
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "common/money/money.h"
#include "common/status/status_matchers.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "services/compliance_auditing/policy/policy_engine.h"
#include "services/contact_channels/channel_config.h"
#include "services/contact_channels/compliance_client.h"
#include "services/contact_channels/embedded_config.h"
#include "services/contact_channels/renderer.h"
#include "services/contact_channels/template_registry.h"
#include "yaml-cpp/yaml.h"

namespace arrears::contact {
namespace {

// A step of the default strategy that names a channel.
struct StrategyStep {
  std::string where;  // "segments[2].steps[0] (pre-legal-notice)"
  common::v1::Channel channel = common::v1::CHANNEL_UNSPECIFIED;
  std::string template_id;  // empty when the step has none
};

std::vector<StrategyStep> DefaultStrategySteps() {
  std::vector<StrategyStep> steps;
  const YAML::Node root = YAML::LoadFile(DEFAULT_STRATEGY_YAML);
  const YAML::Node segments = root["segments"];
  EXPECT_TRUE(segments.IsSequence()) << DEFAULT_STRATEGY_YAML << ": segments";
  for (size_t s = 0; s < segments.size(); ++s) {
    const YAML::Node segment_steps = segments[s]["steps"];
    for (size_t i = 0; i < segment_steps.size(); ++i) {
      const YAML::Node node = segment_steps[i];
      StrategyStep step;
      step.where =
          absl::StrCat("segments[", s, "].steps[", i, "] (", node["id"].as<std::string>(), ")");
      const std::string channel = node["channel"].as<std::string>();
      EXPECT_TRUE(common::v1::Channel_Parse(absl::StrCat("CHANNEL_", channel), &step.channel))
          << step.where << ": unknown channel " << channel;
      if (node["template"]) step.template_id = node["template"].as<std::string>();
      steps.push_back(std::move(step));
    }
  }
  return steps;
}

std::vector<v1::Template> EmbeddedTemplates() {
  absl::StatusOr<ChannelConfig> config = ParseChannelConfig(DefaultChannelConfigYaml());
  EXPECT_OK(config);
  return config.ok() ? config->templates : std::vector<v1::Template>();
}

const v1::Template* FindTemplate(const std::vector<v1::Template>& templates,
                                 absl::string_view template_id, absl::string_view language) {
  for (const v1::Template& t : templates) {
    if (t.template_id() == template_id && t.language() == language) return &t;
  }
  return nullptr;
}

bool NeedsTemplate(common::v1::Channel channel) {
  return channel == common::v1::CHANNEL_SMS || channel == common::v1::CHANNEL_EMAIL ||
         channel == common::v1::CHANNEL_APP_MESSAGE || channel == common::v1::CHANNEL_LETTER;
}

TEST(ContactDefaultTemplatesTest, EveryStrategyTemplateExistsForItsChannelInEveryLanguage) {
  const std::vector<StrategyStep> steps = DefaultStrategySteps();
  const std::vector<v1::Template> templates = EmbeddedTemplates();
  ASSERT_FALSE(steps.empty());
  int checked = 0;
  for (const StrategyStep& step : steps) {
    if (step.template_id.empty()) {
      // The dispatcher fails a message without a template (TEMPLATE_MISSING);
      // work orders (visits, placements, referrals) need none.
      EXPECT_FALSE(NeedsTemplate(step.channel))
          << step.where << " sends a message with no template";
      continue;
    }
    for (absl::string_view language : kSupportedLanguages) {
      const v1::Template* found = FindTemplate(templates, step.template_id, language);
      ASSERT_NE(found, nullptr) << step.where << ": no default template " << step.template_id
                                << " in " << language;
      EXPECT_EQ(found->channel(), step.channel)
          << step.where << ": template " << step.template_id << " in " << language << " is for "
          << common::v1::Channel_Name(found->channel());
      ++checked;
    }
  }
  EXPECT_GT(checked, 0);
}

TEST(ContactDefaultTemplatesTest, StrategyTemplatesRenderWithWhatStrategyRoutingSends) {
  const std::vector<v1::Template> templates = EmbeddedTemplates();
  // What decision_engine.cc puts in every ContactRequest (no amount_due or
  // due_date), as the dispatcher hands it to the renderer.
  ASSERT_OK_AND_ASSIGN(const money::Money total, money::Money::Parse("1234.56 CNY"));
  for (const StrategyStep& step : DefaultStrategySteps()) {
    if (step.template_id.empty()) continue;
    for (absl::string_view language : kSupportedLanguages) {
      const v1::Template* found = FindTemplate(templates, step.template_id, language);
      if (found == nullptr) continue;  // reported by the test above
      RenderInput input;
      input.full_name = "张三";
      input.parameters = {{"total_overdue", FormatMoneyForLanguage(total, language)},
                          {"max_dpd", "45"},
                          {"plan_offer", "DEFERRAL"}};
      absl::StatusOr<RenderedText> rendered = Render(*found, input);
      EXPECT_OK(rendered) << step.template_id << " in " << language;
      if (rendered.ok()) {
        EXPECT_THAT(rendered->body, ::testing::Not(::testing::HasSubstr("{{")));
      }
    }
  }
}

TEST(ContactDefaultTemplatesTest, EveryTemplateIdHasEveryLanguage) {
  const std::vector<v1::Template> templates = EmbeddedTemplates();
  ASSERT_FALSE(templates.empty());
  std::set<std::pair<std::string, std::string>> seen;
  for (const v1::Template& t : templates) {
    EXPECT_TRUE(seen.emplace(t.template_id(), t.language()).second)
        << "duplicate " << t.template_id() << " " << t.language();
    for (absl::string_view language : kSupportedLanguages) {
      EXPECT_NE(FindTemplate(templates, t.template_id(), language), nullptr)
          << t.template_id() << " has no " << language << " version";
    }
  }
}

TEST(ContactDefaultTemplatesTest, EveryTemplatePassesTheRealComplianceScreening) {
  ASSERT_OK_AND_ASSIGN(auto engine, compliance::policy::PolicyEngine::Load(
                                        {absl::StrCat(POLICY_PACKS_DIR, "/cn-default.yaml"),
                                         absl::StrCat(POLICY_PACKS_DIR, "/us-regf-default.yaml")},
                                        absl::StrCat(POLICY_PACKS_DIR, "/screening-rules.yaml")));
  const std::vector<v1::Template> templates = EmbeddedTemplates();
  ASSERT_FALSE(templates.empty());
  for (const v1::Template& t : templates) {
    const compliance::v1::ScreenMessageResponse response =
        engine->ScreenMessage(ToScreenMessageRequest(t));
    std::vector<std::string> rules;
    for (const compliance::v1::ScreeningMatch& match : response.matches()) {
      rules.push_back(absl::StrCat(match.rule_id(), " '", match.matched_text(), "'"));
    }
    EXPECT_TRUE(response.passed())
        << t.template_id() << " in " << t.language() << ": "
        << absl::StrJoin(response.reason_codes(), ", ") << "; " << absl::StrJoin(rules, ", ");
  }
}

}  // namespace
}  // namespace arrears::contact
