#include <string>

#include "absl/time/civil_time.h"
#include "common/status/status_matchers.h"
#include "common/time/clock.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "services/contact_channels/renderer.h"
#include "services/contact_channels/template_registry.h"
#include "services/contact_channels/template_screener.h"

namespace arrears::contact {
namespace {

using ::arrears::testing::StatusIs;
using ::testing::ElementsAre;
using ::testing::HasSubstr;

v1::Template MakeTemplate(std::string id, std::string language, std::string body,
                          bool third_party_readable = false) {
  v1::Template t;
  t.set_template_id(std::move(id));
  t.set_language(std::move(language));
  t.set_channel(common::v1::CHANNEL_SMS);
  t.set_body(std::move(body));
  t.set_third_party_readable(third_party_readable);
  return t;
}

class TemplateTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_OK_AND_ASSIGN(registry_, TemplateRegistry::Create(&screener_, &clock_));
  }
  FakeClock clock_;
  FakeTemplateScreener screener_;
  std::unique_ptr<TemplateRegistry> registry_;
};

TEST_F(TemplateTest, RendersChineseWithMaskedDataAndFormattedMoney) {
  ASSERT_OK_AND_ASSIGN(v1::Template t, registry_->Register(MakeTemplate(
                                           "sms-d1", "zh-CN",
                                           "{{surname}}您好，您尾号{{masked_phone}}的账户应还{{"
                                           "amount_due}}，到期日{{due_date}}。")));
  EXPECT_EQ(t.name(), "templates/sms-d1/languages/zh-CN");
  EXPECT_THAT(t.placeholders(), ElementsAre("surname", "masked_phone", "amount_due", "due_date"));
  EXPECT_EQ(t.revision(), 1);
  EXPECT_EQ(t.screening_id(), "screening-1");

  RenderInput input;
  input.full_name = "张三丰";
  input.phone = "13812341234";
  input.amount_due = money::Money::FromMinor(123456, money::Currency::Of("CNY"));
  input.due_date = absl::CivilDay(2026, 1, 5);
  ASSERT_OK_AND_ASSIGN(RenderedText text, Render(t, input));
  EXPECT_EQ(text.body, "张**您好，您尾号138****1234的账户应还1,234.56元，到期日2026年1月5日。");
  EXPECT_THAT(text.body, ::testing::Not(HasSubstr("三丰")));
}

TEST_F(TemplateTest, RendersEnglish) {
  ASSERT_OK_AND_ASSIGN(
      v1::Template t,
      registry_->Register(
          MakeTemplate("sms-d1", "en", "Dear {{surname}}, {{amount_due}} is due {{due_date}}.")));
  RenderInput input;
  input.full_name = "John Smith";
  input.amount_due = money::Money::FromMinor(123456789, money::Currency::Of("USD"));
  input.due_date = absl::CivilDay(2026, 1, 5);
  ASSERT_OK_AND_ASSIGN(RenderedText text, Render(t, input));
  EXPECT_EQ(text.body, "Dear **** Smith, USD 1,234,567.89 is due 2026-01-05.");
}

TEST_F(TemplateTest, MissingValueFailsRender) {
  ASSERT_OK_AND_ASSIGN(v1::Template t, registry_->Register(MakeTemplate(
                                           "sms-ref", "en", "Reference {{case_reference}}.")));
  EXPECT_THAT(Render(t, RenderInput{}),
              StatusIs(absl::StatusCode::kFailedPrecondition, HasSubstr("TEMPLATE_RENDER")));
  RenderInput input;
  input.parameters["case_reference"] = "C-42";
  ASSERT_OK_AND_ASSIGN(RenderedText text, Render(t, input));
  EXPECT_EQ(text.body, "Reference C-42.");
}

TEST_F(TemplateTest, ParametersNeverOverrideMaskedValues) {
  ASSERT_OK_AND_ASSIGN(v1::Template t,
                       registry_->Register(MakeTemplate("sms-x", "en", "Hi {{surname}}")));
  RenderInput input;
  input.full_name = "John Smith";
  input.parameters["surname"] = "John Smith";
  ASSERT_OK_AND_ASSIGN(RenderedText text, Render(t, input));
  EXPECT_EQ(text.body, "Hi **** Smith");
}

TEST_F(TemplateTest, ThirdPartyReadableRejectsDebtPlaceholders) {
  EXPECT_THAT(
      registry_->Register(MakeTemplate("tp", "zh-CN", "请转告{{surname}}还款{{amount_due}}", true)),
      StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("{{amount_due}}")));
  EXPECT_THAT(registry_->Register(MakeTemplate("tp", "en", "Due {{due_date}}", true)),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("{{due_date}}")));
  EXPECT_THAT(registry_->Get("tp", "en"), StatusIs(absl::StatusCode::kNotFound));
  EXPECT_OK(
      registry_->Register(MakeTemplate("tp", "en", "Please ask {{surname}} to call us.", true)));
}

TEST_F(TemplateTest, NonReadableTemplateNotRenderedForThirdParty) {
  ASSERT_OK_AND_ASSIGN(v1::Template t,
                       registry_->Register(MakeTemplate("d", "en", "Hi {{surname}}")));
  RenderInput input;
  input.full_name = "John Smith";
  input.counterparty = common::v1::COUNTERPARTY_UNRELATED_THIRD_PARTY;
  EXPECT_THAT(Render(t, input), StatusIs(absl::StatusCode::kFailedPrecondition));
}

TEST_F(TemplateTest, ScreeningRejectionStoresNothing) {
  screener_.Ban("法院", "cn.impersonation.court.1");
  EXPECT_THAT(registry_->Register(MakeTemplate("bad", "zh-CN", "法院将起诉您")),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       HasSubstr("message_template.body: rejected by compliance screening, rules "
                                 "cn.impersonation.court.1")));
  EXPECT_THAT(registry_->Get("bad", "zh-CN"), StatusIs(absl::StatusCode::kNotFound));
}

TEST_F(TemplateTest, ValidationNamesFields) {
  EXPECT_THAT(registry_->Register(MakeTemplate("", "en", "x")),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("template_id")));
  EXPECT_THAT(registry_->Register(MakeTemplate("a", "fr", "x")),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("language")));
  EXPECT_THAT(registry_->Register(MakeTemplate("a", "en", "Hi {{surname")),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("unterminated")));
  EXPECT_THAT(registry_->Register(MakeTemplate("a", "en", "Hi {{Sur name}}")),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("invalid placeholder")));
}

TEST_F(TemplateTest, ReRegistrationBumpsRevision) {
  ASSERT_OK(registry_->Register(MakeTemplate("r", "en", "v1")));
  ASSERT_OK_AND_ASSIGN(v1::Template t, registry_->Register(MakeTemplate("r", "en", "v2")));
  EXPECT_EQ(t.revision(), 2);
  ASSERT_OK_AND_ASSIGN(v1::Template got, registry_->Get("r", "en"));
  EXPECT_EQ(got.body(), "v2");
}

}  // namespace
}  // namespace arrears::contact
