#include "common/runtime/published_file.h"

#include <stdlib.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>

#include "common/status/status_matchers.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace arrears::runtime {
namespace {

using ::arrears::testing::IsOkAndHolds;
using ::arrears::testing::StatusIs;
using ::testing::ElementsAre;
using ::testing::HasSubstr;

class PublishedFileTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string pattern = ::testing::TempDir() + "/published_file_test.XXXXXX";
    ASSERT_NE(mkdtemp(pattern.data()), nullptr);
    dir_ = pattern;
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }

  std::vector<std::string> Entries() const {
    std::vector<std::string> names;
    for (const auto& entry : std::filesystem::directory_iterator(dir_)) {
      names.push_back(entry.path().filename().string());
    }
    return names;
  }

  std::filesystem::path dir_;
};

std::string Slurp(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream contents;
  contents << in.rdbuf();
  return contents.str();
}

TEST_F(PublishedFileTest, WritesExactlyTheContentsAndLeavesNoTemporaryFile) {
  const std::filesystem::path path = dir_ / "bootstrap";
  ASSERT_OK_AND_ASSIGN(auto file, PublishedFile::Create(path.string(), "127.0.0.1:9092"));
  EXPECT_EQ(file->path(), path.string());
  EXPECT_EQ(Slurp(path), "127.0.0.1:9092");
  EXPECT_THAT(Entries(), ElementsAre("bootstrap"));
}

TEST_F(PublishedFileTest, ReplacesAnOldFileAndRemovesItOnDestruction) {
  const std::filesystem::path path = dir_ / "bootstrap";
  std::ofstream(path) << "127.0.0.1:1 left behind by a crashed broker";
  ASSERT_OK_AND_ASSIGN(auto file, PublishedFile::Create(path.string(), "127.0.0.1:2"));
  EXPECT_EQ(Slurp(path), "127.0.0.1:2");
  file.reset();
  EXPECT_FALSE(std::filesystem::exists(path));
}

TEST_F(PublishedFileTest, FailsNamingThePathWhenTheDirectoryIsMissing) {
  const std::string path = (dir_ / "missing" / "bootstrap").string();
  EXPECT_THAT(PublishedFile::Create(path, "x"),
              StatusIs(absl::StatusCode::kUnavailable, HasSubstr(path)));
  EXPECT_THAT(PublishedFile::Create("", "x"), StatusIs(absl::StatusCode::kInvalidArgument));
}

TEST_F(PublishedFileTest, ReadsWhatWasPublishedAndNamesTheFileWhileItIsAbsentOrEmpty) {
  const std::string path = (dir_ / "grpc_address").string();
  EXPECT_THAT(ReadPublishedFile(path), StatusIs(absl::StatusCode::kNotFound, HasSubstr(path)));
  {
    ASSERT_OK_AND_ASSIGN(auto file, PublishedFile::Create(path, "127.0.0.1:50051\n"));
    EXPECT_THAT(ReadPublishedFile(path), IsOkAndHolds("127.0.0.1:50051"));
  }
  std::ofstream(path) << "  \n";
  EXPECT_THAT(ReadPublishedFile(path),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr(path)));
}

}  // namespace
}  // namespace arrears::runtime
