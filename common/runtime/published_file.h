// PublishedFile: a small text file that appears whole and disappears with its
// owner.
//
//   ARREARS_ASSIGN_OR_RETURN(auto file,
//                            PublishedFile::Create("/tmp/bootstrap", "127.0.0.1:9092"));
//   ...  // readers see either no file or exactly "127.0.0.1:9092"
//   file.reset();  // removed
//
// Why: scripts and test harnesses poll for the devbroker's bootstrap file and
// for a service's gRPC address file (--grpc_address_file); a reader must
// never see one half-written, and a file left behind by a stopped process
// would send clients to a dead port.
//
// Contract: Create() writes `contents` (verbatim, no newline added) to a
// temporary file in the same directory and rename()s it over `path`, so the
// file appears atomically; it fails, naming the path, if either step fails.
// The destructor removes `path`. Not thread-safe; there is nothing to share.
#ifndef ARREARS_COMMON_RUNTIME_PUBLISHED_FILE_H_
#define ARREARS_COMMON_RUNTIME_PUBLISHED_FILE_H_

#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace arrears::runtime {

class PublishedFile {
 public:
  static absl::StatusOr<std::unique_ptr<PublishedFile>> Create(absl::string_view path,
                                                               absl::string_view contents);

  PublishedFile(const PublishedFile&) = delete;
  PublishedFile& operator=(const PublishedFile&) = delete;
  ~PublishedFile();

  const std::string& path() const { return path_; }

 private:
  explicit PublishedFile(std::string path) : path_(std::move(path)) {}

  const std::string path_;
};

// The contents of a published file, surrounding whitespace stripped.
// NotFound while it does not exist (callers may poll), InvalidArgument when it
// is empty; both name the path.
absl::StatusOr<std::string> ReadPublishedFile(const std::string& path);

}  // namespace arrears::runtime

#endif  // ARREARS_COMMON_RUNTIME_PUBLISHED_FILE_H_
