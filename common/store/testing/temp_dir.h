// TempDir: a fresh directory for one test's files, removed with everything in
// it when the object is destroyed.
//
// Created under $TEST_TMPDIR when set, else /tmp, with a unique name (mkdtemp),
// so tests run in parallel without colliding. Move-only; not synchronized.
#ifndef ARREARS_COMMON_STORE_TESTING_TEMP_DIR_H_
#define ARREARS_COMMON_STORE_TESTING_TEMP_DIR_H_

#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace arrears::store {

class TempDir {
 public:
  static absl::StatusOr<TempDir> Create();

  TempDir(TempDir&& other) noexcept;
  TempDir& operator=(TempDir&& other) noexcept;
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  ~TempDir();

  const std::string& path() const { return path_; }
  // path() + "/" + name.
  std::string File(absl::string_view name) const;

 private:
  explicit TempDir(std::string path) : path_(std::move(path)) {}
  void Remove();

  std::string path_;  // empty when moved from
};

}  // namespace arrears::store

#endif  // ARREARS_COMMON_STORE_TESTING_TEMP_DIR_H_
