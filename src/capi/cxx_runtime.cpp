// SPDX-License-Identifier: MIT
// The one C++ runtime symbol the library may reference: unoptimised (-O0)
// builds emit the vtables of the abstract interfaces (ws::FrameHandler,
// TokenFetchOwner), whose pure entries point at __cxa_pure_virtual.
// Optimised builds reference nothing of the C++ runtime. Defined here, weak,
// so that a C program links the library with the C compiler alone in every
// build type; a C++ program's libstdc++ may supply its own. A pure virtual
// is never called (the interfaces are always implemented): if it were, this
// stops the program, as libstdc++'s does.
extern "C" __attribute__((weak)) void __cxa_pure_virtual() {
    __builtin_trap();
}
