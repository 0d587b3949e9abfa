/* SPDX-License-Identifier: MIT */
// Makes wslay_frame_context_init fail on demand in unit_ws and unit_client (they link
// with --wrap=wslay_frame_context_init; works under sanitizers too).
#pragma once

namespace context_fail {

/// -1: never refuse; n >= 0: refuse after n more successes.
void refuse_after(int n);
/// wslay_frame_context_init calls so far (refused ones included).
int calls();

}  // namespace context_fail
