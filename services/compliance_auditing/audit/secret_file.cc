#include "services/compliance_auditing/audit/secret_file.h"

#include <fcntl.h>
#include <openssl/rand.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "common/status/status_macros.h"

namespace arrears::compliance::audit {
namespace {

absl::Status ErrnoError(int error, absl::string_view what, absl::string_view path) {
  const std::string message = absl::StrCat(what, " ", path, ": ", std::strerror(error));
  switch (error) {
    case ENOENT:
      return absl::NotFoundError(message);
    case EEXIST:
      return absl::AlreadyExistsError(message);
    case EACCES:
    case EPERM:
      return absl::PermissionDeniedError(message);
    default:
      return absl::InternalError(message);
  }
}

class FileDescriptor {
 public:
  explicit FileDescriptor(int fd) : fd_(fd) {}
  FileDescriptor(const FileDescriptor&) = delete;
  FileDescriptor& operator=(const FileDescriptor&) = delete;
  ~FileDescriptor() {
    if (fd_ >= 0) ::close(fd_);
  }
  int get() const { return fd_; }

 private:
  int fd_;
};

std::string DirectoryOf(const std::string& path) {
  const size_t slash = path.rfind('/');
  if (slash == std::string::npos) return ".";
  if (slash == 0) return "/";
  return path.substr(0, slash);
}

absl::Status WriteAll(int fd, absl::string_view contents, const std::string& path) {
  while (!contents.empty()) {
    const ssize_t written = ::write(fd, contents.data(), contents.size());
    if (written < 0) {
      if (errno == EINTR) continue;
      return ErrnoError(errno, "cannot write", path);
    }
    contents.remove_prefix(static_cast<size_t>(written));
  }
  return absl::OkStatus();
}

}  // namespace

absl::StatusOr<std::string> SecureRandomBytes(size_t count) {
  std::string bytes(count, '\0');
  if (count > 0 &&
      RAND_bytes(reinterpret_cast<unsigned char*>(bytes.data()), static_cast<int>(count)) != 1) {
    return absl::InternalError("OpenSSL RAND_bytes failed (random generator not seeded?)");
  }
  return bytes;
}

absl::StatusOr<std::string> ReadSecretFile(const std::string& path, size_t max_bytes) {
  if (path.empty()) return absl::InvalidArgumentError("secret file path is empty");
  FileDescriptor fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
  if (fd.get() < 0) return ErrnoError(errno, "cannot open", path);
  std::string contents;
  char buffer[4096];
  while (true) {
    const ssize_t got = ::read(fd.get(), buffer, sizeof(buffer));
    if (got < 0) {
      if (errno == EINTR) continue;
      return ErrnoError(errno, "cannot read", path);
    }
    if (got == 0) break;
    contents.append(buffer, static_cast<size_t>(got));
    if (contents.size() > max_bytes) {
      return absl::InvalidArgumentError(
          absl::StrCat("secret file ", path, " is larger than ", max_bytes, " bytes"));
    }
  }
  return contents;
}

absl::Status CreateSecretFile(const std::string& path, absl::string_view contents) {
  if (path.empty()) return absl::InvalidArgumentError("secret file path is empty");
  std::string temp = absl::StrCat(DirectoryOf(path), "/.secret-XXXXXX");
  // mkstemp creates the file 0600, whatever the umask.
  FileDescriptor fd(::mkstemp(temp.data()));
  if (fd.get() < 0) return ErrnoError(errno, "cannot create a temporary file next to", path);
  absl::Status status = WriteAll(fd.get(), contents, temp);
  if (status.ok() && ::fsync(fd.get()) != 0) status = ErrnoError(errno, "cannot fsync", temp);
  // link() refuses to replace an existing file, unlike rename().
  if (status.ok() && ::link(temp.c_str(), path.c_str()) != 0) {
    status = ErrnoError(errno, "cannot create", path);
  }
  ::unlink(temp.c_str());
  if (!status.ok()) return status;
  FileDescriptor dir(::open(DirectoryOf(path).c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
  if (dir.get() >= 0) ::fsync(dir.get());
  return absl::OkStatus();
}

absl::StatusOr<std::string> ReadOrCreateSecretFile(
    const std::string& path, absl::FunctionRef<absl::StatusOr<std::string>()> generate) {
  absl::StatusOr<std::string> existing = ReadSecretFile(path);
  if (!absl::IsNotFound(existing.status())) return existing;
  ARREARS_ASSIGN_OR_RETURN(std::string generated, generate());
  const absl::Status created = CreateSecretFile(path, generated);
  if (absl::IsAlreadyExists(created)) return ReadSecretFile(path);
  ARREARS_RETURN_IF_ERROR(created);
  return generated;
}

}  // namespace arrears::compliance::audit
