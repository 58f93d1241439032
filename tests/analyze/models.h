/*
 * Facts the static analyzer cannot see across files, force-included by `make analyze`
 * (clang-tidy only; never compiled into caplab).
 *
 * err_set() and err_sys() always return -1 (err.h), so `return err_set(...)` is a failure
 * path. Analysing one file at a time, clang-analyzer does not know that and explores
 * "err_set returned 0" paths that cannot happen, reporting uninitialised outputs and null
 * arguments on them. These macros give it the return value; err.c itself is analysed
 * without this header.
 */
#ifndef CAPLAB_ANALYZE_MODELS_H
#define CAPLAB_ANALYZE_MODELS_H
#ifdef __clang_analyzer__
#include "err.h"
#define err_set(...) (err_set(__VA_ARGS__), -1)
#define err_sys(...) (err_sys(__VA_ARGS__), -1)
#endif
#endif
