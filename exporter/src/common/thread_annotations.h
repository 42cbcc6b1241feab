// Clang's thread-safety annotations (clang.llvm.org/docs/ThreadSafetyAnalysis.html), as macros
// that expand to the attributes under clang and to nothing under other compilers. With
// clang++ -Wthread-safety the compiler checks that a member marked GUARDED_BY(mu_) is only
// touched with mu_ held and that a function marked REQUIRES(mu_) is only called with it held;
// the ThreadSafetyAnalysis ctest test runs that check over exporter/src. The capabilities
// themselves (an annotated mutex, its scoped lock, a condition variable) are in common/mutex.h.
#pragma once

#if defined(__clang__)
#define USDCOP_THREAD_ANNOTATION(x) __attribute__((x))
#else
#define USDCOP_THREAD_ANNOTATION(x)
#endif

// A type that is a capability (a mutex): CAPABILITY("mutex").
#define CAPABILITY(x) USDCOP_THREAD_ANNOTATION(capability(x))
// An RAII type that acquires a capability in its constructor and releases it in its destructor.
#define SCOPED_CAPABILITY USDCOP_THREAD_ANNOTATION(scoped_lockable)

// A data member that may be read or written only with the given capability held.
#define GUARDED_BY(x) USDCOP_THREAD_ANNOTATION(guarded_by(x))
// A pointer member whose pointee may be read or written only with the capability held.
#define PT_GUARDED_BY(x) USDCOP_THREAD_ANNOTATION(pt_guarded_by(x))

// Lock order: this capability is taken before / after the given ones.
#define ACQUIRED_BEFORE(...) USDCOP_THREAD_ANNOTATION(acquired_before(__VA_ARGS__))
#define ACQUIRED_AFTER(...) USDCOP_THREAD_ANNOTATION(acquired_after(__VA_ARGS__))

// A function that must be called with the capabilities held (exclusively / shared).
#define REQUIRES(...) USDCOP_THREAD_ANNOTATION(requires_capability(__VA_ARGS__))
#define REQUIRES_SHARED(...) USDCOP_THREAD_ANNOTATION(requires_shared_capability(__VA_ARGS__))

// A function that acquires / releases the capabilities (with no argument: `this`).
#define ACQUIRE(...) USDCOP_THREAD_ANNOTATION(acquire_capability(__VA_ARGS__))
#define ACQUIRE_SHARED(...) USDCOP_THREAD_ANNOTATION(acquire_shared_capability(__VA_ARGS__))
#define RELEASE(...) USDCOP_THREAD_ANNOTATION(release_capability(__VA_ARGS__))
#define RELEASE_SHARED(...) USDCOP_THREAD_ANNOTATION(release_shared_capability(__VA_ARGS__))
#define RELEASE_GENERIC(...) USDCOP_THREAD_ANNOTATION(release_generic_capability(__VA_ARGS__))
// A function that tries to acquire the capabilities; the first argument is the return value
// that means success.
#define TRY_ACQUIRE(...) USDCOP_THREAD_ANNOTATION(try_acquire_capability(__VA_ARGS__))
#define TRY_ACQUIRE_SHARED(...) USDCOP_THREAD_ANNOTATION(try_acquire_shared_capability(__VA_ARGS__))

// A function that must be called without the capabilities held (it takes them itself).
#define EXCLUDES(...) USDCOP_THREAD_ANNOTATION(locks_excluded(__VA_ARGS__))

// A function that checks at run time that the capability is held; the analysis assumes it is.
#define ASSERT_CAPABILITY(x) USDCOP_THREAD_ANNOTATION(assert_capability(x))
#define ASSERT_SHARED_CAPABILITY(x) USDCOP_THREAD_ANNOTATION(assert_shared_capability(x))

// A function that returns the given capability (an accessor of a mutex member).
#define RETURN_CAPABILITY(x) USDCOP_THREAD_ANNOTATION(lock_returned(x))

// Turns the analysis off for one function; say why beside it.
#define NO_THREAD_SAFETY_ANALYSIS USDCOP_THREAD_ANNOTATION(no_thread_safety_analysis)
