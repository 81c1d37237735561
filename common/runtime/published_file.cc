#include "common/runtime/published_file.h"

#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <fstream>
#include <sstream>

#include "absl/status/status.h"
#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"

namespace arrears::runtime {

absl::StatusOr<std::unique_ptr<PublishedFile>> PublishedFile::Create(absl::string_view path,
                                                                     absl::string_view contents) {
  if (path.empty()) return absl::InvalidArgumentError("PublishedFile: path is empty");
  const std::string target(path);
  // Same directory as the target, so rename() stays within one file system.
  const std::string temporary = absl::StrCat(target, ".tmp.", getpid());
  {
    std::ofstream out(temporary, std::ios::binary | std::ios::trunc);
    out.write(contents.data(), static_cast<std::streamsize>(contents.size()));
    out.close();
    if (!out) {
      std::remove(temporary.c_str());
      return absl::UnavailableError(absl::StrCat("PublishedFile: cannot write ", temporary));
    }
  }
  if (std::rename(temporary.c_str(), target.c_str()) != 0) {
    absl::Status status =
        absl::ErrnoToStatus(errno, absl::StrCat("PublishedFile: cannot rename to ", target));
    std::remove(temporary.c_str());
    return status;
  }
  return std::unique_ptr<PublishedFile>(new PublishedFile(target));
}

PublishedFile::~PublishedFile() { std::remove(path_.c_str()); }

absl::StatusOr<std::string> ReadPublishedFile(const std::string& path) {
  std::ifstream file(path, std::ios::binary);
  if (!file) return absl::NotFoundError(absl::StrCat("file \"", path, "\": cannot open"));
  std::stringstream content;
  content << file.rdbuf();
  std::string text(absl::StripAsciiWhitespace(content.str()));
  if (text.empty()) return absl::InvalidArgumentError(absl::StrCat("file \"", path, "\": empty"));
  return text;
}

}  // namespace arrears::runtime
