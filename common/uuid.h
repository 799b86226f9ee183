#ifndef RECLOOP_COMMON_UUID_H_
#define RECLOOP_COMMON_UUID_H_

#include <string>

namespace recloop {

// A random (version 4) UUID in its canonical 36-character lower-case form.
// Thread-safe.
std::string NewUuid();

}  // namespace recloop

#endif  // RECLOOP_COMMON_UUID_H_
