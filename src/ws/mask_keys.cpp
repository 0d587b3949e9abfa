// SPDX-License-Identifier: MIT
#include "ws/mask_keys.h"

#include <string.h>

namespace consensus::ws {

void MaskKeys::next(uint8_t* key) {
    if (pos_ + kKeyLen > kPool) {
        rnd_(rnd_ctx_, pool_, kPool);
        pos_ = 0;
    }
    memcpy(key, pool_ + pos_, kKeyLen);
    pos_ = static_cast<uint8_t>(pos_ + kKeyLen);
}

}  // namespace consensus::ws
