/* SPDX-License-Identifier: MIT */
/** \file
 * CONSENSUS_API marks what the libraries export: the public functions,
 * classes and objects of include/consensus/. A shared build compiles
 * everything else with -fvisibility=hidden, so only these are in the dynamic
 * symbol table; a static build is unaffected. C and C++. */
#ifndef CONSENSUS_EXPORT_H
#define CONSENSUS_EXPORT_H

#if defined(__GNUC__) || defined(__clang__)
#define CONSENSUS_API __attribute__((visibility("default")))
#else
#define CONSENSUS_API
#endif

#endif /* CONSENSUS_EXPORT_H */
