/* LD_PRELOAD shim for running `parapet` under valgrind 3.19.
 *
 * `parapet` has an async main: the main thread ends in libdispatch's dispatch_main(), which parks it in
 * sigsuspend() with a signal mask in read-only memory. Valgrind 3.19 sanitises that mask in place and dies with
 * SIGSEGV ("the 'impossible' happened") before the program prints anything. This passes a copy on the stack.
 *
 *   gcc -O2 -shared -fPIC -o /tmp/valgrind_sigsuspend_shim.so scripts/bench/valgrind_sigsuspend_shim.c
 */
#define _GNU_SOURCE
#include <signal.h>
#include <sys/syscall.h>
#include <unistd.h>

int sigsuspend(const sigset_t *mask) {
    sigset_t copy = *mask;
    return (int)syscall(SYS_rt_sigsuspend, &copy, _NSIG / 8);
}
