// SPDX-License-Identifier: MIT
#include "context_fail.h"

#include <wslay/wslay.h>

namespace {
int g_left = -1;
int g_calls = 0;
}  // namespace

namespace context_fail {
void refuse_after(int n) {
    g_left = n;
}
int calls() {
    return g_calls;
}
}  // namespace context_fail

extern "C" int __real_wslay_frame_context_init(wslay_frame_context_ptr* ctx,
                                               const struct wslay_frame_callbacks* callbacks,
                                               void* user_data);

extern "C" int __wrap_wslay_frame_context_init(wslay_frame_context_ptr* ctx,
                                               const struct wslay_frame_callbacks* callbacks,
                                               void* user_data) {
    ++g_calls;
    if (g_left == 0) return WSLAY_ERR_NOMEM;
    if (g_left > 0) --g_left;
    return __real_wslay_frame_context_init(ctx, callbacks, user_data);
}
