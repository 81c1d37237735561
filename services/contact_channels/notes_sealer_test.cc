#include "services/contact_channels/notes_sealer.h"

#include <fstream>
#include <string>

#include "absl/strings/match.h"
#include "common/status/status_matchers.h"
#include "common/store/testing/temp_dir.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace arrears::contact {
namespace {

using ::arrears::testing::StatusIs;

TEST(NotesSealerTest, SealsAndOpensPerRecord) {
  ASSERT_OK_AND_ASSIGN(auto sealer, NotesSealer::FromKey(std::string(32, 'k')));
  const std::string notes = "客户说下周一还款，电话13812341234";
  ASSERT_OK_AND_ASSIGN(std::string sealed, sealer->Seal(notes, "fieldVisits/fv-1"));
  EXPECT_TRUE(absl::StartsWith(sealed, "v1:"));
  EXPECT_FALSE(absl::StrContains(sealed, "13812341234"));
  ASSERT_OK_AND_ASSIGN(std::string again, sealer->Seal(notes, "fieldVisits/fv-1"));
  EXPECT_NE(sealed, again);  // a fresh nonce each time
  EXPECT_THAT(sealer->Open(sealed, "fieldVisits/fv-1"), ::arrears::testing::IsOkAndHolds(notes));
  // Moved onto another record, or under another key, it does not open.
  EXPECT_THAT(sealer->Open(sealed, "fieldVisits/fv-2"), StatusIs(absl::StatusCode::kDataLoss));
  ASSERT_OK_AND_ASSIGN(auto other, NotesSealer::FromKey(std::string(32, 'x')));
  EXPECT_THAT(other->Open(sealed, "fieldVisits/fv-1"), StatusIs(absl::StatusCode::kDataLoss));
  EXPECT_THAT(sealer->Open("plain text", "fieldVisits/fv-1"),
              StatusIs(absl::StatusCode::kDataLoss));
  EXPECT_THAT(sealer->Seal("", "r"), ::arrears::testing::IsOkAndHolds(""));
  EXPECT_THAT(sealer->Open("", "r"), ::arrears::testing::IsOkAndHolds(""));
}

TEST(NotesSealerTest, TheKeyFileIsCreatedOnceAndReused) {
  ASSERT_OK_AND_ASSIGN(store::TempDir dir, store::TempDir::Create());
  const std::string path = dir.File("notes.key");
  ASSERT_OK_AND_ASSIGN(auto first, NotesSealer::FromKeyFile(path));
  ASSERT_OK_AND_ASSIGN(std::string sealed, first->Seal("note", "r"));
  ASSERT_OK_AND_ASSIGN(auto second, NotesSealer::FromKeyFile(path));
  EXPECT_THAT(second->Open(sealed, "r"), ::arrears::testing::IsOkAndHolds("note"));
  std::ofstream(dir.File("short.key")) << "short";
  EXPECT_THAT(NotesSealer::FromKeyFile(dir.File("short.key")),
              StatusIs(absl::StatusCode::kFailedPrecondition, ::testing::HasSubstr("short.key")));
  EXPECT_THAT(NotesSealer::FromKey("short"), StatusIs(absl::StatusCode::kInvalidArgument));
}

}  // namespace
}  // namespace arrears::contact
